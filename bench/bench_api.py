"""HTTP API throughput and latency, against the in-process append rate of the same run.

Starts ``ledger serve`` (uvicorn) on 127.0.0.1 over a fresh SQLite ledger, then

* appends pre-signed ``group.registered`` statements from concurrent clients
  (one statement per request) and compares the rate with ``Ledger.append`` of
  the same kind of statements in this process, one at a time;
* reads a mix of the checkpoint, full tiles, events by id, event pages and
  inclusion proofs at several concurrencies (default 20, 100, 200 requests in
  flight), reporting throughput and p50/p99 latency per kind of read, beside
  the cost of the same read answered by the core in this process.

The load generator is this process (the server is another), with keep-alive
and at most ``--connections`` connections (default: one per request in flight).
Reads use a minimal HTTP/1.1 client by default: ``httpx`` costs several times
the server's own CPU per request, so on a small machine it would measure
itself (``--client httpx`` to compare). In a closed loop, throughput x mean latency =
requests in flight, so a p99 under 50 ms at 200 in flight needs well over
4000 requests/s; the report prints that floor for each concurrency.

Goals: HTTP append rate >= 0.3 x in-process; read p99 < 50 ms at 200 concurrent.

    .venv/bin/python bench/bench_api.py [--appends 600] [--reads 3000] [--workers 1]
        [--concurrency 20,100,200] [--connections N]
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


def start_server(db: Path, keys: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/checkpoint", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("ledger serve did not start")


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


class RawConnection:
    """A minimal HTTP/1.1 keep-alive GET client: a load generator far cheaper than httpx.

    It sends ``GET path`` and reads the status line, headers and a
    ``Content-Length`` body; enough for this server's answers.
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str
    ) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, host)

    async def get(self, path: str) -> int:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def run_raw_clients(
    jobs: list[Job], base: str, concurrency: int, time_limit: float, connections: int | None = None
) -> tuple[dict[str, list[float]], int, float]:
    """``run_clients`` for GETs over at most ``connections`` raw keep-alive connections."""
    host, port = base.removeprefix("http://").split(":")
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    pool: asyncio.Queue[RawConnection] = asyncio.Queue()
    for _ in range(min(concurrency, connections or concurrency)):
        pool.put_nowait(await RawConnection.open(host, int(port)))
    latencies: dict[str, list[float]] = {}
    failures = 0
    deadline = time.perf_counter() + time_limit

    async def worker() -> None:
        nonlocal failures
        while not queue.empty() and time.perf_counter() < deadline:
            _, path, _, kind = queue.get_nowait()
            start = time.perf_counter()
            connection = await pool.get()
            try:
                status = await connection.get(path)
            finally:
                pool.put_nowait(connection)
            latencies.setdefault(kind, []).append(time.perf_counter() - start)
            if status >= 300:
                failures += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return latencies, failures, elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def read_paths(ids: list[str], size: int) -> dict[str, list[str]]:
    """The reads a mirror, a witness, the site and the court make, by kind."""
    full_tiles = size // 256
    tiles = [f"/tile/0/{n:03d}" for n in range(full_tiles)] + [
        f"/tile/entries/{n:03d}" for n in range(full_tiles)
    ]
    return {
        "checkpoint": ["/v1/checkpoint", "/checkpoint"],
        "tile": tiles,
        "event": [f"/v1/events/{i}" for i in ids],
        "page": [f"/v1/events?after={a}&limit=20" for a in range(0, max(1, size - 20), 37)],
        "proof": [f"/v1/proofs/inclusion/{i}" for i in ids],
    }


def in_process_reads(db: Path, ids: list[str], size: int, rounds: int = 200) -> dict[str, float]:
    """Seconds per read of each kind, answered by the core in this process (no HTTP, no cache)."""
    from api import reading

    rng = random.Random(3)
    with Ledger.open(str(db)) as ledger:
        reads: dict[str, Any] = {
            "checkpoint": lambda: ledger.latest_checkpoint(),
            "tile": lambda: ledger.tree.tile_hashes(0, rng.randrange(size // 256), 256),
            "event": lambda: reading.leaf_at(ledger, ledger.locate(rng.choice(ids)).leaf_index),
            "page": lambda: reading.leaves(ledger, rng.randrange(max(1, size - 20)), 20),
            "proof": lambda: ledger.inclusion_proof(rng.choice(ids)),
        }
        costs = {}
        for kind, read in reads.items():
            read()
            start = time.perf_counter()
            for _ in range(rounds):
                read()
            costs[kind] = (time.perf_counter() - start) / rounds
        return costs


def report_reads(
    base: str, paths: dict[str, list[str]], reference: dict[str, float], args: argparse.Namespace
) -> None:
    """Warm up (every path once), then run the mix at each concurrency and print a table."""
    client = run_raw_clients if args.client == "raw" else run_clients
    every = [("GET", p, None, kind) for kind, ps in paths.items() for p in ps]
    asyncio.run(client(every, base, 10, args.time_limit))
    by_kind: dict[str, list[str]] = {kind: ps[:200] for kind, ps in paths.items() if ps}
    kinds = list(by_kind)
    rng = random.Random(7)
    reads: list[Job] = []
    for _ in range(args.reads):
        kind = rng.choice(kinds)
        reads.append(("GET", rng.choice(by_kind[kind]), None, kind))
    print(
        f"\nreads, {args.workers} worker(s), {args.client} client, load average before: {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'in flight':>9} {'kind':>10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'in-process ms':>14}"
    )
    holds = []
    for concurrency in args.concurrency:
        latencies, failures, elapsed = asyncio.run(
            client(reads, base, concurrency, args.time_limit, args.connections)
        )
        total = sum(len(v) for v in latencies.values())
        everything = [x for v in latencies.values() for x in v]
        rate = total / elapsed
        for kind in kinds:
            values = latencies.get(kind, [])
            if not values:
                continue
            print(
                f"{concurrency:>9} {kind:>10} {len(values) / elapsed:8.0f} {percentile(values, 0.5) * 1000:8.1f}"
                f" {percentile(values, 0.99) * 1000:8.1f} {reference[kind] * 1000:14.2f}"
            )
        p99 = percentile(everything, 0.99) * 1000
        print(
            f"{concurrency:>9} {'all':>10} {rate:8.0f} {percentile(everything, 0.5) * 1000:8.1f} {p99:8.1f}"
            f"   floor of mean latency = in flight / throughput = {concurrency / rate * 1000:.1f} ms;"
            f" {failures} failed"
        )
        if p99 < 50:
            holds.append(concurrency)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"p99 < 50 ms held at: {', '.join(map(str, holds)) or 'none'} in flight;"
        f" at 200 in flight it needs > {200 / 0.05:.0f} requests/s (mean latency 50 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=600)
    parser.add_argument("--append-clients", type=int, default=16)
    parser.add_argument("--reads", type=int, default=3000, help="requests per concurrency level")
    parser.add_argument(
        "--concurrency", type=lambda v: [int(x) for x in v.split(",")], default=[20, 100, 200]
    )
    parser.add_argument("--connections", type=int, default=None, help="cap on client connections")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="read load generator: raw keep-alive HTTP/1.1 (cheap) or httpx",
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument(
        "--skip-appends", action="store_true", help="record the statements in-process instead"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        directory = Path(tmp)
        keyring = Keyring.create(directory / "keys")
        now = datetime.now(UTC).replace(microsecond=0)
        statements = signed_groups(keyring, args.appends, "http", now)
        if not args.skip_appends:
            reference = in_process_rate(
                directory, keyring, signed_groups(keyring, args.appends, "ref", now), now
            )
            chartered(directory / "served.db", keyring, now).close()
        else:
            with chartered(directory / "served.db", keyring, now) as ledger:
                ledger.append(statements)
        port = free_port()
        server = start_server(directory / "served.db", directory / "keys", port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            if not args.skip_appends:
                jobs: list[Job] = [
                    ("POST", "/v1/events", st.to_dict(), "append") for st in statements
                ]
                latencies, failures, elapsed = asyncio.run(
                    run_clients(jobs, base, args.append_clients, args.time_limit)
                )
                appended = latencies.get("append", [])
                http_rate = len(appended) / elapsed
                print(
                    f"in-process Ledger.append: {reference:8.0f} events/s (one statement per append)"
                )
                print(
                    f"HTTP POST /v1/events:     {http_rate:8.0f} events/s with {args.append_clients} clients,"
                    f" {args.workers} worker(s); p50 {percentile(appended, 0.5) * 1000:.1f} ms,"
                    f" p99 {percentile(appended, 0.99) * 1000:.1f} ms; {failures} failed"
                )
                print(
                    f"ratio HTTP / in-process append rate: {http_rate / reference:.2f} (goal >= 0.30)"
                )
                time.sleep(1.5)  # let the background signer cover the appended statements
            else:
                with Ledger.open(str(directory / "served.db"), log_key=keyring.log_key()) as ledger:
                    ledger.sign_checkpoint()
            size = len(statements) + 1
            ids = [
                st.event_id for st in random.Random(7).sample(statements, min(len(statements), 200))
            ]
            reference_reads = in_process_reads(directory / "served.db", ids, size)
            report_reads(base, read_paths(ids, size), reference_reads, args)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
