"""Warnings, shootings and their attribution."""

from __future__ import annotations

from ledger.aggregates.incident import Incident
from ledger.aggregates.warning import Warning
from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole, UnknownReference
from tests.vocabulary.conftest import Scene
from tests.vocabulary.test_registry import refused


def test_warning_and_attributed_shooting_are_recorded(city: Scene) -> None:
    city.record("warning.issued", at="2026-03-01T08:00:00Z")
    city.record("shooting.attributed", incident="INC-2026-0412")
    warning = city.ledger.store.load(Warning, Warning.id_for("W-2026-LYARI-1"))
    assert warning is not None and warning.covers("lyari-gang")
    assert warning.in_effect("2026-04-01T00:00:00Z")
    incident = city.ledger.store.load(Incident, Incident.id_for("INC-2026-0412"))
    assert incident is not None
    assert incident.suspects == ["P-17"] and incident.target_groups == ["kutchi-rabita"]


def test_warning_covering_an_unregistered_group_is_refused(city: Scene) -> None:
    err = city.refuse("warning.issued", groups=["lyari-gang", "ghost-group"])
    refused(err, UnknownReference, "data.groups[1]")


def test_warning_without_groups_is_refused(city: Scene) -> None:
    refused(city.refuse("warning.issued", groups=[]), MalformedStatement, "data.groups")


def test_warning_ending_before_it_starts_is_refused(city: Scene) -> None:
    err = city.refuse("warning.issued", effective_until="2026-01-01T00:00:00Z")
    refused(err, MalformedStatement, "data")


def test_warning_issued_by_the_court_is_refused(city: Scene) -> None:
    refused(city.refuse("warning.issued", "court"), UnauthorizedRole, "type")


def test_the_same_shooting_reported_twice_is_refused(city: Scene) -> None:
    err = city.refuse("shooting.reported", "interrupters", incident="INC-2026-0412")
    refused(err, CaseRuleViolation, "data.incident")


def test_negative_casualties_are_refused(city: Scene) -> None:
    refused(
        city.refuse("shooting.reported", incident="I-2", killed=-1),
        MalformedStatement,
        "data.killed",
    )


def test_attribution_of_an_unreported_shooting_is_refused(city: Scene) -> None:
    err = city.refuse("shooting.attributed", incident="INC-NOPE")
    refused(err, UnknownReference, "data.incident")


def test_attribution_to_an_unregistered_suspect_is_refused(city: Scene) -> None:
    err = city.refuse("shooting.attributed", suspects=["P-17", "P-404"])
    refused(err, UnknownReference, "data.suspects[1]")


def test_attribution_naming_nobody_is_refused(city: Scene) -> None:
    err = city.refuse("shooting.attributed", suspects=[], groups=[], target_groups=[])
    refused(err, MalformedStatement, "data")


def test_attribution_before_the_shooting_is_refused(city: Scene) -> None:
    err = city.refuse("shooting.attributed", at="2026-02-15T00:00:00Z")
    refused(err, CaseRuleViolation, "occurred_at")


def test_attribution_by_the_interrupters_is_refused(city: Scene) -> None:
    refused(city.refuse("shooting.attributed", "interrupters"), UnauthorizedRole, "type")
