"""Many writers, one linear log: processes appending at once through ``Ledger`` and over HTTP.

Each writer is a separate OS process with its own ``Ledger`` (as uvicorn workers
are). The database's writer lock and the catch-up before each append must give
one log: positions 0..n-1 without gaps or duplicates, every acknowledged event
present exactly once at its acknowledged position, every inclusion proof valid
against a fresh checkpoint, and ``verify_store`` clean.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ledger.crypto import generate_signing_key, public_key_text
from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash, verify_inclusion
from ledger.service import Ledger
from ledger.statements import Draft
from ledger.storage.sql_store import Store
from ledger.verification.replay import verify_store
from tests.conftest import START, Clock, chartered_ledger

WRITERS = 4
APPENDS_EACH = 15


def registration(keyring: Keyring, reason: str, now: datetime) -> Draft:
    return Draft(
        type="key.registered",
        recorder="committee",
        occurred_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        data={
            "institution": "police",
            "public_key": public_key_text(generate_signing_key().public_key()),
            "purpose": "signing",
            "reason": reason,
        },
    )


def append_many(db: str, keys_dir: str, writer: int, count: int) -> list[tuple[str, int]]:
    """One writer process: append ``count`` statements one at a time; return the acknowledgements."""
    keyring = Keyring(Path(keys_dir))
    acknowledged = []
    with Ledger.open(db, clock=Clock()) as ledger:
        for i in range(count):
            statement = keyring.sign(
                registration(keyring, f"writer {writer} key {i}", START), now=START
            )
            (appended,) = ledger.append([statement])
            acknowledged.append((appended.event_id, appended.leaf_index))
    return acknowledged


def assert_one_linear_log(db: str, keyring: Keyring, acknowledged: list[tuple[str, int]]) -> None:
    with Ledger.open(db, log_key=keyring.log_key(), clock=Clock()) as ledger:
        rows = ledger.store.leaf_rows()
        assert [r.leaf_index for r in rows] == list(range(len(rows)))
        assert len({r.event_id for r in rows}) == len(rows)
        at = {r.event_id: r.leaf_index for r in rows}
        assert len(acknowledged) == len(set(acknowledged))
        for event_id, index in acknowledged:
            assert at[event_id] == index
        checkpoint = ledger.sign_checkpoint()
        assert checkpoint.size == len(rows)
        leaves = {s.event_id: s.leaf for s in ledger.events()}
        for event_id, _ in acknowledged:
            index, size, proof = ledger.inclusion_proof(event_id, checkpoint.size)
            verify_inclusion(
                leaf_hash(leaves[event_id].encode()), index, size, proof, checkpoint.root
            )
    store = Store(db)
    try:
        report = verify_store(store)
    finally:
        store.close()
    assert report.ok, [str(p) for p in report.problems]
    assert report.events == len(rows)


@pytest.mark.postgres
def test_processes_appending_at_once_make_one_linear_log(db_url: str, keyring: Keyring) -> None:
    chartered_ledger(db_url, keyring, Clock()).close()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        results = pool.starmap(
            append_many, [(db_url, str(keyring.directory), w, APPENDS_EACH) for w in range(WRITERS)]
        )
    acknowledged = [ack for result in results for ack in result]
    assert len(acknowledged) == WRITERS * APPENDS_EACH
    assert_one_linear_log(db_url, keyring, acknowledged)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"ledger serve exited with {server.returncode}")
        try:
            if httpx.get(base + "/v1/checkpoint", timeout=1).status_code in (200, 404):
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("ledger serve did not start within 60 s")


@pytest.mark.postgres
def test_two_uvicorn_workers_over_http_make_one_linear_log(
    postgres_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with Ledger.open(postgres_url, log_key=keyring.log_key(), clock=lambda: now) as ledger:
        ledger.append(
            [keyring.sign(keyring.charter_draft(now.strftime("%Y-%m-%dT%H:%M:%SZ")), now=now)]
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ledger_cmd = Path(sys.executable).parent / "ledger"
    server = subprocess.Popen(
        [
            str(ledger_cmd),
            "serve",
            "--db",
            postgres_url,
            "--keys",
            str(keyring.directory),
            "--port",
            str(port),
            "--workers",
            "2",
            "--checkpoint-interval",
            "0.1",
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until_serving(base, server)
        statements = [
            keyring.sign(registration(keyring, f"http key {i}", now), now=now).to_dict()
            for i in range(40)
        ]

        def post(body: dict[str, object]) -> tuple[str, int]:
            with httpx.Client(base_url=base, timeout=30) as http:
                answer = http.post("/v1/events", json=body)
            assert answer.status_code == 201, answer.text
            return answer.json()["event_id"], answer.json()["leaf_index"]

        with ThreadPoolExecutor(8) as pool:
            acknowledged = list(pool.map(post, statements))
        # a retry through either worker is recognised, not stored again
        with ThreadPoolExecutor(4) as pool:
            again = list(
                pool.map(
                    lambda b: httpx.post(base + "/v1/events", json=b, timeout=30), statements[:8]
                )
            )
        assert [a.status_code for a in again] == [200] * 8
        assert [(a.json()["event_id"], a.json()["leaf_index"]) for a in again] == acknowledged[:8]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert_one_linear_log(postgres_url, keyring, acknowledged)
