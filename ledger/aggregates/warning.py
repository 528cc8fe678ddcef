"""A warning (call-in or custom notification): the promise the ledger holds the
state to. It covers groups for a period with deadlines for the consequences.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle


class Warning(Lifecycle):
    kind = "warning"
    identity_fields = ("warning",)

    def reset(self) -> None:
        self.terms: dict[str, Any] = {}
        self.issued_at: str | None = None
        self.issued_in: str | None = None
        self.issued_by: str | None = None

    @property
    def issued(self) -> bool:
        return self.issued_at is not None

    @property
    def groups(self) -> list[str]:
        return list(self.terms.get("groups", []))

    def covers(self, group: str) -> bool:
        return group in self.groups

    def in_effect(self, moment: str) -> bool:
        """Whether a UTC time string lies in the warning's effective period."""
        return (
            bool(self.terms)
            and self.terms["effective_from"] <= moment <= self.terms["effective_until"]
        )
