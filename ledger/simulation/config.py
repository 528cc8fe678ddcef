"""How big and when: the synthetic city's configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ledger.errors import InvalidArgument


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def default_start(months: int, now: datetime | None = None) -> datetime:
    """The first of the month ``months`` months before this one: the city ends in the past."""
    now = now or datetime.now(UTC)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(first, -months)


@dataclass(frozen=True)
class CityConfig:
    """``scale`` multiplies the number of shootings (and so nearly everything else)."""

    start: datetime
    seed: int = 1
    months: int = 12
    groups: int = 8
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise InvalidArgument("the start time must be in UTC", field="--start")
        if self.months < 1:
            raise InvalidArgument("simulate at least one month", field="--months")
        if not 0 < self.scale <= 10_000:
            raise InvalidArgument(
                "the scale must be above 0 (1 is the default city)", field="--scale"
            )

    @property
    def end(self) -> datetime:
        return add_months(self.start, self.months)
