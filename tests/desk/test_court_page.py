"""The court page in Chromium over ``ledger serve``: every statement checked, names opened locally.

The court reads a case and a person; each statement's proof is checked in the
browser against the signed checkpoint with the log key the court holds, and
the sealed name is opened with the court's key file. Every request the page
makes is recorded: none may carry the name or any key material. A server
that lies (a changed proof hash, a changed checkpoint) is shown as not
verified.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.crypto import load_signing_key
from tests.desk.conftest import CASE, NAME, SEAL_PASSPHRASE, Desk
from tests.desk.court_desk import (
    Requests,
    change_checkpoint_root,
    flip_first_hash,
    key_material,
    lie,
    open_court,
    read,
    record_hearing,
)
from tests.desk_ui.served import open_key, verify_recorded
from tests.site.browser import PageWatch, axe_violations, fresh_screenshots, overflow_problems


@pytest.fixture(scope="module")
def shots() -> Path:
    return fresh_screenshots("desk-court-")


def test_the_court_reads_a_case_checked_and_opens_the_name_without_sending_it(
    browser: Any, desk: Desk
) -> None:
    context, page = open_court(browser, desk)
    requests = Requests(context)
    watch = PageWatch(page, desk.url)
    assert read(page, desk, CASE) == "valid", page.inner_text("#status")
    events = page.locator("#events > li")
    ids = [events.nth(i).get_attribute("data-event-id") for i in range(events.count())]
    verified = {events.nth(i).get_attribute("data-verified") for i in range(events.count())}
    assert [desk.ids[k] for k in ("arrest", "produced", "charge")] == [
        i for i in ids if i in (desk.ids["arrest"], desk.ids["produced"], desk.ids["charge"])
    ]
    assert verified == {"yes"}
    read(page, desk, "P-17", "person")
    opened = page.locator(f"li[data-event-id='{desk.ids['person']}'] .sealed[data-opened='yes']")
    shown = opened.inner_text()
    context.close()
    assert NAME in shown
    assert requests.seen
    assert requests.carrying(NAME) == []
    for secret in key_material(desk.keys):
        assert requests.carrying(secret) == [], secret
    assert watch.errors == [] and watch.external == []


def test_without_the_key_the_name_stays_sealed(browser: Any, desk: Desk) -> None:
    context, page = open_court(browser, desk)
    read(page, desk, "P-17", "person", seal_key=False)
    text = page.inner_text("#events")
    context.close()
    assert NAME not in text and "Sealed." in text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (flip_first_hash, "the proof does not lead to the signed root"),
        (change_checkpoint_root, "the checkpoint's signature does not verify"),
    ],
    ids=["proof", "checkpoint"],
)
def test_a_tampered_proof_or_checkpoint_is_shown_as_not_verified(
    browser: Any, desk: Desk, change: Any, reason: str
) -> None:
    context, page = open_court(browser, desk)
    context.route("**/v1/cases/*/history", lambda route: lie(route, change))
    state = read(page, desk, CASE)
    text = page.inner_text("#history")
    context.close()
    assert state == "invalid"
    assert "NOT verified" in text and reason in text


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_the_court_page_fits_and_has_no_serious_accessibility_problem(
    browser: Any, desk: Desk, shots: Path, width: int, lang: str
) -> None:
    context, page = open_court(browser, desk, width, lang)
    watch = PageWatch(page, desk.url)
    read(page, desk, "P-17", "person")
    direction = page.evaluate("getComputedStyle(document.body).direction")
    heading = page.inner_text("h1")
    header = page.inner_text("#desk-header")
    urdu_face = page.evaluate(
        """async () => (await document.fonts.load('16px "Desk Naskh"', 'ہے۔'))
            .some((face) => face.status === "loaded")"""
    )
    problems = overflow_problems(page, width)
    page.screenshot(path=str(shots / f"desk-court-{lang}-{width}.png"), full_page=True)
    violations = axe_violations(page)
    context.close()
    assert (direction, heading) == (
        ("rtl", "عدالت کی میز") if lang == "ur" else ("ltr", "Court desk")
    )
    assert ("عدالت: مقدمات کی تاریخ" if lang == "ur" else "Court: case histories") in header
    assert urdu_face, "the desk's Urdu face did not load: ے, ہ and ۔ may be boxes"
    assert problems == []
    assert violations == []
    assert watch.errors == [] and watch.external == []


def test_the_court_records_a_hearing_that_verifies(browser: Any, desk: Desk) -> None:
    """Signed in the page with the court's key from the key panel, posted, then found in a
    signed checkpoint by Python and by the court's own reading of the case."""
    context, page = open_court(browser, desk)
    event_id = record_hearing(page, desk, CASE)
    court = load_signing_key(desk.keys / "court.key")
    statement = verify_recorded(
        desk.url, (desk.keys / "log.vkey").read_text().strip(), event_id, court
    )
    state = read(page, desk, CASE, seal_key=False)
    shown = page.locator(f"#events > li[data-event-id='{event_id}']")
    verified, text = shown.get_attribute("data-verified"), shown.inner_text()
    context.close()
    assert (statement["type"], statement["recorder"]) == ("hearing.held", "court")
    assert state == "valid"
    assert verified == "yes" and "hearing.held" in text


def test_a_key_that_is_not_the_courts_records_nothing(browser: Any, desk: Desk) -> None:
    context, page = open_court(browser, desk)
    requests = Requests(context)
    open_key(page, (desk.keys / "police.key").read_text())
    refused = page.inner_text("#key-status")
    page.fill("#record-occurred", "2026-03-20T11:00:00Z")
    page.fill("#record-data", "{}")
    page.click("#court-sign")
    page.wait_for_selector("#court-record-status.refused")
    said = page.inner_text("#court-record-status")
    context.close()
    assert "may not do this" in refused
    assert "Open the court's signing key" in said
    assert [r for r in requests.seen if r.startswith(desk.url + "/v1/events")] == []


def test_a_sealing_key_protected_by_a_passphrase_opens_the_name(browser: Any, desk: Desk) -> None:
    context, page = open_court(browser, desk)
    requests = Requests(context)
    wrong = read(page, desk, "P-17", "person", key_file=desk.protected_seal_key, passphrase="no")
    refusal = page.inner_text("#status")
    read(page, desk, "P-17", "person", key_file=desk.protected_seal_key, passphrase=SEAL_PASSPHRASE)
    opened = page.locator(f"li[data-event-id='{desk.ids['person']}'] .sealed[data-opened='yes']")
    shown = opened.inner_text()
    context.close()
    assert wrong == "invalid" and "passphrase is wrong" in refusal
    assert NAME in shown
    assert requests.carrying(SEAL_PASSPHRASE) == [] and requests.carrying(NAME) == []


def test_the_desk_is_sent_under_a_policy_that_allows_this_server_only(desk: Desk) -> None:
    answer = httpx.get(desk.url + "/desk/court.html")
    policy = answer.headers["content-security-policy"]
    assert answer.status_code == 200
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert (
        "<script>" not in answer.text
        and "<style" not in answer.text
        and " style=" not in answer.text
    )


def test_switching_to_urdu_says_the_history_and_its_checks_again_in_urdu(
    browser: Any, desk: Desk
) -> None:
    context, page = open_court(browser, desk)
    read(page, desk, CASE, seal_key=False)
    english = page.inner_text("#history")
    page.click(".lang-switch button[data-lang=ur]")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    page.wait_for_function(
        "document.querySelector('#events .verdict').textContent.includes('دستخط شدہ کھاتے')"
    )
    urdu, status = page.inner_text("#history"), page.inner_text("#status")
    context.close()
    assert "In the signed log" in english
    assert "In the signed log" not in urdu and "تاریخچہ" in urdu
    assert "بیانات دستخط شدہ کھاتے میں موجود ہیں" in status
