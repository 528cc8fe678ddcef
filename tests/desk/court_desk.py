"""Driving the court page in Chromium: reading with keys, every request the page makes, a lying server."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.desk.conftest import Desk
from tests.desk_ui.served import open_key

HEARING_AT = "2026-03-20T10:00:00Z"
"""When the hearing the court records at its desk was held: after the charge."""


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


def read(
    page: Any,
    desk: Desk,
    subject: str,
    kind: str = "case",
    *,
    seal_key: bool = True,
    key_file: Path | None = None,
    passphrase: str = "",
) -> str:
    """Read a case or a person with the log's key (and the court's sealing key file, or
    ``key_file`` with its ``passphrase``): "valid" when every statement verified."""
    page.check(f"#kind-{kind}")
    page.fill("#subject", subject)
    page.fill("#log-key", (desk.keys / "log.vkey").read_text().strip())
    if seal_key:
        page.set_input_files("#seal-key", str(key_file or desk.keys / "court.seal.key"))
        page.fill("#seal-passphrase", passphrase)
    page.evaluate("document.getElementById('status').className = ''")
    page.click("#read-history")
    page.wait_for_selector("#status.accepted, #status.refused")
    return "valid" if page.get_attribute("#status", "class") == "accepted" else "invalid"


def open_court(browser: Any, desk: Desk, width: int = 1280, lang: str = "en") -> tuple[Any, Any]:
    """A fresh context on the court's page in ``lang`` (the desk's language choice)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('desk.lang', '{lang}')")
    page = context.new_page()
    page.goto(f"{desk.url}/desk/court.html")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    return context, page


def record_hearing(page: Any, desk: Desk, case: str) -> str:
    """Open the court's signing key in the key panel and record a hearing in ``case``;
    returns the event id the page reports, or fails with what the page said."""
    open_key(page, (desk.keys / "court.key").read_text())
    page.select_option("#record-type", "hearing.held")
    page.fill("#record-occurred", HEARING_AT)
    page.fill(
        "#record-data",
        json.dumps({"case": case, "judge": "JUDGE-ATC2", "outcome": "evidence_recorded"}),
    )
    page.click("#court-sign")
    page.wait_for_selector("#court-record-status.accepted, #court-record-status.refused")
    said = page.inner_text("#court-record-status")
    assert page.get_attribute("#court-record-status", "class") == "accepted", said
    return str(page.get_attribute("#court-record-status", "data-event"))


def key_material(keys: Path) -> list[str]:
    """What of the court's key files could leak: the base64 body and the raw private key."""
    pem = (keys / "court.seal.key").read_text()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    raw = base64.b64decode(body)[-32:]
    return [body, body[:24], raw.hex(), base64.b64encode(raw).decode()]


def lie(route: Any, change: Any) -> None:
    """Answer a history request with the server's answer, changed by ``change``."""
    answer = route.fetch()
    history = answer.json()
    change(history)
    route.fulfill(response=answer, body=json.dumps(history))


def flip_first_hash(history: dict[str, Any]) -> None:
    event = next(e for e in history["events"] if e["proof"]["hashes"])
    hashes = event["proof"]["hashes"]
    raw = bytearray(base64.b64decode(hashes[0]))
    raw[0] ^= 1
    hashes[0] = base64.b64encode(bytes(raw)).decode()


def change_checkpoint_root(history: dict[str, Any]) -> None:
    lines = history["checkpoint"].split("\n")
    lines[2] = base64.b64encode(bytes(32)).decode()
    history["checkpoint"] = "\n".join(lines)
