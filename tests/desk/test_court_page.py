"""The court page in Chromium over ``ledger serve``: every statement checked, names opened locally.

The court reads a case and a person; each statement's proof is checked in the
browser against the signed checkpoint with the log key the court holds, and
the sealed name is opened with the court's key file. Every request the page
makes is recorded: none may carry the name or any key material. A server
that lies (a changed proof hash, a changed checkpoint) is shown as not
verified.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.desk.conftest import CASE, NAME, Desk
from tests.site.browser import PageWatch, axe_violations, overflow_problems


class Requests:
    """Every request of a browser context: address, headers and body."""

    def __init__(self, context: Any) -> None:
        self.seen: list[str] = []
        context.on("request", self.record)

    def record(self, request: Any) -> None:
        body = request.post_data_buffer or b""
        self.seen.append(
            request.url + "\n" + json.dumps(request.headers) + "\n" + body.decode("latin-1")
        )

    def carrying(self, secret: str) -> list[str]:
        return [r.split("\n", 1)[0] for r in self.seen if secret in r]


def read(page: Any, desk: Desk, subject: str, kind: str = "case", *, seal_key: bool = True) -> str:
    page.check(f"#kind-{kind}")
    page.fill("#subject", subject)
    page.fill("#log-key", (desk.keys / "log.vkey").read_text().strip())
    if seal_key:
        page.set_input_files("#seal-key", str(desk.keys / "court.seal.key"))
    page.click("#read-history")
    page.wait_for_selector("#status[data-state='valid'], #status[data-state='invalid']")
    return str(page.get_attribute("#status", "data-state"))


def _open(browser: Any, desk: Desk, width: int = 1280, lang: str = "en") -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{desk.url}/desk/court.html" + ("?lang=ur" if lang == "ur" else ""))
    return context, page


def _key_material(keys: Path) -> list[str]:
    """What of the court's key files could leak: the base64 body and the raw private key."""
    pem = (keys / "court.seal.key").read_text()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    raw = base64.b64decode(body)[-32:]
    return [body, body[:24], raw.hex(), base64.b64encode(raw).decode()]


def test_the_court_reads_a_case_checked_and_opens_the_name_without_sending_it(
    browser: Any, desk: Desk
) -> None:
    context, page = _open(browser, desk)
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
    for secret in _key_material(desk.keys):
        assert requests.carrying(secret) == [], secret
    assert watch.errors == [] and watch.external == []


def test_without_the_key_the_name_stays_sealed(browser: Any, desk: Desk) -> None:
    context, page = _open(browser, desk)
    read(page, desk, "P-17", "person", seal_key=False)
    text = page.inner_text("#events")
    context.close()
    assert NAME not in text and "Sealed." in text


def _lie(route: Any, change: Any) -> None:
    answer = route.fetch()
    history = answer.json()
    change(history)
    route.fulfill(response=answer, body=json.dumps(history))


def _flip_first_hash(history: dict[str, Any]) -> None:
    event = next(e for e in history["events"] if e["proof"]["hashes"])
    hashes = event["proof"]["hashes"]
    raw = bytearray(base64.b64decode(hashes[0]))
    raw[0] ^= 1
    hashes[0] = base64.b64encode(bytes(raw)).decode()


def _change_checkpoint_root(history: dict[str, Any]) -> None:
    lines = history["checkpoint"].split("\n")
    lines[2] = base64.b64encode(bytes(32)).decode()
    history["checkpoint"] = "\n".join(lines)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_flip_first_hash, "the proof does not lead to the signed root"),
        (_change_checkpoint_root, "the checkpoint's signature does not verify"),
    ],
    ids=["proof", "checkpoint"],
)
def test_a_tampered_proof_or_checkpoint_is_shown_as_not_verified(
    browser: Any, desk: Desk, change: Any, reason: str
) -> None:
    context, page = _open(browser, desk)
    context.route("**/v1/cases/*/history", lambda route: _lie(route, change))
    state = read(page, desk, CASE)
    text = page.inner_text("#history")
    context.close()
    assert state == "invalid"
    assert "NOT verified" in text and reason in text


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_the_court_page_fits_and_has_no_serious_accessibility_problem(
    browser: Any, desk: Desk, width: int, lang: str
) -> None:
    context, page = _open(browser, desk, width, lang)
    watch = PageWatch(page, desk.url)
    read(page, desk, "P-17", "person")
    direction = page.evaluate("getComputedStyle(document.body).direction")
    heading = page.inner_text("h1")
    problems = overflow_problems(page, width)
    violations = axe_violations(page)
    context.close()
    assert (direction, heading) == (
        ("rtl", "عدالت کی میز") if lang == "ur" else ("ltr", "Court desk")
    )
    assert problems == []
    assert violations == []
    assert watch.errors == [] and watch.external == []
