"""A writer killed with SIGKILL at any moment loses nothing it acknowledged and leaves no half batch.

Three writers are killed mid-work at seeded random points, on SQLite and on
PostgreSQL: a bulk import through ``ledger.importing.import_lines`` (a driver
that prints each acknowledged batch), the ``ledger import --sign-drafts``
command, and ``ledger serve`` receiving appends from HTTP clients that note
every 201/200 answer. After each kill the database is reopened and every
promise is checked (``support.assert_log_intact``); the writer is then started
again on the same database, as an operator would.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ledger.keyring import Keyring
from ledger.service import Ledger
from tests.conftest import Clock, chartered_ledger
from tests.reliability.conftest import ROOT, FaultLog
from tests.reliability.support import (
    LEDGER_CMD,
    assert_log_intact,
    free_port,
    key_registration,
    kill_hard,
    present_ids,
    session_name,
    signed_batches,
    start_server,
    wait_for_sessions_to_end,
    wait_until_serving,
    writer_env,
)

KILLS = 5
BATCH = 8
SEED = 20260301


def run_driver_until_killed(db: str, file: Path, rng: random.Random) -> tuple[int, list[int], bool]:
    """Start the import driver; SIGKILL it after a random number of acks and a random pause."""
    sessions = session_name("import-driver")
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.import_driver", db, str(file), str(BATCH)],
        cwd=ROOT,
        env=writer_env(sessions),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert driver.stdout is not None
    start = int(driver.stdout.readline().split()[1])
    wanted = rng.randint(1, 3)
    acked: list[int] = []
    finished = False
    while len(acked) < wanted:
        line = driver.stdout.readline().decode().strip()
        if line.startswith("ACK"):
            acked.append(int(line.split()[1]))
        else:
            finished = line == "DONE"
            break
    time.sleep(rng.uniform(0, 0.02))
    kill_hard(driver)
    wait_for_sessions_to_end(db, sessions)
    return start, acked, finished


@pytest.mark.postgres
def test_a_killed_bulk_import_keeps_every_acknowledged_batch_and_no_half_batch(
    db_url: str, keyring: Keyring, tmp_path: Path, backend_name: str, faults: FaultLog
) -> None:
    chartered_ledger(db_url, keyring, Clock()).close()
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    batches = signed_batches(keyring, now, batches=80, size=BATCH, tag="import")
    file = tmp_path / "signed.jsonl"
    file.write_bytes(b"".join(st.leaf_bytes() + b"\n" for batch in batches for st in batch))
    batch_ids = [[st.event_id for st in batch] for batch in batches]
    acknowledged: list[str] = []
    kills = 0
    for _ in range(KILLS):
        start, acked, finished = run_driver_until_killed(db_url, file, rng)
        assert acked == list(range(start, start + len(acked)))
        acknowledged += [e for b in acked for e in batch_ids[b]]
        kills += 0 if finished else 1
        size, _ = assert_log_intact(db_url, acknowledged=acknowledged, batches=batch_ids)
        assert (size - 1) % BATCH == 0
    assert kills == KILLS
    faults.record(
        "SIGKILL of a bulk import (import_lines) at a random point",
        backend_name,
        kills,
        f"verify_store clean; {len(acknowledged)} acknowledged statements present once each;"
        " no batch half stored; leaf index and Merkle root match a fresh Ledger",
    )


@pytest.mark.postgres
def test_a_killed_ledger_import_command_leaves_whole_batches_only(
    db_url: str, keyring: Keyring, tmp_path: Path, backend_name: str, faults: FaultLog
) -> None:
    chartered_ledger(db_url, keyring, Clock()).close()
    rng = random.Random(SEED + 1)
    kills = 0
    for run in range(2):
        drafts = tmp_path / f"drafts-{run}.jsonl"
        with drafts.open("w") as handle:
            for i in range(400):
                st = key_registration(keyring, "unused", datetime.now(UTC))
                draft = {k: st.body[k] for k in ("type", "recorder", "occurred_at", "data")}
                draft["data"] = {**draft["data"], "reason": f"cli run {run} item {i}"}
                handle.write(json.dumps(draft) + "\n")
        with Ledger.open(db_url) as ledger:
            before = ledger.size
        sessions = session_name("import-command")
        command = subprocess.Popen(
            [
                LEDGER_CMD,
                "import",
                str(drafts),
                "--sign-drafts",
                "--batch-size",
                str(BATCH),
                "--db",
                db_url,
                "--keys",
                str(keyring.directory),
            ],
            env=writer_env(sessions),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        target = before + BATCH * rng.randint(2, 10)
        deadline = time.monotonic() + 60
        while (
            len(present_ids(db_url)) < target
            and command.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.03))
        still_running = command.poll() is None
        kill_hard(command)
        wait_for_sessions_to_end(db_url, sessions)
        kills += 1 if still_running else 0
        size, _ = assert_log_intact(db_url)
        assert (size - before) % BATCH == 0, "a batch of the import is half stored"
    assert kills == 2
    faults.record(
        "SIGKILL of `ledger import --sign-drafts` mid-import",
        backend_name,
        kills,
        "verify_store clean; only whole batches stored; root matches a fresh Ledger",
    )


def post_load(
    base: str,
    keyring: Keyring,
    tag: str,
    stop_after: int,
    server: subprocess.Popen[bytes],
    rng: random.Random,
) -> tuple[list[str], list[list[str]]]:
    """Post singles and batches of 3 from 4 threads; kill the server after ``stop_after`` acks."""
    acknowledged: list[str] = []
    sent: list[list[str]] = []
    now = datetime.now(UTC).replace(microsecond=0)
    posts = []
    for i in range(60):
        size = 3 if i % 2 else 1
        statements = [
            key_registration(keyring, f"{tag} post {i} item {j}", now) for j in range(size)
        ]
        sent.append([st.event_id for st in statements])
        body = (
            statements[0].to_dict()
            if size == 1
            else {"statements": [st.to_dict() for st in statements]}
        )
        posts.append(body)
    pause = rng.uniform(0, 0.05)

    def post(body: dict[str, object]) -> None:
        try:
            answer = httpx.post(base + "/v1/events", json=body, timeout=10)
        except httpx.HTTPError:
            return
        if answer.status_code in (200, 201):
            got = answer.json()
            ids = [e["event_id"] for e in got["events"]] if "events" in got else [got["event_id"]]
            acknowledged.extend(ids)
            if len(acknowledged) >= stop_after and server.poll() is None:
                time.sleep(pause)
                kill_hard(server)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(post, posts))
    kill_hard(server)
    return acknowledged, sent


@pytest.mark.postgres
def test_a_killed_api_server_keeps_every_acknowledged_append(
    db_url: str, keyring: Keyring, backend_name: str, faults: FaultLog
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with Ledger.open(db_url, log_key=keyring.log_key(), clock=lambda: now) as ledger:
        ledger.append(
            [keyring.sign(keyring.charter_draft(now.strftime("%Y-%m-%dT%H:%M:%SZ")), now=now)]
        )
    rng = random.Random(SEED + 2)
    all_acked: list[str] = []
    all_sent: list[list[str]] = []
    kills = 0
    for run in range(2):
        port = free_port()
        sessions = session_name("ledger-serve")
        server = start_server(db_url, keyring.directory, port, sessions=sessions)
        wait_until_serving(f"http://127.0.0.1:{port}", server)
        acked, sent = post_load(
            f"http://127.0.0.1:{port}", keyring, f"api run {run}", rng.randint(5, 25), server, rng
        )
        wait_for_sessions_to_end(db_url, sessions)
        kills += 1
        assert acked, "the server acknowledged nothing before it was killed"
        all_acked += acked
        all_sent += sent
        assert_log_intact(db_url, acknowledged=all_acked, batches=all_sent)
    assert len(present_ids(db_url)) < 1 + sum(len(b) for b in all_sent), (
        "the kill came after all the load"
    )
    faults.record(
        "SIGKILL of `ledger serve` under HTTP load (4 clients, singles and batches of 3)",
        backend_name,
        kills,
        f"{len(all_acked)} acknowledged statements present once each; unacknowledged batches"
        " wholly present or absent; verify_store clean; restart on the same database serves again",
    )
