"""A shooting: what was reported, who it is attributed to, and the
interrupters' responses (hospital, community) to it.

A shooting attributed to a member of a warned group (or, where the warning says
so, at one) is what triggers the promised consequences.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle


class Incident(Lifecycle):
    kind = "incident"
    identity_fields = ("incident",)

    def reset(self) -> None:
        self.report: dict[str, Any] = {}
        self.happened_at: str | None = None
        self.reported_in: str | None = None
        self.attributions: list[dict[str, Any]] = []
        self.responses: dict[str, dict[str, Any]] = {}

    # --- queries ---------------------------------------------------------------
    @property
    def reported(self) -> bool:
        return self.happened_at is not None

    @property
    def attribution(self) -> dict[str, Any] | None:
        """The latest attribution: a later one supersedes an earlier one."""
        return self.attributions[-1] if self.attributions else None

    @property
    def suspects(self) -> list[str]:
        return list(self.attribution["suspects"]) if self.attribution else []

    @property
    def shooter_groups(self) -> list[str]:
        return list(self.attribution["groups"]) if self.attribution else []

    @property
    def target_groups(self) -> list[str]:
        return list(self.attribution["target_groups"]) if self.attribution else []

    def has_response(self, response: str) -> bool:
        return response in self.responses
