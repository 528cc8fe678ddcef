"""Every subject's lifecycle state, folded from statements outside the event store.

The application loads one aggregate at a time from its stored events, which is
what a rule needs. The projections' facts need every subject at once, and a
million aggregates' event-sourcing envelopes (ids, versions, event objects)
would cost time and memory for nothing a report reads. ``LifecycleStates``
holds each subject's state as a bare lifecycle (``LedgerAggregate.bare``),
chooses a statement's subject as the rule handlers do, and folds it with
``absorb``, the path the aggregate takes: the same evolve functions, the same
corrections and retractions replayed. So the reports read the state the rules
judge by.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, TypeVar

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.lifecycle import Lifecycle
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.vocabulary.base import Amendment, spec_for

L = TypeVar("L", bound=Lifecycle)


def subject_of(type_name: str, data: dict[str, Any]) -> tuple[type[LedgerAggregate], str]:
    """The lifecycle class and key a statement of this type about ``data`` is recorded on.

    The class is the one its evolve function changes; the key is the data's
    field named first in that lifecycle's ``identity_fields`` (a case number, a
    group slug …), which no correction may change. The registry is one. An
    amendment is recorded on the lifecycle of the statement it amends: ask
    with that statement's type and data.
    """
    cls, field = _subject_field(type_name)
    return cls, REGISTRY_KEY if field is None else str(data[field])


@cache
def _subject_field(type_name: str) -> tuple[type[LedgerAggregate], str | None]:
    cls = spec_for(type_name).lifecycle
    if cls is Registry:
        return Registry, None
    if not issubclass(cls, Lifecycle) or not cls.identity_fields:
        raise TypeError(f"{type_name} changes {cls.__name__}, which names no subject")
    return cls, cls.identity_fields[0]


class LifecycleStates:
    """The state of the registry and of every lifecycle, by class and key, in order of opening."""

    def __init__(self) -> None:
        self.registry = Registry.bare(REGISTRY_KEY)
        self.lifecycles: dict[type[Lifecycle], dict[str, Lifecycle]] = {}

    def fold(
        self,
        statement: dict[str, Any],
        event_id: str,
        leaf_index: int,
        *,
        amended: dict[str, Any] | None = None,
    ) -> LedgerAggregate | None:
        """Fold one statement into its subject's state; return that state.

        ``amended`` is the statement an amendment names (its ``type`` and
        ``data``). An amendment of a statement that is not in the log, or of
        the registry (which the rules refuse), changes nothing: None.
        """
        state: LedgerAggregate | None
        if issubclass(spec_for(statement["type"]).data, Amendment):
            state = self._holding(amended) if amended is not None else None
        else:
            state = self._state(*subject_of(statement["type"], statement["data"]))
        if state is not None:
            state.absorb(statement, event_id, leaf_index)
        return state

    def _holding(self, statement: dict[str, Any]) -> Lifecycle | None:
        """The lifecycle ``statement`` was recorded on, if it is one (not the registry)."""
        cls, key = subject_of(statement["type"], statement["data"])
        return self.lifecycles.get(cls, {}).get(key) if issubclass(cls, Lifecycle) else None

    def _state(self, cls: type[LedgerAggregate], key: str) -> LedgerAggregate:
        if not issubclass(cls, Lifecycle):
            return self.registry
        of_kind = self.lifecycles.setdefault(cls, {})
        state = of_kind.get(key)
        if state is None:
            state = of_kind[key] = cls.bare(key)
        return state

    def of(self, cls: type[L]) -> dict[str, L]:
        """Every subject of one lifecycle, by key, in the order of their first statement."""
        found: dict[str, Any] = self.lifecycles.get(cls, {})
        return found

    def __iter__(self) -> Iterator[LedgerAggregate]:
        """The registry, then every lifecycle."""
        yield self.registry
        for of_kind in self.lifecycles.values():
            yield from of_kind.values()
