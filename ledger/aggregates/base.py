"""The base of every lifecycle aggregate: each of its events is one signed
statement of the log.

An aggregate is opened by the first statement about its subject (a case, a
person, a group …) and records every later statement about it. Its state is
derived from those statements alone, so replaying the log rebuilds it. Each
stored aggregate event carries the canonical statement (the Merkle leaf), the
statement's content id and its position in the log, which is how tampering
with the stored rows is detected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, Self
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.vocabulary.base import EventData

AGGREGATE_NAMESPACE = UUID("6a0b7f3e-93c4-4d1b-9b0e-1c2f5e8a7d40")


_PARSED: dict[str, tuple[dict[str, Any], EventData | None]] = {}
"""Statements already parsed (and their data typed) by the caller of open/record, by
event id (see _absorb)."""


@contextmanager
def _parsed_hint(
    event_id: str, parsed: dict[str, Any] | None, typed: EventData | None
) -> Iterator[None]:
    if parsed is None:
        yield
        return
    _PARSED[event_id] = (parsed, typed)
    try:
        yield
    finally:
        _PARSED.pop(event_id, None)


@lru_cache(maxsize=200_000)
def _aggregate_id(kind: str, key: str) -> UUID:
    return uuid5(AGGREGATE_NAMESPACE, f"{kind}:{key}")


class LedgerAggregate(Aggregate):
    """An aggregate whose events are the log's signed statements."""

    kind = "aggregate"  # no annotation: an annotated aggregate becomes a dataclass

    class Opened(Aggregate.Created):
        key: str
        leaf: str
        leaf_index: int
        event_id: str

    class Recorded(Aggregate.Event):
        leaf: str
        leaf_index: int
        event_id: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LedgerAggregate)
            aggregate._absorb(self.leaf, self.leaf_index, self.event_id)

    def __init__(self, key: str, leaf: str, leaf_index: int, event_id: str) -> None:
        self._begin(key)
        self._absorb(leaf, leaf_index, event_id)

    def _begin(self, key: str) -> None:
        self.key = key
        self.event_ids: list[str] = []
        self.setup()

    @classmethod
    def bare(cls, key: str) -> Self:
        """The lifecycle's state alone, before any statement, outside the event store.

        No id, version or pending events: nothing here is recorded. The
        projections' facts hold one for every subject (``ledger.aggregates.states``)
        and fold statements into it with :meth:`absorb`, the path the aggregate
        itself takes, so both hold the same state.
        """
        state = object.__new__(cls)
        state._begin(key)
        return state

    @classmethod
    def replayed(cls, key: str) -> Self:
        """A bare state (see :meth:`bare`) that carries the aggregate's id: what a replay
        that stores nothing keeps of a lifecycle (``Decision(..., envelopes=False)``)."""
        state = cls.bare(key)
        state._id = cls.id_for(key)
        return state

    @classmethod
    def id_for(cls, key: str) -> UUID:
        """Aggregate ids are derived from the subject's public key (e.g. the case number)."""
        return _aggregate_id(cls.kind, key)

    @classmethod
    def open(
        cls,
        key: str,
        *,
        leaf: str,
        leaf_index: int,
        event_id: str,
        timestamp: datetime | None = None,
        parsed: dict[str, Any] | None = None,
        typed: EventData | None = None,
    ) -> Self:
        """Open the lifecycle; the event's timestamp is the statement's recorded_at.

        ``parsed`` is the statement as a dict when the caller already holds it
        (it must equal ``json.loads(leaf)``), which spares parsing it again;
        ``typed`` its data as the rules validated it, which spares validating it again.
        """
        with _parsed_hint(event_id, parsed, typed):
            return cls._create(
                cls.Opened,
                id=cls.id_for(key),
                key=key,
                leaf=leaf,
                leaf_index=leaf_index,
                event_id=event_id,
                timestamp=timestamp,
            )

    def record(
        self,
        *,
        leaf: str,
        leaf_index: int,
        event_id: str,
        timestamp: datetime | None = None,
        parsed: dict[str, Any] | None = None,
        typed: EventData | None = None,
    ) -> None:
        with _parsed_hint(event_id, parsed, typed):
            self.trigger_event(
                self.Recorded,
                leaf=leaf,
                leaf_index=leaf_index,
                event_id=event_id,
                timestamp=timestamp,
            )

    def _absorb(self, leaf: str, leaf_index: int, event_id: str) -> None:
        hint = _PARSED.pop(event_id, None)
        if hint is None:
            self.absorb(json.loads(leaf), event_id, leaf_index)
        else:
            self.absorb(hint[0], event_id, leaf_index, hint[1])

    def absorb(
        self,
        statement: dict[str, Any],
        event_id: str,
        leaf_index: int,
        typed: EventData | None = None,
    ) -> None:
        """Take one statement (the dict the log stores) recorded on this lifecycle.

        ``typed``: its data already validated by the rules, if the caller holds it.
        """
        self.event_ids.append(event_id)
        self.when(statement, event_id, leaf_index, typed)

    def setup(self) -> None:
        """Initialise the lifecycle's state before its first statement."""

    def when(
        self,
        statement: dict[str, Any],
        event_id: str,
        leaf_index: int,
        typed: EventData | None = None,
    ) -> None:
        """Evolve the state by one statement (already checked against the rules)."""
        raise TypeError(f"{type(self).__name__} does not say how it evolves: it must define when()")
