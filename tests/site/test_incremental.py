"""Rebuilding the site as the log grows: only what changed is rendered and written, and the result is
the site a fresh build at the same tree size would give, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.keyring import Keyring
from ledger.service import Ledger
from public_site.build import BuildResult, build_site
from public_site.output import STATE_FILE
from public_site.row_cache import CACHE_DIR
from public_site.source import open_ledger_source
from tests.conftest import Clock, Recorder, chartered_ledger
from tests.projections.signed_city import SignedCity
from tests.site.city import record_hostile_city, site_files


def build(ledger: Ledger, out: Path, processes: int) -> BuildResult:
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
    cached = json.loads((grown / CACHE_DIR / "en-cases.json").read_text("utf-8"))["rows"]
    assert len(cached) == 3  # FIR-1, FIR-2 and FIR-3: only the rows the pages show are kept
    rewritten = {name for name in after if before.get(name) != after[name]}
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


def arrest_in_a_new_case(city: SignedCity) -> None:
    city.record(
        "arrest3",
        "arrest.made",
        "police",
        {
            "case": "FIR-3",
            "person": "P-2",
            "incidents": ["INC-2"],
            "grounds": "g",
            "officer": "OFF-1",
            "station": "Kemari",
        },
    )


def test_a_cached_row_is_reused_only_under_the_context_it_was_made_in(tmp_path: Path) -> None:
    from public_site.output import SiteWriter
    from public_site.row_cache import RowCache

    relative = f"{CACHE_DIR}/en-cases.json"
    writer = SiteWriter(tmp_path)
    first = RowCache(writer, relative, "context-1")
    assert first.html("row-a", lambda: "<tr>a</tr>") == "<tr>a</tr>"
    first.html("row-b", lambda: "<tr>b</tr>")
    first.save()
    writer.finish()

    def never() -> str:
        raise AssertionError("a cached row was rendered again")

    writer = SiteWriter(tmp_path)
    again = RowCache(writer, relative, "context-1")
    assert again.html("row-a", never) == "<tr>a</tr>" and again.reused == 1
    again.save()
    writer.finish()
    assert "row-b" not in json.loads((tmp_path / relative).read_text("utf-8"))["rows"]
    # a group renamed, or a new template: another context
    renamed = RowCache(SiteWriter(tmp_path), relative, "context-2")
    assert renamed.html("row-a", lambda: "<tr>A</tr>") == "<tr>A</tr>" and renamed.reused == 0


def test_a_file_changed_since_the_last_build_is_not_trusted(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    """A page or a cache of rows edited by hand is written again, not left as the manifest says it was."""
    with hostile_city(tmp_path, shared_keyring) as (ledger, _):
        site = tmp_path / "site"
        build(ledger, site, processes=1)
        page, cache = site / "en" / "cases" / "FIR-1.html", site / CACHE_DIR / "en-cases.json"
        good = page.read_text("utf-8")
        page.write_text(good.replace("FIR-1", "FIR-X"), "utf-8")
        saved = json.loads(cache.read_text("utf-8"))
        saved["rows"] = {digest: "<tr>forged</tr>" for digest in saved["rows"]}
        cache.write_text(json.dumps(saved), "utf-8")
        again = build(ledger, site, processes=1)
    assert page.read_text("utf-8") == good
    assert "forged" not in (site / "en" / "cases.html").read_text("utf-8")
    assert again.files_written == 2  # the page and the cache
