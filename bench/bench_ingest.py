"""Import and verify of a simulated city's log, as ratios to the raw Ed25519 verify rate.

    .venv/bin/python bench/bench_ingest.py [--scale 1.5] [--months 12] [--log LOG --keys KEYS]
                                           [--rounds 3] [--no-postgres]

A city is simulated through the signed path (every event type, sealed parts,
whole lifecycles), or ``--log`` names the ``log.jsonl`` of a ``ledger export``
with ``--keys`` the keys it was made with. Each round then measures, one
after the other on this machine:

  * the reference: raw Ed25519 verifications per second on one core, of
    messages the size of the city's statements, just before and just after
    each figure below (each figure is divided by the mean of its two, so a
    machine that others load unevenly skews the ratio less);
  * ``ledger import`` of the whole log into a fresh SQLite file and into a
    fresh PostgreSQL schema (every check: parse, content id, signature, key,
    role, rules, ids; the event store, leaf index and Merkle tree written);
  * ``ledger verify`` of the SQLite ledger in one process, and in two (the
    rules replayed in this one while a worker checks signatures).

Each figure is printed as a ratio to that round's reference, then the best and
median of the rounds. Goals: import >= 1.0 x on SQLite and >= 0.6 x on
PostgreSQL; verify >= 0.8 x in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_core import drop_pg, fresh_pg_url  # noqa: E402
from ledger.importing import import_lines  # noqa: E402
from ledger.keyring import Keyring  # noqa: E402
from ledger.service import Ledger  # noqa: E402
from ledger.signature_pool import Checker  # noqa: E402
from ledger.simulation import CityConfig, default_start, simulate  # noqa: E402
from ledger.storage import open_store  # noqa: E402
from ledger.verification.replay import verify_store  # noqa: E402


@dataclass(frozen=True)
class Measured:
    """A rate, and the CPU seconds per item spent by this process and by its workers."""

    rate: float
    reader_cpu: float
    workers_cpu: float = 0.0

    def on_free_cores(self, reference: Measured, cores: int) -> float:
        """The ratio this would reach with ``cores`` cores to itself, from CPU time alone:
        the reader cannot go faster than its own CPU time, nor the whole than all CPU
        time spread over the cores (PostgreSQL's own processes are not counted)."""
        per_item = max(self.reader_cpu, (self.reader_cpu + self.workers_cpu) / cores)
        return reference.reader_cpu / per_item


@contextmanager
def measuring(items: Callable[[], int]) -> Iterator[list[Measured]]:
    """Measure the block: wall time, this process's CPU, and its reaped workers' CPU."""
    out: list[Measured] = []
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    began, cpu = time.perf_counter(), time.process_time()
    yield out
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    n = items()
    out.append(Measured(n / wall, cpu / n, workers / n))


def raw_verify_rate(lines: list[str], n: int = 5_000) -> Measured:
    """Single-core Ed25519 verifications per second of messages as long as the log's lines."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    size = sum(len(line) for line in lines[:1000]) // max(1, min(len(lines), 1000))
    messages = [(b"%d " % i) + b"s" * size for i in range(n)]
    signatures = [key.sign(m) for m in messages]
    with measuring(lambda: n) as measured:
        for m, s in zip(messages, signatures, strict=True):
            public.verify(s, m)
    return measured[0]


def simulated_city(folder: Path, scale: float, months: int) -> tuple[list[str], Keyring]:
    """The log of a city simulated through the signed path into a scratch ledger."""
    keyring = Keyring.create(folder / "keys")
    start = default_start(months)
    chartered = (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with Ledger.open(str(folder / "city.db"), log_key=keyring.log_key()) as ledger:
        ledger.append([keyring.sign(keyring.charter_draft(chartered), now=datetime.now(UTC))])
        simulate(ledger, keyring.directory, CityConfig(start=start, months=months, scale=scale))
        lines = [stored.leaf for stored in ledger.events()]
    return lines, keyring


def import_rate(db: str, keyring: Keyring, lines: list[str]) -> Measured:
    """``ledger import`` of the whole log into a fresh database (its first append
    verifies the empty ledger, as every process's first append does)."""
    with measuring(lambda: len(lines)) as measured:
        with Ledger.open(db, log_key=keyring.log_key()) as ledger:
            import_lines(ledger, enumerate(lines, start=1), batch_size=1000)
            if ledger.size != len(lines):
                raise SystemExit(f"imported {ledger.size} of {len(lines)} statements")
    return measured[0]


def verify_rate(db: str, processes: int) -> Measured:
    store = open_store(db)
    checker = Checker(processes)
    events: list[int] = []
    try:
        with measuring(lambda: events[0]) as measured:
            try:
                report = verify_store(store, checker=checker)
            finally:
                checker.close()
            events.append(report.events)
    finally:
        store.close()
    if not report.ok:
        raise SystemExit(f"verify failed: {report.summary()}")
    return measured[0]


def one_round(
    folder: Path, keyring: Keyring, lines: list[str], postgres: bool, n: int
) -> dict[str, tuple[float, float]]:
    """Each figure over the mean of the raw verify rates measured just before and after it,
    and the ratio its CPU time gives for a machine whose cores were all free."""
    db = str(folder / f"import-{n}.db")
    runs: dict[str, Callable[[], Measured]] = {
        "import, SQLite": lambda: import_rate(db, keyring, lines)
    }
    if postgres:
        runs["import, PostgreSQL"] = lambda: import_pg_rate(keyring, lines)
    runs["verify, 1 process"] = lambda: verify_rate(db, 1)
    runs["verify, 2 processes"] = lambda: verify_rate(db, 2)
    references = [raw_verify_rate(lines)]
    measured: dict[str, Measured] = {}
    for name, run in runs.items():
        measured[name] = run()
        references.append(raw_verify_rate(lines))
    rates = [r.rate for r in references]
    cpu = [r.reader_cpu * 1e6 for r in references]
    print(
        f"round {n}: raw Ed25519 verify, one core: {min(rates):,.0f} to {max(rates):,.0f}/s"
        f" ({min(cpu):.0f} to {max(cpu):.0f} us of CPU each)"
    )
    cores = os.cpu_count() or 1
    ratios = {}
    for (name, m), before, after in zip(
        measured.items(), references[:-1], references[1:], strict=True
    ):
        wall = m.rate / ((before.rate + after.rate) / 2)
        reference = before if before.reader_cpu < after.reader_cpu else after
        free = m.on_free_cores(reference, cores)
        ratios[name] = (wall, free)
        print(
            f"  {name:22s} {m.rate:8,.0f} statements/s = {wall:.2f} x raw verify;"
            f" CPU {m.reader_cpu * 1e6:.0f} us + workers {m.workers_cpu * 1e6:.0f} us"
            f" a statement: {free:.2f} x on {cores} free cores"
        )
    return ratios


def import_pg_rate(keyring: Keyring, lines: list[str]) -> Measured:
    url, schema = fresh_pg_url()
    try:
        return import_rate(url, keyring, lines)
    finally:
        drop_pg(schema)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.5)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--log", type=Path, help="log.jsonl of a ledger export, instead")
    parser.add_argument("--keys", type=Path, help="with --log: the keys it was made with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        if args.log is not None:
            if args.keys is None:
                parser.error("--log needs --keys")
            lines = args.log.read_text("utf-8").splitlines()
            keyring = Keyring(args.keys)
        else:
            lines, keyring = simulated_city(folder, args.scale, args.months)
        types = len({json.loads(line)["type"] for line in lines})
        sealed = sum('"sealed":' in line for line in lines)
        print(f"city: {len(lines):,} statements of {types} types, {sealed:,} with a sealed part")
        ratios: list[dict[str, tuple[float, float]]] = [
            one_round(folder, keyring, lines, not args.no_postgres, n)
            for n in range(1, args.rounds + 1)
        ]
        print(f"over {len(ratios)} rounds (ratio to the same round's raw verify rate):")
        for name in ratios[0]:
            wall = [r[name][0] for r in ratios]
            free = [r[name][1] for r in ratios]
            print(
                f"  {name:22s} best {max(wall):.2f} x, median {statistics.median(wall):.2f} x;"
                f" from CPU time on free cores: best {max(free):.2f} x,"
                f" median {statistics.median(free):.2f} x"
            )


if __name__ == "__main__":
    main()
