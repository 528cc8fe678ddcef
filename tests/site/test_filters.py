"""The promises and cases pages filtered by group, outcome and month: every row once per language.

Each row is on the page of its month; the table's page and the page of each
group and outcome count their rows month by month and link to the months,
where a script shows the rows asked for (the whole month without one)."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from ledger.projections.casework import CaseFile, Spell
from ledger.service import Ledger
from public_site import labels
from public_site.pages import case_outcome
from public_site.source import open_ledger_source
from tests.site.browser import SiteServer

DIMENSIONS = ("group", "outcome", "month")
TABLE_BODY = re.compile(r'id="row-table".*?<tbody>(.*?)</tbody>', re.S)
ROW = re.compile(r'<tr data-group="([^"]*)" data-outcome="([^"]*)">(.*?)</tr>', re.S)
MONTH_COUNTS = re.compile(r'<table class="month-counts">.*?<tbody>(.*?)</tbody>', re.S)
"""A page's tables of rows counted by month (the body of each)."""
MONTH_LINK = re.compile(
    r'<tr><th scope="row"><a href="([^"]+)">[^<]*</a></th><td class="num">([^<]+)</td></tr>'
)
FILTER_BAR = re.compile(r'<nav class="filter-bar".*?</nav>', re.S)


def table_rows(page: Path) -> list[tuple[list[str], str, str]]:
    """The rows of a month page: (groups, outcome, the row's HTML), as the page's filter reads them."""
    found = TABLE_BODY.search(page.read_text("utf-8"))
    assert found, page
    rows = [(g.split(), o, html) for g, o, html in ROW.findall(found.group(1))]
    assert len(rows) == found.group(1).count("<tr"), page  # every row names its group and outcome
    return rows


def month_counts(page: Path, table: str = "") -> dict[str, tuple[str, str | None, int]]:
    """A counting page's months: month page name -> (dimension asked, value asked, rows counted).

    A page that counts the rows of several tables (a group's triggers and flags) is asked for
    one: the table whose month pages the links lead to."""
    found = [
        body
        for body in MONTH_COUNTS.findall(page.read_text("utf-8"))
        if f"/{table}-by-month-" in body or not table
    ]
    assert found, (page, table)
    out: dict[str, tuple[str, str | None, int]] = {}
    for href, count in MONTH_LINK.findall(found[0]):
        parts = urlsplit(href)
        assert parts.fragment == "rows" and (page.parent / parts.path).is_file(), (page, href)
        asked = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert len(asked) <= 1, href
        key, value = next(iter(asked.items())) if asked else ("", None)
        out[Path(parts.path).name] = (key, value, int(count.replace(",", "")))
    return out


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


def check_table(
    out: Path,
    lang: str,
    table: str,
    expected: dict[str, dict[str, list[Any]]],
    key: Any,
    values: dict[str, Any],
) -> None:
    """The month pages hold every row once, each naming its groups and outcome; every counting page
    counts, month by month, the rows with its value and asks the month page for them."""
    months = filter_pages(out, lang, table, "month")
    assert set(months) == set(expected["month"]), (lang, table)
    shown: dict[Any, tuple[list[str], str, str]] = {}
    for month, page in months.items():
        rows = table_rows(page)
        keys = [key(html) for _, _, html in rows]
        assert sorted(keys) == sorted(k for k, _ in expected["month"][month]), (lang, month)
        for k, row in zip(keys, rows, strict=True):
            assert k not in shown, (lang, k)  # on one month page only
            shown[k] = row
    facts = {k: item for items in expected["month"].values() for k, item in items}
    for k, (groups, outcome, _) in shown.items():
        assert (groups, outcome) == (values["group"](facts[k]), values["outcome"](facts[k])), k
    month_of_key = {k: m for m, items in expected["month"].items() for k, _ in items}
    pages: dict[tuple[str, str | None], Path] = {("", None): out / lang / f"{table}.html"}
    for dimension in ("group", "outcome"):
        found = filter_pages(out, lang, table, dimension)
        assert set(found) == set(expected[dimension]), (lang, table, dimension)
        pages.update({(dimension, value): page for value, page in found.items()})
    for (dimension, value), page in pages.items():
        wanted = expected[dimension][value] if value is not None else list(facts.items())
        counted = Counter(month_of_key[k] for k, _ in wanted)
        listed = month_counts(page)
        assert {name: n for name, (_, _, n) in listed.items()} == {
            months[m].name: n for m, n in counted.items()
        }, page
        assert {(d, v) for d, v, _ in listed.values()} == {(dimension, value)}, page


def check_counting_pages(
    out: Path,
    lang: str,
    table: str,
    rows: dict[str, list[dict[str, Any]]],
    values: dict[str, Any],
) -> None:
    """The table's page and the page of each value of each dimension (``values`` gives a row's)
    count, month by month, the rows of the month pages (``rows``, by month) that have it, each
    month a link asking its page for that value; there is a page for each value a row has."""
    months = filter_pages(out, lang, table, "month")
    assert set(months) == set(rows), (lang, table)
    pages: dict[tuple[str, str | None], Path] = {("", None): out / lang / f"{table}.html"}
    for dimension, of in values.items():
        found = filter_pages(out, lang, table, dimension)
        assert set(found) == {v for month in rows.values() for r in month for v in of(r)}, (
            lang,
            table,
            dimension,
        )
        pages.update({(dimension, value): page for value, page in found.items()})
    for (dimension, value), page in pages.items():
        counted = Counter(
            m
            for m, month in rows.items()
            for r in month
            if value is None or value in values[dimension](r)
        )
        listed = month_counts(page)
        assert {name: n for name, (_, _, n) in listed.items()} == {
            months[m].name: n for m, n in counted.items()
        }, page
        assert {(d, v) for d, v, _ in listed.values()} == (
            {(dimension, value)} if counted else set()
        ), page


def check_group_pages(
    out: Path, lang: str, table: str, per_group: dict[str, Counter[str]], listed: tuple[str, ...]
) -> None:
    """Each group page counts its rows of ``table`` month by month (``per_group``: group -> month
    page -> rows), each month a link asking its page for the group; a group with none links to no
    month of the table; and no group page holds any of the marks in ``listed`` a row carries."""
    pages = {group_of_link(p.stem): p for p in (out / lang / "groups").glob("*.html")}
    assert set(per_group) <= set(pages), (lang, table)
    for group, page in pages.items():
        text = page.read_text("utf-8")
        assert not [mark for mark in listed if mark in text], page
        if group not in per_group:
            assert f"/{table}-by-month-" not in text, page
            continue
        counted = month_counts(page, table)  # each month asks its page for the group
        assert {(d, v) for d, v, _ in counted.values()} == {("group", group)}, page
        assert {name: n for name, (_, _, n) in counted.items()} == per_group[group], page


def rows_by_group(
    out: Path, lang: str, table: str, read: Callable[[Path], list[dict[str, Any]]]
) -> dict[str, Counter[str]]:
    """How many rows of each group each month page of ``table`` holds (``read`` gives its rows)."""
    per_group: dict[str, Counter[str]] = {}
    for page in (out / lang).glob(f"{table}-by-month-*.html"):
        for row in read(page):
            for group in row["groups"]:
                per_group.setdefault(group, Counter())[page.name] += 1
    return per_group


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_each_promises_filter_counts_and_shows_exactly_the_projections_triggers(
    site: str, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)["out"]
    published = json.loads((out / "data" / "reports" / "promises.json").read_text("utf-8"))
    triggers = published["rows"]
    values = {
        "group": lambda t: t["groups"],
        "outcome": lambda t: t["outcome"],
        "month": lambda t: t["shot_at"][:7],
    }
    assert len({t["outcome"] for t in triggers}) >= 2, "the city must give the filter a choice"
    expected: dict[str, dict[str, list[Any]]] = {d: {} for d in DIMENSIONS}
    for t in triggers:
        item = ((t["incident"], t["group"]), t)
        for g in t["groups"]:
            expected["group"].setdefault(g, []).append(item)
        expected["outcome"].setdefault(t["outcome"], []).append(item)
        expected["month"].setdefault(t["shot_at"][:7], []).append(item)
    for lang in ("en", "ur"):
        check_table(out, lang, "promises", expected, promise_key, values)


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_a_group_page_counts_its_triggers_by_month_and_lists_none_of_them(
    site: str, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)["out"]
    published = json.loads((out / "data" / "reports" / "promises.json").read_text("utf-8"))
    per_group: dict[str, Counter[str]] = {}
    for t in published["rows"]:
        for g in t["groups"]:
            per_group.setdefault(g, Counter())[f"promises-by-month-{t['shot_at'][:7]}.html"] += 1
    assert per_group, "the city must have triggers"
    for lang in ("en", "ur"):
        check_group_pages(out, lang, "promises", per_group, ('id="row-table"', "data-outcome="))


def test_each_cases_filter_counts_and_shows_exactly_the_cases_with_that_value(
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
    cases = {
        "FIR-1": {"group": ["lyari-front"], "outcome": "released_uncharged"},
        "FIR-2": {"group": ["kemari:dock"], "outcome": "charged"},
    }
    assert set(opened) == set(cases)
    expected: dict[str, dict[str, list[Any]]] = {
        "group": {
            "lyari-front": [("FIR-1", cases["FIR-1"])],
            "kemari:dock": [("FIR-2", cases["FIR-2"])],
        },
        "outcome": {
            "released_uncharged": [("FIR-1", cases["FIR-1"])],
            "charged": [("FIR-2", cases["FIR-2"])],
        },
        "month": {},
    }
    for case, month in opened.items():
        expected["month"].setdefault(month, []).append((case, cases[case]))
    values = {"group": lambda c: c["group"], "outcome": lambda c: c["outcome"]}
    for lang in ("en", "ur"):
        check_table(
            out,
            lang,
            "cases",
            expected,
            lambda r: re.findall(r'/cases/([^"]+)\.html"', r)[0],
            values,
        )


def test_the_simulated_citys_case_filters_split_the_cases_table_by_its_own_columns(
    simulated_site: dict[str, Any],
) -> None:
    """Every case is on the page of its month, and counted on the page of its group(s) and its outcome."""
    out: Path = simulated_site["out"]
    words = {text: code for code, text in labels.CASE_OUTCOMES.items()}
    expected: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    cases = [row for page in (out / "en").glob("cases-by-month-*.html") for row in table_rows(page)]
    assert len(cases) > 20
    for groups, outcome, row in cases:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        opened = datetime.strptime(cells[2], "%b %d, %Y")
        linked = [group_of_link(g) for g in re.findall(r'/groups/([^"]+)\.html"', cells[1])]
        assert linked == groups and words[cells[3]] == outcome, row
        for group in linked:
            expected["group"][group] += 1
        expected["outcome"][outcome] += 1
        expected["month"][f"{opened:%Y-%m}"] += 1
    assert len(expected["outcome"]) >= 2 and len(expected["month"]) >= 2
    for lang in ("en", "ur"):
        months = filter_pages(out, lang, "cases", "month")
        assert {m: len(table_rows(p)) for m, p in months.items()} == dict(expected["month"])
        for dimension in ("group", "outcome"):
            pages = filter_pages(out, lang, "cases", dimension)
            counted = {v: sum(n for *_, n in month_counts(p).values()) for v, p in pages.items()}
            assert counted == dict(expected[dimension]), (lang, dimension)


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


@pytest.mark.parametrize("script", [False, True])
def test_filters_work_with_and_without_javascript_in_both_languages(
    browser: Any, hostile_site: dict[str, Any], script: bool
) -> None:
    """From the promises page to an outcome, then to a month: with a script the month shows that
    outcome's rows; without one, the whole month (each row naming its outcome)."""
    out: Path = hostile_site["out"]
    triggers = json.loads((out / "data" / "reports" / "promises.json").read_text("utf-8"))["rows"]
    context = browser.new_context(java_script_enabled=script)
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
                assert (
                    page.locator("nav.filter-bar details[open] summary")
                    .inner_text()
                    .endswith(
                        page.locator("nav.filter-bar a[aria-current='page']")
                        .inner_text()
                        .rsplit(" ", 1)[0]
                    )
                )
                first = page.locator("table.month-counts tbody a").first
                month = str(first.get_attribute("href")).split("promises-by-month-")[1][:7]
                first.click()
                assert page.url.endswith(
                    f"/{lang}/promises-by-month-{month}.html?outcome={code}#rows"
                )
                in_month = [t for t in triggers if t["shot_at"][:7] == month]
                wanted = [t for t in in_month if t["outcome"] == code] if script else in_month
                assert wanted
                # the script filters the rows once the page has loaded: wait for it
                expect(page.locator("#rows-shown")).to_have_text(str(len(wanted)))
                expect(page.locator("#row-table tbody tr:visible")).to_have_count(len(wanted))
                assert page.locator("#row-table tbody tr").count() == len(in_month)
                assert page.locator("#row-filters").is_visible() == script
    finally:
        context.close()


FLAG_ROW = re.compile(
    r'<tr data-group="([^"]*)" data-rule="([^"]*)" data-area="([^"]*)" '
    r'data-severity="([^"]*)" data-status="([^"]*)">(.*?)</tr>',
    re.S,
)
FLAG_VALUES = {"group": lambda r: r["groups"], "rule": lambda r: [r["rule"]]}


def flag_rows(page: Path) -> list[dict[str, Any]]:
    """The rows of a flags month page as its filter reads them, each with the flag it shows
    (its rule and the event that raised it) and the case it links to."""
    found = TABLE_BODY.search(page.read_text("utf-8"))
    assert found, page
    rows = []
    for groups, rule, area, severity, status, html in FLAG_ROW.findall(found.group(1)):
        event = re.search(r'verify\.html#([0-9a-f]{64})"', html)
        case = re.search(r'/cases/([^"]+)\.html"', html)
        assert event and case, html
        rows.append(
            {
                "flag": f"{rule}:{event.group(1)}",
                "groups": [group_of_link(g) for g in groups.split()],
                "rule": rule,
                "area": area,
                "severity": severity,
                "status": status,
                "case": group_of_link(case.group(1)),
            }
        )
    assert len(rows) == found.group(1).count("<tr"), page  # every row names what it is filtered by
    return rows


@pytest.mark.parametrize("table", ["releases", "custody"])
@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_each_flag_is_on_its_months_page_once_and_counted_on_the_page_of_its_group_and_rule(
    site: str, table: str, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)["out"]
    published = json.loads((out / "data" / "reports" / f"{table}.json").read_text("utf-8"))
    flags = {f["flag"]: f for f in published["rows"]}
    if (site, table) != ("hostile_site", "custody"):
        assert flags, "the city must raise flags of this kind"
    for lang in ("en", "ur"):
        months = filter_pages(out, lang, table, "month")
        shown: dict[str, tuple[str, dict[str, Any]]] = {}
        for month, page in months.items():
            for row in flag_rows(page):
                assert row["flag"] not in shown, (lang, row["flag"])  # on one month page only
                shown[row["flag"]] = (month, row)
        assert set(shown) == set(flags), (lang, table)
        for flag, (month, row) in shown.items():
            f = flags[flag]
            assert month == f["occurred_at"][:7] and row["case"] == f["case"], flag
            assert (row["severity"], row["status"]) == (f["severity"], f["status"]), flag
        by_month: dict[str, list[dict[str, Any]]] = {}
        for month, row in shown.values():
            by_month.setdefault(month, []).append(row)
        check_counting_pages(out, lang, table, by_month, FLAG_VALUES)
        assert not list((out / lang).glob(f"{table}-by-area-*")), "an area names no file"


def test_the_hostile_citys_release_on_instructions_is_under_its_group_rule_and_area(
    hostile_site: dict[str, Any],
) -> None:
    """What the city recorded: FIR-1, a Lyari Front member, released on instructions."""
    out: Path = hostile_site["out"]
    for lang in ("en", "ur"):
        rows = [r for p in (out / lang).glob("releases-by-month-*.html") for r in flag_rows(p)]
        fir1 = [r for r in rows if r["case"] == "FIR-1" and r["rule"] == "release.on_instructions"]
        assert len(fir1) == 1 and fir1[0]["groups"] == ["lyari-front"], rows
        assert fir1[0]["severity"] == "critical" and fir1[0]["area"], fir1
        assert fir1[0]["flag"] in month_counts_asking(
            out / lang, "releases", "group", "lyari-front"
        )


def month_counts_asking(directory: Path, table: str, dimension: str, value: str) -> set[str]:
    """The flags on the month pages that the page of one value links to."""
    page = directory / f"{table}-by-{dimension}-{value.replace(':', '~')}.html"
    return {
        r["flag"]
        for name in month_counts(page)
        for r in flag_rows(directory / name)
        if value in FLAG_VALUES[dimension](r)
    }


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_a_group_page_counts_its_flags_by_month_and_lists_none_of_them(
    site: str, request: pytest.FixtureRequest
) -> None:
    """Its members' flags are counted month by month, once for each table of flags, each month
    a link asking the month page for the group's flags; the flags themselves are not listed."""
    out: Path = request.getfixturevalue(site)["out"]
    for lang in ("en", "ur"):
        counted_any = 0
        for table in ("releases", "custody"):
            per_group = rows_by_group(out, lang, table, flag_rows)
            check_group_pages(out, lang, table, per_group, ("data-rule=", 'class="flag-list"'))
            counted_any += len(per_group)
        assert counted_any, "the city must flag a group's member"


RELEASE_ROW = re.compile(r'<tr data-group="([^"]*)" data-explained="([^"]*)">(.*?)</tr>', re.S)
RELEASE_VALUES = {"group": lambda r: r["groups"], "explained": lambda r: [r["explained"]]}


def release_rows(page: Path) -> list[dict[str, Any]]:
    """The rows of a month page of every release, as its filter reads them, with the case and the
    person each shows."""
    found = TABLE_BODY.search(page.read_text("utf-8"))
    assert found, page
    rows = []
    for groups, explained, html in RELEASE_ROW.findall(found.group(1)):
        case = re.search(r'/cases/([^"]+)\.html"', html)
        person = re.search(r"</th><td>([^<]*)</td>", html)
        assert case and person, html
        rows.append(
            {
                "groups": [group_of_link(g) for g in groups.split()],
                "explained": explained,
                "case": group_of_link(case.group(1)),
                "person": person.group(1),
            }
        )
    assert len(rows) == found.group(1).count("<tr"), page
    return rows


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_every_release_in_the_log_is_on_its_months_page_once_and_counted_by_group_and_explanation(
    site: str, request: pytest.FixtureRequest
) -> None:
    """The log's releases, read from the published export, are the rows of the month pages: each
    on the page of the month it happened in; the pages of each group and of explained and
    unexplained releases count them month by month."""
    out: Path = request.getfixturevalue(site)["out"]
    log = gzip.decompress((out / "data" / "export" / "log.jsonl.gz").read_bytes())
    statements = [json.loads(line) for line in log.splitlines()]
    released = Counter(
        (s["data"]["case"], s["data"]["person"], s["occurred_at"][:7])
        for s in statements
        if s["type"] == "release.recorded"
    )
    assert released, "the city must release someone"
    for lang in ("en", "ur"):
        months = filter_pages(out, lang, "released", "month")
        rows = {month: release_rows(page) for month, page in months.items()}
        shown = Counter((r["case"], r["person"], m) for m, found in rows.items() for r in found)
        assert shown == released, lang
        assert {r["explained"] for found in rows.values() for r in found} <= {
            "explained",
            "unexplained",
        }
        check_counting_pages(out, lang, "released", rows, RELEASE_VALUES)


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_a_group_page_counts_its_members_releases_by_month_and_lists_none_of_them(
    site: str, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)["out"]
    for lang in ("en", "ur"):
        per_group = rows_by_group(out, lang, "released", release_rows)
        assert per_group, "the city must release a group's member"
        check_group_pages(out, lang, "released", per_group, ("data-explained=",))
