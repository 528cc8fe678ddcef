"""Registry: groups, persons, memberships, officers and transfers."""

from __future__ import annotations

import pytest

from ledger.aggregates.group import Group
from ledger.aggregates.officer import Officer
from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole, UnknownReference
from tests.vocabulary.conftest import Scene


def refused(err: Exception, kind: type[Exception], field: str) -> None:
    assert type(err) is kind, f"{type(err).__name__}: {err}"
    assert err.field == field, str(err)


def test_the_registry_story_is_recorded(city: Scene) -> None:
    city.record("membership.asserted", person="P-17", group="lyari-gang", role_in_group="leader")
    city.record("membership.withdrawn", person="P-18", group="kutchi-rabita")
    city.record("officer.transferred", officer="OFF-3")
    group = city.ledger.store.load(Group, Group.id_for("lyari-gang"))
    assert group is not None and group.role_in_group("P-17") == "leader"
    assert [s["role"] for s in group.memberships["P-17"]] == ["member", "leader"]
    other = city.ledger.store.load(Group, Group.id_for("kutchi-rabita"))
    assert other is not None and not other.is_member("P-18")
    (spell,) = other.memberships["P-18"]
    assert spell["until"] is not None and spell["withdrawn"] is not None
    officer = city.ledger.store.load(Officer, Officer.id_for("OFF-3"))
    assert officer is not None and officer.station == "Police Lines Garden"


def test_group_registered_twice_is_refused(city: Scene) -> None:
    refused(city.refuse("group.registered", group="lyari-gang"), CaseRuleViolation, "data.group")


def test_person_without_sealed_details_is_refused(scene: Scene) -> None:
    draft = scene.draft("person.registered", person="P-99")
    draft.sealed = None
    refused(scene.refuse_statement(scene.sign(draft)), CaseRuleViolation, "sealed")


def test_person_registered_by_interrupters_is_refused(scene: Scene) -> None:
    refused(scene.refuse("person.registered", "interrupters"), UnauthorizedRole, "type")


def test_membership_of_unregistered_person_is_refused(city: Scene) -> None:
    err = city.refuse("membership.asserted", person="P-404", group="lyari-gang")
    refused(err, UnknownReference, "data.person")


def test_membership_in_unregistered_group_is_refused(city: Scene) -> None:
    err = city.refuse("membership.asserted", person="P-17", group="no-such-gang")
    refused(err, UnknownReference, "data.group")


def test_same_membership_asserted_twice_is_refused(city: Scene) -> None:
    err = city.refuse("membership.asserted", person="P-17", group="lyari-gang")
    refused(err, CaseRuleViolation, "data.person")


def test_withdrawing_a_membership_that_does_not_exist_is_refused(city: Scene) -> None:
    err = city.refuse("membership.withdrawn", person="P-19", group="lyari-gang")
    refused(err, CaseRuleViolation, "data.person")


def test_transfer_of_unregistered_officer_is_refused(city: Scene) -> None:
    refused(city.refuse("officer.transferred", officer="OFF-99"), UnknownReference, "data.officer")


def test_transfer_from_a_station_the_officer_is_not_at_is_refused(city: Scene) -> None:
    err = city.refuse("officer.transferred", officer="OFF-4")
    refused(err, CaseRuleViolation, "data.from_station")


def test_transfer_to_the_same_station_is_refused(city: Scene) -> None:
    err = city.refuse(
        "officer.transferred",
        from_station="Kalakot police station",
        to_station="Kalakot police station",
    )
    assert isinstance(err, MalformedStatement) and err.field == "data"


@pytest.mark.parametrize("kind", ["gang", "", None])
def test_group_kind_outside_the_list_is_refused(scene: Scene, kind: object) -> None:
    err = scene.refuse("group.registered", group="x", kind=kind)
    refused(err, MalformedStatement, "data.kind")
