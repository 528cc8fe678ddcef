"""A case: one accused person in one FIR, from arrest through custody,
release, charge, hearings and verdict, across the police, the prosecution and
the court.

This is the history the special court reads and the committee audits. Its
queries answer the questions the rules need ("is the person in custody in this
case?", "has a charge been filed?", "is there a verdict?") and give
projections the steps in order.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle
from ledger.vocabulary.base import Recorded


class Case(Lifecycle):
    kind = "case"
    identity_fields = ("case", "person")

    def reset(self) -> None:
        self.person: str | None = None
        self.in_custody = False
        self.custody_since: str | None = None
        self.arrests: list[dict[str, Any]] = []
        self.productions: list[dict[str, Any]] = []
        self.transfers: list[dict[str, Any]] = []
        self.releases: list[dict[str, Any]] = []
        self.instructions: list[dict[str, Any]] = []
        self.charges: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.hearings: list[dict[str, Any]] = []
        self.decision: dict[str, Any] | None = None
        self.sentence: dict[str, Any] | None = None

    # --- queries ---------------------------------------------------------------
    @property
    def charge_filed(self) -> bool:
        """A charge was filed at some point (even if later withdrawn)."""
        return bool(self.charges)

    @property
    def charged(self) -> bool:
        """A charge has been filed and not withdrawn."""
        return any(not c["withdrawn"] for c in self.charges)

    @property
    def verdict(self) -> str | None:
        """ "convicted", "acquitted" or "discharged" once delivered, else None."""
        return str(self.decision["verdict"]) if self.decision else None

    @property
    def convicted(self) -> bool:
        return self.verdict == "convicted"

    @property
    def produced_since_arrest(self) -> bool:
        """Whether the person was produced before a magistrate in the current custody."""
        return self.in_custody and any(
            p["occurred_at"] >= (self.custody_since or "") for p in self.productions
        )

    @property
    def order_numbers(self) -> set[str]:
        return {str(o["order_number"]) for o in self.orders}

    def step(self, event_id: str) -> dict[str, Any] | None:
        """The effective statement of one step of this case, if it holds it."""
        if not self.holds(event_id) or self.is_retracted(event_id):
            return None
        return self.effective(event_id)

    # --- evolution (the functions are declared with each event type, ledger.vocabulary) ----
    def step_taken(self, event: Recorded) -> dict[str, Any]:
        """A step recorded on this case, as the case keeps it; the first to name the person sets it."""
        person = event.signed.get("person")
        if self.person is None and person:
            self.person = str(person)
        return event.kept(with_type=True)
