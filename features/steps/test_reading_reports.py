"""Steps for features/reading_reports.feature: a report's tables, page by page."""

from __future__ import annotations

import base64
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.api_scene import *  # noqa: F401,F403  (fixture and shared steps)
from features.steps.api_scene import Served

scenarios("reading_reports.feature")

FIRST = "/v1/reports/groups/tables/groups-derived-from?limit=2"


@given("the Lyari group was warned, the shooting attributed to P-17 and P-17 arrested")
def warned(served: Served) -> None:
    scene = served.scene
    scene.record("warning.issued", at="2026-03-01T08:00:00Z")
    scene.record("shooting.attributed", incident="INC-2026-0412")
    scene.arrest()


@given("a checkpoint was signed over the city")
def checkpoint(served: Served) -> None:
    served.ids["checkpoint"] = str(served.scene.ledger.sign_checkpoint().size)


def read(served: Served, address: str) -> dict[str, Any]:
    served.answer = served.http.get(address)
    assert served.answer.status_code == 200, served.answer.text
    page: dict[str, Any] = served.answer.json()
    return page


@when("I read the events behind the groups' rows two at a time, following the next links")
def read_all(served: Served) -> None:
    served.pages = [read(served, FIRST)]
    while served.pages[-1]["next"] is not None:
        served.pages.append(read(served, served.pages[-1]["next"]))


@then("I have read every event the whole groups report names for its rows, in its order")
def every_event(served: Served) -> None:
    pages = served.pages
    read_ids = [(i["group"], i["derived_from_event"]) for p in pages for i in p["items"]]
    whole = served.http.get("/v1/reports/groups").json()
    named = [(row["group"], e) for row in whole["rows"] for e in row["derived_from"]]
    assert read_ids == named and len(named) > 2, (len(read_ids), len(named))
    assert len(pages) == (len(named) + 1) // 2 and all(p["limit"] == 2 for p in pages)


@then("every page names the tree size and root of the latest checkpoint")
def names_the_checkpoint(served: Served) -> None:
    checkpoint = served.http.get("/v1/checkpoints/latest").json()
    pages = served.pages
    hex_root = base64.b64decode(checkpoint["root"]).hex()
    assert {(p["tree_size"], p["root"], p["as_of"]) for p in pages} == {
        (checkpoint["size"], hex_root, checkpoint["signed_at"])
    }


@given("I read the first page of the events behind the groups' rows, two at a time")
def first_page(served: Served) -> None:
    served.pages = [read(served, FIRST)]


@when(parsers.parse("the police record the arrest of {person} in case {case}"))
def record_arrest(served: Served, person: str, case: str) -> None:
    served.scene.arrest(case=case, person=person)


@when("I follow the next link")
def follow(served: Served) -> None:
    pages = served.pages
    served.answer = served.http.get(pages[-1]["next"])


@then("I am told the report has moved on, with the log's new tree size")
def moved_on(served: Served) -> None:
    pages = served.pages
    problem = served.answer.json()
    assert served.answer.status_code == 409, problem
    assert problem["code"] == "report_moved_on" and problem["field"] == "tree_size"
    assert problem["tree_size"] == pages[0]["tree_size"] + 1
    assert "start again from the first page" in problem["detail"]


@then("the first page, read again, names the new tree size")
def first_again(served: Served) -> None:
    pages = served.pages
    assert read(served, FIRST)["tree_size"] == pages[0]["tree_size"] + 1
