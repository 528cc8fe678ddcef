"""Benchmark: reports kept current on a real ledger, against a raw fold measured in the same run.

Usage: python -m bench.bench_reports LEDGER_DIR [--skip-processes]

LEDGER_DIR holds ``ledger.db`` (SQLite, e.g. a copy of a simulated city). It is
copied to a temporary directory first: nothing is written to it. Printed:

* the references: reading and parsing every leaf, and folding them into facts;
* the first report (``groups``, then every report) after one new event, with
  the case records kept from the report before it;
* one new event folded with its case records brought up to date;
* a rebuild from zero (no snapshot) in a new process, with its peak RSS;
* a cold ``groups`` report in a new process with the snapshot present, with its
  peak RSS.

Times are printed with their ratio to the raw fold (the goals at 1,000,000
events: a report after one event < 50 ms, a cold report < 2 s in < 500 MB,
a rebuild < 60 s in < 1 GB).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.projections.analysis import Analysis
from ledger.projections.facts import Facts, bulk
from ledger.projections.maintained import Maintained
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import statements_from_ledger

CHILD = """
import json, resource, sys, time
from ledger.projections.facts import bulk
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.runner import FactsRunner
from ledger.projections.service import Reports
from ledger.service import Ledger

db, mode = sys.argv[1], sys.argv[2]
began = time.perf_counter()
ledger = Ledger.open(db)
if mode == "rebuild":
    FactsRunner(ledger.store).view.reset(ledger.store.application_name)
reports = Reports(ledger)
names = REPORT_NAMES if mode == "rebuild" else ["groups"]
for name in names:
    reports.report(name)
elapsed = time.perf_counter() - began
# VmHWM is this program's own peak; ru_maxrss would also count the parent's size at the fork.
status = open("/proc/self/status").read()
found = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
peak = found[0] * 1024 if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": elapsed, "peak_rss": peak, "tree_size": reports.tree_size}))
"""


def read_statements(db: str) -> list[dict[str, Any]]:
    from ledger.service import Ledger

    ledger = Ledger.open(db)
    out = list(statements_from_ledger(ledger))
    ledger.close()
    return out


def in_process(statements: list[dict[str, Any]]) -> tuple[float, dict[str, float]]:
    """(raw fold seconds, the measured figures) folding all but the last statement first."""
    facts = Facts()
    began = time.perf_counter()
    with bulk():
        facts.apply_all(statements[:-2])
    fold = time.perf_counter() - began
    records = Maintained()
    with bulk():
        analysis = Analysis(facts, facts.count, "00", records=records)
        for name in REPORT_NAMES:
            analysis.report(name)
        began = time.perf_counter()
        facts.apply(statements[-2])
        records.cases.sync(facts)
        applied = time.perf_counter() - began
        began = time.perf_counter()
        Analysis(facts, facts.count, "00", records=records).report("groups")
        first = time.perf_counter() - began
        facts.apply(statements[-1])
        began = time.perf_counter()
        analysis = Analysis(facts, facts.count, "00", records=records)
        for name in REPORT_NAMES:
            analysis.report(name)
        every = time.perf_counter() - began
    return fold, {
        "one new event folded, case records synced": applied,
        "first 'groups' report after one new event": first,
        "every report after one new event": every,
    }


def child(db: str, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, db, mode], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the {mode} process failed: {done.stderr.strip().splitlines()[-1:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main(directory: Path, processes: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as scratch:
        db = str(Path(scratch) / "ledger.db")
        shutil.copyfile(directory / "ledger.db", db)
        # The new processes run first, while this one is still small: they share the machine.
        found = (
            [
                ("rebuild from zero, every report", child(db, "rebuild")),
                ("cold report", child(db, "cold")),
            ]
            if processes
            else []
        )
        began = time.perf_counter()
        statements = read_statements(db)
        read = time.perf_counter() - began
        print(f"{len(statements):,} statements; reading and parsing every leaf: {read:.2f} s")
        fold, figures = in_process(statements)
        print(f"reference: raw fold of {len(statements) - 2:,} statements into facts: {fold:.2f} s")
        for what, seconds in figures.items():
            print(f"{what}: {seconds * 1000:.1f} ms  ({seconds / fold:.4f}x the raw fold)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  (this process's peak RSS: {rss:.0f} MB)")
        for what, result in found:
            print(
                f"{what} in a new process: {result['seconds']:.2f} s"
                f" ({result['seconds'] / fold:.2f}x the raw fold), peak RSS"
                f" {result['peak_rss'] / 1e6:.0f} MB"
            )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m bench.bench_reports LEDGER_DIR [--skip-processes]")
    main(Path(sys.argv[1]), "--skip-processes" not in sys.argv[2:])
