"""The primary dies under load; its synchronous standby is promoted; the ledger keeps serving.

A primary and a synchronous streaming standby (``clusters.new_primary`` and
``new_standby``: initdb, pg_basebackup -R, ``synchronous_standby_names =
'*'``) run on loopback ports. ``ledger serve`` is given both servers in one
URL with ``target_session_attrs=read-write``, so every new connection finds
whichever is the primary. Clients post singles and batches, retrying each
until it is acknowledged; a reader polls the latest checkpoint. The primary is
killed with SIGKILL (server and backends), the standby promoted, and the load
goes on against the same server process. Then the old primary is rebuilt
as a standby of the new one (pg_rewind, or pg_basebackup when pg_rewind
finds nothing to rewind), and ``ledger verify`` runs on both.
"""

from __future__ import annotations

import base64
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import create_engine

from ledger.keyring import Keyring
from ledger.log.merkle import root_of
from ledger.service import Ledger
from ledger.storage.sql_store import Store, database_url
from tests.reliability.clusters import (
    Node,
    new_primary,
    new_standby,
    rebuild_as_standby,
    wait_for_sync_standby,
    wait_replayed,
)
from tests.reliability.conftest import FaultLog
from tests.reliability.support import (
    LEDGER_CMD,
    assert_log_intact,
    free_port,
    key_registration,
    kill_hard,
    start_server,
    wait_until_serving,
)

POSTS = 90


@pytest.fixture
def pair() -> Iterator[tuple[Node, Node]]:
    primary = new_primary("ledger-failover-a-")
    standby: Node | None = None
    try:
        standby = new_standby(primary, "ledger-failover-b-")
        yield primary, standby
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()


def multi_host_url(*nodes: Node) -> str:
    hosts = ",".join(f"127.0.0.1:{n.port}" for n in nodes)
    return (
        f"postgresql+psycopg://postgres@{hosts}/postgres"
        "?target_session_attrs=read-write&connect_timeout=2"
    )


class Load:
    """Clients that retry each post until it is acknowledged, and a checkpoint reader."""

    def __init__(self, base: str, bodies: list[dict[str, object]]) -> None:
        self.base = base
        self.bodies = bodies
        self.acks: dict[str, int] = {}
        self.refused = 0
        self.checkpoints: set[tuple[int, bytes]] = set()
        self.lock = threading.Lock()
        self.stop_reading = threading.Event()

    def post(self, body: dict[str, object]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(self.base + "/v1/events", json=body, timeout=15)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code in (200, 201):
                got = answer.json()
                events = got["events"] if "events" in got else [got]
                with self.lock:
                    for event in events:
                        self.acks.setdefault(event["event_id"], event["leaf_index"])
                        assert self.acks[event["event_id"]] == event["leaf_index"]
                return
            if answer is not None:
                assert answer.status_code == 503, answer.text
            with self.lock:
                self.refused += 1
            time.sleep(0.2)
        raise AssertionError("a post was never acknowledged after the failover")

    def read_checkpoints(self) -> None:
        while not self.stop_reading.is_set():
            try:
                answer = httpx.get(self.base + "/v1/checkpoints/latest", timeout=5)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                got = answer.json()
                self.checkpoints.add((got["size"], base64.b64decode(got["root"])))
            time.sleep(0.05)


def ledger_verify(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDGER_CMD, "verify", "--db", url], capture_output=True, text=True, timeout=300
    )


@pytest.mark.postgres
def test_the_primary_dies_the_standby_is_promoted_and_nothing_acknowledged_is_lost(
    pair: tuple[Node, Node], keyring: Keyring, faults: FaultLog
) -> None:
    primary, standby = pair
    url = multi_host_url(primary, standby)
    now = datetime.now(UTC).replace(microsecond=0)
    with Ledger.open(url, log_key=keyring.log_key(), clock=lambda: now) as ledger:
        ledger.append(
            [keyring.sign(keyring.charter_draft(now.strftime("%Y-%m-%dT%H:%M:%SZ")), now=now)]
        )
    batches = [
        [
            key_registration(keyring, f"failover post {i} item {j}", now)
            for j in range(i % 2 * 2 + 1)
        ]
        for i in range(POSTS)
    ]
    bodies: list[dict[str, object]] = [
        b[0].to_dict() if len(b) == 1 else {"statements": [s.to_dict() for s in b]} for b in batches
    ]
    port = free_port()
    server = start_server(url, keyring.directory, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server)
        load = Load(base, bodies)
        reader = threading.Thread(target=load.read_checkpoints, daemon=True)
        reader.start()
        with ThreadPoolExecutor(3) as pool:
            posting = pool.map(load.post, bodies)
            deadline = time.monotonic() + 120
            while len(load.acks) < 20:
                assert time.monotonic() < deadline, "fewer than 20 statements acknowledged"
                time.sleep(0.02)
            acked_before = len(load.acks)
            primary.crash()
            killed_at = time.monotonic()
            standby.promote()
            # The promoted server has no standby yet: stop waiting for one, or
            # every commit would hang until the old primary is rebuilt.
            standby.set("synchronous_standby_names", "")
            list(posting)
        all_done = time.monotonic() - killed_at
        load.stop_reading.set()
        reader.join(timeout=10)
        assert acked_before < len(load.acks), "nothing was appended after the failover"
        assert load.refused > 0, "the failover was not observed by any client"
        sent = [[s.event_id for s in b] for b in batches]
        assert set(load.acks) == {e for b in sent for e in b}
        positions = sorted(load.acks.values())
        assert len(set(positions)) == len(positions), "a position was acknowledged twice"
        size, _ = assert_log_intact(url, acknowledged=list(load.acks), batches=sent)
        assert size == 1 + sum(len(b) for b in sent)
        store = Store(url)
        try:
            hashes = store.leaf_hashes()
            stored = [(cp[0], cp[1]) for cp in store.checkpoints()]
        finally:
            store.close()
        seen = sorted(load.checkpoints | set(stored))
        assert len(seen) >= 2
        for cp_size, cp_root in seen:
            assert root_of(hashes[:cp_size]) == cp_root, (
                f"the checkpoint of size {cp_size} is not extended by the log after the failover"
            )
        # The old primary returns as the new primary's synchronous standby.
        rebuilt_by = rebuild_as_standby(primary, standby)
        standby.set("synchronous_standby_names", "*")
        wait_for_sync_standby(standby)
        after = key_registration(keyring, "after the rewind", now).to_dict()
        answer = httpx.post(base + "/v1/events", json=after, timeout=15)
        assert answer.status_code == 201, answer.text
        wait_replayed(standby, primary)
    finally:
        kill_hard(server)
    for node in (standby, primary):
        checked = ledger_verify(node.url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    faults.record(
        "primary PostgreSQL killed (SIGKILL) under HTTP load; synchronous standby promoted;"
        " old primary rebuilt as the new standby",
        "postgres (streaming replication)",
        1,
        f"{len(load.acks)} statements acknowledged ({acked_before} before the kill), each once at"
        f" its own position; {load.refused} posts answered 503 or unanswered and retried; the"
        f" same `ledger serve` acknowledged every post within {all_done:.1f} s of the kill;"
        f" {len(seen)} checkpoints all extended by the final log; old primary rebuilt as a"
        f" synchronous standby by {rebuilt_by}; `ledger verify` passes on both servers",
    )


def test_a_url_naming_several_servers_reaches_psycopg_as_a_host_list() -> None:
    url = database_url(
        "postgresql+psycopg://ledger:pw@10.0.0.1:5432,10.0.0.2:5433/db?target_session_attrs=read-write"
    )
    engine = create_engine(url)
    _, params = engine.dialect.create_connect_args(engine.url)
    assert (params["host"], params["port"]) == ("10.0.0.1,10.0.0.2", "5432,5433")
    assert (params["user"], params["password"], params["dbname"]) == ("ledger", "pw", "db")
    assert params["target_session_attrs"] == "read-write"
    single = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert database_url(single) == single
    assert database_url("ledger.db").startswith("sqlite:///")
