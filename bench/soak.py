"""Soak: hundreds of faults for a bounded time, each followed by every check of the ledger.

Run as root (it mounts small tmpfs file systems to fill up, and runs its own
PostgreSQL as the ``postgres`` user on a loopback port; the shared server at
5432 is never touched)::

    .venv/bin/python -m bench.soak --minutes 40 --dir /tmp/soak

Rounds cycle until the time is up, alternating SQLite and PostgreSQL:
SIGKILL of ``ledger import``, of ``ledger serve`` under HTTP load (singles and
batches of 3, clients retrying until acknowledged), of ``ledger checkpoint``,
of ``ledger publish`` with a witness, of the witness and of a mirror;
PostgreSQL restarted and crashed (SIGKILL of the server and its backends)
under HTTP load; HTTP load with no fault, the reference for throughput. Once
per run each backend's disk fills up during an import and during HTTP
appends (SQLite on a tmpfs, PostgreSQL through a tablespace on one) and gets
room back. After every fault: ``verify_store`` passes, every acknowledged
statement is stored exactly once, every batch whole or absent, every stored
and every served checkpoint is a prefix of the log, the witness has no
evidence of a fork and the mirror follows without alarm.

Each fault is written to ``test-artifacts/reliability/results-soak.json`` in
the reliability suite's format; ``docs/generate_reliability_md.py`` renders it
with the latest suite run. The soak is not part of CI.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx

from ledger.keyring import Keyring
from ledger.log.merkle import root_of
from ledger.service import Ledger
from ledger.statements import Statement
from ledger.storage.sql_store import Store
from ledger.witnessing.witness import Witness
from tests.reliability.clusters import new_primary
from tests.reliability.conftest import ARTIFACTS, ROOT
from tests.reliability.support import (
    LEDGER_CMD,
    assert_log_intact,
    free_port,
    key_registration,
    kill_hard,
    present_ids,
    signed_batches,
    start_server,
    wait_until_serving,
)

WINDOW = 6.0  # seconds of HTTP load per round
CLIENTS = 3
BATCH = 8


@dataclass
class Tally:
    count: int = 0
    acknowledged: int = 0
    recover: list[float] = field(default_factory=list)
    notes: set[str] = field(default_factory=set)


@dataclass
class Backend:
    name: str
    db: str
    keys: Keyring
    witness_dir: Path
    mirror_db: Path
    witness: subprocess.Popen[bytes] | None = None
    witness_port: int = 0
    acknowledged: set[str] = field(default_factory=set)
    batches: list[list[str]] = field(default_factory=list)
    served: set[tuple[int, bytes]] = field(default_factory=set)


def utc_now() -> datetime:
    """Sign with the time of signing: the ledger refuses statements more than minutes old."""
    return datetime.now(UTC).replace(microsecond=0)


def run(*command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def ledger(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run(LEDGER_CMD, *args, timeout=timeout)


def spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [LEDGER_CMD, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_hard(process)


class Soak:
    def __init__(self, directory: Path, minutes: float, seed: int) -> None:
        self.dir = directory
        self.deadline = time.monotonic() + minutes * 60
        self.rng = random.Random(seed)
        self.tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
        self.fault_end: float | None = None
        self.throughput: dict[str, list[float]] = defaultdict(list)
        self.serial = 0
        self.pg = new_primary("soak-pg-", directory)
        self.backends = [self._backend("sqlite", str(directory / "sqlite" / "ledger.db"))]
        self.backends.append(self._backend("postgres", self.pg.url))

    # --- setting up -------------------------------------------------------------------
    def _backend(self, name: str, db: str) -> Backend:
        home = self.dir / name
        home.mkdir(parents=True, exist_ok=True)
        keys = Keyring.create(home / "keys", origin=f"soak.example/{name}")
        backend = Backend(name, db, keys, home / "witness", home / "mirror.db")
        self._charter(db, keys)
        ledger(
            "witness",
            "init",
            "--name",
            f"soak.example/{name}-witness",
            "--dir",
            str(home / "witness"),
        )
        vkey = Witness(backend.witness_dir).vkey
        ledger(
            "witness",
            "add-log",
            "--origin",
            keys.origin,
            "--vkey",
            keys.log_vkey(),
            "--dir",
            str(backend.witness_dir),
        )
        backend.witness_port = free_port()
        url = f"http://127.0.0.1:{backend.witness_port}"
        ledger("witnesses", "add", "w1", url, vkey, "--keys", str(keys.directory))
        self._start_witness(backend)
        return backend

    def _charter(self, db: str, keys: Keyring) -> None:
        now = utc_now()
        with Ledger.open(db, log_key=keys.log_key(), clock=lambda: now) as fresh:
            fresh.append(
                [keys.sign(keys.charter_draft(now.strftime("%Y-%m-%dT%H:%M:%SZ")), now=now)]
            )

    def _start_witness(self, backend: Backend) -> None:
        backend.witness = spawn(
            "witness",
            "serve",
            "--dir",
            str(backend.witness_dir),
            "--port",
            str(backend.witness_port),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{backend.witness_port}/", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the witness did not start")

    # --- checks after every fault ----------------------------------------------------------
    def check(self, backend: Backend, db: str | None = None) -> int:
        """Every promise; returns the log's size."""
        db = db or backend.db
        size, _ = assert_log_intact(
            db, acknowledged=sorted(backend.acknowledged), batches=backend.batches
        )
        store = Store(db)
        try:
            hashes = store.leaf_hashes()
            stored = {(cp[0], cp[1]) for cp in store.checkpoints()}
        finally:
            store.close()
        for cp_size, cp_root in sorted(stored | backend.served):
            assert root_of(hashes[:cp_size]) == cp_root, f"checkpoint {cp_size} is not a prefix"
        assert not Witness(backend.witness_dir).evidence(), "the witness raised an alarm"
        return size

    def record(
        self,
        fault: str,
        backend: Backend,
        acknowledged: int = 0,
        recover: float | None = None,
        note: str = "",
    ) -> None:
        tally = self.tallies[(fault, backend.name)]
        tally.count += 1
        tally.acknowledged += acknowledged
        if recover is not None:
            tally.recover.append(recover)
        if note:
            tally.notes.add(note)

    def sign(self, backend: Backend, size: int) -> list[Statement]:
        self.serial += 1
        return [
            key_registration(backend.keys, f"soak {self.serial} item {i}", utc_now())
            for i in range(size)
        ]

    # --- HTTP load with a fault somewhere inside ---------------------------------------------
    def http_window(
        self, backend: Backend, fault: Fault | None, seconds: float = WINDOW
    ) -> tuple[int, float | None, int]:
        """Clients post for ``seconds``; ``fault`` is injected at a random moment.

        Returns (statements acknowledged, seconds from the fault to the next
        acknowledgement, posts refused or unanswered and retried).
        """
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(backend.db, backend.keys.directory, port)
        wait_until_serving(base, server)
        lock = threading.Lock()
        acks: list[tuple[float, float]] = []  # (attempt sent, acknowledged), per statement
        refused = [0]
        errors: list[BaseException] = []
        stopping = threading.Event()
        started = time.monotonic()

        def post_one() -> None:
            size = self.rng.choice((1, 3))
            with lock:
                statements = self.sign(backend, size)
                backend.batches.append([s.event_id for s in statements])
            body = (
                statements[0].to_dict()
                if size == 1
                else {"statements": [s.to_dict() for s in statements]}
            )
            give_up = time.monotonic() + 120
            while time.monotonic() < give_up:
                sent = time.monotonic()
                try:
                    answer = httpx.post(base + "/v1/events", json=body, timeout=10)
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code in (200, 201):
                    with lock:
                        acks.extend((sent, time.monotonic()) for _ in statements)
                        backend.acknowledged.update(s.event_id for s in statements)
                    return
                if answer is not None and answer.status_code not in (503, 507):
                    raise AssertionError(f"answer {answer.status_code}: {answer.text[:300]}")
                with lock:
                    refused[0] += 1
                time.sleep(0.2)
            raise AssertionError("a post was never acknowledged")

        def client() -> None:
            try:
                while not stopping.is_set():
                    post_one()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        def reader() -> None:
            while not stopping.is_set():
                try:
                    got = httpx.get(base + "/v1/checkpoints/latest", timeout=5)
                    if got.status_code == 200:
                        cp = got.json()
                        backend.served.add((cp["size"], base64.b64decode(cp["root"])))
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        fault_at: float | None = None
        try:
            if fault is not None:
                time.sleep(self.rng.uniform(1.0, seconds - 2.0))
                self.fault_end = None
                fault_at = time.monotonic()
                server = fault(server, port)
                fault_at = self.fault_end or fault_at
            time.sleep(max(0.0, started + seconds - time.monotonic()))
        finally:
            stopping.set()
            for t in threads:
                t.join(timeout=180)
            stop(server)
        if errors:
            raise errors[0]
        recover = None
        if fault_at is not None:
            # Recovered: the first post sent after the fault is acknowledged.
            after = [done for sent, done in acks if sent >= fault_at]
            recover = (min(after) - fault_at) if after else None
        return len(acks), recover, refused[0]

    def relaunch(self, backend: Backend) -> Fault:
        """SIGKILL the server, start it again on the same port (clients keep posting)."""

        def fault(server: subprocess.Popen[bytes], port: int) -> subprocess.Popen[bytes]:
            kill_hard(server)
            fresh = start_server(backend.db, backend.keys.directory, port)
            wait_until_serving(f"http://127.0.0.1:{port}", fresh)
            return fresh

        return fault

    # --- the rounds ----------------------------------------------------------------------
    def no_fault(self, backend: Backend) -> None:
        acked, _, _ = self.http_window(backend, None)
        self.throughput[f"{backend.name} without faults"].append(acked / WINDOW)
        self.check(backend)

    def kill_serve(self, backend: Backend) -> None:
        acked, recover, refused = self.http_window(backend, self.relaunch(backend))
        self.throughput[f"{backend.name} with faults"].append(acked / WINDOW)
        self.check(backend)
        self.record(
            "SIGKILL of `ledger serve` under HTTP load (3 clients, singles and batches of 3),"
            " restarted on the same port",
            backend,
            acked,
            recover,
        )

    def pg_fault(self, backend: Backend, crash: bool) -> None:
        def fault(server: subprocess.Popen[bytes], port: int) -> subprocess.Popen[bytes]:
            if crash:
                self.pg.crash()
            else:
                self.pg.stop("fast")
            self.pg.start()
            return server

        acked, recover, _ = self.http_window(backend, fault)
        self.throughput[f"{backend.name} with faults"].append(acked / WINDOW)
        self.check(backend)
        name = (
            "PostgreSQL crashed (SIGKILL of the server and its backends) under HTTP load,"
            " then started (crash recovery)"
            if crash
            else "PostgreSQL restarted (pg_ctl stop -m fast, then start) under HTTP load"
        )
        self.record(name, backend, acked, recover)

    def kill_import(self, backend: Backend) -> None:
        tag = f"import {uuid.uuid4().hex}"
        batches = signed_batches(backend.keys, utc_now(), batches=30, size=BATCH, tag=tag)
        file = self.dir / f"{backend.name}-import.jsonl"
        file.write_bytes(b"".join(st.leaf_bytes() + b"\n" for batch in batches for st in batch))
        ids = [[st.event_id for st in batch] for batch in batches]
        backend.batches += ids
        driver = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.import_driver", backend.db, str(file), "8"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert driver.stdout is not None
        driver.stdout.readline()
        wanted = self.rng.randint(1, 6)
        acked = 0
        finished = False
        while acked < wanted:
            line = driver.stdout.readline().decode().strip()
            if not line.startswith("ACK"):
                finished = line == "DONE"
                break
            backend.acknowledged.update(ids[int(line.split()[1])])
            acked += 1
        time.sleep(self.rng.uniform(0, 0.05))
        kill_hard(driver)
        self.check(backend)
        if not finished:
            self.record(
                "SIGKILL of a bulk import (import_lines, batches of 8) at a random point",
                backend,
                acked * BATCH,
            )

    def kill_process(self, backend: Backend, fault: str, *args: str) -> None:
        process = spawn(*args)
        time.sleep(self.rng.uniform(0.8, 2.5))
        running = process.poll() is None
        kill_hard(process)
        self.check(backend)
        if running:
            self.record(fault, backend)

    def kill_checkpoint(self, backend: Backend) -> None:
        self.kill_process(
            backend,
            "SIGKILL of `ledger checkpoint` while it signs",
            *("checkpoint", "--db", backend.db, "--keys", str(backend.keys.directory)),
        )

    def publish(self, backend: Backend) -> None:
        done = ledger("publish", "--db", backend.db, "--keys", str(backend.keys.directory))
        assert done.returncode == 0, done.stdout + done.stderr

    def kill_publish(self, backend: Backend) -> None:
        self.kill_process(
            backend,
            "SIGKILL of `ledger publish` while the witness cosigns",
            *("publish", "--db", backend.db, "--keys", str(backend.keys.directory)),
        )
        self.publish(backend)
        self.check(backend)

    def kill_witness(self, backend: Backend) -> None:
        assert backend.witness is not None
        publishing = spawn("publish", "--db", backend.db, "--keys", str(backend.keys.directory))
        time.sleep(self.rng.uniform(0.5, 2.0))
        kill_hard(backend.witness)
        killed_at = time.monotonic()
        publishing.wait(timeout=120)
        self._start_witness(backend)
        self.publish(backend)
        recover = time.monotonic() - killed_at
        self.check(backend)
        self.record(
            "SIGKILL of the witness (`ledger witness serve`) during `ledger publish`, restarted",
            backend,
            recover=recover,
        )

    def kill_mirror(self, backend: Backend) -> None:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(backend.db, backend.keys.directory, port)
        log_key = ("--log-key", backend.keys.log_vkey())
        try:
            wait_until_serving(base, server)
            mirror = spawn(
                "mirror", base, "--db", str(backend.mirror_db), "--interval", "0.2", *log_key
            )
            time.sleep(self.rng.uniform(0.8, 3.0))
            running = mirror.poll() is None
            kill_hard(mirror)
            killed_at = time.monotonic()
            again = ledger("mirror", base, "--db", str(backend.mirror_db), "--once", *log_key)
            assert again.returncode == 0, again.stdout + again.stderr
            recover = time.monotonic() - killed_at
        finally:
            stop(server)
        self.check(backend)
        verified = ledger("verify", "--db", str(backend.mirror_db))
        assert verified.returncode == 0, verified.stdout + verified.stderr
        if running:
            self.record(
                "SIGKILL of a mirror (`ledger mirror`) while it follows; restarted",
                backend,
                recover=recover,
            )

    # --- full disks ----------------------------------------------------------------------
    @contextmanager
    def small_disk(self, name: str) -> Iterator[Path]:
        mount = self.dir / name
        mount.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m,mode=0777", "tmpfs", str(mount)], check=True
        )
        try:
            yield mount
        finally:
            subprocess.run(["umount", "-l", str(mount)], check=False)

    def grow(self, mount: Path) -> float:
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
        return time.monotonic()

    def full_disk(self, backend: Backend) -> None:
        """Fill a small disk with an import, then with HTTP appends; give room; go on."""
        with self.small_disk(f"full-{backend.name}") as mount:
            if backend.name == "sqlite":
                db = str(mount / "ledger.db")
            else:
                shutil.chown(mount, "postgres", "postgres")
                self.pg.sql(f"CREATE TABLESPACE small LOCATION '{mount}'")
                self.pg.sql("CREATE DATABASE small TABLESPACE small")
                db = self.pg.url.replace("/postgres?", "/small?")
            full = Backend(backend.name, db, backend.keys, backend.witness_dir, backend.mirror_db)
            self._charter(db, backend.keys)
            self.import_until_full(full, mount)
            self.http_until_full(full, mount)
            self.check(full)
            verified = ledger("verify", "--db", db)
            assert verified.returncode == 0, verified.stdout + verified.stderr
            if backend.name == "postgres":
                self.pg.sql("DROP DATABASE small")
                self.pg.sql("DROP TABLESPACE small")

    def import_until_full(self, full: Backend, mount: Path) -> None:
        batches = signed_batches(full.keys, utc_now(), batches=400, size=BATCH, tag="fill")
        ids = [[st.event_id for st in batch] for batch in batches]
        full.batches += ids
        file = self.dir / f"fill-{full.name}.jsonl"
        file.write_bytes(b"".join(st.leaf_bytes() + b"\n" for batch in batches for st in batch))
        keys = ("--keys", str(full.keys.directory), "--batch-size", str(BATCH))
        failed = ledger("import", str(file), "--db", full.db, *keys)
        message = (failed.stdout + failed.stderr).strip()
        assert failed.returncode != 0, "the import filled no disk"
        assert "Traceback" not in message and len(message.splitlines()) <= 3, message
        assert "disk" in message.lower() or "space" in message.lower(), message
        stored = present_ids(full.db)
        for batch in ids:
            if batch[0] in stored:
                full.acknowledged.update(batch)
        self.check(full)
        grown_at = self.grow(mount)
        remaining = self.dir / f"fill-{full.name}-rest.jsonl"
        remaining.write_bytes(
            b"".join(
                st.leaf_bytes() + b"\n"
                for batch in batches
                for st in batch
                if st.event_id not in stored
            )
        )
        done = ledger("import", str(remaining), "--db", full.db, *keys)
        assert done.returncode == 0, done.stdout + done.stderr
        full.acknowledged.update(e for batch in ids for e in batch)
        self.check(full)
        self.record(
            "disk full (tmpfs) during `ledger import`, then room given back and the import re-run",
            full,
            len(stored),
            time.monotonic() - grown_at,
            f"refused with: {message.splitlines()[-1][:160]}",
        )

    def http_until_full(self, full: Backend, mount: Path) -> None:
        """While clients post, a file fills the disk for a few seconds, then is removed."""
        filler = mount / "filler"
        full_for = 3.0  # seconds

        def fault(server: subprocess.Popen[bytes], port: int) -> subprocess.Popen[bytes]:
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
            time.sleep(full_for)
            filler.unlink()
            self.fault_end = time.monotonic()
            return server

        acked, recover, refused = self.http_window(full, fault)
        assert refused > 0, "no append was refused on the full disk"
        self.check(full)
        self.record(
            "disk full during HTTP appends (3 s), then room given back",
            full,
            acked,
            recover,
            f"{refused} appends refused with 503 problem+json while full",
        )


Fault = Callable[[subprocess.Popen[bytes], int], subprocess.Popen[bytes]]


def rounds(soak: Soak, full_disk: bool) -> Iterator[partial[None]]:
    """The faults, in turn, on each backend, until the time is up.

    Each backend's round ends with PostgreSQL restarted and crashed, so the
    PostgreSQL faults come as often as a kind of SIGKILL on each backend.
    """
    sqlite, postgres = soak.backends
    for backend in (sqlite, postgres) if full_disk else ():
        yield partial(soak.full_disk, backend)
    each = (
        Soak.no_fault,
        Soak.kill_serve,
        Soak.kill_import,
        Soak.kill_checkpoint,
        Soak.kill_import,
        Soak.kill_publish,
        Soak.kill_witness,
        Soak.kill_mirror,
        Soak.kill_serve,
        Soak.kill_import,
        Soak.kill_checkpoint,
    )
    while True:
        for backend in (sqlite, postgres):
            for step in each:
                yield partial(step, soak, backend)
            yield partial(soak.pg_fault, postgres, crash=False)
            yield partial(soak.pg_fault, postgres, crash=True)


def write_results(soak: Soak, minutes: float, elapsed: float, stopped_by: str) -> Path:
    records = []
    for (fault, backend), tally in sorted(soak.tallies.items()):
        # Every check passed after every fault (the run stops at the first that
        # does not); the outcome says what else was seen.
        outcome = ["every check passed"]
        if tally.acknowledged:
            outcome.append(f"{tally.acknowledged} statements acknowledged in these rounds")
        if tally.recover:
            outcome.append(
                f"back to work in median {statistics.median(tally.recover):.1f} s,"
                f" worst {max(tally.recover):.1f} s"
            )
        outcome += sorted(tally.notes)[:1]
        records.append(
            {
                "test": "bench/soak.py",
                "fault": fault,
                "backend": backend,
                "count": tally.count,
                "outcome": "; ".join(outcome),
            }
        )
    rates = {k: statistics.mean(v) for k, v in soak.throughput.items() if v}
    summary: dict[str, object] = {
        "stopped_by": stopped_by,
        "minutes": round(elapsed / 60, 1),
        "asked_minutes": minutes,
        "throughput": {k: round(v, 1) for k, v in sorted(rates.items())},
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "results-soak.json"
    out.write_text(
        json.dumps({"run": "soak", "soak": summary, "records": records}, indent=2) + "\n", "utf-8"
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Inject faults for a bounded time; check after each."
    )
    parser.add_argument("--minutes", type=float, default=20.0, help="how long to inject faults")
    parser.add_argument(
        "--dir", type=Path, default=Path("/tmp/soak"), help="working directory (emptied)"
    )
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--no-full-disk", action="store_true", help="skip the full-disk rounds (no mounts)"
    )
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    shutil.chown(args.dir, "postgres", "postgres")
    started = time.monotonic()
    soak = Soak(args.dir, args.minutes, args.seed)
    stopped_by = ""
    try:
        for step in rounds(soak, not args.no_full_disk):
            if time.monotonic() > soak.deadline:
                break
            on = [a.name for a in step.args if isinstance(a, Backend)]
            stopped_by = f"{step.func.__name__} on {', '.join(on)}"
            step()
            print(
                f"{(time.monotonic() - started) / 60:5.1f} min: "
                + f"{sum(t.count for t in soak.tallies.values())} faults",
                flush=True,
            )
        stopped_by = ""
    except (AssertionError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
        stopped_by += f" failed: {type(exc).__name__}: {str(exc)[:500]}"
        print(f"soak stopped: {stopped_by}", file=sys.stderr)
    finally:
        for backend in soak.backends:
            if backend.witness is not None:
                kill_hard(backend.witness)
        out = write_results(soak, args.minutes, time.monotonic() - started, stopped_by)
        soak.pg.destroy()
    print(f"wrote {out}")
    return 1 if stopped_by else 0


if __name__ == "__main__":
    raise SystemExit(main())
