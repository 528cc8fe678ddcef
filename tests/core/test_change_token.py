"""The token the API's caches are validated by changes with every commit to the log, and only then.

A cached checkpoint, count of events or report is served only while the token
is the one it was read under; a token that failed to change would serve a
stale answer as current, so each way the log can change is tried, on SQLite
and on PostgreSQL, including a change made by hand at a SQL prompt.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import text

from ledger.service import Ledger
from ledger.storage.change_token import TRIGGER, DatabaseVersion
from tests.api.conftest import key_registration
from tests.conftest import Recorder, fresh_pg_schema


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
