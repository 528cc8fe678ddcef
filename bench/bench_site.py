"""Benchmark: building the public site, fully and again as the log grows.

Takes a ledger (``--ledger DIR`` holding ``ledger.db`` and ``keys/``, copied
first: the original is never written) or simulates one (``--months``,
``--scale``), then measures, each build in a child process of its own:

* a full build with 1 process and with 2 processes (each into an empty directory);
* a rebuild with nothing changed;
* ``--append`` new events (charges on the latest cases, so case pages change
  too) and a new checkpoint, then a rebuild;
* the size of the site on disk and its file count, and each build's maximum RSS.

Two references are measured in the same run, and every time is printed as a
ratio to them: the raw write of the site (as many files of the same sizes,
written with nothing rendered), and the figures' own rebuild (reading the
reports, which every build does before it renders; shown per build as
``figures``). "Beyond the figures" is what the site itself costs.
Run: ``.venv/bin/python -m bench.bench_site --ledger /tmp/ledgers/t100k``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner


def simulate(directory: Path, months: int, scale: float) -> Path:
    from cli.main import app

    runner = CliRunner()
    db, keys = directory / "ledger.db", directory / "keys"
    for args in (
        ["init", "--db", str(db), "--keys", str(keys)],
        ["simulate", "--db", str(db), "--keys", str(keys), "--months", str(months)]
        + ["--scale", str(scale), "--no-progress"],
    ):
        result = runner.invoke(app, args)
        if result.exit_code != 0:
            raise SystemExit(result.output)
    return directory


def child(db: str, out: str, processes: int) -> None:
    """One build, as ``ledger site build`` does it; prints its figures as JSON."""
    from ledger.service import Ledger
    from public_site.build import build_site
    from public_site.source import open_ledger_source

    started = time.perf_counter()
    with Ledger.open(db) as ledger:
        source = open_ledger_source(ledger)
        opened = time.perf_counter() - started
        try:
            result = build_site(source, Path(out), processes=processes)
        finally:
            source.close()
    total = time.perf_counter() - started
    figures = opened + result.phases.get("setup", 0.0) + result.phases.get("figures", 0.0)
    print(
        json.dumps(
            {
                "total": total,
                "figures": figures,
                "written": result.files_written,
                "unchanged": result.files_unchanged,
                "removed": result.files_removed,
                "pages": result.pages,
                "phases": result.phases,
            }
        )
    )


def measured_build(db: Path, out: Path, processes: int) -> dict[str, Any]:
    """Run ``child`` in its own process; add its maximum RSS (itself or any of its workers)."""
    command = [sys.executable, "-m", "bench.bench_site", "--child", str(db), str(out)]
    process = subprocess.Popen([*command, str(processes)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"the build failed (exit {process.returncode})")
    figures: dict[str, Any] = json.loads(output.decode("utf-8").strip().splitlines()[-1])
    figures["max_rss_mb"] = usage.ru_maxrss / 1024
    return figures


def grow(directory: Path, count: int) -> int:
    """Charge the persons of the latest ``count`` arrests again, and sign a checkpoint; returns the new size."""
    from ledger.keyring import Keyring
    from ledger.service import Ledger
    from ledger.statements import Draft

    keyring = Keyring(directory / "keys", None)
    now = datetime.now(UTC).replace(microsecond=0)
    with Ledger.open(str(directory / "ledger.db"), log_key=keyring.log_key()) as ledger:
        arrests: dict[str, dict[str, Any]] = {}
        decided: set[str] = set()
        for stored in ledger.events(max(0, ledger.size - 50 * count)):
            statement = json.loads(stored.leaf)
            if statement["type"] == "arrest.made":
                arrests[statement["data"]["case"]] = statement["data"]
            elif statement["type"] == "verdict.delivered":
                decided.add(statement["data"]["case"])
        undecided = [data for case, data in arrests.items() if case not in decided][-count:]
        drafts = [
            Draft(
                type="charge.filed",
                recorder="prosecution",
                occurred_at=(now - timedelta(seconds=count - i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                data={
                    "case": arrest["case"],
                    "person": arrest["person"],
                    "charges": ["PPC 324"],
                    "prosecutor": "PR-BENCH",
                },
            )
            for i, arrest in enumerate(undecided)
        ]
        ledger.append([keyring.sign(draft, now=now) for draft in drafts])
        return ledger.sign_checkpoint().size


def site_size(root: Path) -> tuple[int, int, list[int]]:
    """Bytes on disk (each inode once), file count, and each file's size."""
    seen: set[int] = set()
    on_disk, sizes = 0, []
    for folder, _, names in os.walk(root):
        for name in names:
            info = os.lstat(os.path.join(folder, name))
            sizes.append(info.st_size)
            if info.st_ino not in seen:
                seen.add(info.st_ino)
                on_disk += info.st_blocks * 512
    return on_disk, len(sizes), sizes


def raw_write(directory: Path, sizes: list[int]) -> float:
    """The reference: write files of these sizes, 1,000 to a folder, nothing rendered."""
    started = time.perf_counter()
    for i, size in enumerate(sizes):
        folder = directory / str(i // 1000)
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        with open(folder / f"{i}.html", "wb") as handle:
            handle.write(b"x" * size)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ledger", type=Path, help="A directory with ledger.db and keys/ (copied)")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--append", type=int, default=1000, help="Events to add before a rebuild")
    parser.add_argument(
        "--no-single",
        dest="single",
        action="store_false",
        help="Skip the full build on 1 process (the longest run on a big ledger)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return

    with tempfile.TemporaryDirectory(prefix="bench-site-", dir=args.ledger and "/tmp") as tmp:
        root = Path(tmp)
        if args.ledger is not None:
            shutil.copy2(args.ledger / "ledger.db", root / "ledger.db")
            shutil.copytree(args.ledger / "keys", root / "keys")
        else:
            simulate(root, args.months, args.scale)
        db = root / "ledger.db"
        runs: list[tuple[str, dict[str, Any]]] = []

        def run(name: str, out: Path, processes: int) -> None:
            runs.append((name, measured_build(db, out, processes)))
            print(f"{name}: {json.dumps(runs[-1][1])}", flush=True)  # as it comes: runs are long

        if args.single:
            run("full build, 1 process", root / "site-1", 1)
            shutil.rmtree(root / "site-1")
        run("full build, 2 processes", root / "site", 2)
        run("rebuild, nothing changed", root / "site", 2)
        size = grow(root, args.append)
        run(f"+{args.append:,} events, rebuild", root / "site", 2)
        on_disk, files, sizes = site_size(root / "site")
        reference = raw_write(root / "raw", sizes)

    print(
        f"tree size after growing: {size:,}; site: {on_disk / 1e9:.2f} GB on disk, {files:,} files"
    )
    print(
        f"reference: raw write of the same {files:,} files ({sum(sizes) / 1e9:.2f} GB):"
        f" {reference:.1f} s"
    )
    print(
        f"{'build':28} {'total s':>8} {'figures s':>9} {'beyond s':>8} {'x raw write':>11}"
        f" {'written':>8} {'unchanged':>9} {'max RSS MB':>10}"
    )
    for name, run in runs:
        beyond = run["total"] - run["figures"]
        print(
            f"{name:28} {run['total']:8.1f} {run['figures']:9.1f} {beyond:8.1f}"
            f" {beyond / reference:11.2f} {run['written']:8,} {run['unchanged']:9,}"
            f" {run['max_rss_mb']:10.0f}"
        )
    for name, run in runs:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in run["phases"].items())
        print(f"  {name}: {parts}")
    print("(the figures' rebuild is the projections' work; the site's own goals are beyond it:")
    print(
        " full build on 2 processes < 60 s and +1k events < 10 s at 1,000,000 events, site < 1 GB)"
    )


if __name__ == "__main__":
    main()
