"""The token the API's caches are validated by changes with every commit to the log, and only then.

A cached checkpoint, count of events or report is served only while the token
is the one it was read under; a token that failed to change would serve a
stale answer as current, so each way the log can change is tried, on SQLite
and on PostgreSQL, including a change made by hand at a SQL prompt.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.caches import LRU, RequestVersion
from api.reporting import LogState, current_state, for_state
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.storage.change_token import TRIGGER, DatabaseVersion
from tests.api.conftest import api_settings, key_registration
from tests.conftest import Clock, Recorder, fresh_pg_schema

T = TypeVar("T")


def by_hand(ledger: Ledger, sql: str) -> None:
    """A change made outside the program, on a connection of its own."""
    with ledger.store.engine.begin() as conn:
        conn.execute(text(sql))


def test_the_token_changes_with_every_commit_to_the_log_and_only_then(
    ledger: Ledger, recorder: Recorder
) -> None:
    version = DatabaseVersion(ledger.store.url)
    first = version.token()
    assert first is not None and version.token() == first  # nothing written: the same
    ledger.append([key_registration(recorder)])
    appended = version.token()
    assert appended is not None and appended != first
    ledger.sign_checkpoint()
    signed = version.token()
    assert signed is not None and signed != appended
    by_hand(ledger, "UPDATE ledger_checkpoints SET note = note || ' '")  # tampering, by hand
    assert version.token() != signed
    version.close()


def test_on_postgresql_another_schemas_log_leaves_the_token_as_it_was(
    postgres_ledger: Ledger, postgres_available: str
) -> None:
    ledger = postgres_ledger
    url, schema = fresh_pg_schema(postgres_available)
    other = Ledger.open(url)
    try:
        version = DatabaseVersion(ledger.store.url)
        before = version.token()
        by_hand(other, "UPDATE ledger_checkpoints SET note = note")
        assert version.token() == before is not None
        version.close()
    finally:
        other.close()
        with psycopg.connect(postgres_available.replace("+psycopg", ""), autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


def test_on_postgresql_without_the_trigger_there_is_no_token(postgres_ledger: Ledger) -> None:
    assert DatabaseVersion(postgres_ledger.store.url).token() is not None
    by_hand(postgres_ledger, f"DROP TRIGGER {TRIGGER} ON ledger_checkpoints")
    assert DatabaseVersion(postgres_ledger.store.url).token() is None


def run(requests: Coroutine[Any, Any, T]) -> T:
    """Serve ``requests`` in an event loop of their own, as a server's worker does: on a
    thread of its own, since the test's thread may hold a loop (the browser tests' one)."""
    with ThreadPoolExecutor(1) as server:
        return server.submit(asyncio.run, requests).result()


class HeldRoundTrip:
    """The listener's round trip, made for real, its answer held back until released:
    a round trip still in flight, as under load."""

    def __init__(self, version: DatabaseVersion) -> None:
        notices = version._notices
        assert notices is not None
        self._trip = notices.token
        notices.token = self  # type: ignore[method-assign]
        self.made = 0
        self.released = threading.Event()

    def __call__(self) -> int | None:
        token = self._trip()
        self.made += 1
        self.released.wait(timeout=30)
        return token


def test_on_postgresql_a_settled_token_comes_from_a_round_trip_begun_after_the_request(
    postgres_ledger: Ledger,
) -> None:
    """A request that comes in while a round trip is in flight does not take its answer: the
    commit before it may not be heard there. It takes the next, shared with every request
    that came in meanwhile."""
    version = DatabaseVersion(postgres_ledger.store.url)
    before = version.token()
    held = HeldRoundTrip(version)

    async def requests() -> tuple[int | None, list[int | None]]:
        first = asyncio.ensure_future(version.settled())
        while held.made == 0:  # its round trip is made and its answer held
            await asyncio.sleep(0.001)
        by_hand(postgres_ledger, "UPDATE ledger_checkpoints SET note = note")
        later = [asyncio.ensure_future(version.settled()) for _ in range(50)]
        await asyncio.sleep(0.01)
        held.released.set()
        return await first, list(await asyncio.gather(*later))

    first, later = run(requests())
    version.close()
    assert before is not None and first == before  # in flight before the commit
    assert set(later) == {before + 1}  # all fifty heard it
    assert held.made == 2  # one round trip for the fifty


def test_a_settled_token_is_the_token_as_the_request_came_in(ledger: Ledger) -> None:
    version = DatabaseVersion(ledger.store.url)
    before = run(version.settled())
    assert before is not None and before == version.token()
    ledger.sign_checkpoint()
    assert run(version.settled()) == version.token() != before
    version.close()


def test_a_request_reads_under_the_token_it_was_settled_with(ledger: Ledger) -> None:
    """What a request reads is filed under the token taken as it came in, whatever commits
    meanwhile; the next request takes a new one."""
    version = RequestVersion(ledger.store.url)

    async def request() -> tuple[int | None, int | None]:
        settled = await version.settle()
        try:
            pinned = version.token()
            ledger.sign_checkpoint()
            return pinned, version.token()
        finally:
            version.unsettle(settled)

    pinned, during = run(request())
    assert pinned is not None and during == pinned
    assert version.token() not in (None, pinned)
    version.close()


def test_a_value_computed_while_the_log_moved_on_is_not_remembered_for_the_state_before(
    ledger: Ledger, keyring: Keyring, clock: Clock, recorder: Recorder
) -> None:
    """A request reads under the token it came in with, but what it computes is filed only
    if the log is still in the state it was computed from, asked of the database again."""
    ledger.sign_checkpoint()
    app = create_app(api_settings(ledger.store.url, keyring, clock, checkpoint_interval=3600))
    with TestClient(app) as client:
        # the server's first round of signing is over before the log grows: run later, it
        # would sign the new event's checkpoint before the request, and the one the request
        # signs would then be that one
        signer = app.state.signer
        assert client.portal.call(signer.wait_for, 1, 60.0) is not None
        gate = app.state.gate
        ledger.append([key_registration(recorder)])  # not under a checkpoint yet
        remembered: LRU[str] = LRU(4)

        def compute() -> tuple[int, str, int]:
            clock.advance(minutes=1)
            ledger.sign_checkpoint()  # the log moves on while the value is computed
            return ledger.size, "value", 1

        async def request() -> tuple[LogState, str]:
            settled = await gate.caches.version.settle()
            try:
                before = current_state(gate)
                return before, for_state(gate, remembered, lambda state: state, compute)
            finally:
                gate.caches.version.unsettle(settled)

        before, value = run(request())
        after = current_state(gate)
    assert value == "value" and after[1:] != before[1:]  # a new checkpoint, the same events
    assert len(remembered) == 0
