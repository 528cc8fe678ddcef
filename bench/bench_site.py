"""Benchmark: building the public site, against rebuilding the projections, in the same run.

Simulates a city (``ledger init`` + ``ledger simulate``), exports it, then measures

* the projection rebuild: ``Reports.from_export`` and every report (the reference);
* the full site build from the same export (which includes its own projection
  rebuild), and a second, incremental build of the unchanged site.

Prints the time beyond the projection rebuild as a ratio to it and per event,
with a linear extrapolation to 1,000,000 events (the goal: under a minute
beyond the projection rebuild). Run: ``.venv/bin/python -m bench.bench_site --months 12 --scale 4``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner


def simulate(directory: Path, months: int, scale: float) -> Path:
    from cli.main import app
    from ledger.export_layout import export_ledger
    from ledger.service import Ledger

    runner = CliRunner()
    db, keys = directory / "sim.db", directory / "keys"
    for args in (
        ["init", "--db", str(db), "--keys", str(keys)],
        [
            "simulate",
            "--db",
            str(db),
            "--keys",
            str(keys),
            "--months",
            str(months),
            "--scale",
            str(scale),
        ],
    ):
        result = runner.invoke(app, args)
        if result.exit_code != 0:
            raise SystemExit(result.output)
    with Ledger.open(str(db)) as ledger:
        export_ledger(ledger, directory / "export")
    return directory / "export"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()

    from ledger.projections.report_names import REPORT_NAMES
    from ledger.projections.service import Reports
    from public_site.build import build_site
    from public_site.source import open_export_source

    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        root = Path(tmp)
        export = simulate(root, args.months, args.scale)
        started = time.perf_counter()
        reports = Reports.from_export(export)
        for name in REPORT_NAMES:
            reports.report(name)
        projections = time.perf_counter() - started
        events = reports.tree_size

        started = time.perf_counter()
        source = open_export_source(export)
        first = build_site(source, root / "site")
        source.close()
        full = time.perf_counter() - started

        started = time.perf_counter()
        source = open_export_source(export)
        second = build_site(source, root / "site")
        source.close()
        again = time.perf_counter() - started

    beyond = max(full - projections, 0.0)
    print(
        f"events: {events:,}; pages: {first.pages:,}; proofs: {first.proofs:,}; files: {first.files_written:,}"
    )
    print(f"projection rebuild (reference): {projections:.2f} s")
    print(
        f"site build incl. its projections: {full:.2f} s -> beyond projections {beyond:.2f} s"
        f" = {beyond / projections:.2f}x the projection rebuild"
    )
    print(
        f"unchanged rebuild: {again:.2f} s ({second.files_written} files written,"
        f" {second.files_unchanged:,} unchanged) = {again / projections:.2f}x the projection rebuild"
    )
    per_event = beyond / events
    print(
        f"beyond projections per event: {per_event * 1e6:.1f} us;"
        f" linear extrapolation to 1,000,000 events: {per_event * 1e6:.0f} s (goal: < 60 s)"
    )


if __name__ == "__main__":
    main()
