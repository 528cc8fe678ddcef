"""The README's first command: `ledger demo` records, verifies, reports, exports and builds."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from ledger.export_layout import check_export


def test_demo_records_a_city_and_builds_everything_it_serves(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--dir",
            str(demo),
            "--months",
            "3",
            "--scale",
            "0.3",
            "--seed",
            "6",
            "--no-serve",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Verified" in result.output and ": OK" in result.output
    assert "Promises per group" in result.output
    manifest = json.loads((demo / "manifest.json").read_text())
    assert manifest["patterns"], "the demo city plants patterns for the projections to find"
    assert check_export(demo / "export").ok
    for page in ("index.html", "en/index.html", "ur/index.html", "en/verify.html", "ur/feed.xml"):
        assert (demo / "site" / page).is_file(), page
    assert 'dir="rtl"' in (demo / "site" / "ur" / "index.html").read_text()
    again = CliRunner().invoke(
        app, ["demo", "--dir", str(demo), "--no-serve"], catch_exceptions=False
    )
    assert again.exit_code == 0 and "Reusing the ledger" in again.output
