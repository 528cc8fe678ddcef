"""The promises and cases pages filtered by group, outcome and month: static pages, no script needed."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.projections.casework import CaseFile, Spell
from ledger.service import Ledger
from public_site import labels
from public_site.pages import case_outcome
from public_site.source import open_ledger_source
from tests.site.browser import SiteServer

DIMENSIONS = ("group", "outcome", "month")
TABLE_BODY = re.compile(r'id="rows".*?<tbody>(.*?)</tbody>', re.S)
FILTER_BAR = re.compile(r'<nav class="filter-bar".*?</nav>', re.S)


def table_rows(page: Path) -> list[str]:
    """The rows of the filtered table on a page (not the empty-state row)."""
    found = TABLE_BODY.search(page.read_text("utf-8"))
    assert found, page
    return [r for r in re.findall(r"<tr>.*?</tr>", found.group(1), re.S) if "colspan" not in r]


def group_of_link(slug: str) -> str:
    return slug.replace("~", ":")


def promise_key(row: str) -> tuple[str, str]:
    """(incident, group): one trigger, as its row shows it."""
    incident = re.search(r'<th scope="row">(\S+) ', row)
    group = re.search(r'/groups/([^"]+)\.html"', row)
    assert incident and group, row
    return incident.group(1), group_of_link(group.group(1))


def filter_pages(out: Path, lang: str, table: str, dimension: str) -> dict[str, Path]:
    """The filtered pages of one dimension, by the value in their names."""
    prefix = f"{table}-by-{dimension}-"
    return {group_of_link(p.stem[len(prefix) :]): p for p in (out / lang).glob(f"{prefix}*.html")}


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_each_promises_filter_lists_exactly_the_projections_triggers(
    site: str, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)["out"]
    published = json.loads((out / "data" / "reports" / "promises.json").read_text("utf-8"))
    triggers = published["rows"]
    values = {
        "group": lambda t: t["groups"],
        "outcome": lambda t: [t["outcome"]],
        "month": lambda t: [t["shot_at"][:7]],
    }
    assert len({t["outcome"] for t in triggers}) >= 2, "the city must give the filter a choice"
    for lang in ("en", "ur"):
        everything = [promise_key(r) for r in table_rows(out / lang / "promises.html")]
        assert sorted(everything) == sorted((t["incident"], t["group"]) for t in triggers)
        for dimension, of in values.items():
            expected: dict[str, list[tuple[str, str]]] = {}
            for t in triggers:
                for value in of(t):
                    expected.setdefault(value, []).append((t["incident"], t["group"]))
            pages = filter_pages(out, lang, "promises", dimension)
            assert set(pages) == set(expected), (lang, dimension)
            for value, page in pages.items():
                shown = [promise_key(r) for r in table_rows(page)]
                assert sorted(shown) == sorted(expected[value]), (lang, dimension, value)


def test_each_cases_filter_lists_exactly_the_cases_with_that_value(
    hostile_site: dict[str, Any],
) -> None:
    out: Path = hostile_site["out"]
    with Ledger.open(hostile_site["db"]) as ledger:
        source = open_ledger_source(ledger)
        try:
            facts = source.reports.facts
            opened = {
                c: facts.events[ids[0]]["occurred_at"][:7] for c, ids in facts.case_mentions.items()
            }
        finally:
            source.close()
    # What the hostile city recorded: FIR-1 released on instructions uncharged, FIR-2 charged.
    expected = {
        "group": {"lyari-front": ["FIR-1"], "kemari:dock": ["FIR-2"]},
        "outcome": {"released_uncharged": ["FIR-1"], "charged": ["FIR-2"]},
        "month": {},
    }
    for case, month in opened.items():
        expected["month"].setdefault(month, []).append(case)
    for lang in ("en", "ur"):
        for dimension in DIMENSIONS:
            pages = filter_pages(out, lang, "cases", dimension)
            assert set(pages) == set(expected[dimension]), (lang, dimension)
            for value, page in pages.items():
                shown = [re.findall(r'/cases/([^"]+)\.html"', r)[0] for r in table_rows(page)]
                assert sorted(shown) == sorted(expected[dimension][value]), (lang, value)


def test_the_simulated_citys_case_filters_split_the_cases_table_by_its_own_columns(
    simulated_site: dict[str, Any],
) -> None:
    """Every case of the full table is on the page of its group(s), its outcome and its month, and nowhere else."""
    out: Path = simulated_site["out"]
    words = {text: code for code, text in labels.CASE_OUTCOMES.items()}
    expected: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    cases = table_rows(out / "en" / "cases.html")
    assert len(cases) > 20
    for row in cases:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        opened = datetime.strptime(cells[2], "%b %d, %Y")
        for group in re.findall(r'/groups/([^"]+)\.html"', cells[1]):
            expected["group"][group_of_link(group)] += 1
        expected["outcome"][words[cells[3]]] += 1
        expected["month"][f"{opened:%Y-%m}"] += 1
    assert len(expected["outcome"]) >= 2 and len(expected["month"]) >= 2
    for lang in ("en", "ur"):
        for dimension in DIMENSIONS:
            pages = filter_pages(out, lang, "cases", dimension)
            shown = {value: len(table_rows(page)) for value, page in pages.items()}
            assert shown == dict(expected[dimension]), (lang, dimension)


def test_case_outcome_reads_the_verdict_then_the_charge_then_custody() -> None:
    arrest = {"i": 1, "type": "arrest.made", "occurred_at": "2026-03-01T00:00:00Z"}

    def file(
        released: bool = False,
        charges: tuple[int, ...] = (),
        withdrawals: tuple[int, ...] = (),
        verdict: str | None = None,
    ) -> CaseFile:
        spell = Spell("C", "P", arrest, release={"i": 2} if released else None)
        return CaseFile(
            case="C",
            person="P",
            events=[arrest],
            spells=[spell],
            charges=[{"i": i} for i in charges],
            withdrawals=[{"i": i} for i in withdrawals],
            hearings=[],
            verdict={"i": 9, "data": {"verdict": verdict}} if verdict else None,
            sentences=[],
            orders=[],
            instructions=[],
            bail_denied=[],
        )

    assert case_outcome(None) == "no_arrest"
    assert case_outcome(file()) == "held_uncharged"
    assert case_outcome(file(released=True)) == "released_uncharged"
    assert case_outcome(file(charges=(3,))) == "charged"
    assert case_outcome(file(charges=(3,), withdrawals=(4,))) == "charge_withdrawn"
    assert case_outcome(file(charges=(3, 5), withdrawals=(4,))) == "charged"
    assert case_outcome(file(charges=(3,), verdict="acquitted")) == "acquitted"
    assert set(labels.CASE_OUTCOMES) >= {"convicted", "acquitted", "discharged"}


def test_every_filter_link_and_language_switch_leads_to_a_page(
    hostile_site: dict[str, Any],
) -> None:
    out: Path = hostile_site["out"]
    checked = 0
    for lang, other in (("en", "ur"), ("ur", "en")):
        for table in ("promises", "cases"):
            views = [out / lang / f"{table}.html"] + sorted((out / lang).glob(f"{table}-by-*.html"))
            for page in views:
                text = page.read_text("utf-8")
                bar = FILTER_BAR.search(text)
                assert bar, page
                links = re.findall(r'href="([^"#]+)(?:#rows)?"', bar.group(0))
                assert len(links) == len(DIMENSIONS) + len(views) - 1, page  # All, then each value
                for href in links:
                    assert (page.parent / href).resolve().is_file(), (page, href)
                    assert href.startswith(f"../{lang}/"), (page, href)
                    checked += 1
                switch = re.search(rf'href="(\.\./{other}/[^"]+)" hreflang="{other}"', text)
                assert switch and switch.group(1) == f"../{other}/{page.name}", page
                assert (page.parent / switch.group(1)).is_file()
                current = re.findall(r'href="([^"#]+)#rows" aria-current="page"', bar.group(0))
                assert current and set(current) == {f"../{lang}/{page.name}"}, (page, current)
    assert checked > 50


def test_filters_work_without_javascript_in_both_languages(
    browser: Any, hostile_site: dict[str, Any]
) -> None:
    out: Path = hostile_site["out"]
    triggers = json.loads((out / "data" / "reports" / "promises.json").read_text("utf-8"))["rows"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        with SiteServer(out) as server:
            for lang in ("en", "ur"):
                page.goto(server.url + f"{lang}/promises.html")
                outcome = page.locator("nav.filter-bar details").nth(1)
                link = outcome.locator("a[href*='promises-by-outcome-']").first
                assert not link.is_visible()
                outcome.locator("summary").click()
                code = str(link.get_attribute("href")).split("promises-by-outcome-")[1][:-10]
                link.click()
                assert page.url.endswith(f"/{lang}/promises-by-outcome-{code}.html#rows")
                rows = page.locator("#rows ~ .table-wrap tbody tr")
                assert rows.count() == sum(1 for t in triggers if t["outcome"] == code) > 0
                assert (
                    page.locator("nav.filter-bar details[open] summary")
                    .inner_text()
                    .endswith(
                        page.locator("nav.filter-bar a[aria-current='page']")
                        .inner_text()
                        .rsplit(" ", 1)[0]
                    )
                )
                page.locator(".filter-state a").click()
                assert page.url.endswith(f"/{lang}/promises.html#rows")
                assert page.locator("#rows ~ .table-wrap tbody tr").count() == len(triggers)
    finally:
        context.close()
