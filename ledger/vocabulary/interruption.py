"""Violence interruption: mediations between groups and the interrupters'
responses to a shooting (at the hospital, in the community).

Cure Violence treats a shooting as the start of the next one; these statements
show whether the interrupters reached the victims and the groups in time. A
mediation is a series of sessions under one reference; responses are recorded
on the shooting they answer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ledger.admission import Decision, Entry
from ledger.aggregates.incident import Incident
from ledger.aggregates.mediation import Mediation
from ledger.errors import CaseRuleViolation
from ledger.vocabulary.base import EventData, Name, Recorded, Ref, Text, event_type
from ledger.vocabulary.incidents import require_incident, require_not_before_incident
from ledger.vocabulary.registry import RefList, require_group

AREA = "interruption"


class MediationHeld(EventData):
    mediation: Ref
    area: Name
    groups: RefList = Field(description="Registered groups at the table")
    incident: Ref | None = Field(default=None, description="The shooting it follows, if any")
    outcome: Literal["agreement", "ongoing", "failed"]
    participants_count: int = Field(ge=0, le=100000)


class HospitalResponse(EventData):
    response: Ref
    incident: Ref
    hospital: Name
    victims_reached: int = Field(ge=0, le=10000)
    outcome: Text


class CommunityResponse(EventData):
    response: Ref
    incident: Ref
    area: Name
    kind: Literal["vigil", "march", "meeting", "other"]
    participants: int = Field(ge=0, le=1000000)


def _on_mediation_held(entry: Entry, data: MediationHeld, d: Decision) -> None:
    """Groups must be registered and an incident named must be reported. The first
    session opens the mediation; later sessions under the same reference add to it."""
    for i, group in enumerate(data.groups):
        require_group(d, group, field=f"data.groups[{i}]")
    if data.incident is not None:
        require_incident(d, data.incident, field="data.incident")
    mediation = d.get(Mediation, data.mediation)
    if mediation is None:
        d.open(Mediation, data.mediation)
    else:
        d.record(mediation)


def _record_response(entry: Entry, response: str, incident_ref: str, d: Decision) -> None:
    incident: Incident = require_incident(d, incident_ref, field="data.incident")
    require_not_before_incident(entry, incident, what="a response")
    if incident.has_response(response):
        raise CaseRuleViolation(
            f"response {response} to {incident_ref} is already recorded", field="data.response"
        )
    d.record(incident)


def _on_hospital_response(entry: Entry, data: HospitalResponse, d: Decision) -> None:
    """The shooting must be reported and not later than the response; each response
    reference once per shooting."""
    _record_response(entry, data.response, data.incident, d)


def _on_community_response(entry: Entry, data: CommunityResponse, d: Decision) -> None:
    """The shooting must be reported and not later than the response; each response
    reference once per shooting."""
    _record_response(entry, data.response, data.incident, d)


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_mediation_held(data: MediationHeld, mediation: Mediation, event: Recorded) -> None:
    mediation.sessions.append(event.kept())


def _evolve_response(
    data: HospitalResponse | CommunityResponse, incident: Incident, event: Recorded
) -> None:
    """The interrupters' latest response of each kind to a shooting."""
    incident.responses[data.response] = event.kept(with_type=True)


event_type(
    "mediation.held",
    area=AREA,
    summary="Interrupters mediate between groups; the outcome of the session.",
    data=MediationHeld,
    roles=("interrupters",),
    handler=_on_mediation_held,
    evolve=_evolve_mediation_held,
    sealed_fields=("participants",),
    example={
        "mediation": "MED-2026-007",
        "area": "Lyari",
        "groups": ["lyari-gang", "kutchi-rabita"],
        "incident": "INC-2026-0412",
        "outcome": "ongoing",
        "participants_count": 9,
    },
    example_sealed={"participants": ["Elder of Kalri mohalla", "Two members of each group"]},
)
event_type(
    "hospital.response",
    area=AREA,
    summary="Interrupters reach the victims and families at the hospital after a shooting.",
    data=HospitalResponse,
    roles=("interrupters",),
    handler=_on_hospital_response,
    evolve=_evolve_response,
    example={
        "response": "HR-0412-1",
        "incident": "INC-2026-0412",
        "hospital": "Civil Hospital Karachi",
        "victims_reached": 2,
        "outcome": "Families agreed not to retaliate; follow-up visit set for Friday.",
    },
)
event_type(
    "community.response",
    area=AREA,
    summary="A vigil, march or meeting in the community after a shooting.",
    data=CommunityResponse,
    roles=("interrupters",),
    handler=_on_community_response,
    evolve=_evolve_response,
    example={
        "response": "CR-0412-1",
        "incident": "INC-2026-0412",
        "area": "Lyari",
        "kind": "vigil",
        "participants": 140,
    },
)
