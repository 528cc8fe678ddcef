"""Facts: the log folded into the lifecycle states and indexes every report reads.

A statement arrives as the dict the log stores (``type``, ``recorder``,
``key_id``, ``occurred_at``, ``recorded_at``, ``data``, ``sealed``, ``refs``)
plus its ``event_id`` and ``leaf_index``. ``Facts.apply`` takes them one at a
time, in log order, and keeps:

* the timeline: every event (public part only; whether it has a sealed part,
  never the sealed content), with its corrections and retraction;
* the state of every subject: the registry and each group, person, officer,
  warning, incident, case, mediation and inquiry. Each statement is folded
  into its subject by its type's evolve function, the one the aggregates
  fold with (``ledger.aggregates.states``), so a report reads the state a rule
  judges by;
* indexes by the things people ask about (groups, persons and their
  memberships over time, officers and transfers, warnings, incidents and
  their attributions, cases with every step recorded on them, enforcement
  actions, mediations and responses, inquiries keyed by the subject event),
  read from those states the first time they are asked for after a change.
  Only what spans subjects (a person's cases, an incident's arrests, who is
  mentioned where) is put together here.

Corrections and retractions never erase: a retracted event stays in the
timeline (marked retracted) but no longer counts; a corrected event counts with
its corrected data and keeps its original data. An amendment replays the
lifecycle of the statement it names, as the aggregate does, and the timeline
shows that statement as its lifecycle now holds it.

The state is the timeline, plain JSON (``to_state``/``from_state``); the
lifecycle states are folded again from it, so a snapshot holds nothing the
leaves do not give.

No list of event type names lives here. Which subject a statement changes, and
whether it amends another, is read from the vocabulary: from the lifecycle
its evolve function changes and from its data class (an ``Amendment``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.case import Case
from ledger.aggregates.group import Group
from ledger.aggregates.incident import Incident
from ledger.aggregates.inquiry import Inquiry
from ledger.aggregates.lifecycle import Lifecycle
from ledger.aggregates.mediation import Mediation
from ledger.aggregates.officer import Officer
from ledger.aggregates.registry import Registry
from ledger.aggregates.states import LifecycleStates
from ledger.aggregates.warning import Warning
from ledger.charter_policy import CUSTODY_LIMIT_HOURS, REMAND_LIMIT_DAYS
from ledger.vocabulary.base import Amendment, spec_for, types_of
from ledger.vocabulary.court import BailGranted, CourtOrderIssued, VerdictDelivered

STATE_VERSION = 3
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
refs, sealed (bool), and when applicable original_data, original_occurred_at,
corrections (ids), retracted_by (id)."""


@lru_cache(maxsize=200_000)
def seconds(moment: str) -> float:
    """Seconds since the epoch of a ledger time ("YYYY-MM-DDTHH:MM:SSZ")."""
    return datetime.fromisoformat(moment).timestamp()


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk folding or reporting.

    Facts are plain objects, dicts and lists without reference cycles, so
    nothing is leaked; without the pause, each collection rescans millions of
    live objects and a rebuild of a large log takes twice as long.
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


@dataclass(frozen=True)
class Indexes:
    """What the reports look things up by, read from the lifecycle states.

    Values are event ids (the reports cite them), in log order unless said
    otherwise; only what counts is indexed (no retracted statement), except
    the mentions.
    """

    policy: dict[str, Any]
    """The charter's limits over the defaults."""
    institutions: dict[str, str]
    """Institution id to role."""
    groups: dict[str, str]
    """Registered group to its registration, in order of registration."""
    memberships: dict[str, list[dict[str, Any]]]
    """Person to membership spells in every group, in order of assertion."""
    officers: dict[str, str]
    """Registered officer to the registration."""
    transfers: list[str]
    """Every officer's transfers."""
    warnings: dict[str, str]
    """Issued warning to the statement that issued it."""
    incidents: dict[str, dict[str, Any]]
    """Incident to ``reported`` (the report, or None) and ``attributions``."""
    cases: dict[str, dict[str, Any]]
    """Case to its ``person`` and ``events`` (its steps), in order of the first step."""
    person_cases: dict[str, list[str]]
    """Person to the cases whose steps name them, in order of the first such step."""
    arrests_by_incident: dict[str, list[str]]
    """Incident to the arrests that cite it."""
    actions: list[str]
    """Every group's enforcement actions."""
    interruption: list[str]
    """Mediation sessions and responses to shootings."""
    inquiries: dict[str, list[str]]
    """Subject event to the requests, explanations and findings about it."""
    case_mentions: dict[str, list[str]]
    """Case to every statement recorded on it, retracted ones too."""


class Facts:
    """The log folded into facts; ``apply`` one statement at a time, in log order."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.order: list[str] = []
        self.as_of: str = ""
        self.states = LifecycleStates()
        self._indexes: Indexes | None = None
        self._mentions: dict[str, list[str]] | None = {}

    # --- state -----------------------------------------------------------------------
    @property
    def count(self) -> int:
        """How many statements were applied: the tree size these facts reflect."""
        return len(self.order)

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-able state (the lifecycle states and indexes are folded again from it)."""
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
        facts._mentions = None
        with bulk():
            for event_id in facts.order:
                event = facts.events[event_id]
                facts._fold(event, issubclass(spec_for(event["type"]).data, Amendment))
        return facts

    # --- applying --------------------------------------------------------------------
    def apply(self, statement: dict[str, Any]) -> None:
        """Fold one stored statement (with ``event_id`` and ``leaf_index``) into the facts."""
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
        spec = spec_for(event["type"])
        amendment = issubclass(spec.data, Amendment)
        state = self._fold(event, amendment)
        self.events[event_id] = event
        self.order.append(event_id)
        self._indexes = None
        person = event["data"].get("person")
        if isinstance(person, str) and not amendment and self._mentions is not None:
            self._mentions.setdefault(person, []).append(event_id)
        # Statements about the ledger itself (its registry), not the city, do not move as_of.
        if spec.lifecycle is not Registry and event["occurred_at"] > self.as_of:
            self.as_of = event["occurred_at"]
        if amendment and isinstance(state, Lifecycle):
            self._show_amended(event, state)

    def apply_all(self, statements: Iterable[dict[str, Any]]) -> Facts:
        for statement in statements:
            self.apply(statement)
        return self

    def _fold(self, event: Event, amendment: bool) -> LedgerAggregate | None:
        """Fold the event, as it was signed, into the state of its subject."""
        statement = event
        if "original_data" in event or "original_occurred_at" in event:
            statement = {
                **event,
                "occurred_at": event.get("original_occurred_at", event["occurred_at"]),
                "data": event.get("original_data", event["data"]),
            }
        amended = self.events.get(event["data"].get("original", "")) if amendment else None
        return self.states.fold(statement, event["id"], event["i"], amended=amended)

    def _show_amended(self, amendment: Event, lifecycle: Lifecycle) -> None:
        """Show the statement an amendment names as its lifecycle now holds it."""
        original = self.events[amendment["data"]["original"]]
        original.setdefault("corrections", []).append(amendment["id"])
        if "retracted_by" in original:
            return
        if lifecycle.is_retracted(original["id"]):
            original["retracted_by"] = amendment["id"]
            return
        named = original["data"].get("person")
        original.setdefault("original_data", original["data"])
        original["data"] = lifecycle.effective(original["id"])["data"]
        if original["data"].get("person") != named:
            self._mentions = None
        moved = lifecycle.corrections[original["id"]].get("corrected_occurred_at")
        if moved:
            original.setdefault("original_occurred_at", original["occurred_at"])
            original["occurred_at"] = moved
            self.as_of = max(self.as_of, moved)
        elif "original_occurred_at" in original:
            original["occurred_at"] = original.pop("original_occurred_at")

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

    # --- indexes, read from the lifecycle states ---------------------------------------
    @property
    def indexes(self) -> Indexes:
        if self._indexes is None:
            self._indexes = self._read_indexes()
        return self._indexes

    @property
    def policy(self) -> dict[str, Any]:
        return self.indexes.policy

    @property
    def institutions(self) -> dict[str, str]:
        return self.indexes.institutions

    @property
    def groups(self) -> dict[str, str]:
        return self.indexes.groups

    @property
    def memberships(self) -> dict[str, list[dict[str, Any]]]:
        return self.indexes.memberships

    @property
    def officers(self) -> dict[str, str]:
        return self.indexes.officers

    @property
    def transfers(self) -> list[str]:
        return self.indexes.transfers

    @property
    def warnings(self) -> dict[str, str]:
        return self.indexes.warnings

    @property
    def incidents(self) -> dict[str, dict[str, Any]]:
        return self.indexes.incidents

    @property
    def cases(self) -> dict[str, dict[str, Any]]:
        return self.indexes.cases

    @property
    def person_cases(self) -> dict[str, list[str]]:
        return self.indexes.person_cases

    @property
    def arrests_by_incident(self) -> dict[str, list[str]]:
        return self.indexes.arrests_by_incident

    @property
    def actions(self) -> list[str]:
        return self.indexes.actions

    @property
    def interruption(self) -> list[str]:
        return self.indexes.interruption

    @property
    def inquiries(self) -> dict[str, list[str]]:
        return self.indexes.inquiries

    @property
    def case_mentions(self) -> dict[str, list[str]]:
        return self.indexes.case_mentions

    @property
    def person_mentions(self) -> dict[str, list[str]]:
        """Person to every statement whose data names them, retracted ones too, in log order.

        Kept as statements arrive; found again from the timeline after a
        correction names another person (of a membership, whose subject is the group).
        """
        if self._mentions is None:
            self._mentions = self._person_mentions()
        return self._mentions

    def _at(self, event_id: str) -> int:
        return int(self.events[event_id]["i"])

    def _in_log_order(self, ids: Iterable[str]) -> list[str]:
        return sorted(ids, key=self._at)

    def _registered(self, found: Iterable[tuple[str, str | None]]) -> dict[str, str]:
        """Subject to the statement that registered it, in the order of those statements."""
        pairs = [(key, event_id) for key, event_id in found if event_id is not None]
        return dict(sorted(pairs, key=lambda pair: self._at(pair[1])))

    def _read_indexes(self) -> Indexes:
        states = self.states
        groups = states.of(Group)
        memberships: dict[str, list[dict[str, Any]]] = {}
        for group in groups.values():
            for person, spells in group.memberships.items():
                memberships.setdefault(person, []).extend(spells)
        for spells in memberships.values():
            spells.sort(key=lambda spell: self._at(spell["asserted"]))
        cases = self._cases()
        return Indexes(
            policy={**DEFAULT_POLICY, **states.registry.policy},
            institutions={i.id: i.role for i in states.registry.institutions.values()},
            groups=self._registered((k, g.registered_in) for k, g in groups.items()),
            memberships=memberships,
            officers=self._registered((k, o.registered_in) for k, o in states.of(Officer).items()),
            transfers=self._in_log_order(
                t["event_id"] for o in states.of(Officer).values() for t in o.transfers
            ),
            warnings=self._registered((k, w.issued_in) for k, w in states.of(Warning).items()),
            incidents=self._incidents(),
            cases=cases,
            person_cases=self._person_cases(cases),
            arrests_by_incident=self._arrests_by_incident(),
            actions=self._in_log_order(
                a["event_id"] for g in groups.values() for a in g.actions.values()
            ),
            interruption=self._in_log_order(
                [
                    *(s["event_id"] for m in states.of(Mediation).values() for s in m.sessions),
                    *(
                        r["event_id"]
                        for i in states.of(Incident).values()
                        for r in i.responses.values()
                    ),
                ]
            ),
            inquiries={
                subject: standing
                for subject, inquiry in states.of(Inquiry).items()
                if (standing := inquiry.standing())
            },
            case_mentions={
                key: [event_id for event_id, _ in case.order]
                for key, case in states.of(Case).items()
            },
        )

    def _incidents(self) -> dict[str, dict[str, Any]]:
        """Incidents with a report or an attribution that counts, by the first of these."""
        found: list[tuple[int, str, dict[str, Any]]] = []
        for key, incident in self.states.of(Incident).items():
            attributions = [a["event_id"] for a in incident.attributions]
            first = [e for e in (incident.reported_in, *attributions[:1]) if e is not None]
            if first:
                entry = {"reported": incident.reported_in, "attributions": attributions}
                found.append((min(map(self._at, first)), key, entry))
        return {key: entry for _, key, entry in sorted(found, key=lambda f: f[0])}

    def _cases(self) -> dict[str, dict[str, Any]]:
        """Cases with a step that counts, in the order of their first such step."""
        found: list[tuple[int, str, dict[str, Any]]] = []
        for key, case in self.states.of(Case).items():
            steps = case.standing()
            if steps:
                found.append((self._at(steps[0]), key, {"person": case.person, "events": steps}))
        return {key: entry for _, key, entry in sorted(found, key=lambda f: f[0])}

    def _person_cases(self, cases: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
        """Each person's cases, in the order of the first step naming them.

        Every step of a case that names a person names the case's person (the
        rules refuse another), so that is the first step naming anyone.
        """
        named: list[tuple[int, str, str]] = []
        for key, entry in cases.items():
            if entry["person"]:
                steps = entry["events"]
                first = next((e for e in steps if self.events[e]["data"].get("person")), steps[0])
                named.append((self._at(first), entry["person"], key))
        out: dict[str, list[str]] = {}
        for _, person, key in sorted(named):
            out.setdefault(person, []).append(key)
        return out

    def _arrests_by_incident(self) -> dict[str, list[str]]:
        arrests = sorted(
            (a for case in self.states.of(Case).values() for a in case.arrests),
            key=lambda a: self._at(a["event_id"]),
        )
        out: dict[str, list[str]] = {}
        for arrest in arrests:
            for incident in arrest.get("incidents", []):
                out.setdefault(incident, []).append(arrest["event_id"])
        return out

    def _person_mentions(self) -> dict[str, list[str]]:
        """Every statement naming a person in its data, amendments aside, in log order."""
        out: dict[str, list[str]] = {}
        events = self.events
        for event_id in self.order:
            event = events[event_id]
            person = event["data"].get("person")
            if isinstance(person, str) and not issubclass(spec_for(event["type"]).data, Amendment):
                out.setdefault(person, []).append(event_id)
        return out
