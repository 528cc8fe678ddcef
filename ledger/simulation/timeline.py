"""Planned statements and the clock that puts them in order.

A story is written ahead of time ("the bail hearing is in 23 days") but the log
must receive statements in the order they become known. ``Timeline`` keeps a
heap of planned statements and deferred actions keyed by when they happen and
releases them in that order; anything planned after the simulation's end is
never recorded (as in a real city, the future is not in the log yet).

A statement that names an earlier one (a release naming its bail order) holds a
``Link`` to that statement's *key*; the runner replaces links by event ids,
which are known only once the earlier statement has been drafted for signing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ledger.statements import format_time


@dataclass(frozen=True)
class Link:
    """A reference to an earlier planned statement, by its key."""

    key: str


@dataclass
class Planned:
    """A statement the city will record: a draft whose references may still be links.

    ``at`` is when it enters the log; ``occurred`` is when the fact happened
    (normally the same; earlier for a statement recorded late or back-dated).
    """

    type: str
    recorder: str
    at: datetime
    data: dict[str, Any]
    recorded: datetime
    occurred: datetime | None = None
    sealed: dict[str, Any] | None = None
    refs: list[Link] = field(default_factory=list)
    key: str | None = None

    @property
    def occurred_at(self) -> str:
        return format_time(self.occurred or self.at)

    @property
    def recorded_at(self) -> str:
        return format_time(self.recorded)

    def links(self) -> list[Link]:
        found = [r for r in self.refs]
        found.extend(v for v in self.data.values() if isinstance(v, Link))
        for v in self.data.values():
            if isinstance(v, list):
                found.extend(x for x in v if isinstance(x, Link))
        return found

    def describe(self) -> dict[str, Any]:
        """The public content with links shown by key: equal for equal seeds."""
        return {
            "type": self.type,
            "recorder": self.recorder,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "data": _show_links(self.data),
            "refs": [f"<{r.key}>" for r in self.refs],
            "sealed": self.sealed,
            "key": self.key,
        }


def _show_links(value: Any) -> Any:
    if isinstance(value, Link):
        return f"<{value.key}>"
    if isinstance(value, dict):
        return {k: _show_links(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_show_links(v) for v in value]
    return value


def resolve_links(value: Any, ids: dict[str, str]) -> Any:
    """Replace every link by the event id of the statement it names."""
    if isinstance(value, Link):
        return ids[value.key]
    if isinstance(value, dict):
        return {k: resolve_links(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_links(v, ids) for v in value]
    return value


Action = Callable[[datetime], None]


class Timeline:
    """Planned statements and deferred actions, released in time order up to ``end``."""

    def __init__(self, end: datetime) -> None:
        self.end = end
        self._heap: list[tuple[datetime, int, Planned | Action]] = []
        self._seq = 0

    def fits(self, at: datetime) -> bool:
        return at <= self.end

    def add(self, planned: Planned) -> bool:
        """Plan a statement; False (and nothing planned) if it falls after the end."""
        if not self.fits(planned.at):
            return False
        self._push(planned.at, planned)
        return True

    def later(self, at: datetime, action: Action) -> bool:
        """Run ``action(at)`` when the clock reaches ``at`` (it may plan more)."""
        if not self.fits(at):
            return False
        self._push(at, action)
        return True

    def _push(self, at: datetime, item: Planned | Action) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, item))

    def run(self) -> Iterator[Planned]:
        while self._heap:
            at, _, item = heapq.heappop(self._heap)
            if isinstance(item, Planned):
                yield item
            else:
                item(at)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def days(value: float) -> timedelta:
    return timedelta(days=value)
