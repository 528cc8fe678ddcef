"""A full disk refuses the whole batch with a clear message, stores nothing, and passes once there is room.

SQLite reports a full disk (SQLITE_FULL) the same way whether the file system
is full or the database reached ``PRAGMA max_page_count``; the test uses the
pragma on the real database file, so it needs no mount and runs in CI. The
soak (``bench/soak.py``) fills real tmpfs disks, for SQLite and for a
PostgreSQL tablespace, during imports and HTTP appends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from ledger.errors import StorageUnavailable
from ledger.keyring import Keyring
from ledger.service import Ledger
from tests.conftest import Clock, chartered_ledger
from tests.reliability.conftest import FaultLog
from tests.reliability.support import assert_log_intact, key_registration


def test_a_full_sqlite_database_refuses_the_batch_whole_and_takes_it_once_there_is_room(
    keyring: Keyring, tmp_path: Path, faults: FaultLog
) -> None:
    db = str(tmp_path / "ledger.db")
    chartered_ledger(db, keyring, Clock()).close()
    now = datetime.now(UTC).replace(microsecond=0)
    batch = [key_registration(keyring, f"full disk item {i}", now) for i in range(300)]
    ids = [st.event_id for st in batch]
    with Ledger.open(db, log_key=keyring.log_key()) as ledger:
        engine = ledger.store.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())

        def no_room(dbapi_connection: Any, _: object) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 4}")

        event.listen(engine, "connect", no_room)
        engine.dispose()
        before = ledger.size
        with pytest.raises(StorageUnavailable, match="disk is full, nothing was stored"):
            ledger.append(batch)
        assert ledger.size == before
        event.remove(engine, "connect", no_room)
        engine.dispose()
        assert_log_intact(db, batches=[ids])
        ledger.append(batch)
    size, _ = assert_log_intact(db, acknowledged=ids, batches=[ids])
    assert size == before + len(batch)
    faults.record(
        "SQLite database full (SQLITE_FULL, as from a full disk) during a batch append",
        "sqlite",
        1,
        f'refused as StorageUnavailable ("the database\'s disk is full, nothing was stored");'
        f" none of the {len(batch)} statements stored; the same batch appended whole once there"
        " was room; verify_store clean",
    )
