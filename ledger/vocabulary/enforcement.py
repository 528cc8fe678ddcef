"""Enforcement: arrests, custody, group-wide actions, releases and the orders
officers report receiving.

The essay's failure is here: killers released on verbal orders, people held
without production. So the rules refuse what cannot have happened (a release of
someone not in custody, a second arrest while held, custody steps with nobody
in custody) but RECORD what is suspicious and lawful to record — a release
with no legal basis or "on instructions", custody past the 24-hour limit
(CrPC s.61), a release before production — because hiding those is the harm
the ledger exists to prevent. Projections flag them.

Legal bases of a release (Code of Criminal Procedure 1898; Anti-Terrorism Act 1997):

- ``bail_s496`` bail by a court in a bailable offence (s.496); ``bail_s497`` bail
  by a court in a non-bailable offence (s.497); ``bail_s498`` bail by the High
  Court or Court of Session, including before arrest (s.498); ``bail_ata_21d``
  bail by an Anti-Terrorism Court (ATA s.21-D);
- ``police_bail_s496`` / ``police_bail_s497`` bail taken by the officer in
  charge of the police station, which ss.496 and 497(1) allow ("arrested or
  detained without warrant by an officer incharge of a police-station"): no
  court order, judged against the offences the FIR names;
- ``remand_refused`` the magistrate refused remand (s.167);
- ``s169_bond`` released by the officer in charge on a bond for lack of
  evidence (s.169: reasons recorded, magistrate informed);
- ``s63_discharge`` discharge of an arrested person, which s.63 allows only on
  bond, on bail, or under the special order of a magistrate;
- ``acquittal_s249a`` / ``acquittal_s265k`` acquittal at any stage by a
  magistrate / the Court of Session; ``acquittal_at_trial`` acquittal after
  trial (e.g. s.245, s.265-H);
- ``withdrawal_s494`` the prosecutor withdrew with the court's consent (s.494);
- ``compounding_s345`` the offence was compounded (s.345; has the effect of an
  acquittal);
- ``sentence_complete`` the sentence was served (needs a conviction and a
  sentence in the case);
- ``none`` / ``on_instructions`` no lawful basis was given — recorded and flagged.

A basis that rests on an order must name the order's event (``order_event``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from ledger.admission import Decision, Entry
from ledger.aggregates.case import Case
from ledger.aggregates.group import Group
from ledger.aggregates.warning import Warning
from ledger.errors import CaseRuleViolation, UnknownReference
from ledger.vocabulary.base import (
    EventData,
    EventId,
    Name,
    Recorded,
    Ref,
    Text,
    UtcTime,
    event_type,
)
from ledger.vocabulary.incidents import require_incident
from ledger.vocabulary.registry import RefList, require_group, require_officer, require_person

AREA = "enforcement"

LegalBasis = Literal[
    "bail_s496",
    "bail_s497",
    "bail_s498",
    "remand_refused",
    "s169_bond",
    "s63_discharge",
    "acquittal_s249a",
    "acquittal_s265k",
    "acquittal_at_trial",
    "withdrawal_s494",
    "compounding_s345",
    "sentence_complete",
    "police_bail_s496",
    "police_bail_s497",
    "bail_ata_21d",
    "none",
    "on_instructions",
]
ORDER_REQUIRED: frozenset[str] = frozenset(
    {
        "bail_s496",
        "bail_s497",
        "bail_s498",
        "remand_refused",
        "s63_discharge",
        "acquittal_s249a",
        "acquittal_s265k",
        "acquittal_at_trial",
        "withdrawal_s494",
        "compounding_s345",
        "bail_ata_21d",
    }
)
"""Legal bases that rest on an order of a court: the release must name its event.

A basis that is not here either needs no order (``s169_bond``, police bail by the
officer in charge of the station under s.496/s.497) or rests on statements other
than an order (``sentence_complete`` needs a conviction and a sentence in the case),
or is no lawful basis at all."""
CustodyKind = Literal["police", "judicial"]
"""Where a magistrate or court sends the person: police (physical) remand under
s.167 (or ATA s.21-E), or judicial custody in jail (s.344 once the case is before
the court)."""


# --- data -----------------------------------------------------------------------------------
class ArrestMade(EventData):
    case: Ref = Field(description="Case number: one accused person in one FIR")
    person: Ref
    incidents: RefList = Field(default_factory=list)
    grounds: Text
    officer: Ref = Field(description="The arresting officer")
    station: Name
    offences: list[Name] = Field(
        default_factory=list,
        description='Sections the FIR names, e.g. "PPC 302"; judges police bail (s.496/s.497)',
    )
    offences_bailable: bool | None = Field(
        default=None,
        description="Whether the FIR records every offence named as bailable (Schedule II);"
        " police bail under s.496 needs true",
    )
    anti_terrorism_act: bool = Field(
        default=False,
        description="The case is under the Anti-Terrorism Act 1997, before an Anti-Terrorism"
        " Court: production, remand (s.21-E) and bail (s.21-D) follow that Act",
    )


class CustodyProduced(EventData):
    case: Ref
    person: Ref
    magistrate: Name
    remand_granted: bool
    remand_days: int = Field(ge=0, le=365)
    order_number: Ref | None = None
    custody: CustodyKind | None = Field(
        default=None,
        description="Where a granted remand sends the person: police (physical remand, the"
        " default) or judicial custody",
    )
    journey_minutes: int | None = Field(
        default=None,
        ge=0,
        le=4320,
        description="Time needed for the journey from the place of arrest to the court, which"
        " Art. 10(2) and s.61 exclude from the 24 hours",
    )

    @field_validator("custody")
    @classmethod
    def _custody_needs_remand(cls, custody: str | None, info: ValidationInfo) -> str | None:
        if custody is not None and info.data.get("remand_granted") is False:
            raise ValueError("remand was not granted: no custody can be ordered")
        return custody

    @field_validator("remand_days")
    @classmethod
    def _remand_days_match(cls, days: int, info: ValidationInfo) -> int:
        granted = info.data.get("remand_granted")
        if granted is True and days < 1:
            raise ValueError("a granted remand lasts at least one day")
        if granted is False and days != 0:
            raise ValueError("remand was not granted: remand_days must be 0")
        return days


class CustodyTransferred(EventData):
    case: Ref
    person: Ref
    from_facility: Name
    to_facility: Name
    reason: Text

    @field_validator("to_facility")
    @classmethod
    def _moves(cls, to: str, info: ValidationInfo) -> str:
        if to == info.data.get("from_facility"):
            raise ValueError("a transfer must move the person to another facility")
        return to


class EnforcementAction(EventData):
    action: Ref
    group: Ref
    warning: Ref | None = Field(default=None, description="The warning this action enforces")
    kind: Literal["raid", "search", "asset_seizure", "group_arrests", "patrol_surge", "other"]
    incidents: RefList = Field(default_factory=list)
    description: Text


class ReleaseRecorded(EventData):
    case: Ref
    person: Ref
    authorising_officer: Ref
    legal_basis: LegalBasis
    order_event: EventId | None = Field(
        default=None,
        validate_default=True,
        description="The order the release rests on; required for court bail, remand refused,"
        " s.63 discharge, acquittal, withdrawal and compounding (not for police bail)",
    )
    order_number: Ref | None = None
    reasons: Text
    instructions_from: Name | None = Field(
        default=None, description="Public title of whoever ordered the release, if anyone"
    )

    @field_validator("order_event")
    @classmethod
    def _order_named(cls, order_event: str | None, info: ValidationInfo) -> str | None:
        basis = info.data.get("legal_basis")
        if order_event is None and basis in ORDER_REQUIRED:
            raise ValueError(f"a release under {basis} rests on an order: give its event id")
        return order_event


class InstructionReported(EventData):
    case: Ref
    officer: Ref = Field(description="The officer who received the instruction")
    instructed_by: Name = Field(description="Public title of who gave it")
    instruction: Literal["release", "drop_charges", "do_not_arrest", "transfer_custody", "other"]
    received_at: UtcTime


# --- shared case look-ups (also used by the court area) -----------------------------------
def require_case(d: Decision, case: str, *, field: str = "data.case") -> Case:
    found = d.get(Case, case)
    if found is None:
        raise UnknownReference(
            f"no case {case!r} is recorded: record arrest.made first", field=field
        )
    return found


def require_same_person(case: Case, person: str) -> None:
    """A case is one accused person: every step must name that person."""
    if case.person is not None and case.person != person:
        raise CaseRuleViolation(
            f"case {case.key} concerns {case.person}, not {person}", field="data.person"
        )


def require_custody(entry: Entry, case: Case, person: str, *, step: str) -> None:
    """The person must be in custody in this case, since before this step happened."""
    require_same_person(case, person)
    if not case.in_custody:
        raise CaseRuleViolation(
            f"{person} is not in custody in case {case.key}: no {step} is possible",
            field="data.person",
        )
    if case.custody_since and entry.statement.body["occurred_at"] < case.custody_since:
        raise CaseRuleViolation(
            f"a {step} cannot occur before the arrest ({case.custody_since})", field="occurred_at"
        )


# --- handlers --------------------------------------------------------------------------------
def _on_arrest_made(entry: Entry, data: ArrestMade, d: Decision) -> None:
    """Person, officer and incidents must be registered. Opens the case; a re-arrest on
    an existing case is allowed only for the same person, not in custody, before a verdict."""
    require_person(d, data.person, field="data.person")
    require_officer(d, data.officer, field="data.officer")
    for i, incident in enumerate(data.incidents):
        require_incident(d, incident, field=f"data.incidents[{i}]")
    case = d.get(Case, data.case)
    if case is None:
        d.open(Case, data.case)
        return
    require_same_person(case, data.person)
    if case.in_custody:
        raise CaseRuleViolation(
            f"{data.person} is already in custody in case {data.case} since"
            f" {case.custody_since}: record the release first",
            field="data.person",
        )
    if case.verdict is not None:
        raise CaseRuleViolation(
            f"case {data.case} is decided ({case.verdict}): a new arrest needs a new case",
            field="data.case",
        )
    d.record(case)


def _on_custody_produced(entry: Entry, data: CustodyProduced, d: Decision) -> None:
    """Production before a magistrate (s.61/s.167) needs the person in custody in the case.
    Production after the 24-hour limit is recorded (and flagged), not refused."""
    case = require_case(d, data.case)
    require_custody(entry, case, data.person, step="production")
    d.record(case)


def _on_custody_transferred(entry: Entry, data: CustodyTransferred, d: Decision) -> None:
    """A custody transfer needs the person in custody in the case."""
    case = require_case(d, data.case)
    require_custody(entry, case, data.person, step="custody transfer")
    d.record(case)


def _on_enforcement_action(entry: Entry, data: EnforcementAction, d: Decision) -> None:
    """The group and incidents must be registered; a warning named must exist and cover
    the group; an action reference is used once per group."""
    group = require_group(d, data.group, field="data.group")
    if data.warning is not None:
        warning = d.get(Warning, data.warning)
        if warning is None or not warning.issued:
            raise UnknownReference(f"no warning {data.warning!r} was issued", field="data.warning")
        if not warning.covers(data.group):
            raise CaseRuleViolation(
                f"warning {data.warning} does not cover {data.group}", field="data.warning"
            )
    for i, incident in enumerate(data.incidents):
        require_incident(d, incident, field=f"data.incidents[{i}]")
    if group.has_action(data.action):
        raise CaseRuleViolation(
            f"action {data.action} against {data.group} is already recorded", field="data.action"
        )
    d.record(group)


def _on_release_recorded(entry: Entry, data: ReleaseRecorded, d: Decision) -> None:
    """The person must be in custody in the case; the authorising officer must be
    registered. The order named is not looked up here: an order that is not in the
    log, of the wrong kind, late, or another person's, no basis, or "on
    instructions" are possible and suspicious, so they are recorded and flagged
    (``ledger.projections.releases``), never refused."""
    case = require_case(d, data.case)
    require_custody(entry, case, data.person, step="release")
    require_officer(d, data.authorising_officer, field="data.authorising_officer")
    d.record(case)


def _on_instruction_reported(entry: Entry, data: InstructionReported, d: Decision) -> None:
    """The officer who received the instruction must be registered. The case may not
    exist yet (an order not to arrest): then this statement opens it."""
    require_officer(d, data.officer, field="data.officer")
    case = d.get(Case, data.case)
    if case is None:
        d.open(Case, data.case)
    else:
        d.record(case)


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_arrest_made(data: ArrestMade, case: Case, event: Recorded) -> None:
    case.arrests.append(case.step_taken(event))
    case.in_custody = True
    case.custody_since = event.occurred_at


def _evolve_custody_produced(data: CustodyProduced, case: Case, event: Recorded) -> None:
    case.productions.append(case.step_taken(event))


def _evolve_custody_transferred(data: CustodyTransferred, case: Case, event: Recorded) -> None:
    case.transfers.append(case.step_taken(event))


def _evolve_enforcement_action(data: EnforcementAction, group: Group, event: Recorded) -> None:
    group.actions[data.action] = event.kept()


def _evolve_release_recorded(data: ReleaseRecorded, case: Case, event: Recorded) -> None:
    case.releases.append(case.step_taken(event))
    case.in_custody = False
    case.custody_since = None


def _evolve_instruction_reported(data: InstructionReported, case: Case, event: Recorded) -> None:
    case.instructions.append(case.step_taken(event))


event_type(
    "arrest.made",
    area=AREA,
    summary="A person is arrested in a case (opens the case, or re-arrest after release).",
    data=ArrestMade,
    roles=("police",),
    handler=_on_arrest_made,
    evolve=_evolve_arrest_made,
    example={
        "case": "FIR-112-2026-KALAKOT",
        "person": "P-17",
        "incidents": ["INC-2026-0412"],
        "grounds": "Named by two eyewitnesses; pistol recovered at arrest (PPC 302, 324).",
        "officer": "OFF-3",
        "station": "Kalakot police station",
        "offences": ["PPC 302", "PPC 324"],
        "offences_bailable": False,
        "anti_terrorism_act": True,
    },
)
event_type(
    "custody.produced",
    area=AREA,
    summary="The arrested person is produced before a magistrate; remand granted or not.",
    data=CustodyProduced,
    roles=("police",),
    handler=_on_custody_produced,
    evolve=_evolve_custody_produced,
    example={
        "case": "FIR-112-2026-KALAKOT",
        "person": "P-17",
        "magistrate": "Judicial Magistrate XIV, Karachi South",
        "remand_granted": True,
        "remand_days": 7,
        "order_number": "JM14-REM-2026-311",
        "custody": "police",
        "journey_minutes": 90,
    },
)
event_type(
    "custody.transferred",
    area=AREA,
    summary="The person in custody is moved to another facility.",
    data=CustodyTransferred,
    roles=("police",),
    handler=_on_custody_transferred,
    evolve=_evolve_custody_transferred,
    example={
        "case": "FIR-112-2026-KALAKOT",
        "person": "P-17",
        "from_facility": "Kalakot police station lock-up",
        "to_facility": "Central Prison Karachi",
        "reason": "Judicial remand ordered by the magistrate.",
    },
)
event_type(
    "enforcement.action",
    area=AREA,
    summary="Group-wide enforcement other than an arrest (raid, seizure, patrol surge …).",
    data=EnforcementAction,
    roles=("police",),
    handler=_on_enforcement_action,
    evolve=_evolve_enforcement_action,
    example={
        "action": "ACT-2026-031",
        "group": "lyari-gang",
        "warning": "W-2026-LYARI-1",
        "kind": "raid",
        "incidents": ["INC-2026-0412"],
        "description": "Raid on the group's office on Chakiwara Road; two weapons seized.",
    },
)
event_type(
    "release.recorded",
    area=AREA,
    summary="A person leaves custody, with who authorised it, the legal basis and the order.",
    data=ReleaseRecorded,
    roles=("police",),
    handler=_on_release_recorded,
    evolve=_evolve_release_recorded,
    sealed_fields=("named_persons", "details"),
    example={
        "case": "FIR-112-2026-KALAKOT",
        "person": "P-17",
        "authorising_officer": "OFF-3",
        "legal_basis": "bail_s497",
        "order_event": "3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e2f4b6d8c0a1e3f5b7d9c2a4e6f8b0d1c3a",
        "order_number": "ATC2-BAIL-2026-88",
        "reasons": "Released on bail granted by the Anti-Terrorism Court II under s.497.",
        "instructions_from": None,
    },
    example_sealed={"named_persons": [], "details": "Surety furnished by the accused's brother."},
)
event_type(
    "instruction.reported",
    area=AREA,
    summary="An officer records an order he received (to release, not to arrest, …).",
    data=InstructionReported,
    roles=("police",),
    handler=_on_instruction_reported,
    evolve=_evolve_instruction_reported,
    sealed_fields=("instructed_by_name", "witnesses"),
    example={
        "case": "FIR-112-2026-KALAKOT",
        "officer": "OFF-3",
        "instructed_by": "SHO Kalakot",
        "instruction": "release",
        "received_at": "2026-04-03T21:15:00Z",
    },
    example_sealed={"instructed_by_name": "Inspector R. Baloch", "witnesses": ["ASI on duty"]},
)
