"""Incidents: shootings as reported, and who they are attributed to.

A report comes from the police or from the interrupters (with its source:
police, hospital, interrupters, community); the statement's ``occurred_at`` is
when the shooting happened. Attribution is a separate, later statement by the
police, because that is where the promise is kept or quietly dropped: a
shooting never attributed never triggers anything.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ledger.admission import Decision, Entry
from ledger.aggregates.incident import Incident
from ledger.errors import CaseRuleViolation, UnknownReference
from ledger.vocabulary.base import EventData, Name, Recorded, Ref, Text, event_type
from ledger.vocabulary.registry import (
    RefList,
    open_subject,
    require_group,
    require_person,
)

AREA = "incidents"


class ShootingReported(EventData):
    incident: Ref
    area: Name
    killed: int = Field(ge=0, le=10000)
    injured: int = Field(ge=0, le=10000)
    source: Literal["police", "hospital", "interrupters", "community"]
    description: Text


class ShootingAttributed(EventData):
    incident: Ref
    suspects: RefList = Field(default_factory=list, description="Registered persons")
    groups: RefList = Field(default_factory=list, description="Groups of the shooters")
    target_groups: RefList = Field(default_factory=list, description="Groups shot at")
    basis: Text
    confidence: Literal["suspected", "probable", "confirmed"]

    @model_validator(mode="after")
    def _says_something(self) -> ShootingAttributed:
        if not (self.suspects or self.groups or self.target_groups):
            raise ValueError("name at least one suspect, shooters' group or target group")
        return self


def require_incident(d: Decision, incident: str, *, field: str) -> Incident:
    """The incident must have been reported (and the report not retracted)."""
    found = d.get(Incident, incident)
    if found is None or not found.reported:
        raise UnknownReference(
            f"no shooting {incident!r} is reported: record shooting.reported first", field=field
        )
    return found


def require_not_before_incident(entry: Entry, incident: Incident, *, what: str) -> None:
    """Nothing can respond to, or attribute, a shooting before it happened."""
    if incident.happened_at and entry.statement.body["occurred_at"] < incident.happened_at:
        raise CaseRuleViolation(
            f"{what} cannot occur before the shooting ({incident.happened_at})",
            field="occurred_at",
        )


def _on_shooting_reported(entry: Entry, data: ShootingReported, d: Decision) -> None:
    """An incident reference is reported once (a second source adds nothing new:
    correct the first report instead)."""
    open_subject(d, Incident, data.incident, exists=lambda i: i.reported, field="data.incident")


def _on_shooting_attributed(entry: Entry, data: ShootingAttributed, d: Decision) -> None:
    """The shooting must be reported and not later than the attribution; every suspect
    and group must be registered. A later attribution supersedes an earlier one."""
    incident = require_incident(d, data.incident, field="data.incident")
    require_not_before_incident(entry, incident, what="an attribution")
    for i, person in enumerate(data.suspects):
        require_person(d, person, field=f"data.suspects[{i}]")
    for i, group in enumerate(data.groups):
        require_group(d, group, field=f"data.groups[{i}]")
    for i, group in enumerate(data.target_groups):
        require_group(d, group, field=f"data.target_groups[{i}]")
    d.record(incident)


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_shooting_reported(data: ShootingReported, incident: Incident, event: Recorded) -> None:
    incident.report = dict(event.signed)
    incident.happened_at = event.occurred_at
    incident.reported_in = event.event_id


def _evolve_shooting_attributed(
    data: ShootingAttributed, incident: Incident, event: Recorded
) -> None:
    incident.attributions.append(event.kept())


event_type(
    "shooting.reported",
    area=AREA,
    summary="A shooting happened (occurred_at is when), with its toll and who reported it.",
    data=ShootingReported,
    roles=("police", "interrupters"),
    handler=_on_shooting_reported,
    evolve=_evolve_shooting_reported,
    example={
        "incident": "INC-2026-0412",
        "area": "Lyari",
        "killed": 1,
        "injured": 2,
        "source": "hospital",
        "description": "Shots fired at a tea stall near Chakiwara Chowk; victims taken to Civil Hospital.",
    },
)
event_type(
    "shooting.attributed",
    area=AREA,
    summary="The police attribute a shooting to suspects and/or groups, with their basis.",
    data=ShootingAttributed,
    roles=("police",),
    handler=_on_shooting_attributed,
    evolve=_evolve_shooting_attributed,
    example={
        "incident": "INC-2026-0412",
        "suspects": ["P-17"],
        "groups": ["lyari-gang"],
        "target_groups": ["kutchi-rabita"],
        "basis": "Two eyewitnesses; CCTV from the chowk; the motorcycle is registered to P-17.",
        "confidence": "probable",
    },
)
