"""The site's downloads: tidy CSV files tied to the checkpoint, listed and explained in both languages."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.log.checkpoint import Checkpoint
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import Reports
from ledger.projections.tidy import PROVENANCE, downloads
from ledger.service import Ledger
from public_site import downloads as words
from public_site.i18n import translations
from tests.projections.test_csv_cells import packed

EVERY_FILE = [d for name in REPORT_NAMES for d in downloads(name)]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames and reader.fieldnames[-3:] == list(PROVENANCE), path.name
    assert all(None not in row and None not in row.values() for row in rows), path.name
    return rows


def built_checkpoint(out: Path) -> Checkpoint:
    note = (out / "data" / "checkpoint").read_text("utf-8")
    return Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")


@pytest.fixture(params=["hostile_site", "simulated_site"])
def site(request: pytest.FixtureRequest) -> dict[str, Any]:
    built: dict[str, Any] = request.getfixturevalue(request.param)
    return built


def test_every_file_and_every_column_is_explained_in_english_and_urdu() -> None:
    urdu = translations("ur").gettext
    for d in EVERY_FILE:
        texts = [words.describe(d)] + [words.explain(d.name, c) for c, _ in d.layout]
        for text in texts:
            assert urdu(text) != text, f"{d.name}: no Urdu for {text!r}"
    for text in [*words.PARTS.values(), *(words.COLUMNS[c] for c in PROVENANCE)]:
        assert urdu(text) != text


def test_a_column_without_words_is_caught() -> None:
    with pytest.raises(KeyError):
        words.explain("groups", "a_column_nobody_described")


def test_every_csv_the_site_writes_parses_with_one_value_per_cell(site: dict[str, Any]) -> None:
    written = sorted(p.stem for p in (site["out"] / "data" / "reports").glob("*.csv"))
    assert written == sorted(d.name for d in EVERY_FILE)
    for path in sorted((site["out"] / "data" / "reports").glob("*.csv")):
        for number, row in enumerate(read_csv(path), start=2):
            for column, cell in row.items():
                assert packed(cell) is None, f"{path.name} line {number} {column}: {cell[:80]!r}"


def test_every_row_names_the_checkpoint_the_site_was_built_at(site: dict[str, Any]) -> None:
    checkpoint = built_checkpoint(site["out"])
    manifest = json.loads((site["out"] / "data" / "manifest.json").read_text("utf-8"))
    expected = {"tree_size": str(checkpoint.size), "root": checkpoint.root_hash.hex()}
    assert (manifest["tree_size"], manifest["root"]) == (checkpoint.size, expected["root"])
    rows = 0
    for path in (site["out"] / "data" / "reports").glob("*.csv"):
        for row in read_csv(path):
            assert {k: row[k] for k in expected} == expected, path.name
            assert row["as_of"] == manifest["as_of"], path.name
            rows += 1
    assert rows > 0


def test_the_manifest_gives_each_download_its_sha256_and_checkpoint(site: dict[str, Any]) -> None:
    data = site["out"] / "data"
    manifest = json.loads((data / "manifest.json").read_text("utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    present = {f"data/reports/{p.name}" for p in (data / "reports").iterdir()}
    assert set(listed) == present
    for path, entry in listed.items():
        content = (site["out"] / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), path
        assert (entry["tree_size"], entry["root"]) == (manifest["tree_size"], manifest["root"])
        if path.endswith(".csv"):
            assert entry["rows"] == len(read_csv(site["out"] / path)), path


def test_the_survival_curves_downloaded_are_the_reports_curves(
    simulated_site: dict[str, Any],
) -> None:
    with Ledger.open(simulated_site["db"]) as ledger:
        curves = Reports(ledger).report("groups").extra["km_time_to_arrest_hours"]
    rows = read_csv(simulated_site["out"] / "data" / "reports" / "groups-survival.csv")
    columns = ("at_risk", "events", "censored", "survival", "ci_low", "ci_high")
    assert [
        (r["group"], float(r["time_hours"]), *(float(r[c]) for c in columns)) for r in rows
    ] == [
        (group, p["time"], *(p[c] for c in columns))
        for group, curve in curves.items()
        for p in curve
    ]
    assert any(float(r["censored"]) for r in rows) and any(float(r["events"]) for r in rows)


@pytest.mark.parametrize("language", ["en", "ur"])
def test_the_downloads_page_lists_each_file_with_its_columns_explained(
    hostile_site: dict[str, Any], language: str
) -> None:
    page = (hostile_site["out"] / language / "downloads.html").read_text("utf-8")
    gettext = translations(language).gettext
    for d in EVERY_FILE:
        assert f'href="../data/reports/{d.name}.csv"' in page, d.name
        for column, kind in d.layout:
            shown = f"{column}_*" if kind else column
            assert f'<code dir="ltr">{shown}</code>' in page, (d.name, shown)
            explained = gettext(words.explain(d.name, column))
            assert "<" not in explained and explained in page, (d.name, column)
    for column in PROVENANCE:
        assert f'<code dir="ltr">{column}</code>' in page


def test_each_report_json_is_the_report_with_each_row_on_a_line(
    simulated_site: dict[str, Any],
) -> None:
    with Ledger.open(simulated_site["db"]) as ledger:
        reports = Reports(ledger)
        tables = {name: reports.report(name).to_json() for name in REPORT_NAMES}
    lined = 0
    for name, table in tables.items():
        text = (simulated_site["out"] / "data" / "reports" / f"{name}.json").read_text("utf-8")
        assert json.dumps(json.loads(text), sort_keys=True) == json.dumps(table, sort_keys=True)
        lines = text.splitlines()
        if table["rows"]:
            first = lines.index('"rows":[') + 1
            rows = lines[first : first + len(table["rows"])]
            assert [json.loads(line.removesuffix(",")) for line in rows] == json.loads(
                json.dumps(table["rows"])
            ), name
            assert lines[first + len(table["rows"])].startswith("]"), name
            lined += 1
    assert lined == len(REPORT_NAMES)
