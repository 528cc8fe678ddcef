"""Prosecution and court: charges, bail, hearings, verdicts, sentences and orders.

Only a prosecutor files or withdraws charges and only the court records bail,
orders, hearings, verdicts and sentences (the roles of each type). All are
recorded on the case, so the special court reads one history across the
police, the prosecution and itself. The court's orders are what a release's
``order_event`` points at, so each order number is used once per case.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from ledger.admission import Decision, Entry
from ledger.aggregates.case import Case
from ledger.errors import CaseRuleViolation
from ledger.vocabulary.base import (
    EventData,
    EventId,
    Name,
    PlannedTime,
    Recorded,
    Ref,
    Text,
    event_type,
)
from ledger.vocabulary.enforcement import require_case, require_same_person
from ledger.vocabulary.registry import require_person

AREA = "court"
BailSection = Literal["s496", "s497", "s498", "ata_21d"]
"""CrPC s.496 (bailable offence), s.497 (non-bailable), s.498 (High Court or Court
of Session, also before arrest), or ATA s.21-D (an Anti-Terrorism Court)."""


# --- data -----------------------------------------------------------------------------------
class ChargeFiled(EventData):
    case: Ref
    person: Ref
    charges: list[Name] = Field(min_length=1, description='Offences, e.g. "PPC 302"')
    prosecutor: Ref


class ChargeWithdrawn(EventData):
    case: Ref
    person: Ref
    reason: Text
    permission_event: EventId | None = Field(
        default=None, description="The court's consent under s.494, if recorded"
    )


class BailGranted(EventData):
    case: Ref
    person: Ref
    section: BailSection
    order_number: Ref
    judge: Ref
    conditions: Text


class BailDenied(EventData):
    case: Ref
    person: Ref
    section: BailSection
    order_number: Ref
    judge: Ref
    reasons: Text


class HearingHeld(EventData):
    case: Ref
    judge: Ref
    outcome: Literal["adjourned", "evidence_recorded", "arguments_heard", "reserved", "other"]
    adjournment_reason: (
        Literal[
            "prosecution_not_ready",
            "defence_not_ready",
            "witness_absent",
            "judge_unavailable",
            "accused_not_produced",
            "file_not_available",
            "other",
        ]
        | None
    ) = Field(default=None, validate_default=True, description="Required iff adjourned")
    next_date: PlannedTime | None = None

    @field_validator("adjournment_reason")
    @classmethod
    def _reason_iff_adjourned(cls, reason: str | None, info: ValidationInfo) -> str | None:
        adjourned = info.data.get("outcome") == "adjourned"
        if adjourned and reason is None:
            raise ValueError("an adjourned hearing needs an adjournment_reason")
        if not adjourned and reason is not None:
            raise ValueError("only an adjourned hearing has an adjournment_reason")
        return reason


class VerdictDelivered(EventData):
    case: Ref
    person: Ref
    verdict: Literal["convicted", "acquitted", "discharged"]
    section: Literal["s249a", "s265k", "trial"] = Field(
        description="s.249-A/s.265-K acquittal at any stage, or judgment after trial"
    )
    judge: Ref

    @field_validator("section")
    @classmethod
    def _conviction_after_trial(cls, section: str, info: ValidationInfo) -> str:
        if info.data.get("verdict") == "convicted" and section != "trial":
            raise ValueError("ss.249-A and 265-K only acquit: a conviction is after trial")
        return section


class SentenceImposed(EventData):
    case: Ref
    person: Ref
    sentence: Text
    custodial_months: int = Field(ge=0, le=1200)
    judge: Ref


class CourtOrderIssued(EventData):
    case: Ref
    person: Ref
    order_number: Ref
    kind: Literal[
        "remand",
        "remand_refused",
        "release",
        "discharge_s63",
        "transfer",
        "production",
        "withdrawal_permission_s494",
        "compounding_permission_s345",
        "other",
    ]
    judge: Ref
    terms: Text


# --- rules -----------------------------------------------------------------------------------
def _undecided(case: Case, what: str) -> None:
    if case.verdict is not None:
        raise CaseRuleViolation(
            f"case {case.key} is decided ({case.verdict}): no {what} after the verdict",
            field="data.case",
        )


def _new_order_number(case: Case, order_number: str) -> None:
    if order_number in case.order_numbers:
        raise CaseRuleViolation(
            f"order {order_number} is already recorded in case {case.key}",
            field="data.order_number",
        )


def _on_charge_filed(entry: Entry, data: ChargeFiled, d: Decision) -> None:
    """The person must be registered and, if the case exists, be its accused; no charge
    after a verdict. A charge may open a case (an accused not yet arrested)."""
    require_person(d, data.person, field="data.person")
    case = d.get(Case, data.case)
    if case is None:
        d.open(Case, data.case)
        return
    require_same_person(case, data.person)
    _undecided(case, "new charge")
    d.record(case)


def _on_charge_withdrawn(entry: Entry, data: ChargeWithdrawn, d: Decision) -> None:
    """A charge must be filed and not yet withdrawn, before a verdict; a permission
    event named must be in the log."""
    case = require_case(d, data.case)
    require_same_person(case, data.person)
    if not case.charged:
        raise CaseRuleViolation(
            f"no charge stands in case {data.case}: nothing to withdraw", field="data.case"
        )
    _undecided(case, "withdrawal")
    if data.permission_event is not None:
        d.require_event(data.permission_event, field="data.permission_event")
    d.record(case)


def _on_bail(entry: Entry, data: BailGranted | BailDenied, d: Decision) -> None:
    """Each order number once per case; an existing case must concern the person.
    Pre-arrest bail under s.498 comes before any arrest, so a s.498 order opens
    the case for a registered person; any other bail needs the case."""
    case = d.get(Case, data.case)
    if case is None and data.section == "s498":
        require_person(d, data.person, field="data.person")
        d.open(Case, data.case)
        return
    case = require_case(d, data.case)
    require_same_person(case, data.person)
    _new_order_number(case, data.order_number)
    d.record(case)


def _on_hearing_held(entry: Entry, data: HearingHeld, d: Decision) -> None:
    """A hearing needs a charge filed in the case; the next date must be after it."""
    case = require_case(d, data.case)
    if not case.charge_filed:
        raise CaseRuleViolation(
            f"no charge is filed in case {data.case}: a hearing needs a charge", field="data.case"
        )
    if data.next_date is not None and data.next_date <= entry.statement.body["occurred_at"]:
        raise CaseRuleViolation("next_date must be after the hearing", field="data.next_date")
    d.record(case)


def _on_verdict_delivered(entry: Entry, data: VerdictDelivered, d: Decision) -> None:
    """A verdict needs a charge filed; a case has one verdict."""
    case = require_case(d, data.case)
    require_same_person(case, data.person)
    if not case.charge_filed:
        raise CaseRuleViolation(
            f"no charge is filed in case {data.case}: a verdict needs a charge", field="data.case"
        )
    _undecided(case, "second verdict")
    d.record(case)


def _on_sentence_imposed(entry: Entry, data: SentenceImposed, d: Decision) -> None:
    """A sentence needs a conviction in the case, and is imposed once."""
    case = require_case(d, data.case)
    require_same_person(case, data.person)
    if not case.convicted:
        raise CaseRuleViolation(
            f"case {data.case} has no conviction: a sentence needs one", field="data.case"
        )
    if case.sentence is not None:
        raise CaseRuleViolation(f"case {data.case} is already sentenced", field="data.case")
    d.record(case)


def _on_court_order(entry: Entry, data: CourtOrderIssued, d: Decision) -> None:
    """The case must exist and concern the person; each order number once per case."""
    case = require_case(d, data.case)
    require_same_person(case, data.person)
    _new_order_number(case, data.order_number)
    d.record(case)


_CASE = "FIR-112-2026-KALAKOT"


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_charge_filed(data: ChargeFiled, case: Case, event: Recorded) -> None:
    case.charges.append({**case.step_taken(event), "withdrawn": False})


def _evolve_charge_withdrawn(data: ChargeWithdrawn, case: Case, event: Recorded) -> None:
    case.step_taken(event)
    for charge in case.charges:
        charge["withdrawn"] = True


def _evolve_order(
    data: BailGranted | BailDenied | CourtOrderIssued, case: Case, event: Recorded
) -> None:
    """Bail granted or denied and other court orders are the case's orders, in log order."""
    case.orders.append(case.step_taken(event))


def _evolve_hearing_held(data: HearingHeld, case: Case, event: Recorded) -> None:
    case.hearings.append(case.step_taken(event))


def _evolve_verdict_delivered(data: VerdictDelivered, case: Case, event: Recorded) -> None:
    case.decision = case.step_taken(event)


def _evolve_sentence_imposed(data: SentenceImposed, case: Case, event: Recorded) -> None:
    case.sentence = case.step_taken(event)


event_type(
    "charge.filed",
    area=AREA,
    summary="The prosecutor files charges (challan) against the accused.",
    data=ChargeFiled,
    roles=("prosecutor",),
    handler=_on_charge_filed,
    evolve=_evolve_charge_filed,
    example={
        "case": _CASE,
        "person": "P-17",
        "charges": ["PPC 302", "PPC 324"],
        "prosecutor": "PROS-2",
    },
)
event_type(
    "charge.withdrawn",
    area=AREA,
    summary="The prosecutor withdraws the charges (s.494 needs the court's consent).",
    data=ChargeWithdrawn,
    roles=("prosecutor",),
    handler=_on_charge_withdrawn,
    evolve=_evolve_charge_withdrawn,
    example={
        "case": _CASE,
        "person": "P-17",
        "reason": "Complainant compounded the offence of hurt; murder charge stands in FIR-113.",
        "permission_event": "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9",
    },
)
event_type(
    "bail.granted",
    area=AREA,
    summary="The court grants bail under s.496, s.497, s.498 (also before arrest) or ATA s.21-D.",
    data=BailGranted,
    roles=("court",),
    handler=_on_bail,
    evolve=_evolve_order,
    example={
        "case": _CASE,
        "person": "P-17",
        "section": "s497",
        "order_number": "ATC2-BAIL-2026-88",
        "judge": "JUDGE-ATC2",
        "conditions": "Surety of PKR 200,000; report to the police station every Monday.",
    },
)
event_type(
    "bail.denied",
    area=AREA,
    summary="The court refuses bail, with its reasons.",
    data=BailDenied,
    roles=("court",),
    handler=_on_bail,
    evolve=_evolve_order,
    example={
        "case": _CASE,
        "person": "P-17",
        "section": "s497",
        "order_number": "ATC2-BAIL-2026-71",
        "judge": "JUDGE-ATC2",
        "reasons": "Reasonable grounds to believe the accused committed an offence under PPC 302.",
    },
)
event_type(
    "hearing.held",
    area=AREA,
    summary="A hearing in a charged case: what happened, why it was adjourned, the next date.",
    data=HearingHeld,
    roles=("court",),
    handler=_on_hearing_held,
    evolve=_evolve_hearing_held,
    example={
        "case": _CASE,
        "judge": "JUDGE-ATC2",
        "outcome": "adjourned",
        "adjournment_reason": "witness_absent",
        "next_date": "2026-06-15T05:00:00Z",
    },
)
event_type(
    "verdict.delivered",
    area=AREA,
    summary="The court convicts, acquits or discharges the accused (once per case).",
    data=VerdictDelivered,
    roles=("court",),
    handler=_on_verdict_delivered,
    evolve=_evolve_verdict_delivered,
    example={
        "case": _CASE,
        "person": "P-17",
        "verdict": "convicted",
        "section": "trial",
        "judge": "JUDGE-ATC2",
    },
)
event_type(
    "sentence.imposed",
    area=AREA,
    summary="The court sentences a convicted accused.",
    data=SentenceImposed,
    roles=("court",),
    handler=_on_sentence_imposed,
    evolve=_evolve_sentence_imposed,
    example={
        "case": _CASE,
        "person": "P-17",
        "sentence": "Imprisonment for life under PPC 302(b) and a fine of PKR 500,000.",
        "custodial_months": 300,
        "judge": "JUDGE-ATC2",
    },
)
event_type(
    "court.order_issued",
    area=AREA,
    summary="Any other order of the court in a case (remand, release, s.494 consent …).",
    data=CourtOrderIssued,
    roles=("court",),
    handler=_on_court_order,
    evolve=_evolve_order,
    example={
        "case": _CASE,
        "person": "P-17",
        "order_number": "JM14-REM-2026-311",
        "kind": "remand",
        "judge": "JM-14-SOUTH",
        "terms": "Physical remand for 7 days; produce the accused on 10 April 2026.",
    },
)
