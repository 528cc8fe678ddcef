"""What a story's writers need from the city they write in, and the shootings they answer.

The city (``story.City``) owns the clock, the random source, the counters, the
manifest and the planted patterns. The writers of cases and of the
committee's work plan statements through it; they see it only as a
``Planner``, so they do not depend on the story that drives them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ledger.simulation.city import Cast, GroupProfile, OfficerProfile
from ledger.simulation.manifest import ManifestBuilder
from ledger.simulation.patterns import Patterns
from ledger.simulation.timeline import Link, Timeline


class Inquirer(Protocol):
    """The committee as a case writer sees it: it may open an inquiry into a flagged release."""

    def maybe_inquire(self, release: Link, rule: str, at: datetime) -> None: ...


class Planner(Protocol):
    """The city as its writers see it."""

    rng: random.Random
    end: datetime
    cast: Cast
    timeline: Timeline
    manifest: ManifestBuilder
    patterns: Patterns

    @property
    def committee(self) -> Inquirer: ...

    @property
    def favoured(self) -> str: ...

    def next(self, counter: str) -> int: ...

    def pick_officer(self, area: str, at: datetime) -> OfficerProfile: ...

    def retaliate(
        self, officer: OfficerProfile, arrest: Link, group: str, at: datetime
    ) -> None: ...

    def shooting(
        self,
        at: datetime,
        *,
        forced: tuple[str, GroupProfile] | None = None,
        rearrest_of: tuple[str, Link] | None = None,
    ) -> None: ...

    def plan(
        self,
        type: str,
        recorder: str,
        at: datetime,
        data: dict[str, Any],
        *,
        key: str | None = None,
        sealed: dict[str, Any] | None = None,
        refs: list[Link] | None = None,
        occurred: datetime | None = None,
    ) -> bool: ...


@dataclass
class Trigger:
    """A shooting a warning promised consequences for, and what was planned for it."""

    incident: str
    group: str
    warning: str
    at: datetime
    due: list[datetime] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)

    def undo(self, cause: str) -> None:
        if cause not in self.causes:
            self.causes.append(cause)
