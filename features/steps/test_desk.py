"""Steps for features/desk.feature: ``ledger serve`` over a real ledger, Debian's Chromium.

The server is started once for the feature on each backend (SQLite and PostgreSQL): the
scenarios run in order on the same log, each on its own fresh page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from ledger.crypto import load_signing_key
from tests.desk_ui.served import (
    PASSPHRASE,
    DeskServer,
    desk_page,
    one_server_per_backend,
    open_key,
    serve_desk,
    serve_on_backend,
)
from tests.site.browser import SCREENSHOTS, axe_violations, overflow_problems

scenarios("desk.feature")

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""The backends come from ``desk_served``'s parameters instead: one server per backend."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    one_server_per_backend(metafunc, "desk_served")


@pytest.fixture(scope="module")
def desk_served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DeskServer]:
    yield from serve_on_backend(request, tmp_path_factory.mktemp("desk"), serve_desk)


@pytest.fixture
def visit(browser: Any) -> Iterator[dict[str, Any]]:
    """The page a scenario works on (closed after it)."""
    opened: dict[str, Any] = {}
    yield opened
    if "page" in opened:
        opened["page"].context.close()


@given('the police arrested P-17 and released him "on instructions" from a provincial minister')
def story_recorded() -> None:
    """Recorded through the signed path when the desk's server fixture starts."""


@given("the desk is served over that ledger", target_fixture="served")
def served(desk_served: DeskServer) -> DeskServer:
    return desk_served


@given(
    "a committee member opens the committee's key, protected by its passphrase, on the"
    " committee's page"
)
def committee_opens(browser: Any, served: DeskServer, visit: dict[str, Any]) -> None:
    page = visit["page"] = desk_page(browser, served.url + "/desk/committee.html")
    visit["said"] = open_key(page, served.protected_key.read_text(), PASSPHRASE)


@then("the desk says the key belongs to the Citizens' Committee")
def says_committee(visit: dict[str, Any]) -> None:
    assert "Citizens' Committee for the Ceasefire" in visit["said"]
    assert "is active" in visit["said"]


@when("she asks the police to explain the release of P-17, with an answer due in two weeks")
def asks_police(visit: dict[str, Any], served: DeskServer) -> None:
    page = visit["page"]
    visit["flag"] = f'[data-flag="release.on_instructions:{served.ids["release"]}"]'
    page.click(visit["flag"])
    page.wait_for_selector("#request-form")
    page.select_option("#request-form select", "police")
    page.fill(
        "#request-form textarea", "On whose order, and on what legal basis, was P-17 released?"
    )
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#act-result, #request-form .result.refused")
    visit["event"] = page.get_attribute("#act-result", "data-event")


@then('the queue shows the release of P-17 as "Explanation requested" at once')
def queue_shows(visit: dict[str, Any]) -> None:
    page = visit["page"]
    assert "Explanation requested" in page.inner_text(visit["flag"])
    assert "Explanation requested" in page.inner_text("#flag-detail")


@then(
    "the request is in the log, signed with the committee's key, and verifies against a signed"
    " checkpoint"
)
def request_verifies(visit: dict[str, Any], served: DeskServer) -> None:
    committee = load_signing_key(served.keys / "committee.key")
    statement = served.verify_recorded(visit["event"], committee)
    assert statement["type"] == "explanation.requested"
    assert statement["data"]["subject"] == served.ids["release"]
    assert statement["data"]["addressed_to"] == "police"


@given("a police recorder opens the police key on the recording page")
def police_opens(browser: Any, served: DeskServer, visit: dict[str, Any]) -> None:
    page = visit["page"] = desk_page(browser, served.url + "/desk/record.html")
    visit["said"] = open_key(page, served.pem("police"))
    assert "Ceasefire Police Unit" in visit["said"]


@when('he records an arrest with the case number "FIR 112/2026"')
def records_bad_arrest(visit: dict[str, Any], served: DeskServer) -> None:
    page = visit["page"]
    visit["size"] = served.get("/v1/desk/queue")["tree_size"]
    page.select_option("#record-type", "arrest.made")
    page.fill("#f-occurred_at", "2026-03-05T10:30:00")
    page.fill("#f-data-case", "FIR 112/2026")
    page.fill("#f-data-person", "P-18")
    page.fill("#f-data-grounds", "Named in the FIR for the shooting at Chakiwara.")
    page.fill("#f-data-officer", "OFF-3")
    page.fill("#f-data-station", "Kalakot police station")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#record-result.refused, #record-result.accepted")


@then("the desk shows the ledger's refusal beside the case number")
def refusal_beside_case(visit: dict[str, Any]) -> None:
    page = visit["page"]
    beside = page.text_content("#f-data-case-error") or ""
    assert beside.strip(), page.inner_text("#record-form")
    assert page.get_attribute("#f-data-case", "aria-invalid") == "true"
    for other in ("person", "grounds", "officer", "station"):
        assert not (page.text_content(f"#f-data-{other}-error") or "").strip()


@then("nothing was stored")
def nothing_stored(visit: dict[str, Any], served: DeskServer) -> None:
    assert served.get("/v1/desk/queue")["tree_size"] == visit["size"]


@when("the interrupters open their old key, which the committee revoked, on the recording page")
def revoked_opens(browser: Any, served: DeskServer, visit: dict[str, Any]) -> None:
    page = visit["page"] = desk_page(browser, served.url + "/desk/record.html")
    visit["said"] = open_key(page, served.pem("interrupters"))


@then("the desk says in plain words that the key was revoked")
def says_revoked(visit: dict[str, Any]) -> None:
    said = visit["said"]
    assert "revoked" in said and "the laptop was stolen" in said
    assert visit["page"].get_attribute("#key-status", "class") == "refused"


@then("no form to record an event is offered")
def no_form(visit: dict[str, Any]) -> None:
    page = visit["page"]
    assert page.locator("#record-type").count() == 0
    assert page.locator("#record-form").count() == 0
    assert "Open your institution's key" in page.inner_text("#record-chooser")


@when(
    parsers.parse(
        "a committee member opens the committee's page in {language} on a screen {width:d}"
        " pixels wide, with her key open and a flag chosen"
    )
)
def committee_page_at(
    browser: Any, served: DeskServer, visit: dict[str, Any], language: str, width: int
) -> None:
    lang = {"English": "en", "Urdu": "ur"}[language]
    page = desk_page(browser, served.url + "/desk/committee.html", width=width, lang=lang)
    visit.update(page=page, width=width)
    open_key(page, served.pem("committee"))
    page.fill("#log-key", served.log_vkey)
    page.click(f'[data-flag="release.on_instructions:{served.ids["release"]}"]')
    page.wait_for_selector("#request-form")
    assert page.locator("#flag-detail .history li[data-verified=yes]").count() > 0


@then("nothing on the page is wider than the screen")
def fits(visit: dict[str, Any], served: DeskServer) -> None:
    page = visit["page"]
    assert overflow_problems(page, visit["width"]) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lang = page.locator("html").get_attribute("lang")
    shot = f"desk-committee-{lang}-{visit['width']}.png"
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)


@then(parsers.parse("the page runs {direction}"))
def runs(visit: dict[str, Any], direction: str) -> None:
    expected = {"left to right": "ltr", "right to left": "rtl"}[direction]
    assert visit["page"].locator("html").get_attribute("dir") == expected


@then("axe-core finds no serious accessibility problem")
def axe_clean(visit: dict[str, Any]) -> None:
    assert axe_violations(visit["page"]) == []
