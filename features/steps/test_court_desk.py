"""Steps for features/court_desk.feature: the court's desk in Chromium over ``ledger serve``.

Each scenario runs on a SQLite file and on PostgreSQL (features/conftest.py),
with a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.desk.conftest import NAME, Desk, desk_over
from tests.desk.court_desk import Requests, flip_first_hash, key_material, lie, open_court, read

scenarios("court_desk.feature")


@pytest.fixture
def court(browser: Any, db_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """What the court sees: its browser page and every request it made."""
    story: dict[str, Any] = {"browser": browser, "db": db_url, "root": tmp_path}
    yield story
    if "context" in story:
        story["context"].close()
    for server in story.get("servers", []):
        server.close()


@given(
    parsers.parse(
        "{person}, whose name is sealed, was arrested, produced before a magistrate"
        " and charged in case {case}"
    )
)
def story(court: dict[str, Any], person: str, case: str) -> None:
    court["person"], court["case"] = person, case


@given("the ledger is served with the court's desk")
def served(court: dict[str, Any]) -> None:
    db = None if court["db"].endswith(".db") else court["db"]
    server = desk_over(court["root"] / "desk", db)
    court["desk"] = next(server)
    court["servers"] = [server]
    court["context"], court["page"] = open_court(court["browser"], court["desk"])
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
    for secret in key_material(court["desk"].keys):
        assert requests.carrying(secret) == []


@then("the desk says that statements could not be checked and must not be relied on")
def caught(court: dict[str, Any]) -> None:
    assert court["state"] == "invalid"
    assert "do not rely on them" in court["page"].inner_text("#status")
    assert "no" in {v for _, v in shown(court)}
