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
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from ledger.charter_policy import CUSTODY_LIMIT_HOURS, REMAND_LIMIT_DAYS

STATE_VERSION = 2
"""Bumped whenever folding changes meaning: an older snapshot is then rebuilt from zero."""
CASE_TYPES = frozenset(
    {
        "arrest.made",
        "custody.produced",
        "custody.transferred",
        "release.recorded",
        "instruction.reported",
        "charge.filed",
        "charge.withdrawn",
        "bail.granted",
        "bail.denied",
        "hearing.held",
        "verdict.delivered",
        "sentence.imposed",
        "court.order_issued",
    }
)
ORDER_TYPES = frozenset({"court.order_issued", "bail.granted", "verdict.delivered"})
"""Statements a release may rest on (its ``order_event``)."""
INTERRUPTION_TYPES = frozenset({"mediation.held", "hospital.response", "community.response"})
AUDIT_TYPES = frozenset({"explanation.requested", "explanation.given", "audit.finding_recorded"})
CORRECTION_TYPES = frozenset({"event.corrected", "event.retracted"})
GOVERNANCE_TYPES = frozenset(
    {"ledger.chartered", "key.registered", "key.revoked", "head.appointed", "head.removed"}
)
"""Statements about the ledger itself, not the city: they do not move ``as_of``."""
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
        if event["type"] not in GOVERNANCE_TYPES and event["occurred_at"] > self.as_of:
            self.as_of = event["occurred_at"]
        if event["type"] in CORRECTION_TYPES:
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
            if event["type"] in CORRECTION_TYPES:
                original = event["data"].get("original")
                if original in self.events:
                    self.corrections.setdefault(original, []).append(event_id)
                continue
            self._fold(event)

    def _fold(self, event: Event) -> None:
        kind = event["type"]
        data = event["data"]
        eid = event["id"]
        if kind in CASE_TYPES and isinstance(data.get("case"), str):
            self.case_mentions.setdefault(data["case"], []).append(eid)
        if isinstance(data.get("person"), str):
            self.person_mentions.setdefault(data["person"], []).append(eid)
        if "retracted_by" in event:
            return
        if kind in CASE_TYPES:
            case = self.cases.get(data.get("case", ""))
            if case is None:
                case = {"person": data.get("person"), "events": []}
                self.cases[data.get("case", "")] = case
            case["events"].append(eid)
            if case["person"] is None and data.get("person"):
                case["person"] = data["person"]
            person = data.get("person")
            if person:
                cases = self.person_cases.setdefault(person, [])
                if data["case"] not in cases:
                    cases.append(data["case"])
            if kind == "arrest.made":
                for incident in data.get("incidents", []):
                    self.arrests_by_incident.setdefault(incident, []).append(eid)
            return
        handler = _FOLDERS.get(kind)
        if handler is not None:
            handler(self, event)

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

    def role_of(self, institution: str) -> str | None:
        return self.institutions.get(institution)


def _on_chartered(facts: Facts, event: Event) -> None:
    data = event["data"]
    facts.policy = {**DEFAULT_POLICY, **(data.get("policy") or {})}
    for inst in data.get("institutions", []):
        facts.institutions[inst["id"]] = inst["role"]


def _on_key_registered(facts: Facts, event: Event) -> None:
    data = event["data"]
    if data.get("role") and data.get("institution") not in facts.institutions:
        facts.institutions[data["institution"]] = data["role"]


def _on_group(facts: Facts, event: Event) -> None:
    facts.groups[event["data"]["group"]] = event["id"]


def _on_person(facts: Facts, event: Event) -> None:
    facts.persons[event["data"]["person"]] = event["id"]


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


def _on_withdrawal(facts: Facts, event: Event) -> None:
    data = event["data"]
    for spell in facts.memberships.get(data["person"], []):
        if spell["group"] == data["group"] and spell["until"] is None:
            spell["until"] = event["occurred_at"]
            spell["withdrawn"] = event["id"]


def _on_officer(facts: Facts, event: Event) -> None:
    facts.officers[event["data"]["officer"]] = event["id"]


def _on_transfer(facts: Facts, event: Event) -> None:
    facts.transfers.append(event["id"])


def _on_warning(facts: Facts, event: Event) -> None:
    facts.warnings[event["data"]["warning"]] = event["id"]


def _incident(facts: Facts, key: str) -> dict[str, Any]:
    return facts.incidents.setdefault(key, {"reported": None, "attributions": []})


def _on_shooting(facts: Facts, event: Event) -> None:
    incident = _incident(facts, event["data"]["incident"])
    if incident["reported"] is None:
        incident["reported"] = event["id"]


def _on_attribution(facts: Facts, event: Event) -> None:
    _incident(facts, event["data"]["incident"])["attributions"].append(event["id"])


def _on_action(facts: Facts, event: Event) -> None:
    facts.actions.append(event["id"])


def _on_interruption(facts: Facts, event: Event) -> None:
    facts.interruption.append(event["id"])
    incident = event["data"].get("incident")
    if incident and event["type"] != "mediation.held":
        facts.responses_by_incident.setdefault(incident, []).append(event["id"])


def _on_audit(facts: Facts, event: Event) -> None:
    facts.inquiries.setdefault(event["data"]["subject"], []).append(event["id"])


_FOLDERS = {
    "ledger.chartered": _on_chartered,
    "key.registered": _on_key_registered,
    "group.registered": _on_group,
    "person.registered": _on_person,
    "membership.asserted": _on_membership,
    "membership.withdrawn": _on_withdrawal,
    "officer.registered": _on_officer,
    "officer.transferred": _on_transfer,
    "warning.issued": _on_warning,
    "shooting.reported": _on_shooting,
    "shooting.attributed": _on_attribution,
    "enforcement.action": _on_action,
    **{t: _on_interruption for t in INTERRUPTION_TYPES},
    **{t: _on_audit for t in AUDIT_TYPES},
}
