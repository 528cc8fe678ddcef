"""The desk's pages in Chromium, served by ``ledger serve`` over a real SQLite ledger.

Layout at a phone's and a desktop's width in both languages (with screenshots), axe-core,
the refusals of keys that must not be used, RFC 8785 bytes equal to the ledger's, details
sealed in the page opening with the court's key, and every request the desk makes read to
prove that no private key material leaves the page.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from ledger.crypto import generate_signing_key, load_signing_key
from ledger.keyring import sealing_context
from ledger.sealing import load_sealing_key, unseal
from ledger.statements import canonical_json
from tests.desk.court_desk import flip_first_hash, lie
from tests.desk_ui.served import PASSPHRASE, DeskServer, desk_page, open_key, serve_desk
from tests.site.browser import SCREENSHOTS, PageWatch, axe_violations, overflow_problems

SEALED_NAME = "Rukhsana Bibi Qalandrani"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskServer]:
    yield from serve_desk(tmp_path_factory.mktemp("desk-pages"))


@pytest.fixture
def pages(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for page in opened:
        page.context.close()


def new_page(pages: list[Any], browser: Any, url: str, **kw: Any) -> Any:
    page = desk_page(browser, url, **kw)
    pages.append(page)
    return page


def pem_of(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_the_recording_page_fits_reads_and_passes_axe(
    browser: Any, desk: DeskServer, pages: list[Any], lang: str, width: int
) -> None:
    """The committee's page is checked by features/desk.feature; this is the recorders'."""
    page = new_page(pages, browser, f"{desk.url}/desk/record.html", width=width, lang=lang)
    watch = PageWatch(page, desk.url)
    open_key(page, desk.pem("police"))
    page.select_option("#record-type", "person.registered")
    page.wait_for_selector("#record-form fieldset.sealed")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ur" else "ltr")
    if lang == "ur":
        assert "آپ کی کلید" in page.inner_text("#key-panel")
        drawn = """async () => (await document.fonts.load('16px "Desk Naskh"', 'ہے۔'))
            .some((face) => face.status === "loaded")"""
        assert page.evaluate(drawn), "the Urdu face did not load: ے, ہ and ۔ may be boxes"
    assert overflow_problems(page, width) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"desk-record-{lang}-{width}.png"), full_page=True)
    assert axe_violations(page) == []
    assert watch.errors == [] and watch.external == []


def test_keys_that_must_not_act_are_refused_in_plain_words(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    page = new_page(pages, browser, desk.url + "/desk/committee.html")
    said = open_key(page, pem_of(generate_signing_key()))
    assert "does not know this key" in said
    said = open_key(page, desk.protected_key.read_text(), "not the passphrase")
    assert "passphrase is wrong" in said
    said = open_key(page, desk.protected_key.read_text())
    assert "protected by a passphrase" in said
    said = open_key(page, (desk.keys / "committee.seal.key").read_text())
    assert "not a signing key" in said
    said = open_key(page, desk.pem("police"))
    assert "Ceasefire Police Unit" in said and "may not do this" in said
    assert page.get_attribute("#key-status", "class") == "refused"
    said = open_key(page, desk.protected_key.read_text(), PASSPHRASE)
    assert page.get_attribute("#key-status", "class") == "accepted", said


def test_canonical_json_is_the_ledgers(browser: Any, desk: DeskServer, pages: list[Any]) -> None:
    """Values where RFC 8785 differs from naive JSON: number forms, key order by UTF-16 code
    units (an astral character sorts before U+FFFD), escapes, non-ASCII text."""
    values: list[Any] = [
        {"b": 1, "a": [True, None, "x"], "é": "ü", "\U0001f600": 1, "\ufffd": 2},
        {"n": [0, -0.0, 1e21, 1e-7, 123.456, -5, 2**53 - 1, 0.1 + 0.2]},
        {"s": 'quote " backslash \\ newline \n tab \t ctrl \u0001 line-sep \u2028 / slash'},
        {"nested": {"z": {"y": [], "x": {}}, "a": "اردو"}},
    ]
    page = new_page(pages, browser, desk.url + "/desk/index.html")
    made = page.evaluate(
        """async (values) => {
            const { canonicalJson } = await import("/desk/js/jcs.js");
            return values.map((v) => canonicalJson(v));
        }""",
        values,
    )
    assert [m.encode("utf-8") for m in made] == [canonical_json(v) for v in values]


def test_no_private_key_material_leaves_the_page_and_sealed_details_open_for_the_court(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    page = new_page(pages, browser, desk.url + "/desk/record.html")
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: sent.append(
            {"url": r.url, "method": r.method, "body": r.post_data or "", "headers": r.headers}
        ),
    )
    police = load_signing_key(desk.keys / "police.key")
    raw = police.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = desk.pem("police")
    open_key(page, pem)
    page.select_option("#record-type", "person.registered")
    page.fill("#f-occurred_at", "2026-03-06T09:00:00")
    page.fill("#f-data-person", "P-40")
    page.fill("#f-sealed-name", SEALED_NAME)
    page.fill("#f-sealed-id_number", "42101-1234567-8")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#record-result.accepted, #record-result.refused")
    assert page.get_attribute("#record-result", "class") == "accepted", page.inner_text(
        "#record-form"
    )
    event_id = page.get_attribute("#record-result", "data-event")

    committee = new_page(pages, browser, desk.url + "/desk/committee.html")
    committee.on(
        "request",
        lambda r: sent.append(
            {"url": r.url, "method": r.method, "body": r.post_data or "", "headers": r.headers}
        ),
    )
    open_key(committee, desk.protected_key.read_text(), PASSPHRASE)
    committee_raw = load_signing_key(desk.keys / "committee.key").private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    posts = [r for r in sent if r["method"] == "POST"]
    assert [r["url"] for r in posts] == [desk.url + "/v1/events"]
    assert json.loads(posts[0]["body"])["signature"]
    secrets = {
        "pem body": "".join(pem.strip().splitlines()[1:-1])[:40],
        "protected pem body": "".join(desk.protected_key.read_text().strip().splitlines()[1:-1])[
            :40
        ],
        "passphrase": PASSPHRASE,
        "sealed name": SEALED_NAME,
    }
    for label, secret in (("police", raw), ("committee", committee_raw)):
        secrets[f"{label} key, base64"] = base64.b64encode(secret).decode().rstrip("=")
        secrets[f"{label} key, base64url"] = base64.urlsafe_b64encode(secret).decode().rstrip("=")
        secrets[f"{label} key, hex"] = secret.hex()
    for request in sent:
        seen = request["url"] + request["body"] + json.dumps(request["headers"])
        for label, secret in secrets.items():
            assert secret not in seen, f"{label} was sent in {request['method']} {request['url']}"

    statement = desk.verify_recorded(str(event_id), police)
    court = load_sealing_key(desk.keys / "court.seal.key", None)
    opened = unseal(
        statement["sealed"], court, sealing_context("person.registered", statement["recorder"])
    )
    assert opened == {"name": SEALED_NAME, "id_number": "42101-1234567-8"}


def test_drafts_stay_in_the_browser_until_signed(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    page = new_page(pages, browser, desk.url + "/desk/record.html")
    open_key(page, desk.pem("police"))
    page.select_option("#record-type", "officer.registered")
    page.fill("#f-data-officer", "OFF-9")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    open_key(page, desk.pem("police"))
    page.select_option("#record-type", "officer.registered")
    assert page.input_value("#f-data-officer") == "OFF-9"
    assert "restored" in page.inner_text("#record-result")
    stored = page.evaluate("localStorage.getItem('desk.drafts')")
    assert "OFF-9" in stored and "PRIVATE" not in stored


def test_the_committee_sees_overdue_explanations(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    """P-18's release was to be explained by 20 March; the checkpoint is signed later."""
    page = new_page(pages, browser, desk.url + "/desk/committee.html")
    assert "Explanations overdue: 1." in page.inner_text("#queue-overdue")
    page.check("#filter-overdue")
    shown = page.locator("#flags .flag-open").all_inner_texts()
    assert shown and all("P-18" in flag and "Overdue" in flag for flag in shown)
    page.uncheck("#filter-overdue")
    page.select_option("#filter-status", "open")
    assert "P-18" not in page.inner_text("#flags")
    page.select_option("#filter-status", "")
    page.select_option("#filter-group", "kutchi-rabita")
    assert "P-17" not in page.inner_text("#flags") and "P-18" in page.inner_text("#flags")


@pytest.mark.parametrize("name", ["index", "committee", "record", "court"])
def test_every_string_has_its_urdu(
    browser: Any, desk: DeskServer, pages: list[Any], name: str
) -> None:
    page = new_page(pages, browser, f"{desk.url}/desk/{name}.html")
    missing = page.evaluate('async () => (await import("/desk/js/i18n.js")).untranslated()')
    assert missing == []


def test_a_finding_closes_the_flag_and_a_new_request_reopens_it(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    page = new_page(pages, browser, desk.url + "/desk/committee.html")
    open_key(page, desk.pem("committee"))
    flag = f'[data-flag="release.on_instructions:{desk.ids["release"]}"]'
    page.click(flag)
    page.select_option("#finding-form select", "unexplained")
    page.fill("#finding-form textarea", "The police never answered.")
    page.click("#finding-form button[type=submit]")
    page.wait_for_selector("#act-result")
    assert "Finding recorded: closed" in page.inner_text(flag)
    assert page.locator("#finding-form").count() == 0
    assert "Reopen" in page.inner_text("#request-form h3")
    page.fill("#request-form textarea", "New facts came to light: explain again.")
    page.click("#request-form button[type=submit]")
    page.wait_for_function("document.querySelector('#act-result') !== null")
    page.wait_for_selector("#finding-form")
    assert "Explanation requested" in page.inner_text(flag)


def flag_history(page: Any, desk: DeskServer, log_key: str) -> list[tuple[str, str]]:
    """Choose P-17's flag with ``log_key`` typed in; each history event's (verified, text)."""
    page.fill("#log-key", log_key)
    page.click(f'[data-flag="release.on_instructions:{desk.ids["release"]}"]')
    page.wait_for_selector("#flag-detail .history li[data-verified]")
    events = page.locator("#flag-detail .history li")
    return [
        (str(events.nth(i).get_attribute("data-verified")), events.nth(i).inner_text())
        for i in range(events.count())
    ]


def test_the_committee_sees_each_event_of_a_flags_history_verified_in_the_browser(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    page = new_page(pages, browser, desk.url + "/desk/committee.html")
    shown = flag_history(page, desk, desk.log_vkey)
    ids = page.eval_on_selector_all(
        "#flag-detail .history li", "items => items.map((li) => li.dataset.eventId)"
    )
    assert desk.ids["arrest"] in ids and desk.ids["release"] in ids
    assert {verified for verified, _ in shown} == {"yes"}
    assert all("In the signed log" in text for _, text in shown)
    detail = page.inner_text("#flag-detail")
    assert "null" not in detail and "undefined" not in detail


def test_a_tampered_proof_or_no_log_key_is_shown_as_not_verified_to_the_committee(
    browser: Any, desk: DeskServer, pages: list[Any]
) -> None:
    page = new_page(pages, browser, desk.url + "/desk/committee.html")
    page.context.route("**/v1/cases/*/history", lambda route: lie(route, flip_first_hash))
    tampered = flag_history(page, desk, desk.log_vkey)
    warning = page.inner_text("#history-bad")
    unkeyed = new_page(pages, browser, desk.url + "/desk/committee.html")
    without_key = flag_history(unkeyed, desk, "")
    refused = [text for verified, text in tampered if verified == "no"]
    assert len(refused) == 1
    assert "NOT verified" in refused[0]
    assert "the proof does not lead to the signed root" in refused[0]
    assert "do not rely on them" in warning
    assert {verified for verified, _ in without_key} == {"no"}
    assert all("NOT verified: no log key was given" in text for _, text in without_key)
