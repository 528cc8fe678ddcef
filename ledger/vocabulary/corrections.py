"""Corrections: nothing in the log is edited; a correction or retraction is a new
statement that points at the original.

Only the institution that recorded the original, or the court, may correct or
retract it, always with a reason. A correction replaces the original's public
data (validated against the original's type) and may fix when it happened; it
may not move the statement to another subject (its case, person, group …),
which would be a different statement. A retracted statement cannot be
corrected or retracted again. Both are recorded on the original's lifecycle,
whose state is then replayed as the history now stands; the original stays in
the log for anyone to read.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ledger.admission import Decision, Entry
from ledger.aggregates.lifecycle import Lifecycle
from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole
from ledger.vocabulary.base import (
    ROLES,
    Amendment,
    EventId,
    Recorded,
    Text,
    UtcTime,
    event_type,
    spec_for,
)

AREA = "corrections"
_ORIGINAL = "3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e2f4b6d8c0a1e3f5b7d9c2a4e6f8b0d1c3a"


class EventCorrected(Amendment):
    original: EventId
    reason: Text = Field(min_length=1)
    corrected_data: dict[str, Any] = Field(
        description="The replacement public data, valid for the original's type"
    )
    corrected_occurred_at: UtcTime | None = Field(
        default=None, description="The corrected time the fact happened, if it was wrong"
    )


class EventRetracted(Amendment):
    original: EventId
    reason: Text = Field(min_length=1)


def _correctable(entry: Entry, original: str, d: Decision, verb: str) -> Lifecycle:
    """The lifecycle holding ``original``, once the corrector may change it."""
    info = d.require_event(original, field="data.original")
    if issubclass(spec_for(info.type).data, Amendment):
        raise CaseRuleViolation(
            f"cannot {verb} a {info.type}: {verb} the original statement instead",
            field="data.original",
        )
    lifecycle = d.get_by_id(info.aggregate_id)
    if not isinstance(lifecycle, Lifecycle):
        raise CaseRuleViolation(
            f"a {info.type} is governance: it changes only by its own events"
            " (key.revoked, head.removed)",
            field="data.original",
        )
    recorder = entry.statement.recorder
    if recorder != info.recorder and d.registry.role_of(recorder) != "court":
        raise UnauthorizedRole(
            f"only {info.recorder}, who recorded it, or the court may {verb} this {info.type}",
            field="recorder",
        )
    if lifecycle.is_retracted(original):
        raise CaseRuleViolation(
            f"this {info.type} was retracted: it cannot be {verb}ed", field="data.original"
        )
    return lifecycle


def _on_corrected(entry: Entry, data: EventCorrected, d: Decision) -> None:
    """Original recorder or court; original exists, is not retracted and not governance;
    corrected_data is valid for the original's type, keeps its subject and changes something."""
    lifecycle = _correctable(entry, data.original, d, "correct")
    current = lifecycle.effective(data.original)
    try:
        corrected = spec_for(current["type"]).validate(data.corrected_data)
    except MalformedStatement as exc:
        field = (exc.field or "data").replace("data", "data.corrected_data", 1)
        raise MalformedStatement(exc.message, field=field) from exc
    d.check_data_times(corrected, "data.corrected_data", entry.statement.recorded_at)
    for name in lifecycle.identity_fields:
        if name in current["data"] and data.corrected_data.get(name) != current["data"][name]:
            raise CaseRuleViolation(
                f"a correction cannot change {name} ({current['data'][name]!r}):"
                " retract the statement and record the right one",
                field=f"data.corrected_data.{name}",
            )
    unchanged_time = data.corrected_occurred_at in (None, current["occurred_at"])
    if data.corrected_data == current["data"] and unchanged_time:
        raise CaseRuleViolation("the correction changes nothing", field="data.corrected_data")
    d.record(lifecycle)


def _on_retracted(entry: Entry, data: EventRetracted, d: Decision) -> None:
    """Original recorder or court; original exists, is not already retracted and not
    governance."""
    d.record(_correctable(entry, data.original, d, "retract"))


# --- evolution: an amendment is kept beside the original, then the history replayed ------------
def _evolve_corrected(data: EventCorrected, lifecycle: Lifecycle, event: Recorded) -> None:
    lifecycle.amend(lifecycle.corrections, data.original, event)


def _evolve_retracted(data: EventRetracted, lifecycle: Lifecycle, event: Recorded) -> None:
    lifecycle.amend(lifecycle.retractions, data.original, event)


event_type(
    "event.corrected",
    area=AREA,
    summary="Replaces the public data of an earlier statement; the original stays in the log.",
    data=EventCorrected,
    roles=ROLES,
    handler=_on_corrected,
    evolve=_evolve_corrected,
    example={
        "original": _ORIGINAL,
        "reason": "The order number was mistyped: ATC2-BAIL-2026-88, not -83.",
        "corrected_data": {
            "case": "FIR-112-2026-KALAKOT",
            "person": "P-17",
            "authorising_officer": "OFF-3",
            "legal_basis": "bail_s497",
            "order_event": "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9",
            "order_number": "ATC2-BAIL-2026-88",
            "reasons": "Released on bail granted by the Anti-Terrorism Court II under s.497.",
        },
    },
)
event_type(
    "event.retracted",
    area=AREA,
    summary="Withdraws an earlier statement as wrong; it stays in the log, marked retracted.",
    data=EventRetracted,
    roles=ROLES,
    handler=_on_retracted,
    evolve=_evolve_retracted,
    example={
        "original": _ORIGINAL,
        "reason": "Recorded in the wrong case: P-17 was arrested in FIR-113, recorded there.",
    },
)
