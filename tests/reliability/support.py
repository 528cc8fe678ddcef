"""What the reliability tests share: statements to append, a server to kill, the invariants.

``assert_log_intact`` is the promise every fault test checks after the fault:
the full verification passes, every acknowledged event is present exactly once,
every batch is wholly present or wholly absent, the leaf index matches the
events, and the Merkle root recomputed from the stored events equals the tree
a freshly opened ``Ledger`` builds.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import httpx

from ledger.crypto import generate_signing_key, public_key_text
from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash, root_of
from ledger.service import Ledger
from ledger.statements import Draft, Statement, format_time
from ledger.storage.log_reader import walk_notifications
from ledger.storage.sql_store import Store
from ledger.verification.replay import verify_store

LEDGER_CMD = str(Path(sys.executable).parent / "ledger")


def key_registration(keyring: Keyring, reason: str, now: datetime) -> Statement:
    """An independent valid statement: the committee registers a fresh police key."""
    draft = Draft(
        type="key.registered",
        recorder="committee",
        occurred_at=format_time(now),
        data={
            "institution": "police",
            "public_key": public_key_text(generate_signing_key().public_key()),
            "purpose": "signing",
            "reason": reason,
        },
    )
    return keyring.sign(draft, now=now)


def signed_batches(
    keyring: Keyring, now: datetime, batches: int, size: int, tag: str
) -> list[list[Statement]]:
    return [
        [key_registration(keyring, f"{tag} batch {b} item {i}", now) for i in range(size)]
        for b in range(batches)
    ]


def assert_log_intact(
    db: str,
    *,
    acknowledged: Sequence[str] = (),
    batches: Sequence[Sequence[str]] = (),
) -> tuple[int, bytes]:
    """Check every promise after a fault; return (size, root)."""
    store = Store(db)
    try:
        report = verify_store(store)
        assert report.ok, [str(p) for p in report.problems]
        stored = list(walk_notifications(store))
        ids = Counter(s.event_id for s in stored)
        rows = store.leaf_rows()
    finally:
        store.close()
    assert [s.leaf_index for s in stored] == list(range(len(stored)))
    assert [r.leaf_index for r in rows] == list(range(len(stored)))
    assert [r.event_id for r in rows] == [s.event_id for s in stored]
    assert [r.leaf_hash for r in rows] == [leaf_hash(s.leaf.encode()) for s in stored]
    for event_id in acknowledged:
        assert ids[event_id] == 1, f"acknowledged event {event_id} is stored {ids[event_id]} times"
    for batch in batches:
        present = [ids[e] for e in batch]
        assert present in ([0] * len(batch), [1] * len(batch)), f"a batch is half stored: {present}"
    recomputed = root_of([leaf_hash(s.leaf.encode()) for s in stored])
    with Ledger.open(db) as fresh:
        assert fresh.size == len(stored)
        assert fresh.root() == recomputed == report.root
    return len(stored), recomputed


def present_ids(db: str) -> set[str]:
    store = Store(db)
    try:
        return {r.event_id for r in store.leaf_rows()}
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, keys: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """``ledger serve`` in its own process group, so SIGKILL takes the whole server."""
    return subprocess.Popen(
        [
            LEDGER_CMD,
            "serve",
            "--db",
            db,
            "--keys",
            str(keys),
            "--port",
            str(port),
            "--checkpoint-interval",
            "0.2",
            *extra,
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def serving(db: str, keys: Path, *extra: str) -> Iterator[str]:
    """``ledger serve`` on a loopback port the system picks: yields its address, then kills it.

    Reads the server's output until uvicorn says where it listens, then keeps
    reading it in threads, so the server never blocks on a full pipe.
    """
    process = start_server(db, keys, 0, "--log-level", "info", *extra)
    said: list[bytes] = []
    address = None
    assert process.stderr is not None and process.stdout is not None
    for line in process.stderr:  # blocks until uvicorn says where it listens, or exits
        said.append(line)
        found = re.search(rb"running on (http://127\.0\.0\.1:\d+)", line)
        if found:
            address = found.group(1).decode()
            break
    assert address, "ledger serve did not start:\n" + b"".join(said).decode()
    for stream in (process.stdout, process.stderr):
        threading.Thread(target=lambda s=stream: said.extend(s), daemon=True).start()
    try:
        yield address
    finally:
        kill_hard(process)


def wait_until_serving(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            _, err = server.communicate()
            raise AssertionError(
                f"ledger serve exited with {server.returncode}: {err.decode()[-2000:]}"
            )
        try:
            httpx.get(base + "/v1/checkpoint", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"ledger serve did not start within {timeout} s")


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started; reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)
