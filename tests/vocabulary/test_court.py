"""Charges, bail, hearings, verdicts, sentences and court orders."""

from __future__ import annotations

from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole, UnknownReference
from tests.vocabulary.conftest import Scene
from tests.vocabulary.test_enforcement import CASE, case_of
from tests.vocabulary.test_registry import refused


def test_the_court_story_from_charge_to_sentence_is_recorded(city: Scene) -> None:
    city.arrest()
    city.record("court.order_issued", case=CASE, person="P-17")
    city.record("bail.denied", case=CASE, person="P-17")
    city.charge()
    city.record("hearing.held", case=CASE, at="2026-05-01T05:00:00Z")
    city.record(
        "hearing.held",
        case=CASE,
        outcome="evidence_recorded",
        adjournment_reason=None,
        next_date=None,
    )
    city.record("verdict.delivered", case=CASE, person="P-17")
    city.record("sentence.imposed", case=CASE, person="P-17")
    case = case_of(city)
    assert case.charged and case.convicted and case.sentence is not None
    assert case.order_numbers == {"JM14-REM-2026-311", "ATC2-BAIL-2026-71"}
    assert len(case.hearings) == 2


def test_charge_filed_before_arrest_opens_the_case(city: Scene) -> None:
    city.charge(case="FIR-500", person="P-19")
    assert case_of(city, "FIR-500").charged and not case_of(city, "FIR-500").in_custody


def test_charge_filed_by_the_police_is_refused(city: Scene) -> None:
    city.arrest()
    refused(city.refuse("charge.filed", "police", case=CASE), UnauthorizedRole, "type")


def test_charge_against_unregistered_person_is_refused(city: Scene) -> None:
    refused(
        city.refuse("charge.filed", case="FIR-9", person="P-404"), UnknownReference, "data.person"
    )


def test_charge_without_offences_is_refused(city: Scene) -> None:
    refused(city.refuse("charge.filed", charges=[]), MalformedStatement, "data.charges")


def test_withdrawing_a_charge_never_filed_is_refused(city: Scene) -> None:
    city.arrest()
    refused(
        city.refuse("charge.withdrawn", case=CASE, permission_event=None),
        CaseRuleViolation,
        "data.case",
    )


def test_withdrawing_a_charge_twice_is_refused(city: Scene) -> None:
    city.charge()
    city.record("charge.withdrawn", case=CASE, permission_event=None)
    assert not case_of(city).charged
    refused(
        city.refuse("charge.withdrawn", case=CASE, permission_event=None),
        CaseRuleViolation,
        "data.case",
    )


def test_withdrawal_citing_a_permission_not_in_the_log_is_refused(city: Scene) -> None:
    city.charge()
    refused(city.refuse("charge.withdrawn", case=CASE), UnknownReference, "data.permission_event")


def test_bail_granted_by_the_police_is_refused(city: Scene) -> None:
    city.arrest()
    refused(city.refuse("bail.granted", "police", case=CASE), UnauthorizedRole, "type")


def test_court_order_recorded_by_the_prosecutor_is_refused(city: Scene) -> None:
    city.arrest()
    refused(city.refuse("court.order_issued", "prosecution", case=CASE), UnauthorizedRole, "type")


def test_bail_in_a_case_never_opened_is_refused(city: Scene) -> None:
    refused(city.refuse("bail.granted", case="FIR-404"), UnknownReference, "data.case")


def test_pre_arrest_bail_under_s498_opens_the_case(city: Scene) -> None:
    city.record("bail.granted", case="FIR-500", person="P-17", section="s498")
    city.arrest(case="FIR-500")
    city.record(
        "release.recorded",
        case="FIR-500",
        person="P-17",
        legal_basis="bail_s498",
        order_event=city.record(
            "court.order_issued",
            case="FIR-500",
            person="P-17",
            order_number="ORD-9",
            kind="release",
        ),
    )


def test_pre_arrest_bail_for_an_unregistered_person_is_refused(city: Scene) -> None:
    err = city.refuse("bail.granted", case="FIR-501", person="P-404", section="s498")
    refused(err, UnknownReference, "data.person")


def test_bail_by_an_anti_terrorism_court_under_s21d_is_recorded(city: Scene) -> None:
    city.arrest()
    city.record("bail.granted", case=CASE, person="P-17", section="ata_21d")


def test_the_same_order_number_twice_in_a_case_is_refused(city: Scene) -> None:
    city.arrest()
    city.record("bail.granted", case=CASE)
    err = city.refuse("court.order_issued", case=CASE, order_number="ATC2-BAIL-2026-88")
    refused(err, CaseRuleViolation, "data.order_number")


def test_hearing_without_a_charge_is_refused(city: Scene) -> None:
    city.arrest()
    refused(city.refuse("hearing.held", case=CASE), CaseRuleViolation, "data.case")


def test_adjourned_hearing_without_a_reason_is_refused(city: Scene) -> None:
    city.charge()
    err = city.refuse("hearing.held", case=CASE, adjournment_reason=None)
    refused(err, MalformedStatement, "data.adjournment_reason")


def test_hearing_whose_next_date_is_in_its_past_is_refused(city: Scene) -> None:
    city.charge()
    err = city.refuse(
        "hearing.held", case=CASE, next_date="2026-03-01T00:00:00Z", at="2026-06-01T00:00:00Z"
    )
    refused(err, CaseRuleViolation, "data.next_date")


def test_verdict_without_a_charge_is_refused(city: Scene) -> None:
    city.arrest()
    refused(city.refuse("verdict.delivered", case=CASE), CaseRuleViolation, "data.case")


def test_second_verdict_in_a_case_is_refused(city: Scene) -> None:
    city.charge()
    city.record("verdict.delivered", case=CASE, verdict="acquitted", section="s265k")
    refused(city.refuse("verdict.delivered", case=CASE), CaseRuleViolation, "data.case")


def test_conviction_under_an_acquittal_section_is_refused(city: Scene) -> None:
    city.charge()
    refused(
        city.refuse("verdict.delivered", case=CASE, section="s249a"),
        MalformedStatement,
        "data.section",
    )


def test_sentence_without_a_conviction_is_refused(city: Scene) -> None:
    city.charge()
    refused(city.refuse("sentence.imposed", case=CASE), CaseRuleViolation, "data.case")
    city.record("verdict.delivered", case=CASE, verdict="acquitted", section="trial")
    refused(city.refuse("sentence.imposed", case=CASE), CaseRuleViolation, "data.case")


def test_second_sentence_is_refused(city: Scene) -> None:
    city.charge()
    city.record("verdict.delivered", case=CASE)
    city.record("sentence.imposed", case=CASE)
    refused(city.refuse("sentence.imposed", case=CASE), CaseRuleViolation, "data.case")


def test_rearrest_after_the_verdict_is_refused(city: Scene) -> None:
    city.arrest()
    city.record("release.recorded", case=CASE, legal_basis="none", order_event=None)
    city.charge()
    city.record("verdict.delivered", case=CASE, verdict="acquitted", section="trial")
    refused(city.refuse("arrest.made", case=CASE), CaseRuleViolation, "data.case")
