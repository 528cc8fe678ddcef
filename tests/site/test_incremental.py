"""Rebuilding the site as the log grows: only what changed is rendered and written, and the result is
the site a fresh build at the same tree size would give, byte for byte."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ledger.errors import TamperDetected
from ledger.keyring import Keyring
from ledger.service import Ledger
from public_site.build import BuildResult, build_site
from public_site.output import STATE_FILE, inputs_digest
from public_site.source import open_ledger_source
from tests.conftest import Clock, Recorder, chartered_ledger
from tests.projections.signed_city import SignedCity
from tests.site.city import record_hostile_city, site_files
from tests.site.test_filters import FILTER_BAR


def build(ledger: Ledger, out: Path, processes: int) -> BuildResult:
    """As ``ledger site build`` does: the stored log checked first, so the leaves are read where
    they are stored, each against the verified tree (``Ledger.verified_leaves``)."""
    ledger.verify_before_acting()
    source = open_ledger_source(ledger)
    try:
        return build_site(source, out, processes=processes)
    finally:
        source.close()


@contextmanager
def hostile_city(tmp_path: Path, keyring: Keyring) -> Iterator[tuple[Ledger, SignedCity]]:
    """The hostile city in a fresh SQLite ledger, closed afterwards."""
    clock = Clock()
    ledger = chartered_ledger(str(tmp_path / "ledger.db"), keyring, clock)
    try:
        yield ledger, record_hostile_city(ledger, Recorder(keyring, clock), clock)
    finally:
        ledger.close()


def inodes(root: Path) -> dict[str, int]:
    """Each file's inode: a file renamed into place is a new inode, one left alone keeps its own."""
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in site_files(root)}


def test_a_rebuild_after_new_events_writes_only_changed_pages_and_equals_a_fresh_build(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    with hostile_city(tmp_path, shared_keyring) as (ledger, city):
        grown, fresh = tmp_path / "grown", tmp_path / "fresh"
        first = build(ledger, grown, processes=2)
        before = inodes(grown)
        arrest_in_a_new_case(city)
        ledger.sign_checkpoint()
        again = build(ledger, grown, processes=1)
        after = inodes(grown)
        full = build(ledger, fresh, processes=2)

    assert sorted(after) == sorted(inodes(fresh))
    for name in after:
        assert (grown / name).read_bytes() == (fresh / name).read_bytes(), name
    rewritten = {name for name in after if before.get(name) != after[name]}
    month_pages = {name for name in after if "/cases-by-month-" in name}
    with_new_case = {name for name in month_pages if "FIR-3" in (grown / name).read_text("utf-8")}
    assert len(with_new_case) == 2 and with_new_case <= rewritten  # its month, in each language
    assert not (month_pages - with_new_case) & rewritten
    assert again.files_written == len(rewritten) < full.files_written
    assert again.files_unchanged == len(after) - again.files_written
    assert {"en/cases/FIR-3.html", "ur/cases/FIR-3.html"} <= rewritten
    for untouched in ("en/cases/FIR-1.html", "ur/cases/FIR-1.html", "en/methodology.html"):
        assert untouched not in rewritten, untouched
    for changed in ("en/checkpoint.html", "ur/checkpoint.html", "en/cases.html", "data/checkpoint"):
        assert changed in rewritten, changed
    assert first.files_written == len(before)
    manifest = json.loads((grown / STATE_FILE).read_text("utf-8"))
    assert manifest["en/cases/FIR-1.html"].startswith("key:")
    assert all(manifest[name].startswith("key:") for name in month_pages)
    assert not list(grown.rglob("*.partial"))


def test_a_case_whose_history_changed_is_rendered_again(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    with hostile_city(tmp_path, shared_keyring) as (ledger, city):
        build(ledger, tmp_path / "site", processes=1)
        page = tmp_path / "site" / "en" / "cases" / "FIR-2.html"
        old = page.read_text("utf-8")
        city.record(
            "charge3",
            "charge.filed",
            "prosecution",
            {"case": "FIR-2", "person": "P-2", "charges": ["PPC 302"], "prosecutor": "PR-1"},
        )
        ledger.sign_checkpoint()
        build(ledger, tmp_path / "site", processes=1)
    new = page.read_text("utf-8")
    assert "PPC 302" not in old and "PPC 302" in new


def arrest_in_a_new_case(city: SignedCity, case: str = "FIR-3") -> None:
    city.record(
        f"arrest-{case}",
        "arrest.made",
        "police",
        {
            "case": case,
            "person": "P-2",
            "incidents": ["INC-2"],
            "grounds": "g",
            "officer": "OFF-1",
            "station": "Kemari",
        },
    )


def test_a_month_page_is_rendered_again_only_when_its_rows_or_its_lists_change(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    """A month of a table names no checkpoint: a new event that changes no case leaves the cases' month
    pages alone, a new case rewrites its month's page (with the new row) and no other."""
    with hostile_city(tmp_path, shared_keyring) as (ledger, city):
        site = tmp_path / "site"
        first = build(ledger, site, processes=1)
        months = sorted(site.glob("*/cases-by-month-*.html"))
        assert months
        before = {p: (p.stat().st_ino, p.read_text("utf-8")) for p in months}
        city.record(
            "shot-elsewhere",
            "shooting.reported",
            "police",
            {
                "incident": "INC-9",
                "area": "Lyari",
                "killed": 0,
                "injured": 1,
                "source": "police",
                "description": "Shots fired in a market street.",
            },
        )
        ledger.sign_checkpoint()
        second = build(ledger, site, processes=1)
        assert second.files_written < first.files_written
        assert {p: (p.stat().st_ino, p.read_text("utf-8")) for p in months} == before
        arrest_in_a_new_case(city)
        ledger.sign_checkpoint()
        build(ledger, site, processes=1)
    changed = [p for p in months if p.stat().st_ino != before[p][0]]
    assert changed and all("FIR-3" in p.read_text("utf-8") for p in changed)
    assert all("FIR-3" not in before[p][1] for p in changed)
    assert all("FIR-3" not in p.read_text("utf-8") for p in months if p not in changed)


def test_a_new_month_rewrites_the_month_before_it_and_no_other(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    """A month page lists the months next to its own, not every month: a case opened in a new
    month writes that month's page and the page before it, in each language, and leaves every
    other month's page as it was."""
    with hostile_city(tmp_path, shared_keyring) as (ledger, city):
        for case in ("FIR-4", "FIR-5"):  # cases opened in two later months
            city.clock.advance(days=40)
            arrest_in_a_new_case(city, case)
        ledger.sign_checkpoint()
        site = tmp_path / "site"
        build(ledger, site, processes=1)
        before = month_pages(site)
        city.clock.advance(days=40)
        arrest_in_a_new_case(city)
        ledger.sign_checkpoint()
        build(ledger, site, processes=1)
    after = month_pages(site)
    for code in ("en", "ur"):
        old = [name for name in before if name.startswith(f"{code}/")]
        pages = [name for name in after if name.startswith(f"{code}/")]
        assert pages[:-1] == old and len(old) >= 3  # one new month, after every other
        latest, previous, others = pages[-1], pages[-2], pages[:-2]
        assert after[previous] != before[previous]
        assert all(after[name] == before[name] for name in others)
        assert neighbours(site / latest) == [previous, latest]
        assert neighbours(site / previous) == [others[-1], previous, latest]
        assert "FIR-3" in (site / latest).read_text("utf-8")


def month_pages(site: Path) -> dict[str, int]:
    """The cases' month pages in month order, each with its inode."""
    return {name: ino for name, ino in sorted(inodes(site).items()) if "/cases-by-month-" in name}


def neighbours(page: Path) -> list[str]:
    """The month pages a month page's filter bar links to."""
    bar = FILTER_BAR.search(page.read_text("utf-8"))
    assert bar is not None, page
    code = page.parent.name
    return [
        f"{code}/{name}" for name in re.findall(r'/(cases-by-month-[^/"#]+)#rows"', bar.group())
    ]


def test_a_flags_month_page_is_rendered_again_when_the_committee_changes_a_flags_status(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    """A flag's row shows its status: the committee's finding on the release flagged on instructions
    rewrites the month page that holds the flag, in each language, and no other month of flags."""
    with hostile_city(tmp_path, shared_keyring) as (ledger, city):
        site = tmp_path / "site"
        build(ledger, site, processes=1)
        months = sorted(site.glob("*/releases-by-month-*.html")) + sorted(
            site.glob("*/custody-by-month-*.html")
        )
        release = city.ids["release1"]
        holding = [p for p in months if release in p.read_text("utf-8")]
        assert len(holding) == 2 and len(months) > 2  # its month in each language, and others
        before = {p: (p.stat().st_ino, p.read_text("utf-8")) for p in months}
        city.record(
            "finding",
            "audit.finding_recorded",
            "committee",
            {"subject": release, "finding": "unlawful", "summary": "No order was found."},
        )
        ledger.sign_checkpoint()
        build(ledger, site, processes=1)
    changed = [p for p in months if p.stat().st_ino != before[p][0]]
    assert sorted(changed) == sorted(holding)
    for page in changed:
        assert 'data-status="finding_recorded"' in page.read_text("utf-8")
        assert 'data-status="finding_recorded"' not in before[page][1]


def test_a_file_changed_since_the_last_build_is_not_trusted(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    """A page edited by hand, a case's or a month's, is written again, not left as the manifest says it was."""
    with hostile_city(tmp_path, shared_keyring) as (ledger, _):
        site = tmp_path / "site"
        build(ledger, site, processes=1)
        page = site / "en" / "cases" / "FIR-1.html"
        month = sorted((site / "en").glob("cases-by-month-*.html"))[0]
        good, good_month = page.read_text("utf-8"), month.read_text("utf-8")
        page.write_text(good.replace("FIR-1", "FIR-X"), "utf-8")
        month.write_text(good_month.replace("</tbody>", "<tr>forged</tr></tbody>"), "utf-8")
        again = build(ledger, site, processes=1)
    assert page.read_text("utf-8") == good
    assert month.read_text("utf-8") == good_month
    assert again.files_written == 2  # the two pages


def test_a_stored_statement_edited_after_the_check_is_named_and_never_published(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    """The site reads the leaves where they are stored, after the check before acting: a leaf
    edited in between is refused by its position, and its edited text appears in no file."""
    with hostile_city(tmp_path, shared_keyring) as (ledger, _):
        ledger.verify_before_acting()
        with ledger.store.engine.begin() as conn:
            number, position = conn.execute(
                text(
                    "SELECT notification_id, leaf_index FROM ledger_leaves"
                    " WHERE leaf_index = (SELECT max(leaf_index) FROM ledger_leaves) - 2"
                )
            ).one()
            state = conn.execute(
                text("SELECT state FROM ledger_events WHERE id = :n"), {"n": number}
            ).scalar_one()
            assert b'\\"recorder\\":\\"' in state
            edited = state.replace(b'\\"recorder\\":\\"', b'\\"recorder\\":\\"x', 1)
            conn.execute(
                text("UPDATE ledger_events SET state = :s WHERE id = :n"),
                {"s": edited, "n": number},
            )
        source = open_ledger_source(ledger)
        try:
            with pytest.raises(TamperDetected, match=f"log position {position}: the stored"):
                build_site(source, tmp_path / "site", processes=1)
        finally:
            source.close()
    published = b"".join(p.read_bytes() for p in site_files(tmp_path / "site"))
    assert b'"recorder":"x' not in published


# --- a page's key and its inputs -----------------------------------------------------------------
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4)
)
INPUTS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=10,
)


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*path, index))
    else:
        yield path


def with_leaf(value: Any, path: tuple[Any, ...], leaf: Any) -> Any:
    """A copy of ``value`` with the leaf at ``path`` replaced."""
    if not path:
        return leaf
    changed = copy.deepcopy(value)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = leaf
    return changed


@given(INPUTS, LEAVES | st.just([]) | st.just({}), st.data())
@settings(max_examples=300, deadline=None)
def test_a_page_key_changes_with_any_change_to_what_the_page_shows(
    inputs: Any, leaf: Any, data: st.DataObject
) -> None:
    """Equal inputs, equal key, whether or not their parts are the same objects (a state
    read back shares them otherwise than one just computed); a leaf changed, another key
    (``True`` for ``1``, ``1.0`` for ``1``, ``-0.0`` for ``0.0`` are changes: the page shows
    them otherwise)."""
    assert inputs_digest(copy.deepcopy(inputs)) == inputs_digest(inputs)
    assert inputs_digest([inputs, inputs]) == inputs_digest([inputs, copy.deepcopy(inputs)])
    paths = list(leaf_paths(inputs))
    assume(paths)
    path = data.draw(st.sampled_from(paths))
    old = inputs
    for step in path:
        old = old[step]
    assume(repr(old) != repr(leaf))
    assert inputs_digest(with_leaf(inputs, path, leaf)) != inputs_digest(inputs)
