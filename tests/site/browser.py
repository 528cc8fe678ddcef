"""A built site served on 127.0.0.1 and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class SiteServer:
    """Serves a directory over HTTP on a random local port, in a thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, closed on leaving (for a module's browser fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


class PageWatch:
    """Collects console errors, page errors, failed requests and dialogs of one page."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.external: list[str] = []
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "requestfailed",
            lambda r: (
                None
                if r.failure == "net::ERR_ABORTED"  # cancelled by navigating on
                else self.errors.append(f"request failed: {r.url} ({r.failure})")
            ),
        )
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(base_url) or r.url.startswith("data:")
                else self.external.append(r.url)
            ),
        )

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations found by axe-core on the loaded page."""
    page.evaluate(AXE.read_text("utf-8"))  # evaluated over DevTools: the page's CSP stays in force
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def internal_links(page: Any) -> Iterator[str]:
    """Every href and src on the page (anchors, stylesheets, scripts, images)."""
    yield from page.eval_on_selector_all("a[href], link[href]", "els => els.map(e => e.href)")
    yield from page.eval_on_selector_all("script[src], img[src]", "els => els.map(e => e.src)")
