"""A police officer: rank, station and unit, and every transfer with its order.

The essay's officers who refuse to release are transferred; the per-officer
pattern (transfers after refusals) is read from this lifecycle.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle


class Officer(Lifecycle):
    kind = "officer"
    identity_fields = ("officer",)

    def reset(self) -> None:
        self.rank = ""
        self.station = ""
        self.unit = ""
        self.registered_at: str | None = None
        self.registered_in: str | None = None
        self.transfers: list[dict[str, Any]] = []

    @property
    def registered(self) -> bool:
        return self.registered_at is not None
