"""A mediation between groups by the violence interrupters; a series of
sessions under one reference, each with its outcome.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle


class Mediation(Lifecycle):
    kind = "mediation"
    identity_fields = ("mediation",)

    def reset(self) -> None:
        self.sessions: list[dict[str, Any]] = []

    @property
    def outcome(self) -> str | None:
        """The outcome of the latest session."""
        return str(self.sessions[-1]["outcome"]) if self.sessions else None

    @property
    def groups(self) -> list[str]:
        seen: dict[str, None] = {}
        for session in self.sessions:
            seen.update(dict.fromkeys(session["groups"]))
        return list(seen)
