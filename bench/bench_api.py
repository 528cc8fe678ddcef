"""HTTP API throughput and latency, against the in-process append rate of the same run.

Starts ``ledger serve`` (uvicorn) on 127.0.0.1 over a fresh SQLite ledger, then

* appends pre-signed ``group.registered`` statements from concurrent clients
  (one statement per request) and compares the rate with ``Ledger.append`` of
  the same kind of statements in this process, one at a time;
* reads (events, the checkpoint, inclusion proofs) with 200 requests in flight,
  reporting throughput and p50/p99 latency.

Goals: HTTP append rate >= 0.3 x in-process; read p99 < 50 ms at 200 concurrent.

    .venv/bin/python bench/bench_api.py [--appends 600] [--reads 3000] [--workers 1]
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
                data={"group": f"{prefix}-{i}", "name": f"Group {i}", "kind": "criminal_gang",
                      "area": "Lyari", "affiliation": None},
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


def in_process_rate(directory: Path, keyring: Keyring, statements: list[Statement], now: datetime) -> float:
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
    command = [str(Path(sys.executable).parent / "ledger"), "serve", "--db", str(db), "--keys", str(keys),
               "--port", str(port), "--workers", str(workers), "--checkpoint-interval", "1"]
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


async def run_clients(jobs: list[tuple[str, str, Any]], base: str, concurrency: int, time_limit: float) -> tuple[list[float], int, float]:
    """Run (method, path, body) jobs with ``concurrency`` in flight; return latencies, failures, elapsed."""
    queue: asyncio.Queue[tuple[str, str, Any]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    deadline = time.perf_counter() + time_limit

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty() and time.perf_counter() < deadline:
                method, path, body = queue.get_nowait()
                start = time.perf_counter()
                answer = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - start)
                if answer.status_code >= 300:
                    failures += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, failures, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=600)
    parser.add_argument("--append-clients", type=int, default=16)
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--read-clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        directory = Path(tmp)
        keyring = Keyring.create(directory / "keys")
        now = datetime.now(UTC).replace(microsecond=0)
        reference = in_process_rate(directory, keyring, signed_groups(keyring, args.appends, "ref", now), now)
        chartered(directory / "served.db", keyring, now).close()
        port = free_port()
        server = start_server(directory / "served.db", directory / "keys", port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            statements = signed_groups(keyring, args.appends, "http", now)
            jobs = [("POST", "/v1/events", st.to_dict()) for st in statements]
            latencies, failures, elapsed = asyncio.run(run_clients(jobs, base, args.append_clients, args.time_limit))
            http_rate = len(latencies) / elapsed
            print(f"in-process Ledger.append: {reference:8.0f} events/s (one statement per append)")
            print(f"HTTP POST /v1/events:     {http_rate:8.0f} events/s with {args.append_clients} clients,"
                  f" {args.workers} worker(s); p50 {percentile(latencies, .5) * 1000:.1f} ms,"
                  f" p99 {percentile(latencies, .99) * 1000:.1f} ms; {failures} failed")
            print(f"ratio HTTP / in-process append rate: {http_rate / reference:.2f} (goal >= 0.30)")

            time.sleep(1.5)  # let the background signer cover the appended statements
            ids = [st.event_id for st in random.Random(7).sample(statements, min(len(statements), 200))]
            paths = ["/v1/checkpoint"] + [f"/v1/events/{i}" for i in ids] + [f"/v1/proofs/inclusion/{i}" for i in ids]
            reads = [("GET", random.Random(n).choice(paths), None) for n in range(args.reads)]
            latencies, failures, elapsed = asyncio.run(run_clients(reads, base, args.read_clients, args.time_limit))
            p50, p99 = percentile(latencies, .5) * 1000, percentile(latencies, .99) * 1000
            print(f"HTTP reads (events, checkpoint, proofs): {len(latencies) / elapsed:8.0f} requests/s at"
                  f" {args.read_clients} concurrent; p50 {p50:.1f} ms, p99 {p99:.1f} ms; {failures} failed")
            print(f"ratio read p99 / 50 ms goal: {p99 / 50:.2f} (goal <= 1.00)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
