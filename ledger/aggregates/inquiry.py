"""The committee's inquiry into one event (usually a release): requests for an
explanation, the explanations given, and the findings.

Keyed by the subject's event id. An inquiry is *open* from a request until a
finding is recorded; a new request reopens it. Only an institution with an
open request may answer (and may add to its answer until the finding), so
nobody can pad the record with unrequested "explanations".
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle


class Inquiry(Lifecycle):
    kind = "inquiry"
    identity_fields = ("subject",)

    def reset(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.explanations: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.addressed: set[str] = set()
        self.answered: set[str] = set()

    # --- queries ---------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """A request was made and no finding has been recorded since."""
        return bool(self.addressed)

    def is_addressed_to(self, institution: str) -> bool:
        """Whether the open inquiry asked ``institution`` for an explanation."""
        return institution in self.addressed

    @property
    def unanswered(self) -> set[str]:
        """Institutions asked in the open inquiry that have not answered yet."""
        return self.addressed - self.answered

    @property
    def finding(self) -> str | None:
        """The latest finding, if any."""
        return str(self.findings[-1]["finding"]) if self.findings else None
