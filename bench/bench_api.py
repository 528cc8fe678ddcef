"""HTTP API: the append rate against the in-process one, and read latency under ``wrk``.

Starts ``ledger serve`` (uvicorn) on 127.0.0.1, then

* appends pre-signed ``group.registered`` statements from concurrent clients
  (one statement per request) and compares the rate with ``Ledger.append`` of
  the same kind of statements in this process, one at a time (goal: >= 0.3x);
* loads each read endpoint with ``wrk`` (Debian's ``wrk``; a compiled load
  generator, so Python's own client does not eat the cores the server needs):
  the latest checkpoint, events by id, inclusion proofs, full tiles and entry
  bundles, whole reports and pages of the reports' tables (``page``: up to
  20 pages of every table of every report, first pages included, as their
  ``next`` links name them); each spread over many addresses by a Lua script, each
  request saying ``Accept-Encoding: gzip`` as browsers and HTTP libraries do. Before
  the measured run every address is read four times per worker (16 connections,
  landing on any worker: with two, an address stays new to one of them with a
  chance of 1 in 128) and every endpoint is loaded
  for ``--warmup`` seconds, so the figures are the steady state of a server
  that has answered these addresses.
  The reference, measured in the same run with the same ``wrk`` settings, is a
  bare Starlette app under the same uvicorn (same loop, parser, workers) that
  answers one fixed 250-byte text: what this machine can serve at all right now.
  Goal: p99 < 50 ms at 200 concurrent connections for every endpoint.

``--ledger DIR`` reads a copy of an existing ledger (``DIR/ledger.db`` and
``DIR/keys``, e.g. /tmp/ledgers/t100k; the original is never written) instead of
the small one the append run builds.

    .venv/bin/python bench/bench_api.py [--appends 600] [--workers 1]
        [--ledger DIR] [--skip-appends] [--connections 200] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.statements import Draft, Statement, format_time


def signed_groups(keyring: Keyring, count: int, prefix: str, now: datetime) -> list[Statement]:
    stamp = format_time(now)
    return [
        keyring.sign(
            Draft(
                type="group.registered",
                recorder="police",
                occurred_at=stamp,
                data={
                    "group": f"{prefix}-{i}",
                    "name": f"Group {i}",
                    "kind": "criminal_gang",
                    "area": "Lyari",
                    "affiliation": None,
                },
            ),
            now=now,
        )
        for i in range(count)
    ]


def chartered(db: Path, keyring: Keyring, now: datetime) -> Ledger:
    ledger = Ledger.open(str(db), log_key=keyring.log_key())
    ledger.append([keyring.sign(keyring.charter_draft(format_time(now)), now=now)])
    ledger.sign_checkpoint()
    return ledger


def in_process_rate(
    directory: Path, keyring: Keyring, statements: list[Statement], now: datetime
) -> float:
    with chartered(directory / "reference.db", keyring, now) as ledger:
        start = time.perf_counter()
        for statement in statements:
            ledger.append([statement])
        return len(statements) / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db: Path | str, keys: Path, port: int, workers: int, wait: float = 600
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "ledger"),
        "serve",
        "--db",
        str(db),
        "--keys",
        str(keys),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--checkpoint-interval",
        "1",
    ]
    server = subprocess.Popen(command)
    wait_for(f"http://127.0.0.1:{port}/v1/checkpoint", server, wait)  # verifies the ledger first
    return server


Job = tuple[str, str, Any, str]  # method, path, JSON body, kind of request


async def run_clients(
    jobs: list[Job], base: str, concurrency: int, time_limit: float, connections: int | None = None
) -> tuple[dict[str, list[float]], int, float]:
    """Run jobs with ``concurrency`` in flight; return latencies by kind, failures, elapsed."""
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: dict[str, list[float]] = {}
    failures = 0
    pool = min(concurrency, connections or concurrency)
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    deadline = time.perf_counter() + time_limit

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty() and time.perf_counter() < deadline:
                method, path, body, kind = queue.get_nowait()
                start = time.perf_counter()
                answer = await client.request(method, path, json=body)
                latencies.setdefault(kind, []).append(time.perf_counter() - start)
                if answer.status_code >= 300:
                    failures += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, failures, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


WRK_SCRIPT = """
-- each request GETs an address from the file named after --, chosen at random
local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept-Encoding"] = "gzip"})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def tile_index(n: int) -> str:
    """A tile index as tlog-tiles path elements (1234067 -> x001/x234/067)."""
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.insert(0, f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(parts)


def read_paths(db: Path | str, sample: int = 2000) -> dict[str, list[str]]:
    """The addresses each endpoint is loaded with: what mirrors, witnesses, the site and the court read."""
    from ledger.projections.report_names import REPORT_NAMES

    with Ledger.open(str(db)) as ledger:
        checkpoint = ledger.latest_checkpoint()
        if checkpoint is None:
            raise SystemExit(f"{db} has no signed checkpoint to read against")
        size = checkpoint.size
        rng = random.Random(7)
        positions = sorted(rng.sample(range(size), min(size, sample)))
        ids = [stored.event_id or "" for p in positions for stored in ledger.read_leaves(p, 1)]
    full = size // 256
    tiles = [f"/tile/0/{tile_index(n)}" for n in range(full)]
    tiles += [f"/tile/1/{tile_index(n)}" for n in range(size // 256**2)]
    tiles += [f"/tile/entries/{tile_index(n)}" for n in range(full)]
    return {
        "checkpoint": ["/v1/checkpoint", "/checkpoint"],
        "event": [f"/v1/events/{i}" for i in ids],
        "proof": [f"/v1/proofs/inclusion/{i}" for i in ids],
        "tile": tiles,
        "report": [f"/v1/reports/{name}" for name in REPORT_NAMES],
    }


WARM_READS = 4
"""Reads of every address per worker before the runs (see ``report_reads``)."""


def table_pages(base: str, per_table: int = 20) -> list[str]:
    """Pages of every report's tables, as a reader following ``next`` links asks for them.

    Each table's first page and up to ``per_table - 1`` others (by a seeded
    draw), each naming the tree size as the links do. The server computes the
    tables here, once for this process: the read run then finds them computed.
    """
    from ledger.projections.report_names import REPORT_NAMES

    rng = random.Random(11)
    pages: list[str] = []
    with httpx.Client(base_url=base, timeout=3600) as client:
        for name in REPORT_NAMES:
            index = client.get(f"/v1/reports/{name}/tables")
            index.raise_for_status()
            for table in index.json()["tables"]:
                offsets = range(100, table["total"], 100)
                chosen = sorted(rng.sample(offsets, min(len(offsets), per_table - 1)))
                pages.append(table["href"])
                pages += [f"{table['href']}&offset={o}&limit=100" for o in chosen]
    return pages


def reference_app() -> Any:
    """A bare Starlette app answering one fixed text of a checkpoint's size: the reference."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    text = "x" * 249

    async def fixed(request: Any) -> PlainTextResponse:
        return PlainTextResponse(text)

    return Starlette(routes=[Route("/", fixed)])


def start_reference(port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.bench_api:reference_app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    server = subprocess.Popen(command, cwd=root, env=env)
    wait_for(f"http://127.0.0.1:{port}/", server)
    return server


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not answer {url}")


class WrkRun:
    """One ``wrk`` run's figures."""

    def __init__(self, line: str) -> None:
        fields = [int(x) for x in line.split()[1:]]
        requests, micros, p50, p99, self.bad_status, self.socket_errors = fields
        self.rate = requests / (micros / 1e6)
        self.p50_ms, self.p99_ms = p50 / 1000, p99 / 1000

    @property
    def failed(self) -> int:
        return self.bad_status + self.socket_errors


def wrk(
    base: str, paths_file: Path, script: Path, args: argparse.Namespace, seconds: float
) -> WrkRun:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
        "--",
        str(paths_file),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return WrkRun(line)
    raise SystemExit(f"wrk printed no result:\n{out}")


def warm_reports(base: str, paths: list[str], workers: int) -> None:
    """Each report once per worker (new connections land on any worker): the first is computed."""
    for path in paths:
        for _ in range(3 * workers):
            with httpx.Client(timeout=3600) as client:
                client.get(base + path)


async def warm(jobs: list[Job], base: str, connections: int = 16) -> None:
    """Read every address once (answers and failures are not counted: wrk counts them later)."""
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while not queue.empty():
                _, path, _, _ = queue.get_nowait()
                try:
                    await client.get(path)
                except httpx.HTTPError:  # a closed keep-alive connection: the next one is new
                    continue

        await asyncio.gather(*(worker() for _ in range(connections)))


def report_reads(
    base: str,
    reference: str,
    paths: dict[str, list[str]],
    args: argparse.Namespace,
    directory: Path,
) -> None:
    """Warm up, then run ``wrk`` on the reference and on each endpoint; print a table."""
    script = directory / "paths.lua"
    script.write_text(WRK_SCRIPT)
    files = {}
    for kind, addresses in paths.items():
        files[kind] = directory / f"{kind}.txt"
        files[kind].write_text("\n".join(addresses) + "\n")
    (directory / "reference.txt").write_text("/\n")
    warm_reports(base, paths.get("report", []), args.workers)
    every: list[Job] = [
        ("GET", address, None, kind)
        for kind, addresses in paths.items()
        if kind != "report"
        for address in addresses
        # connections land on any worker: with two workers, eight reads leave an address
        # new to one of them with a chance of 1 in 128 (twice 0.5 ** 8)
        for _ in range(WARM_READS * args.workers)
    ]
    asyncio.run(warm(every, base))
    for kind in paths:
        wrk(base, files[kind], script, args, args.warmup)
    print(
        f"\nreads: wrk {args.threads} threads, {args.connections} connections, {args.duration:g} s each;"
        f" {args.workers} worker(s), {'PostgreSQL' if args.db else 'SQLite'};"
        f" load average before: {os.getloadavg()[0]:.2f}"
    )
    ref = wrk(reference, directory / "reference.txt", script, args, args.duration)
    print(
        f"{'endpoint':>10} {'addresses':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'failed':>6}  vs reference"
    )
    print(
        f"{'reference':>10} {1:9d} {ref.rate:8.0f} {ref.p50_ms:7.1f} {ref.p99_ms:7.1f} {ref.failed:6d}"
    )
    holds = []
    for kind, addresses in paths.items():
        run = wrk(base, files[kind], script, args, args.duration)
        print(
            f"{kind:>10} {len(addresses):9d} {run.rate:8.0f} {run.p50_ms:7.1f} {run.p99_ms:7.1f} {run.failed:6d}"
            f"  {run.rate / ref.rate:.2f}x its rate, {run.p99_ms / max(ref.p99_ms, 0.001):.2f}x its p99"
        )
        if run.rate > 0 and run.p99_ms < 50 and run.failed == 0:  # no answer: nothing held
            holds.append(kind)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"p99 < 50 ms with no failure at {args.connections} connections: {', '.join(holds) or 'none'}"
    )


def copy_ledger(source: Path, directory: Path) -> tuple[Path, Path]:
    """A consistent copy of ``source/ledger.db`` (read-only on the original) and its keys."""
    import shutil
    import sqlite3

    db = directory / "served.db"
    original = sqlite3.connect(f"file:{source / 'ledger.db'}?mode=ro", uri=True)
    copy = sqlite3.connect(db)
    with original, copy:
        original.backup(copy)
    original.close()
    copy.close()
    shutil.copytree(source / "keys", directory / "keys")
    return db, directory / "keys"


def measure_appends(args: argparse.Namespace, directory: Path) -> None:
    """Concurrent HTTP appends against ``Ledger.append`` in this process, on a fresh ledger."""
    keyring = Keyring.create(directory / "keys")
    now = datetime.now(UTC).replace(microsecond=0)
    statements = signed_groups(keyring, args.appends, "http", now)
    reference = in_process_rate(
        directory, keyring, signed_groups(keyring, args.appends, "ref", now), now
    )
    chartered(directory / "appended.db", keyring, now).close()
    port = free_port()
    server = start_server(directory / "appended.db", directory / "keys", port, args.workers)
    try:
        jobs: list[Job] = [("POST", "/v1/events", st.to_dict(), "append") for st in statements]
        latencies, failures, elapsed = asyncio.run(
            run_clients(jobs, f"http://127.0.0.1:{port}", args.append_clients, args.time_limit)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    appended = latencies.get("append", [])
    http_rate = len(appended) / elapsed
    print(f"in-process Ledger.append: {reference:8.0f} events/s (one statement per append)")
    print(
        f"HTTP POST /v1/events:     {http_rate:8.0f} events/s with {args.append_clients} clients,"
        f" {args.workers} worker(s); p50 {percentile(appended, 0.5) * 1000:.1f} ms,"
        f" p99 {percentile(appended, 0.99) * 1000:.1f} ms; {failures} failed"
    )
    print(f"ratio HTTP / in-process append rate: {http_rate / reference:.2f} (goal >= 0.30)")


def small_ledger(directory: Path, count: int) -> tuple[Path, Path]:
    """A fresh chartered ledger of ``count`` statements and a checkpoint, to read from."""
    keyring = Keyring.create(directory / "read-keys")
    now = datetime.now(UTC).replace(microsecond=0)
    with chartered(directory / "served.db", keyring, now) as ledger:
        ledger.append(signed_groups(keyring, count, "read", now))
        ledger.sign_checkpoint()
    return directory / "served.db", directory / "read-keys"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=600)
    parser.add_argument("--append-clients", type=int, default=16)
    parser.add_argument("--skip-appends", action="store_true", help="measure reads only")
    parser.add_argument("--ledger", type=Path, help="read a copy of DIR/ledger.db with DIR/keys")
    parser.add_argument(
        "--db",
        help="serve this PostgreSQL URL as it is (with --keys; the server writes projections)",
    )
    parser.add_argument("--keys", type=Path, help="the keys of --db")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=200, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds per endpoint")
    parser.add_argument(
        "--endpoints",
        type=lambda v: v.split(","),
        default=["checkpoint", "event", "proof", "tile", "report", "page"],
        help="which read endpoints to load (comma-separated)",
    )
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=600.0,
        help="seconds to wait for the server (it verifies the whole ledger before serving)",
    )
    parser.add_argument("--time-limit", type=float, default=120.0, help="for the append run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        directory = Path(tmp)
        if not args.skip_appends:
            measure_appends(args, directory)
        db: Path | str
        if args.db is not None:
            if args.keys is None:
                raise SystemExit("--db needs --keys")
            db, keys = args.db, args.keys
        elif args.ledger is not None:
            db, keys = copy_ledger(args.ledger, directory)
        else:
            db, keys = small_ledger(directory, max(args.appends, 2000))
        paths = {kind: p for kind, p in read_paths(db).items() if kind in args.endpoints}
        port, reference_port = free_port(), free_port()
        server = start_server(db, keys, port, args.workers, args.start_timeout)
        reference = start_reference(reference_port, args.workers)
        try:
            if "page" in args.endpoints:
                paths["page"] = table_pages(f"http://127.0.0.1:{port}")
            report_reads(
                f"http://127.0.0.1:{port}",
                f"http://127.0.0.1:{reference_port}",
                paths,
                args,
                directory,
            )
        finally:
            for process in (server, reference):
                process.terminate()
                try:
                    process.wait(timeout=120)  # a server of a million events takes a while
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
