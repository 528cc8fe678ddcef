"""PostgreSQL stops under load: the API says 503 clearly, accepts again after, and loses nothing.

The shared server at 127.0.0.1:5432 is never touched: this test starts a
private PostgreSQL cluster (``initdb`` + ``pg_ctl`` as the ``postgres`` user,
trust authentication, its own port and socket directory), runs the API over
it in-process, stops the cluster while a client is posting, starts it again,
and lets the client retry every statement that was not acknowledged. Retrying
an acknowledged statement is answered 200 with the same id and position.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from api.settings import Settings
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.storage import open_store
from ledger.storage.sql_store import _connection_lost
from tests.reliability.clusters import Node, new_primary
from tests.reliability.conftest import FaultLog
from tests.reliability.support import assert_log_intact, key_registration


@pytest.fixture
def private_cluster() -> Iterator[Node]:
    """A PostgreSQL cluster of this test's own (never the shared one at 5432)."""
    node = new_primary("ledger-outage-")
    try:
        yield node
    finally:
        node.destroy()


def acknowledged(answer: object) -> tuple[str, int] | None:
    if answer.status_code in (200, 201):  # type: ignore[attr-defined]
        body = answer.json()  # type: ignore[attr-defined]
        return body["event_id"], body["leaf_index"]
    return None


@pytest.mark.postgres
def test_a_database_outage_answers_503_then_recovers_losing_and_duplicating_nothing(
    private_cluster: Node, keyring: Keyring, faults: FaultLog
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with Ledger.open(private_cluster.url, log_key=keyring.log_key(), clock=lambda: now) as ledger:
        ledger.append(
            [keyring.sign(keyring.charter_draft(now.strftime("%Y-%m-%dT%H:%M:%SZ")), now=now)]
        )
    statements = [key_registration(keyring, f"outage load {i}", now).to_dict() for i in range(30)]
    settings = Settings(db=private_cluster.url, keys_dir=keyring.directory, checkpoint_interval=0.1)
    acks: dict[str, tuple[str, int]] = {}
    refusals: list[dict[str, object]] = []
    with TestClient(create_app(settings)) as client:
        for i, body in enumerate(statements):
            if i == 10:
                private_cluster.stop()
            if i == 20:
                private_cluster.start()
            if i == 15:
                reading = client.get("/v1/events")
                assert reading.status_code == 503, reading.text
                assert reading.json()["code"] == "storage_unavailable"
            answer = client.post("/v1/events", json=body)
            ack = acknowledged(answer)
            if ack is not None:
                acks[ack[0]] = ack
            else:
                assert answer.status_code == 503, answer.text
                assert answer.headers["content-type"] == "application/problem+json"
                refusals.append(answer.json())
        assert len(refusals) >= 10, "the outage was not observed"
        assert {p["code"] for p in refusals} == {"storage_unavailable"}
        assert all("retry" in str(p["detail"]) for p in refusals)
        # The client retries everything, acknowledged or not, until the server takes it.
        replays = 0
        for body in statements:
            for _ in range(50):
                answer = client.post("/v1/events", json=body)
                if answer.status_code != 503:
                    break
                time.sleep(0.1)
            ack = acknowledged(answer)
            assert ack is not None, answer.text
            if ack[0] in acks:
                assert answer.status_code == 200 and acks[ack[0]] == ack
                replays += 1
            acks[ack[0]] = ack
    assert len(acks) == len(statements)
    size, _ = assert_log_intact(private_cluster.url, acknowledged=list(acks))
    assert size == 1 + len(statements)
    faults.record(
        "PostgreSQL stopped (pg_ctl -m fast) during HTTP load, then restarted",
        "postgres",
        1,
        f"{len(refusals)} posts (and a read) during the outage answered 503 storage_unavailable"
        " (problem+json);"
        f" accepted again after restart; {replays} retries of acknowledged statements answered 200"
        " with the same id and position; no loss, no duplicate, verify_store clean",
    )


def test_the_outage_hook_is_on_every_engine_whatever_the_event_registry_says(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    """SQLAlchemy's ``event.contains`` answers from a registry keyed by object ids, which an
    engine freed before can leave behind under the id a new one gets. An outage once escaped
    the API as a driver error, the hook that turns a lost connection into a 503 absent from
    its engine; trusting that registry is the one way found for a store to skip the hook.
    Here the registry says the hook is on every engine: the store must install it all the
    same, and only once."""
    monkeypatch.setattr(event, "contains", lambda *_args, **_kw: True)
    store = open_store(sqlite_url)
    try:
        hooks = list(store.engine.dialect.dispatch.handle_error)
        assert hooks.count(_connection_lost) == 1
    finally:
        store.close()
