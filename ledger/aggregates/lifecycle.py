"""A lifecycle whose statements can be corrected or retracted later.

Nothing in the log is edited: ``event.corrected`` and ``event.retracted`` are
new statements recorded on the lifecycle of the original. The lifecycle keeps
every original statement (what its fold reads of it: type, data, time,
recorder) and derives its *effective* state by replaying them with retracted
ones left out and corrected ones replaced by their latest correction. So the
rules (e.g. "no release of someone not in custody") always judge the history
as it now stands, and replaying the log rebuilds the same state.
"""

from __future__ import annotations

from typing import Any, cast

from ledger.aggregates.base import LedgerAggregate
from ledger.vocabulary.base import Amendment, EventData, Recorded, fold, spec_for


class Lifecycle(LedgerAggregate):
    """Base of the vocabulary's lifecycles; subclasses implement ``reset``.

    How each statement changes a lifecycle is its event type's evolve function,
    declared with the type in ``ledger.vocabulary``.
    """

    kind = "lifecycle"
    # Data fields naming the subject: a correction may not change them. Not annotated
    # (an annotated aggregate becomes a dataclass), so the cast gives mypy the type.
    identity_fields = cast("tuple[str, ...]", ())

    def setup(self) -> None:
        self.originals: dict[str, dict[str, Any]] = {}
        self.order: list[tuple[str, int]] = []
        self.corrections: dict[str, dict[str, Any]] = {}
        self.retractions: dict[str, dict[str, Any]] = {}
        self.reset()

    # --- queries ---------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        """False when the statement that opened this lifecycle was retracted."""
        return bool(self.order) and self.order[0][0] not in self.retractions

    def standing(self) -> list[str]:
        """The ids of the statements recorded on this lifecycle and not retracted, in log order."""
        return [event_id for event_id, _ in self.order if event_id not in self.retractions]

    def holds(self, event_id: str) -> bool:
        return event_id in self.originals

    def is_retracted(self, event_id: str) -> bool:
        return event_id in self.retractions

    def original(self, event_id: str) -> dict[str, Any]:
        """The statement as first recorded (never changed)."""
        return self.originals[event_id]

    def effective(self, event_id: str) -> dict[str, Any]:
        """The statement as it now stands: its latest correction applied."""
        st = self.originals[event_id]
        fix = self.corrections.get(event_id)
        if fix is None:
            return st
        out = {**st, "data": fix["corrected_data"]}
        if fix.get("corrected_occurred_at"):
            out["occurred_at"] = fix["corrected_occurred_at"]
        return out

    # --- evolution -------------------------------------------------------------
    def when(
        self,
        statement: dict[str, Any],
        event_id: str,
        leaf_index: int,
        typed: EventData | None = None,
    ) -> None:
        """Keep the statement unless it amends another (what ``fold`` reads of it: nothing
        sealed), then evolve the state by it."""
        spec = spec_for(statement["type"])
        if not issubclass(spec.data, Amendment):
            self.originals[event_id] = {
                "type": statement["type"],
                "occurred_at": statement["occurred_at"],
                "recorder": statement["recorder"],
                "data": statement["data"],
            }
            self.order.append((event_id, leaf_index))
        fold(self, statement, event_id, leaf_index, spec, typed)

    def amend(self, amendments: dict[str, dict[str, Any]], original: str, event: Recorded) -> None:
        """Keep a correction or retraction of ``original``, then replay the history as it stands."""
        amendments[original] = {
            **event.signed,
            "event_id": event.event_id,
            "recorder": event.recorder,
        }
        self._replay()

    def _replay(self) -> None:
        self.reset()
        for event_id, leaf_index in self.order:
            if event_id not in self.retractions:
                fold(self, self.effective(event_id), event_id, leaf_index)

    def reset(self) -> None:
        """Set the state before any statement (called again before each replay).

        Evolve functions must tolerate a history with gaps (retractions).
        """
