"""Steps for features/court_desk.feature: the court's desk in Chromium over ``ledger serve``.

The server is started once for the feature on each backend (SQLite and PostgreSQL), as
features/steps/test_desk.py does: the scenarios only add a hearing, which no other
scenario counts, and each works on a fresh browser context of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from ledger.crypto import load_signing_key
from tests.desk.conftest import NAME, SEAL_PASSPHRASE, Desk, desk_over
from tests.desk.court_desk import (
    Requests,
    flip_first_hash,
    key_material,
    lie,
    open_court,
    read,
    record_hearing,
)
from tests.desk_ui.served import one_server_per_backend, serve_on_backend, verify_recorded

scenarios("court_desk.feature")

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""The backends come from ``court_served``'s parameters instead: one server per backend."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    one_server_per_backend(metafunc, "court_served")


@pytest.fixture(scope="module")
def court_served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    yield from serve_on_backend(request, tmp_path_factory.mktemp("court-desk"), desk_over)


@pytest.fixture
def court(browser: Any) -> Iterator[dict[str, Any]]:
    """What the court sees in this scenario: its browser page and every request it made."""
    story: dict[str, Any] = {"browser": browser}
    yield story
    if "context" in story:
        story["context"].close()


@given(
    parsers.parse(
        "{person}, whose name is sealed, was arrested, produced before a magistrate"
        " and charged in case {case}"
    )
)
def story(court: dict[str, Any], person: str, case: str) -> None:
    """Recorded through the signed path when the court's server fixture starts."""
    court["person"], court["case"] = person, case


@given("the ledger is served with the court's desk")
def served(court: dict[str, Any], court_served: Desk) -> None:
    court["desk"] = court_served
    court["context"], court["page"] = open_court(court["browser"], court_served)
    court["requests"] = Requests(court["context"])


@given("the server changes a proof in what it sends")
def lying_server(court: dict[str, Any]) -> None:
    court["context"].route("**/v1/cases/*/history", lambda route: lie(route, flip_first_hash))


@when(parsers.parse("the court reads case {case} at its desk with the log's key"))
def reads_case(court: dict[str, Any], case: str) -> None:
    court["state"] = read(court["page"], court["desk"], case, seal_key=False)


@when(
    parsers.parse(
        "the court reads person {person} at its desk with the log's key and its sealing key"
    )
)
def reads_person(court: dict[str, Any], person: str) -> None:
    court["state"] = read(court["page"], court["desk"], person, "person")


@when(
    parsers.parse(
        "the court reads person {person} at its desk with its sealing key and the key's passphrase"
    )
)
def reads_person_with_passphrase(court: dict[str, Any], person: str) -> None:
    desk: Desk = court["desk"]
    court["state"] = read(
        court["page"],
        desk,
        person,
        "person",
        key_file=desk.protected_seal_key,
        passphrase=SEAL_PASSPHRASE,
    )


@given("the court opens its signing key at its desk")
def opens_signing_key(court: dict[str, Any]) -> None:
    """Opened in the desk's key panel by ``record_hearing``, which needs it there."""


@when(parsers.parse("the court records that evidence was heard in case {case}"))
def records_hearing(court: dict[str, Any], case: str) -> None:
    court["hearing"] = record_hearing(court["page"], court["desk"], case)


@then(
    "the hearing is in the log, signed with the court's key, and verifies against a signed"
    " checkpoint"
)
def hearing_verifies(court: dict[str, Any]) -> None:
    desk: Desk = court["desk"]
    statement = verify_recorded(
        desk.url,
        (desk.keys / "log.vkey").read_text().strip(),
        court["hearing"],
        load_signing_key(desk.keys / "court.key"),
    )
    assert (statement["type"], statement["recorder"]) == ("hearing.held", "court")
    assert statement["data"]["outcome"] == "evidence_recorded"


@then(
    parsers.parse(
        "when the court reads case {case} again, the hearing is marked as in the signed log"
    )
)
def hearing_shown_verified(court: dict[str, Any], case: str) -> None:
    assert read(court["page"], court["desk"], case, seal_key=False) == "valid"
    assert (court["hearing"], "yes") in shown(court)


def shown(court: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    events = court["page"].locator("#events > li")
    return [
        (events.nth(i).get_attribute("data-event-id"), events.nth(i).get_attribute("data-verified"))
        for i in range(events.count())
    ]


@then("the arrest, the production and the charge are shown in log order")
def in_order(court: dict[str, Any]) -> None:
    desk: Desk = court["desk"]
    wanted = [desk.ids[k] for k in ("arrest", "produced", "charge")]
    assert [i for i, _ in shown(court) if i in wanted] == wanted


@then("every statement is marked as in the signed log")
def all_verified(court: dict[str, Any]) -> None:
    assert court["state"] == "valid"
    assert {v for _, v in shown(court)} == {"yes"}


@then(parsers.parse("the court sees the name sealed in {person}'s registration"))
def sees_name(court: dict[str, Any], person: str) -> None:
    registration = court["desk"].ids["person"]
    opened = court["page"].locator(f"li[data-event-id='{registration}'] .sealed[data-opened='yes']")
    assert NAME in opened.inner_text()


@then("no request from the desk carried the name or the court's key")
def nothing_sent(court: dict[str, Any]) -> None:
    requests: Requests = court["requests"]
    assert requests.seen
    assert requests.carrying(NAME) == []
    assert requests.carrying(SEAL_PASSPHRASE) == []
    for secret in key_material(court["desk"].keys):
        assert requests.carrying(secret) == []


@then("the desk says that statements could not be checked and must not be relied on")
def caught(court: dict[str, Any]) -> None:
    assert court["state"] == "invalid"
    assert "do not rely on them" in court["page"].inner_text("#status")
    assert "no" in {v for _, v in shown(court)}
