"""The built site in a real browser (Debian's Chromium): links, languages, safety, verification, accessibility."""

from __future__ import annotations

import urllib.request
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag

import pytest
from playwright.sync_api import expect

from public_site.build import SECTION_PAGES
from tests.site.browser import (
    PageWatch,
    SiteServer,
    axe_violations,
    internal_links,
)


@pytest.fixture(scope="module")
def served(hostile_site: dict[str, Any]) -> Iterator[str]:
    with SiteServer(hostile_site["out"]) as server:
        yield server.url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def test_every_page_loads_without_errors_and_every_link_resolves(page: Any, served: str) -> None:
    watch = PageWatch(page, served)
    queue, seen_pages, assets = deque([served + "index.html"]), set(), set()
    while queue:
        url = queue.popleft()
        if url in seen_pages:
            continue
        seen_pages.add(url)
        page.goto(url)
        for link in internal_links(page):
            target = urldefrag(link)[0]
            assert target.startswith(served), f"{url} links outside the site: {link}"
            if target.endswith(".html") or target.endswith("/"):
                queue.append(target)
            else:
                assets.add(target)
    for asset in sorted(assets):
        with urllib.request.urlopen(asset) as response:
            assert response.status == 200, asset
    assert not watch.errors, watch.errors[:5]
    assert not watch.external, watch.external[:5]
    assert len(seen_pages) > 30 and any("/ur/cases/" in u for u in seen_pages)


def test_language_switch_leads_to_the_same_page_in_urdu_right_to_left(
    page: Any, served: str
) -> None:
    page.goto(served + "en/groups.html")
    page.click("a.switch-to-ur")
    page.wait_for_load_state()  # the click returns once the new page is committed, not loaded
    assert page.url.endswith("/ur/groups.html")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ur"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "تمام گروہوں سے یکساں سلوک" in page.inner_text("h1")
    page.click("a.switch-to-en")
    page.wait_for_load_state()
    assert (
        page.url.endswith("/en/groups.html")
        and page.evaluate("document.documentElement.dir") == "ltr"
    )


def test_hostile_group_name_shows_as_text_and_runs_nothing(
    page: Any, served: str, hostile_site: dict[str, Any]
) -> None:
    watch = PageWatch(page, served)
    flagged = sorted((hostile_site["out"] / "en").glob("release[sd]-by-month-*.html"))
    assert len(flagged) >= 2  # the flags of a month and its releases
    for path in (
        "en/groups/lyari-front.html",
        "en/index.html",
        "ur/groups.html",
        "en/cases/FIR-1.html",
        "en/releases.html",
        *(f"en/{month.name}" for month in flagged),
    ):
        page.goto(served + path)
        page.mouse.move(300, 300)
        page.hover("main h1")
    page.goto(served + "en/groups/lyari-front.html")
    assert "<script>alert(1)</script>Lyari" in page.inner_text("h1")
    page.goto(served + "en/cases/FIR-1.html")
    assert "<img src=x onerror=alert(4)>" in page.inner_text("main")
    assert watch.dialogs == []


def _verify(page: Any, served: str, event_id: str) -> str:
    page.goto(served + f"en/verify.html#{event_id}")
    page.wait_for_selector(
        "#verify-result[data-state='valid'], #verify-result[data-state='invalid']"
    )
    return str(page.get_attribute("#verify-result", "data-state"))


def test_verify_page_says_valid_for_a_real_proof(
    page: Any, served: str, hostile_site: dict[str, Any]
) -> None:
    watch = PageWatch(page, served)
    for name in ("g1", "release1", "mediation"):
        assert _verify(page, served, hostile_site["ids"][name]) == "valid", page.inner_text(
            "#verify-steps"
        )
    assert "Valid" in page.inner_text("#verify-result")
    assert not watch.errors


def test_verify_page_says_invalid_for_an_altered_statement(
    page: Any, served: str, hostile_site: dict[str, Any]
) -> None:
    assert _verify(page, served, hostile_site["ids"]["release1"]) == "valid"
    leaf = page.input_value("#leaf-text")
    page.fill(
        "#leaf-text", leaf.replace('"legal_basis":"on_instructions"', '"legal_basis":"bail_s497"')
    )
    page.click("#verify-button")
    page.wait_for_selector("#verify-result[data-state='invalid']")
    assert "Invalid" in page.inner_text("#verify-result")


def test_verify_page_says_invalid_for_an_altered_hash_tile(
    page: Any, served: str, hostile_site: dict[str, Any]
) -> None:
    def tamper(route: Any) -> None:
        body = bytearray(route.fetch().body())
        for at in range(0, len(body), 32):  # one bit of every stored hash
            body[at] ^= 1
        route.fulfill(status=200, content_type="application/octet-stream", body=bytes(body))

    page.route("**/data/tile/0/**", tamper)
    assert _verify(page, served, hostile_site["ids"]["arrest2"]) == "invalid"
    assert "root" in page.inner_text("#verify-result")


def test_verify_page_says_invalid_for_an_altered_checkpoint_signature(
    page: Any, served: str, hostile_site: dict[str, Any]
) -> None:
    def tamper(route: Any) -> None:
        note = route.fetch().text()
        head, _, signature = note.rpartition(" ")
        flipped = "A" if signature[10] != "A" else "B"
        route.fulfill(
            status=200,
            content_type="text/plain",
            body=head + " " + signature[:10] + flipped + signature[11:],
        )

    page.route("**/data/checkpoint", tamper)
    assert _verify(page, served, hostile_site["ids"]["g2"]) == "invalid"
    assert "signature" in page.inner_text("#verify-result")


def test_flag_filters_work_with_script_and_the_month_is_complete_without(
    browser: Any, served: str
) -> None:
    """From the flagged releases to a rule's page, then to a month: with a script the month shows
    that rule's flags and the other selects narrow them; without one, every flag of the month."""
    with_js = browser.new_context()
    page = with_js.new_page()
    page.goto(served + "en/releases-by-rule-release.on_instructions.html")
    page.locator("table.month-counts tbody a").first.click()
    page.wait_for_url("**?rule=release.on_instructions#rows")
    expect(page.locator("#row-filters")).to_be_visible()  # shown by the month page's script
    rows = page.locator("#row-table tbody tr[data-rule]")
    total = rows.count()
    asked = [r for r in rows.all() if r.get_attribute("data-rule") == "release.on_instructions"]
    assert 0 < len(asked) < total, "the month must hold flags of other rules too"
    expect(page.locator("#row-table tbody tr:visible")).to_have_count(len(asked))
    page.select_option("select[data-filter='rule']", "")
    expect(page.locator("#row-table tbody tr:visible")).to_have_count(total)
    page.select_option("select[data-filter='severity']", "critical")
    visible = [r for r in rows.all() if r.is_visible()]
    assert 0 < len(visible) < total and all(
        r.get_attribute("data-severity") == "critical" for r in visible
    )
    month = page.url.split("?")[0]
    with_js.close()
    without_js = browser.new_context(java_script_enabled=False)
    page = without_js.new_page()
    page.goto(month + "?rule=release.on_instructions")
    assert not page.is_visible("#row-filters")
    assert sum(
        1 for r in page.locator("#row-table tbody tr[data-rule]").all() if r.is_visible()
    ) == (total)
    without_js.close()


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_main_pages_have_no_serious_accessibility_violations(
    page: Any, served: str, lang: str, hostile_site: dict[str, Any]
) -> None:
    problems = {}
    months = [  # the first month page of each filtered table, its filter form shown
        min((hostile_site["out"] / lang).glob(f"{table}-by-month-*.html")).stem
        for table in ("promises", "cases", "releases", "released")
    ]
    for name in (*SECTION_PAGES, "released", "groups/lyari-front", "cases/FIR-1", *months):
        page.goto(served + f"{lang}/{name}.html")
        found = axe_violations(page)
        if found:
            problems[name] = found
    assert not problems, problems
