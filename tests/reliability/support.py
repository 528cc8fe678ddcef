"""What the reliability tests share: statements to append, a server to kill, the invariants.

``assert_log_intact`` is the promise every fault test checks after the fault:
the full verification passes, every acknowledged event is present exactly once,
every batch is wholly present or wholly absent, the leaf index matches the
events, and the Merkle root recomputed from the stored events equals the tree
a freshly opened ``Ledger`` builds.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
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


def start_server(
    db: str, keys: Path, port: int, *extra: str, sessions: str | None = None
) -> subprocess.Popen[bytes]:
    """``ledger serve`` in its own process group, so SIGKILL takes the whole server; its
    database sessions named ``sessions`` (``writer_env``; a name of its own by default)."""
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
        env=writer_env(sessions or session_name("ledger-serve"), PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


@contextlib.contextmanager
def serving(db: str, keys: Path, *extra: str) -> Iterator[str]:
    """``ledger serve`` on a loopback port the system picks; yields its address, kills it after.

    Reads uvicorn's own line saying where it listens (so ``--log-level info`` is passed),
    then keeps reading both streams, so that the server never blocks on a full pipe.
    """
    process = start_server(db, keys, 0, *extra, "--log-level", "info")
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


def session_name(writer: str) -> str:
    """A name for one writer's database sessions that no other test's writer carries (the
    tests run side by side on one PostgreSQL)."""
    return f"{writer}-{uuid.uuid4().hex}"


def writer_env(sessions: str, **extra: str) -> dict[str, str]:
    """The environment of a writer started as a process of its own, whose PostgreSQL
    sessions carry the name ``sessions`` (libpq reads it from ``PGAPPNAME``), so that
    ``wait_for_sessions_to_end`` can tell them apart from every other test's."""
    return {**os.environ, "PGAPPNAME": sessions, **extra}


def wait_for_sessions_to_end(db: str, sessions: str, timeout: float = 30) -> None:
    """After a writer was killed, wait until PostgreSQL has ended its sessions (named
    ``sessions`` by ``writer_env``). A COMMIT the writer sent before it died is carried out
    by its session all the same: a check that read the log meanwhile would see it change
    between two of its reads. SQLite has no such session."""
    if not db.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            while True:
                left = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": sessions},
                ).scalar_one()
                conn.rollback()  # the next read takes a new snapshot of the activity
                if left == 0:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{left} database sessions of the killed writer ({sessions}) were"
                        f" still open after {timeout} s"
                    )
                time.sleep(0.01)
    finally:
        engine.dispose()


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started; reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)
