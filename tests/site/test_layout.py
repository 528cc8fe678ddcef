"""The site as a reader sees it on a phone (390 px) and a desktop (1280 px), in English and Urdu.

Nothing may be wider than the screen except a table inside a region that
says it scrolls, and every group's key figures (triggers, kept, broken,
pending, unexplained release rate) must be on screen on the home and groups
pages. One browser for the module, one tab per width, every page of the
built sites loaded in it in turn. One page of each kind of the simulated city
is also photographed at both widths in both languages, into
``test-artifacts/screenshots/``, for people to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.site.browser import (
    KEY_FIGURES,
    SCREENSHOTS,
    SiteServer,
    fresh_screenshots,
    key_figures_on_screen,
    overflow_problems,
)

WIDTHS = (390, 1280)
KEY_FIGURE_PAGES = ("index.html", "groups.html")


def group_ids(out: Path) -> set[str]:
    """The groups of the groups report the site publishes: each must have its key figures on screen."""
    table = json.loads((out / "data" / "reports" / "groups.json").read_text("utf-8"))
    return {row["group"] for row in table["rows"]}


def kind_of(path: Path) -> str | None:
    """The template a page shares with others (case pages, group pages, one table filtered by one
    dimension), or None for a page of its own."""
    if path.parent.name not in ("en", "ur"):
        return path.parent.name
    table, by, value = path.stem.partition("-by-")
    return f"{table}-by-{value.split('-')[0]}" if by else None


def pages_of(out: Path, every_page: bool) -> list[str]:
    """The site's pages in both languages; without ``every_page``, one page of each kind.

    The hostile city is checked on every page; the simulated one, with its
    dozens of cases, on one page of each kind (the realistic widths of its
    figures are the same on all of them).
    """
    pages, seen = [], set()
    for lang in ("en", "ur"):
        for path in sorted((out / lang).rglob("*.html")):
            kind = kind_of(path)
            if every_page or kind is None or (lang, kind) not in seen:
                seen.add((lang, kind))
                pages.append(path.relative_to(out).as_posix())
    return pages


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Any]:
    """One tab for every page: each page is loaded once and checked at both widths by resizing."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    yield context.new_page()
    context.close()


def check_at(tab: Any, width: int, page: str, groups: set[str]) -> list[str]:
    tab.set_viewport_size({"width": width, "height": 900})
    found = overflow_problems(tab, width)
    if page.split("/", 1)[1] in KEY_FIGURE_PAGES:
        cards = key_figures_on_screen(tab, width)
        assert set(cards) == groups, (page, width, sorted(cards))
        found += [
            f"{group}: {figure} is off screen"
            for group, figures in cards.items()
            for figure in KEY_FIGURES
            if not figures.get(figure)
        ]
    return found


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_every_page_fits_the_screen_and_shows_every_groups_key_figures(
    site: str, tab: Any, request: pytest.FixtureRequest
) -> None:
    built: dict[str, Any] = request.getfixturevalue(site)
    pages = pages_of(built["out"], every_page=site == "hostile_site")
    groups = group_ids(built["out"])
    assert groups and len(pages) >= 32
    problems: dict[str, list[str]] = {}
    shots = site == "simulated_site"
    if shots:
        fresh_screenshots(*SHOT_PREFIXES)
    with SiteServer(built["out"]) as server:
        for n, page in enumerate(pages):
            tab.goto(server.url + page)
            for width in WIDTHS if n % 2 == 0 else WIDTHS[::-1]:  # one resize per page
                found = check_at(tab, width, page, groups)
                if found:
                    problems[f"{width}px {page}"] = found[:5]
                if shots:
                    tab.screenshot(
                        path=str(SCREENSHOTS / screenshot_name(page, width)), full_page=True
                    )
    assert not problems, problems
    if shots:
        taken = [p for prefix in SHOT_PREFIXES for p in SCREENSHOTS.glob(f"{prefix}*.png")]
        assert len(taken) == len(pages) * len(WIDTHS)


SHOT_PREFIXES = ("phone-", "desktop-")
"""This module's screenshots (``screenshot_name``): the only ones it removes and counts."""


def screenshot_name(page: str, width: int) -> str:
    """``phone-ur-groups-lyari-front.png``: the width, the language and the page, for looking at."""
    lang, rest = page.split("/", 1)
    tag = "phone" if width < 600 else "desktop"
    return f"{tag}-{lang}-{rest.removesuffix('.html').replace('/', '-')}.png"


def test_the_checks_say_no_to_a_page_wider_than_the_screen(
    tab: Any, hostile_site: dict[str, Any]
) -> None:
    """Each check, shown failing on a real page altered in the browser."""
    tab.set_viewport_size({"width": 390, "height": 900})
    with SiteServer(hostile_site["out"]) as server:
        for lang in ("en", "ur"):  # in Urdu a too-wide element runs off the left edge
            tab.goto(server.url + f"{lang}/groups.html")
            assert overflow_problems(tab, 390) == []
            tab.evaluate(
                "() => { const d = document.createElement('div'); d.id = 'too-wide';"
                " d.style.width = '900px'; d.textContent = 'wide'; document.querySelector('main').append(d); }"
            )
            assert any(
                p.startswith('div#too-wide "wide" spans') for p in overflow_problems(tab, 390)
            )

        tab.goto(server.url + "en/groups.html")
        tab.evaluate(
            "() => { const r = document.querySelector('.table-wrap');"
            " r.removeAttribute('role'); r.removeAttribute('tabindex');"
            " r.querySelector('.scroll-hint').remove(); }"
        )
        said = " ".join(overflow_problems(tab, 390))
        assert "is not a labelled region" in said
        assert "cannot be reached with the keyboard" in said
        assert "with no visible cue" in said

        tab.goto(server.url + "en/groups.html")
        tab.evaluate(
            "() => { const r = document.querySelector('.table-wrap');"
            " r.classList.remove('table-wrap'); r.style.overflowX = 'auto'; }"
        )
        assert any("is not a table region" in p for p in overflow_problems(tab, 390))

        tab.goto(server.url + "en/releases.html")  # its first table, the flag counts, fits
        tab.set_viewport_size({"width": 1280, "height": 900})
        try:
            assert overflow_problems(tab, 1280) == []
            tab.evaluate(
                "() => { const h = document.querySelector('.scroll-hint');"
                " h.style.animation = 'none'; h.style.visibility = 'visible'; h.style.maxHeight = 'none'; }"
            )
            assert any("says it scrolls but fits" in p for p in overflow_problems(tab, 1280))
        finally:
            tab.set_viewport_size({"width": 390, "height": 900})

        tab.goto(server.url + "en/groups.html")
        tab.evaluate(
            "() => { document.body.style.overflowX = 'hidden';"
            " document.querySelector('.group-cards').style.marginLeft = '1000px'; }"
        )
        cards = key_figures_on_screen(tab, 390)
        assert set(cards) == {"lyari-front", "kemari:dock"}
        assert not any(seen for figures in cards.values() for seen in figures.values())
        assert any("spans" in p for p in overflow_problems(tab, 390))
