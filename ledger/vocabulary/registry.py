"""Registry: the groups, persons and officers every other statement names.

Persons and officers are public pseudonyms; their names, ID numbers, badge
numbers and addresses travel only in the sealed part (readable by the court
and the committee). Every later statement that names a person, group or officer
must name a registered one, so the public can follow one pseudonym across
cases and a typo cannot silently create a new subject.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, Field, model_validator

from ledger.admission import Decision, Entry
from ledger.aggregates.group import Group
from ledger.aggregates.lifecycle import Lifecycle
from ledger.aggregates.officer import Officer
from ledger.aggregates.person import Person
from ledger.errors import CaseRuleViolation, UnknownReference
from ledger.vocabulary.base import EventData, Name, Recorded, Ref, Text, event_type

AREA = "registry"
L = TypeVar("L", bound=Lifecycle)

GroupKind = Literal["political_wing", "ethnic", "sectarian", "criminal_gang", "other"]
RoleInGroup = Literal["member", "leader", "associate"]


# --- shared look-ups (used by every area that names a subject) ----------------------------
def open_subject(
    d: Decision, cls: type[L], key: str, *, exists: Callable[[L], bool], field: str
) -> L:
    """Open the lifecycle of a new subject, or reopen one whose opening was retracted."""
    current = d.get(cls, key)
    if current is None:
        return d.open(cls, key)
    if exists(current):
        raise CaseRuleViolation(
            f"{cls.kind} {key!r} is already recorded; to change it, record event.corrected",
            field=field,
        )
    d.record(current)
    return current


def require_person(d: Decision, person: str, *, field: str) -> Person:
    found = d.get(Person, person)
    if found is None or not found.registered:
        raise UnknownReference(
            f"no person {person!r} is registered: record person.registered first", field=field
        )
    return found


def require_group(d: Decision, group: str, *, field: str) -> Group:
    found = d.get(Group, group)
    if found is None or not found.registered:
        raise UnknownReference(
            f"no group {group!r} is registered: record group.registered first", field=field
        )
    return found


def require_officer(d: Decision, officer: str, *, field: str) -> Officer:
    found = d.get(Officer, officer)
    if found is None or not found.registered:
        raise UnknownReference(
            f"no officer {officer!r} is registered: record officer.registered first", field=field
        )
    return found


def no_repeats(items: list[Any]) -> list[Any]:
    """A list naming the same thing twice is a mistake, refused with its field."""
    if len(set(items)) != len(items):
        raise ValueError("the list names the same entry twice")
    return items


RefList = Annotated[list[Ref], AfterValidator(no_repeats)]
"""A list of public identifiers, each at most once."""


# --- data -----------------------------------------------------------------------------------
class GroupRegistered(EventData):
    group: Ref = Field(description="Public slug of the group, e.g. 'lyari-gang'")
    name: Name = Field(description="Public name of the group")
    kind: GroupKind
    area: Name = Field(description="Area of the city where the group operates")
    affiliation: Name | None = Field(
        default=None, description="Political party or patron the group is affiliated with"
    )


class PersonRegistered(EventData):
    person: Ref = Field(description="Public pseudonym, e.g. 'P-17'")
    area: Name | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


class MembershipAsserted(EventData):
    person: Ref
    group: Ref
    role_in_group: RoleInGroup
    basis: Text = Field(description="Why the police hold the person to be a member")


class MembershipWithdrawn(EventData):
    person: Ref
    group: Ref
    reason: Text


class OfficerRegistered(EventData):
    officer: Ref = Field(description="Public pseudonym of the officer, e.g. 'OFF-3'")
    rank: Name
    station: Name
    unit: Name


class OfficerTransferred(EventData):
    officer: Ref
    from_station: Name
    to_station: Name
    order_ref: Ref = Field(description="Number of the transfer order")
    ordered_by: Name = Field(description="Public title of who ordered it, e.g. 'DIG South'")
    reason: Text

    @model_validator(mode="after")
    def _moves(self) -> OfficerTransferred:
        if self.from_station == self.to_station:
            raise ValueError("a transfer must move the officer to another station")
        return self


# --- handlers --------------------------------------------------------------------------------
def _on_group_registered(entry: Entry, data: GroupRegistered, d: Decision) -> None:
    """A group slug is registered once."""
    open_subject(d, Group, data.group, exists=lambda g: g.registered, field="data.group")


def _on_person_registered(entry: Entry, data: PersonRegistered, d: Decision) -> None:
    """A pseudonym is registered once; name, ID number and address must be sealed."""
    open_subject(d, Person, data.person, exists=lambda p: p.registered, field="data.person")


def _on_membership_asserted(entry: Entry, data: MembershipAsserted, d: Decision) -> None:
    """Person and group must be registered; asserting the same role again is refused
    (a different role updates it, e.g. member to leader)."""
    require_person(d, data.person, field="data.person")
    group = require_group(d, data.group, field="data.group")
    if group.role_in_group(data.person) == data.role_in_group:
        raise CaseRuleViolation(
            f"{data.person} is already recorded as {data.role_in_group} of {data.group}",
            field="data.person",
        )
    d.record(group)


def _on_membership_withdrawn(entry: Entry, data: MembershipWithdrawn, d: Decision) -> None:
    """Only a current membership can be withdrawn."""
    group = require_group(d, data.group, field="data.group")
    if not group.is_member(data.person):
        raise CaseRuleViolation(
            f"{data.person} is not a current member of {data.group}: nothing to withdraw",
            field="data.person",
        )
    d.record(group)


def _on_officer_registered(entry: Entry, data: OfficerRegistered, d: Decision) -> None:
    """An officer pseudonym is registered once; name and badge number must be sealed."""
    open_subject(d, Officer, data.officer, exists=lambda o: o.registered, field="data.officer")


def _on_officer_transferred(entry: Entry, data: OfficerTransferred, d: Decision) -> None:
    """The officer must be registered and serving at ``from_station``, so the record of
    postings stays a single consistent chain."""
    officer = require_officer(d, data.officer, field="data.officer")
    if officer.station != data.from_station:
        raise CaseRuleViolation(
            f"{data.officer} serves at {officer.station!r}, not {data.from_station!r}",
            field="data.from_station",
        )
    d.record(officer)


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_group_registered(data: GroupRegistered, group: Group, event: Recorded) -> None:
    group.name = data.name
    group.group_kind = data.kind
    group.area = data.area
    group.affiliation = data.affiliation
    group.registered_at = event.occurred_at
    group.registered_in = event.event_id


def _evolve_person_registered(data: PersonRegistered, person: Person, event: Recorded) -> None:
    person.area = data.area
    person.birth_year = data.birth_year
    person.registered_at = event.occurred_at
    person.registered_by = event.recorder


def _evolve_membership_asserted(data: MembershipAsserted, group: Group, event: Recorded) -> None:
    group.memberships.setdefault(data.person, []).append(
        {
            "group": data.group,
            "role": data.role_in_group,
            "from": event.occurred_at,
            "until": None,
            "asserted": event.event_id,
            "withdrawn": None,
        }
    )


def _evolve_membership_withdrawn(data: MembershipWithdrawn, group: Group, event: Recorded) -> None:
    for spell in group.memberships.get(data.person, []):
        if spell["until"] is None:
            spell["until"] = event.occurred_at
            spell["withdrawn"] = event.event_id


def _evolve_officer_registered(data: OfficerRegistered, officer: Officer, event: Recorded) -> None:
    officer.rank = data.rank
    officer.station = data.station
    officer.unit = data.unit
    officer.registered_at = event.occurred_at
    officer.registered_in = event.event_id


def _evolve_officer_transferred(
    data: OfficerTransferred, officer: Officer, event: Recorded
) -> None:
    officer.transfers.append(event.kept())
    officer.station = data.to_station


event_type(
    "group.registered",
    area=AREA,
    summary="An armed group enters the registry under a public slug.",
    data=GroupRegistered,
    roles=("police", "committee"),
    handler=_on_group_registered,
    evolve=_evolve_group_registered,
    example={
        "group": "lyari-gang",
        "name": "Lyari Gang",
        "kind": "criminal_gang",
        "area": "Lyari",
        "affiliation": "People's Aman Committee",
    },
)
event_type(
    "person.registered",
    area=AREA,
    summary="A person gets a public pseudonym; who they are is sealed to the court and committee.",
    data=PersonRegistered,
    roles=("police", "prosecutor", "court"),
    handler=_on_person_registered,
    evolve=_evolve_person_registered,
    sealed_fields=("name", "id_number", "address"),
    sealed_required=True,
    example={"person": "P-17", "area": "Lyari", "birth_year": 1994},
    example_sealed={
        "name": "Muhammad Asif",
        "id_number": "42201-1234567-1",
        "address": "House 12, Street 4, Kalri, Lyari, Karachi",
    },
)
event_type(
    "membership.asserted",
    area=AREA,
    summary="The police assert that a person is a member, leader or associate of a group.",
    data=MembershipAsserted,
    roles=("police",),
    handler=_on_membership_asserted,
    evolve=_evolve_membership_asserted,
    example={
        "person": "P-17",
        "group": "lyari-gang",
        "role_in_group": "member",
        "basis": "Named in two FIRs with known members; photographed at the group's office.",
    },
)
event_type(
    "membership.withdrawn",
    area=AREA,
    summary="The police withdraw a membership they asserted.",
    data=MembershipWithdrawn,
    roles=("police",),
    handler=_on_membership_withdrawn,
    evolve=_evolve_membership_withdrawn,
    example={
        "person": "P-17",
        "group": "lyari-gang",
        "reason": "Left the group in 2025 and moved to Hyderabad, confirmed by the interrupters.",
    },
)
event_type(
    "officer.registered",
    area=AREA,
    summary="A police officer gets a public pseudonym with rank, station and unit.",
    data=OfficerRegistered,
    roles=("police",),
    handler=_on_officer_registered,
    evolve=_evolve_officer_registered,
    sealed_fields=("name", "badge_number"),
    sealed_required=True,
    example={
        "officer": "OFF-3",
        "rank": "Sub-Inspector",
        "station": "Kalakot police station",
        "unit": "Ceasefire Police Unit",
    },
    example_sealed={"name": "Imran Qureshi", "badge_number": "KHI-SI-40871"},
)
event_type(
    "officer.transferred",
    area=AREA,
    summary="An officer is transferred, with the order, who gave it and why.",
    data=OfficerTransferred,
    roles=("police", "committee"),
    handler=_on_officer_transferred,
    evolve=_evolve_officer_transferred,
    example={
        "officer": "OFF-3",
        "from_station": "Kalakot police station",
        "to_station": "Police Lines Garden",
        "order_ref": "DIG-S-2026-114",
        "ordered_by": "DIG South",
        "reason": "Administrative grounds (no reason given in the order).",
    },
)
