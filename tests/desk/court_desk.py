"""Driving the court page in Chromium: reading with keys, every request the page makes, a lying server."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.desk.conftest import Desk


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


def open_court(browser: Any, desk: Desk, width: int = 1280, lang: str = "en") -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{desk.url}/desk/court.html" + ("?lang=ur" if lang == "ur" else ""))
    return context, page


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
