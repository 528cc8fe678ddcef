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
  read from those states (``ledger.projections.indexes``) the first time they
  are asked for after a change. Only what spans subjects (a person's cases,
  an incident's arrests, who is mentioned where) is put together there.

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

import sys
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.lifecycle import Lifecycle
from ledger.aggregates.registry import Registry
from ledger.aggregates.states import LifecycleStates
from ledger.collector import bulk as bulk
from ledger.projections.indexes import (
    LIFECYCLE,
    REGISTRY,
    Indexes,
    person_mentions,
    update_indexes,
)
from ledger.vocabulary.base import Amendment, spec_for, types_of
from ledger.vocabulary.court import BailGranted, CourtOrderIssued, VerdictDelivered

STATE_VERSION = 3
"""Bumped whenever folding changes meaning: an older snapshot is then rebuilt from zero."""
ORDER_TYPES = types_of(CourtOrderIssued, BailGranted, VerdictDelivered)
"""Statements a release may rest on (its ``order_event``)."""

Event = dict[str, Any]
"""One event as the facts hold it: id, i (log position), type, recorder,
key_id, occurred_at, recorded_at, data (effective: corrected if corrected),
refs, sealed (bool), and when applicable original_data, original_occurred_at,
corrections (ids), retracted_by (id)."""


@lru_cache(maxsize=200_000)
def seconds(moment: str) -> float:
    """Seconds since the epoch of a ledger time ("YYYY-MM-DDTHH:MM:SSZ")."""
    return datetime.fromisoformat(moment).timestamp()


HOUR = 3600.0
DAY = 86400.0

JOURNAL_KEEP = 10_000
"""How many statements' touched subjects the journal keeps (between one and two times
this many); a reader further behind recomputes everything (``Facts.touched_since`` says
so by returning None). Readers catch up at every report, so they are rarely further
behind than one import; a longer journal only costs memory."""
_NAMED = {
    "case": "case",
    "person": "person",
    "suspects": "person",
    "incident": "incident",
    "incidents": "incident",
    "group": "group",
    "groups": "group",
    "target_groups": "group",
    "warning": "warning",
    "subject": "event",
    "original": "event",
    "order_event": "event",
}
"""Data fields naming a subject, and the kind of subject they name."""


SHARED_TEXT = 64
"""Texts up to this length in an event's data are held once however many events repeat them."""


def _shared(value: Any) -> Any:
    if type(value) is str and len(value) <= SHARED_TEXT:
        return sys.intern(value)
    if type(value) is list:
        return [_shared(item) for item in value]
    if type(value) is dict:
        return {sys.intern(field): _shared(item) for field, item in value.items()}
    return value


def hold_shared(event: Event) -> None:
    """Intern ``event``'s type, recorder, key id and the field names and short texts of its data.

    Each statement is decoded on its own, so every one brought its own copy of
    ``"person"``, ``"police"`` or a case id; held once, the facts take less memory
    and the kept state (``ledger.projections.kept``), which pickles a shared object
    once, is smaller and loads faster.
    """
    for field in ("type", "recorder", "key_id", "data", "original_data"):
        if field in event:
            event[field] = _shared(event[field])


def named_subjects(event: Event) -> set[str]:
    """``kind:id`` of every subject an event names in its data (as signed and as corrected)."""
    out = {f"event:{event['id']}"}
    for data in (event["data"], event.get("original_data")):
        if not data:
            continue
        for field, kind in _NAMED.items():
            value = data.get(field)
            if isinstance(value, str):
                out.add(f"{kind}:{value}")
            elif isinstance(value, list):
                out.update(f"{kind}:{v}" for v in value if isinstance(v, str))
    return out


class Facts:
    """The log folded into facts; ``apply`` one statement at a time, in log order."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.order: list[str] = []
        self.as_of: str = ""
        self.states = LifecycleStates()
        self._indexes: Indexes | None = None
        self._indexes_current = False
        self._indexes_count = 0
        self._mentions: dict[str, list[str]] | None = {}
        self._journal: list[frozenset[str]] = []
        self._journal_start = 0

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
        facts._journal_start = len(facts.order)
        with bulk():
            for event_id in facts.order:
                event = facts.events[event_id]
                hold_shared(event)
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
        hold_shared(event)
        if event["i"] != len(self.order):
            raise ValueError(
                f"statement at log position {event['i']} applied after {len(self.order)} statements:"
                " facts must be folded in log order"
            )
        spec = spec_for(event["type"])
        amendment = issubclass(spec.data, Amendment)
        read_before = self._registry_read() if spec.lifecycle is Registry else None
        state = self._fold(event, amendment)
        self.events[event_id] = event
        self.order.append(event_id)
        self._indexes_current = False
        person = event["data"].get("person")
        if isinstance(person, str) and not amendment and self._mentions is not None:
            self._mentions.setdefault(person, []).append(event_id)
        # Statements about the ledger itself (its registry), not the city, do not move as_of.
        if spec.lifecycle is not Registry and event["occurred_at"] > self.as_of:
            self.as_of = event["occurred_at"]
        if amendment and isinstance(state, Lifecycle):
            self._show_amended(event, state)
        touched = named_subjects(event)
        if amendment:
            original = self.events.get(event["data"].get("original", ""))
            if original is not None:
                touched |= named_subjects(original)
        if spec.lifecycle is Registry:
            if self._registry_read() != read_before:
                touched.add(REGISTRY)
        elif state is not None:
            touched.add(sys.intern(f"{LIFECYCLE}{type(state).__name__}"))
        self._journal.append(frozenset(touched))
        if len(self._journal) > 2 * JOURNAL_KEEP:
            del self._journal[:JOURNAL_KEEP]
            self._journal_start += JOURNAL_KEEP

    def _registry_read(self) -> tuple[dict[str, Any], dict[str, str]]:
        """What the reports read of the registry (``indexes.read_indexes``): the policy and
        each institution's role. A statement about the ledger that leaves both as they were
        (a key registered for an institution, a key revoked, a head appointed or removed)
        touches no report, so it does not send every case to be recomputed."""
        registry = self.states.registry
        return dict(registry.policy), {i.id: i.role for i in registry.institutions.values()}

    def touched_since(self, count: int) -> set[str] | None:
        """Every subject (``kind:id``, or ``REGISTRY``) the statements from log position
        ``count`` on touched; None when the journal no longer reaches back that far."""
        return self._journal_since(count)

    def _journal_since(self, count: int) -> set[str] | None:
        """``touched_since``, as the indexes read it (the tests blind the records kept
        elsewhere, through ``touched_since``, and the indexes, through this, apart)."""
        if count < self._journal_start:
            return None
        out: set[str] = set()
        for touched in self._journal[count - self._journal_start :]:
            out |= touched
        return out

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
        """Read from the lifecycle states the first time they are asked for after a change.

        Indexes out of date are kept until then: freeing them takes about as
        long as reading them, and an update by one statement should not wait
        for either.
        """
        if self._indexes is None or not self._indexes_current:
            touched = self._journal_since(self._indexes_count)
            self._indexes = update_indexes(self._indexes, self.states, self.events, touched)
            self._indexes_current = True
            self._indexes_count = self.count
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
            self._mentions = person_mentions(self.events, self.order)
        return self._mentions
