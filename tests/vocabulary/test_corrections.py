"""Corrections and retractions: new statements, never edits."""

from __future__ import annotations

from typing import Any

from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole, UnknownReference
from ledger.vocabulary.base import VOCABULARY
from tests.vocabulary.conftest import Scene
from tests.vocabulary.test_enforcement import CASE, case_of
from tests.vocabulary.test_registry import refused


def arrest_data(**changes: Any) -> dict[str, Any]:
    return {**VOCABULARY["arrest.made"].example, "case": CASE, "person": "P-17", **changes}


def test_correction_changes_the_effective_record_and_keeps_the_original(city: Scene) -> None:
    arrest = city.arrest(at="2026-03-03T10:00:00Z")
    city.record(
        "event.corrected",
        original=arrest,
        corrected_data=arrest_data(station="Kharadar"),
        corrected_occurred_at="2026-03-03T08:00:00Z",
    )
    case = case_of(city)
    assert case.arrests[0]["station"] == "Kharadar"
    assert case.custody_since == "2026-03-03T08:00:00Z"
    assert case.original(arrest)["data"]["station"] == "Kalakot police station"
    assert '"Kalakot police station"' in city.leaf(arrest)


def test_retracted_arrest_leaves_nobody_in_custody(city: Scene) -> None:
    arrest = city.arrest()
    city.record("event.retracted", original=arrest)
    assert not case_of(city).in_custody
    err = city.refuse("release.recorded", case=CASE, legal_basis="none", order_event=None)
    refused(err, CaseRuleViolation, "data.person")


def test_the_court_may_correct_a_police_record(city: Scene) -> None:
    arrest = city.arrest()
    city.record(
        "event.corrected", "court", original=arrest, corrected_data=arrest_data(grounds="x")
    )


def test_correction_by_another_institution_is_refused(city: Scene) -> None:
    arrest = city.arrest()
    err = city.refuse(
        "event.corrected", "committee", original=arrest, corrected_data=arrest_data(grounds="x")
    )
    refused(err, UnauthorizedRole, "recorder")


def test_retraction_by_another_institution_is_refused(city: Scene) -> None:
    refused(
        city.refuse("event.retracted", "interrupters", original=city.ids["shooting"]),
        UnauthorizedRole,
        "recorder",
    )


def test_correction_of_an_event_not_in_the_log_is_refused(city: Scene) -> None:
    err = city.refuse("event.corrected", original="ef" * 32, corrected_data={})
    refused(err, UnknownReference, "data.original")


def test_correction_without_a_reason_is_refused(city: Scene) -> None:
    arrest = city.arrest()
    err = city.refuse("event.corrected", original=arrest, reason="", corrected_data=arrest_data())
    refused(err, MalformedStatement, "data.reason")


def test_corrected_data_invalid_for_the_original_type_is_refused(city: Scene) -> None:
    arrest = city.arrest()
    err = city.refuse("event.corrected", original=arrest, corrected_data=arrest_data(officer=7))
    refused(err, MalformedStatement, "data.corrected_data.officer")


def test_correction_moving_a_statement_to_another_case_is_refused(city: Scene) -> None:
    arrest = city.arrest()
    err = city.refuse("event.corrected", original=arrest, corrected_data=arrest_data(case="FIR-9"))
    refused(err, CaseRuleViolation, "data.corrected_data.case")


def test_correction_that_changes_nothing_is_refused(city: Scene) -> None:
    arrest = city.arrest()
    err = city.refuse("event.corrected", original=arrest, corrected_data=arrest_data())
    refused(err, CaseRuleViolation, "data.corrected_data")


def test_correcting_or_retracting_a_retracted_event_is_refused(city: Scene) -> None:
    arrest = city.arrest()
    city.record("event.retracted", original=arrest)
    refused(city.refuse("event.retracted", original=arrest), CaseRuleViolation, "data.original")
    err = city.refuse("event.corrected", original=arrest, corrected_data=arrest_data(grounds="y"))
    refused(err, CaseRuleViolation, "data.original")


def test_a_correction_cannot_itself_be_retracted(city: Scene) -> None:
    arrest = city.arrest()
    fix = city.record("event.corrected", original=arrest, corrected_data=arrest_data(grounds="y"))
    refused(city.refuse("event.retracted", original=fix), CaseRuleViolation, "data.original")


def test_governance_statements_cannot_be_retracted(scene: Scene) -> None:
    charter = scene.ledger.events(0, 1)
    charter_id = next(iter(charter)).event_id
    err = scene.refuse("event.retracted", "committee", original=charter_id)
    refused(err, CaseRuleViolation, "data.original")


def test_retracted_group_registration_can_be_recorded_again(city: Scene) -> None:
    first = city.record("group.registered", group="new-gang", name="New")
    city.record("event.retracted", original=first)
    err = city.refuse("membership.asserted", person="P-19", group="new-gang")
    refused(err, UnknownReference, "data.group")
    city.record("group.registered", group="new-gang", name="New Gang")
    city.record("membership.asserted", person="P-19", group="new-gang")
