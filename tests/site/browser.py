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


def fresh_screenshots(*prefixes: str) -> Path:
    """The screenshots' folder, without the old screenshots whose names start with one of
    ``prefixes``: each test module names its own and removes only those, so a module run
    later never deletes what another left to be looked at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for prefix in prefixes:
        for old in SCREENSHOTS.glob(f"{prefix}*.png"):
            old.unlink()
    return SCREENSHOTS


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


_SHARED: dict[str, Any] = {"users": 0}


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, shared by every user in this process.

    Playwright's synchronous API runs one instance per process, so a second
    ``sync_playwright()`` while one is open fails. The features' conftest
    re-exports the tests' fixtures, which makes a second session fixture:
    both get this one browser, closed when the last of them leaves.
    """
    if _SHARED["users"] == 0:
        from playwright.sync_api import sync_playwright

        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = launch(_SHARED["playwright"])
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            _SHARED.pop("browser").close()
            _SHARED.pop("playwright").stop()


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


_NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
"""Scroll timelines (the scroll hints) follow a resize at the next frame, not at once."""

_OVERFLOW = """
(width) => {
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
  const scrollsOrClips = (el) => getComputedStyle(el).overflowX !== 'visible';
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) problems.push(`the page is ${page}px wide`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if ((!box.width && !box.height) || (box.left >= -1 && box.right <= width + 1)) continue;
    let holder = el.parentElement;
    while (holder && holder !== document.body && !scrollsOrClips(holder)) holder = holder.parentElement;
    if (holder && holder !== document.body
        && (holder.matches('.table-wrap') || holder.matches('.visually-hidden'))) continue;
    problems.push(`${name(el)} spans ${Math.round(box.left)} to ${Math.round(box.right)}px`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) continue;
    const hint = el.querySelector(':scope > .scroll-hint');
    const hintBox = hint ? hint.getBoundingClientRect() : null;
    const hintShown = !!hint && hintBox.height > 0 && getComputedStyle(hint).visibility === 'visible'
      && hintBox.left >= -1 && hintBox.right <= width + 1;
    if (el.scrollWidth <= el.clientWidth + 1) {
      if (hintShown) problems.push(`${name(el)} says it scrolls but fits`);
      continue;
    }
    if (!el.matches('.table-wrap')) { problems.push(`${name(el)} scrolls sideways but is not a table region`); continue; }
    if (el.getAttribute('role') !== 'region' || !(el.getAttribute('aria-label') || '').trim())
      problems.push(`${name(el)} scrolls but is not a labelled region`);
    if (el.tabIndex !== 0) problems.push(`${name(el)} scrolls but cannot be reached with the keyboard`);
    if (!hintShown) problems.push(`${name(el)} scrolls with no visible cue`);
  }
  return problems;
}
"""

_KEY_FIGURES = """
(width) => Object.fromEntries([...document.querySelectorAll('.group-card[data-group]')].map(card => [
  card.dataset.group,
  Object.fromEntries([...card.querySelectorAll('[data-figure]')].map(figure => {
    const box = figure.getBoundingClientRect();
    const seen = box.width > 0 && box.height > 0 && box.left >= -1 && box.right <= width + 1
      && getComputedStyle(figure).visibility === 'visible';
    return [figure.dataset.figure, seen];
  })),
]))
"""
KEY_FIGURES = ("triggers", "kept", "broken", "pending", "unexplained")
"""What a reader must see of every group without scrolling sideways."""


def overflow_problems(page: Any, width: int) -> list[str]:
    """What is wider than a ``width`` px screen on the loaded page, in either direction (right to left too).

    Only a table may be wider, inside a ``.table-wrap`` region that has a
    label, takes the keyboard focus and shows its scroll hint; a region that
    fits must not show the hint.
    """
    page.evaluate(_NEXT_FRAMES)
    return list(page.evaluate(_OVERFLOW, width))


def key_figures_on_screen(page: Any, width: int) -> dict[str, dict[str, bool]]:
    """For each group card on the loaded page: which of its figures are fully within the screen's width."""
    return dict(page.evaluate(_KEY_FIGURES, width))
