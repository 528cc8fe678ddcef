"""Rebuilding the site as the log grows: only what changed is rendered and written, and the result is
the site a fresh build at the same tree size would give, byte for byte."""

from __future__ import annotations

import json
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


def inodes(root: Path) -> dict[str, int]:
    """Each file's inode: a file renamed into place is a new inode, one left alone keeps its own."""
    files = {p.relative_to(root).as_posix(): p.stat().st_ino for p in site_files(root)}
    return {name: inode for name, inode in files.items() if not name.startswith(CACHE_DIR)}


def test_a_rebuild_after_new_events_writes_only_changed_pages_and_equals_a_fresh_build(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    clock = Clock()
    ledger = chartered_ledger(str(tmp_path / "ledger.db"), shared_keyring, clock)
    try:
        city = record_hostile_city(ledger, Recorder(shared_keyring, clock), clock)
        grown, fresh = tmp_path / "grown", tmp_path / "fresh"
        first = build(ledger, grown, processes=2)
        before = inodes(grown)
        arrest_in_a_new_case(city)
        ledger.sign_checkpoint()
        again = build(ledger, grown, processes=1)
        after = inodes(grown)
        full = build(ledger, fresh, processes=2)
    finally:
        ledger.close()

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
    clock = Clock()
    ledger = chartered_ledger(str(tmp_path / "ledger.db"), shared_keyring, clock)
    try:
        city = record_hostile_city(ledger, Recorder(shared_keyring, clock), clock)
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
    finally:
        ledger.close()
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
    from public_site.row_cache import RowCache

    path = tmp_path / CACHE_DIR / "en-cases.json"
    first = RowCache(path, "context-1")
    assert first.html("row-a", lambda: "<tr>a</tr>") == "<tr>a</tr>"
    first.html("row-b", lambda: "<tr>b</tr>")
    first.save()

    def never() -> str:
        raise AssertionError("a cached row was rendered again")

    again = RowCache(path, "context-1")
    assert again.html("row-a", never) == "<tr>a</tr>" and again.reused == 1
    again.save()
    assert "row-b" not in json.loads(path.read_text("utf-8"))["rows"]  # a row no longer shown goes
    renamed = RowCache(path, "context-2")  # e.g. a group renamed, or a new template
    assert renamed.html("row-a", lambda: "<tr>A</tr>") == "<tr>A</tr>" and renamed.reused == 0
