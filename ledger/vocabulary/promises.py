"""Promises: the warning given to groups at a call-in or by custom notification.

A warning is the promise the ledger holds the state to: for its effective
period, a shooting (or killing, or armed attack) by any member of a covered
group brings the arrest of the shooter and enforcement against the whole
group by the stated deadlines — and, where it says so, so does a shooting *at*
a covered group. Projections judge every trigger against these terms.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from ledger.admission import Decision, Entry
from ledger.aggregates.warning import Warning
from ledger.vocabulary.base import EventData, PlannedTime, Recorded, Ref, Text, event_type
from ledger.vocabulary.registry import RefList, no_repeats, open_subject, require_group

AREA = "promises"
CoveredAct = Literal["shooting", "killing", "armed_attack"]


class Deadlines(EventData):
    arrest_hours: int = Field(ge=1, le=8760, description="Hours to arrest the shooter")
    enforcement_days: int = Field(ge=1, le=3650, description="Days to act against the group")
    charge_days: int = Field(ge=1, le=3650, description="Days to file a charge")


class WarningIssued(EventData):
    warning: Ref
    kind: Literal["call_in", "custom_notification"]
    groups: RefList = Field(min_length=1, description="Registered groups the warning covers")
    effective_from: PlannedTime
    effective_until: PlannedTime
    covered_acts: Annotated[list[CoveredAct], AfterValidator(no_repeats)] = Field(min_length=1)
    covers_attacks_on_groups: bool = Field(
        description="Whether a shooting AT a covered group also triggers the promise"
    )
    deadlines: Deadlines
    terms: Text = Field(description="The promise as it was told to the groups")

    @model_validator(mode="after")
    def _period(self) -> WarningIssued:
        if self.effective_until <= self.effective_from:
            raise ValueError("effective_until must be after effective_from")
        return self


def _on_warning_issued(entry: Entry, data: WarningIssued, d: Decision) -> None:
    """Every covered group must be registered; a warning reference is used once."""
    for i, group in enumerate(data.groups):
        require_group(d, group, field=f"data.groups[{i}]")
    open_subject(d, Warning, data.warning, exists=lambda w: w.issued, field="data.warning")


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_warning_issued(data: WarningIssued, warning: Warning, event: Recorded) -> None:
    warning.terms = dict(event.signed)
    warning.issued_at = event.occurred_at
    warning.issued_in = event.event_id
    warning.issued_by = event.recorder


event_type(
    "warning.issued",
    area=AREA,
    summary="Groups are warned: any shooting by a member brings consequences on the whole group.",
    data=WarningIssued,
    roles=("police", "committee"),
    handler=_on_warning_issued,
    evolve=_evolve_warning_issued,
    example={
        "warning": "W-2026-LYARI-1",
        "kind": "call_in",
        "groups": ["lyari-gang", "kutchi-rabita"],
        "effective_from": "2026-03-01T00:00:00Z",
        "effective_until": "2026-12-31T23:59:59Z",
        "covered_acts": ["shooting", "killing"],
        "covers_attacks_on_groups": True,
        "deadlines": {"arrest_hours": 72, "enforcement_days": 14, "charge_days": 30},
        "terms": (
            "Any shooting by any member brings a crackdown on the whole group; "
            "anyone who shoots at you will be pursued the same way."
        ),
    },
)
