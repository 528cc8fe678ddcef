"""Arrest, custody, release, group-wide enforcement and reported instructions."""

from __future__ import annotations

import pytest

from ledger.aggregates.case import Case
from ledger.aggregates.group import Group
from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole, UnknownReference
from tests.vocabulary.conftest import Scene
from tests.vocabulary.test_registry import refused

CASE = "FIR-112-2026-KALAKOT"


def case_of(scene: Scene, key: str = CASE) -> Case:
    case = scene.ledger.store.load(Case, Case.id_for(key))
    assert case is not None
    return case


def bail_order(scene: Scene) -> str:
    return scene.record("bail.granted", case=CASE, person="P-17")


def test_arrest_custody_and_release_on_bail_are_recorded(city: Scene) -> None:
    city.arrest(at="2026-03-03T10:00:00Z")
    assert case_of(city).in_custody and case_of(city).custody_since == "2026-03-03T10:00:00Z"
    city.record("custody.produced", case=CASE, person="P-17", at="2026-03-04T08:00:00Z")
    assert case_of(city).produced_since_arrest
    city.record("custody.transferred", case=CASE, person="P-17")
    order = bail_order(city)
    city.record("release.recorded", case=CASE, person="P-17", order_event=order)
    case = case_of(city)
    assert not case.in_custody and case.releases[0]["order_event"] == order
    city.arrest(at="2026-05-01T10:00:00Z")
    assert case_of(city).in_custody and len(case_of(city).arrests) == 2


@pytest.mark.parametrize("basis", ["none", "on_instructions", "s169_bond", "sentence_complete"])
def test_release_without_an_order_is_recorded_for_the_committee(city: Scene, basis: str) -> None:
    city.arrest()
    city.record(
        "release.recorded",
        case=CASE,
        person="P-17",
        legal_basis=basis,
        order_event=None,
        order_number=None,
        instructions_from="MPA of the area" if basis == "on_instructions" else None,
    )
    assert case_of(city).releases[0]["legal_basis"] == basis


def test_custody_past_24_hours_and_release_before_production_are_recorded(city: Scene) -> None:
    city.arrest(at="2026-03-03T10:00:00Z")
    city.record("custody.produced", case=CASE, person="P-17", at="2026-03-06T10:00:00Z")
    city.arrest(case="FIR-200", person="P-18", at="2026-03-07T10:00:00Z")
    city.record(
        "release.recorded",
        case="FIR-200",
        person="P-18",
        legal_basis="none",
        order_event=None,
        at="2026-03-07T12:00:00Z",
    )
    assert not case_of(city, "FIR-200").in_custody


def test_release_of_person_not_in_custody_is_refused(city: Scene) -> None:
    city.arrest()
    city.record("release.recorded", case=CASE, person="P-17", legal_basis="none", order_event=None)
    err = city.refuse(
        "release.recorded", case=CASE, person="P-17", legal_basis="none", order_event=None
    )
    refused(err, CaseRuleViolation, "data.person")


def test_release_in_a_case_never_opened_is_refused(city: Scene) -> None:
    err = city.refuse("release.recorded", case="FIR-404", legal_basis="none", order_event=None)
    refused(err, UnknownReference, "data.case")


def test_release_of_another_person_than_the_accused_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse(
        "release.recorded", case=CASE, person="P-18", legal_basis="none", order_event=None
    )
    refused(err, CaseRuleViolation, "data.person")


def test_release_on_bail_without_naming_the_order_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse("release.recorded", case=CASE, legal_basis="bail_s497", order_event=None)
    refused(err, MalformedStatement, "data.order_event")


def test_release_naming_an_order_not_in_the_log_is_recorded_for_the_committee(
    city: Scene,
) -> None:
    city.arrest()
    city.record("release.recorded", case=CASE, order_event="ab" * 32)
    assert case_of(city).releases[0]["order_event"] == "ab" * 32


@pytest.mark.parametrize("basis", ["police_bail_s496", "police_bail_s497"])
def test_police_station_bail_is_recorded_by_the_police_without_a_court_order(
    city: Scene, basis: str
) -> None:
    city.arrest()
    city.record(
        "release.recorded",
        case=CASE,
        person="P-17",
        legal_basis=basis,
        order_event=None,
        order_number=None,
    )
    assert case_of(city).releases[0]["legal_basis"] == basis


def test_ata_bail_release_without_the_courts_order_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse("release.recorded", case=CASE, legal_basis="bail_ata_21d", order_event=None)
    refused(err, MalformedStatement, "data.order_event")


def test_judicial_custody_without_a_granted_remand_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse(
        "custody.produced",
        case=CASE,
        person="P-17",
        remand_granted=False,
        remand_days=0,
        custody="judicial",
    )
    refused(err, MalformedStatement, "data.custody")


def test_arrest_of_an_anti_terrorism_case_with_its_offences_is_recorded(city: Scene) -> None:
    city.arrest()
    arrest = case_of(city).arrests[0]
    assert arrest["anti_terrorism_act"] is True and arrest["offences"] == ["PPC 302", "PPC 324"]


def test_arrest_recorded_without_the_new_optional_fields_stays_valid(city: Scene) -> None:
    city.record(
        "arrest.made",
        case="FIR-300",
        person="P-18",
        offences=...,
        offences_bailable=...,
        anti_terrorism_act=...,
    )
    arrest = case_of(city, "FIR-300").arrests[0]
    assert "offences" not in arrest and "anti_terrorism_act" not in arrest


def test_release_pointing_at_a_wrong_order_is_recorded(city: Scene) -> None:
    city.arrest()
    city.record("release.recorded", case=CASE, order_event=city.ids["shooting"])


def test_release_authorised_by_unregistered_officer_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse(
        "release.recorded",
        case=CASE,
        authorising_officer="OFF-99",
        legal_basis="none",
        order_event=None,
    )
    refused(err, UnknownReference, "data.authorising_officer")


def test_release_legal_basis_outside_the_crpc_list_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse("release.recorded", case=CASE, legal_basis="verbal_order", order_event=None)
    refused(err, MalformedStatement, "data.legal_basis")


def test_release_before_the_arrest_is_refused(city: Scene) -> None:
    city.arrest(at="2026-03-05T10:00:00Z")
    err = city.refuse(
        "release.recorded",
        case=CASE,
        legal_basis="none",
        order_event=None,
        at="2026-03-04T10:00:00Z",
    )
    refused(err, CaseRuleViolation, "occurred_at")


def test_release_recorded_by_the_court_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse("release.recorded", "court", case=CASE, legal_basis="none", order_event=None)
    refused(err, UnauthorizedRole, "type")


def test_second_arrest_in_a_case_while_in_custody_is_refused(city: Scene) -> None:
    city.arrest()
    refused(city.refuse("arrest.made", case=CASE), CaseRuleViolation, "data.person")


def test_arrest_of_another_person_in_the_same_case_is_refused(city: Scene) -> None:
    city.arrest()
    city.record("release.recorded", case=CASE, legal_basis="none", order_event=None)
    refused(city.refuse("arrest.made", case=CASE, person="P-18"), CaseRuleViolation, "data.person")


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("person", "P-404", "data.person"),
        ("officer", "OFF-404", "data.officer"),
        ("incidents", ["INC-404"], "data.incidents[0]"),
    ],
)
def test_arrest_naming_unregistered_subjects_is_refused(
    city: Scene, field: str, value: object, where: str
) -> None:
    refused(city.refuse("arrest.made", **{field: value}), UnknownReference, where)


def test_production_without_custody_is_refused(city: Scene) -> None:
    city.arrest()
    city.record("release.recorded", case=CASE, legal_basis="none", order_event=None)
    refused(city.refuse("custody.produced", case=CASE), CaseRuleViolation, "data.person")


def test_production_with_days_of_remand_not_granted_is_refused(city: Scene) -> None:
    city.arrest()
    err = city.refuse("custody.produced", case=CASE, remand_granted=False, remand_days=7)
    refused(err, MalformedStatement, "data.remand_days")


def test_custody_transfer_without_custody_is_refused(city: Scene) -> None:
    refused(city.refuse("custody.transferred", case="FIR-404"), UnknownReference, "data.case")
    city.arrest()
    city.record("release.recorded", case=CASE, legal_basis="none", order_event=None)
    refused(city.refuse("custody.transferred", case=CASE), CaseRuleViolation, "data.person")


def test_group_enforcement_under_a_warning_is_recorded(city: Scene) -> None:
    city.record("warning.issued")
    city.record("enforcement.action")
    group = city.ledger.store.load(Group, Group.id_for("lyari-gang"))
    assert group is not None and group.has_action("ACT-2026-031")


def test_enforcement_under_a_warning_not_covering_the_group_is_refused(city: Scene) -> None:
    city.record("warning.issued", groups=["kutchi-rabita"])
    refused(city.refuse("enforcement.action"), CaseRuleViolation, "data.warning")


def test_enforcement_under_an_unknown_warning_is_refused(city: Scene) -> None:
    refused(city.refuse("enforcement.action"), UnknownReference, "data.warning")


def test_enforcement_against_an_unregistered_group_is_refused(city: Scene) -> None:
    err = city.refuse("enforcement.action", group="ghost", warning=None)
    refused(err, UnknownReference, "data.group")


def test_the_same_enforcement_action_twice_is_refused(city: Scene) -> None:
    city.record("enforcement.action", warning=None)
    refused(city.refuse("enforcement.action", warning=None), CaseRuleViolation, "data.action")


def test_instruction_not_to_arrest_opens_the_case_and_arrest_follows(city: Scene) -> None:
    city.record("instruction.reported", case="FIR-300", instruction="do_not_arrest")
    city.arrest(case="FIR-300", person="P-18")
    case = case_of(city, "FIR-300")
    assert case.person == "P-18" and case.instructions and case.in_custody


def test_instruction_received_by_unregistered_officer_is_refused(city: Scene) -> None:
    err = city.refuse("instruction.reported", officer="OFF-404")
    refused(err, UnknownReference, "data.officer")
