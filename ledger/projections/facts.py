"""Facts: the log folded into normalised, indexed facts every report reads.

A statement arrives as the dict the log stores (``type``, ``recorder``,
``key_id``, ``occurred_at``, ``recorded_at``, ``data``, ``sealed``, ``refs``)
plus its ``event_id`` and ``leaf_index``. ``Facts.apply`` takes them one at a
time, in log order, and keeps:

* every event (public part only; whether it has a sealed part, never the
  sealed content), with its corrections and retraction;
* indexes by the things people ask about: groups, persons and their
  memberships over time, officers and transfers, warnings, incidents and their
  attributions, cases (one accused in one FIR) with every step recorded on
  them, enforcement actions, mediations and responses, inquiries (keyed by the
  subject event id).

Corrections and retractions never erase: a retracted event stays in the
timeline (marked retracted) but no longer counts; a corrected event counts with
its corrected data and keeps its original data. Because a correction may move
an event to another case or person, the indexes are rebuilt from the stored
events when one arrives (corrections are rare; everything else is O(1)).

The state is plain JSON (``to_state``/``from_state``), so the runner can store
a snapshot beside its tracking position.

No list of event type names lives here. Whether a statement is a step of a
case, a statement about the ledger itself or an amendment is read from the
vocabulary: from the lifecycle its evolve function changes (a ``Case``, the
``Registry``) and from its data class (an ``Amendment``). What each type adds to
the indexes is registered on its data class with ``index``, beside the
lifecycles' evolve functions in the same registry. Facts fold statements as the
log stores them, so these functions read the event's data as a dict.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from ledger.aggregates.case import Case
from ledger.aggregates.registry import Registry
from ledger.charter_policy import CUSTODY_LIMIT_HOURS, REMAND_LIMIT_DAYS
from ledger.vocabulary import load_all
from ledger.vocabulary.audit import AuditFindingRecorded, ExplanationGiven, ExplanationRequested
from ledger.vocabulary.base import VOCABULARY, Amendment, EventData, index, spec_for, types_of
from ledger.vocabulary.court import BailGranted, CourtOrderIssued, VerdictDelivered
from ledger.vocabulary.enforcement import ArrestMade, EnforcementAction
from ledger.vocabulary.governance import KeyRegistered, LedgerChartered
from ledger.vocabulary.incidents import ShootingAttributed, ShootingReported
from ledger.vocabulary.interruption import CommunityResponse, HospitalResponse, MediationHeld
from ledger.vocabulary.promises import WarningIssued
from ledger.vocabulary.registry import (
    GroupRegistered,
    MembershipAsserted,
    MembershipWithdrawn,
    OfficerRegistered,
    OfficerTransferred,
    PersonRegistered,
)

STATE_VERSION = 2
"""Bumped whenever folding changes meaning: an older snapshot is then rebuilt from zero."""
ORDER_TYPES = types_of(CourtOrderIssued, BailGranted, VerdictDelivered)
"""Statements a release may rest on (its ``order_event``)."""
DEFAULT_POLICY = {
    "custody_limit_hours": CUSTODY_LIMIT_HOURS,
    "remand_limit_days": REMAND_LIMIT_DAYS,
}
"""The limits the reports measure against, where the charter names none."""

Event = dict[str, Any]
"""One event as the facts hold it: id, i (log position), type, recorder,
key_id, occurred_at, recorded_at, data (effective: corrected if corrected),
refs, sealed (bool), and when applicable original_data, corrections (ids),
retracted_by (id)."""


@lru_cache(maxsize=200_000)
def seconds(moment: str) -> float:
    """Seconds since the epoch of a ledger time ("YYYY-MM-DDTHH:MM:SSZ")."""
    return datetime.fromisoformat(moment).timestamp()


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk folding or reporting.

    Facts are plain dicts and lists without reference cycles, so nothing is
    leaked; without the pause, each collection rescans millions of live
    objects and a rebuild of a large log takes twice as long.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


HOUR = 3600.0
DAY = 86400.0


class Facts:
    """The log folded into facts; ``apply`` one statement at a time, in log order."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.order: list[str] = []
        self.as_of: str = ""
        self._reset_indexes()

    # --- state -----------------------------------------------------------------------
    @property
    def count(self) -> int:
        """How many statements were applied: the tree size these facts reflect."""
        return len(self.order)

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-able state (the indexes are rebuilt from it)."""
        return {
            "version": STATE_VERSION,
            "order": self.order,
            "events": self.events,
            "as_of": self.as_of,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Facts:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported facts snapshot version {state.get('version')!r}")
        facts = cls()
        facts.events = state["events"]
        facts.order = list(state["order"])
        facts.as_of = state["as_of"]
        with bulk():
            facts._refold()
        return facts

    def _reset_indexes(self) -> None:
        self._stale = False
        self.policy: dict[str, Any] = dict(DEFAULT_POLICY)
        self.institutions: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.persons: dict[str, str] = {}
        self.memberships: dict[str, list[dict[str, Any]]] = {}
        self.officers: dict[str, str] = {}
        self.transfers: list[str] = []
        self.warnings: dict[str, str] = {}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.person_cases: dict[str, list[str]] = {}
        self.arrests_by_incident: dict[str, list[str]] = {}
        self.actions: list[str] = []
        self.interruption: list[str] = []
        self.responses_by_incident: dict[str, list[str]] = {}
        self.inquiries: dict[str, list[str]] = {}
        self.corrections: dict[str, list[str]] = {}
        self.case_mentions: dict[str, list[str]] = {}
        self.person_mentions: dict[str, list[str]] = {}

    # --- applying --------------------------------------------------------------------
    def apply(self, statement: dict[str, Any], *, settle: bool = True) -> None:
        """Fold one stored statement (with ``event_id`` and ``leaf_index``) into the facts.

        A correction or retraction changes what earlier statements mean, so
        the indexes are refolded from all statements. Bulk callers pass
        ``settle=False`` and call ``settle()`` once at the end: until then later
        statements are only recorded, and one refold serves every correction in
        the batch (otherwise a log with c corrections costs c full refolds).
        """
        event_id = str(statement["event_id"])
        event: Event = {
            "id": event_id,
            "i": int(statement["leaf_index"]),
            "type": statement["type"],
            "recorder": statement["recorder"],
            "key_id": statement.get("key_id"),
            "occurred_at": statement["occurred_at"],
            "recorded_at": statement["recorded_at"],
            "data": statement.get("data") or {},
            "refs": list(statement.get("refs") or []),
            "sealed": statement.get("sealed") is not None,
        }
        if event["i"] != len(self.order):
            raise ValueError(
                f"statement at log position {event['i']} applied after {len(self.order)} statements:"
                " facts must be folded in log order"
            )
        self.events[event_id] = event
        self.order.append(event_id)
        spec = spec_for(event["type"])
        # Statements about the ledger itself (its registry), not the city, do not move as_of.
        if spec.lifecycle is not Registry and event["occurred_at"] > self.as_of:
            self.as_of = event["occurred_at"]
        if issubclass(spec.data, Amendment):
            self._correct(event)
            self._stale = True
        elif not self._stale:
            self._fold(event)
        if settle:
            self.settle()

    def settle(self) -> None:
        """Bring the indexes up to date after corrections applied with ``settle=False``."""
        if self._stale:
            self._refold()
            self._stale = False

    def apply_all(self, statements: Iterable[dict[str, Any]]) -> Facts:
        for statement in statements:
            self.apply(statement, settle=False)
        self.settle()
        return self

    def _correct(self, event: Event) -> None:
        original = self.events.get(event["data"].get("original", ""))
        if original is None:
            return
        original.setdefault("corrections", []).append(event["id"])
        if event["type"] == "event.retracted":
            original["retracted_by"] = event["id"]
        elif "retracted_by" not in original:
            original.setdefault("original_data", original["data"])
            original["data"] = event["data"].get("corrected_data") or original["data"]
            moved = event["data"].get("corrected_occurred_at")
            if moved:
                original.setdefault("original_occurred_at", original["occurred_at"])
                original["occurred_at"] = moved
                self.as_of = max(self.as_of, moved)

    def _refold(self) -> None:
        self._reset_indexes()
        for event_id in self.order:
            event = self.events[event_id]
            if issubclass(spec_for(event["type"]).data, Amendment):
                original = event["data"].get("original")
                if original in self.events:
                    self.corrections.setdefault(original, []).append(event_id)
                continue
            self._fold(event)

    def _fold(self, event: Event) -> None:
        data = event["data"]
        spec = spec_for(event["type"])
        if spec.lifecycle is Case and isinstance(data.get("case"), str):
            self.case_mentions.setdefault(data["case"], []).append(event["id"])
        if isinstance(data.get("person"), str):
            self.person_mentions.setdefault(data["person"], []).append(event["id"])
        if "retracted_by" not in event:
            index.dispatch(spec.data)(self, event)

    # --- reading ---------------------------------------------------------------------
    def event(self, event_id: str) -> Event | None:
        return self.events.get(event_id)

    def counts(self, event_id: str) -> bool:
        """True when the event is in the log and not retracted."""
        event = self.events.get(event_id)
        return event is not None and "retracted_by" not in event

    def case_events(self, case: str) -> list[Event]:
        found = self.cases.get(case)
        return [self.events[e] for e in found["events"]] if found else []

    def groups_of(self, person: str, at: str) -> list[str]:
        """Groups the person was a member of at a time (asserted at or before, not yet withdrawn)."""
        out: list[str] = []
        for spell in self.memberships.get(person, []):
            if spell["from"] <= at and (spell["until"] is None or at < spell["until"]):
                if spell["group"] not in out:
                    out.append(spell["group"])
        return out


# --- what the facts keep per event type, beyond the lifecycles' state ---------------------------


@index.register(LedgerChartered)
def _on_chartered(facts: Facts, event: Event) -> None:
    data = event["data"]
    facts.policy = {**DEFAULT_POLICY, **(data.get("policy") or {})}
    for inst in data.get("institutions", []):
        facts.institutions[inst["id"]] = inst["role"]


@index.register(KeyRegistered)
def _on_key_registered(facts: Facts, event: Event) -> None:
    data = event["data"]
    if data.get("role") and data.get("institution") not in facts.institutions:
        facts.institutions[data["institution"]] = data["role"]


@index.register(GroupRegistered)
def _on_group(facts: Facts, event: Event) -> None:
    facts.groups[event["data"]["group"]] = event["id"]


@index.register(PersonRegistered)
def _on_person(facts: Facts, event: Event) -> None:
    facts.persons[event["data"]["person"]] = event["id"]


@index.register(MembershipAsserted)
def _on_membership(facts: Facts, event: Event) -> None:
    data = event["data"]
    spells = facts.memberships.setdefault(data["person"], [])
    spells.append(
        {
            "group": data["group"],
            "role": data.get("role_in_group"),
            "from": event["occurred_at"],
            "until": None,
            "asserted": event["id"],
            "withdrawn": None,
        }
    )


@index.register(MembershipWithdrawn)
def _on_withdrawal(facts: Facts, event: Event) -> None:
    data = event["data"]
    for spell in facts.memberships.get(data["person"], []):
        if spell["group"] == data["group"] and spell["until"] is None:
            spell["until"] = event["occurred_at"]
            spell["withdrawn"] = event["id"]


@index.register(OfficerRegistered)
def _on_officer(facts: Facts, event: Event) -> None:
    facts.officers[event["data"]["officer"]] = event["id"]


@index.register(OfficerTransferred)
def _on_transfer(facts: Facts, event: Event) -> None:
    facts.transfers.append(event["id"])


@index.register(WarningIssued)
def _on_warning(facts: Facts, event: Event) -> None:
    facts.warnings[event["data"]["warning"]] = event["id"]


def _incident(facts: Facts, key: str) -> dict[str, Any]:
    return facts.incidents.setdefault(key, {"reported": None, "attributions": []})


@index.register(ShootingReported)
def _on_shooting(facts: Facts, event: Event) -> None:
    incident = _incident(facts, event["data"]["incident"])
    if incident["reported"] is None:
        incident["reported"] = event["id"]


@index.register(ShootingAttributed)
def _on_attribution(facts: Facts, event: Event) -> None:
    _incident(facts, event["data"]["incident"])["attributions"].append(event["id"])


@index.register(EnforcementAction)
def _on_action(facts: Facts, event: Event) -> None:
    facts.actions.append(event["id"])


@index.register(MediationHeld)
def _on_mediation(facts: Facts, event: Event) -> None:
    facts.interruption.append(event["id"])


@index.register(HospitalResponse)
@index.register(CommunityResponse)
def _on_response(facts: Facts, event: Event) -> None:
    facts.interruption.append(event["id"])
    incident = event["data"].get("incident")
    if incident:
        facts.responses_by_incident.setdefault(incident, []).append(event["id"])


@index.register(ExplanationRequested)
@index.register(ExplanationGiven)
@index.register(AuditFindingRecorded)
def _on_audit(facts: Facts, event: Event) -> None:
    facts.inquiries.setdefault(event["data"]["subject"], []).append(event["id"])


def _on_case_step(facts: Facts, event: Event) -> None:
    """A step of a case: every type whose evolve function changes a Case."""
    data = event["data"]
    case = facts.cases.get(data.get("case", ""))
    if case is None:
        case = {"person": data.get("person"), "events": []}
        facts.cases[data.get("case", "")] = case
    case["events"].append(event["id"])
    if case["person"] is None and data.get("person"):
        case["person"] = data["person"]
    person = data.get("person")
    if person:
        cases = facts.person_cases.setdefault(person, [])
        if data["case"] not in cases:
            cases.append(data["case"])


@index.register(ArrestMade)
def _on_arrest(facts: Facts, event: Event) -> None:
    _on_case_step(facts, event)
    for incident in event["data"].get("incidents", []):
        facts.arrests_by_incident.setdefault(incident, []).append(event["id"])


def _index_case_steps() -> None:
    load_all()
    unindexed = index.dispatch(EventData)
    for spec in VOCABULARY.values():
        if spec.lifecycle is Case and index.dispatch(spec.data) is unindexed:
            index.register(spec.data, _on_case_step)


_index_case_steps()
