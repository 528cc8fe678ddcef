"""eventsourcing-sqlalchemy, with the event rows inserted in one statement per batch.

The stock recorder adds one ORM object per event and flushes; for a ledger that
imports statements in batches of a thousand, one Core ``executemany`` stores the
same rows in the same order at a fraction of the cost. The notification ids are
assigned here, consecutively after the largest stored id: the recorder holds the
table's exclusive lock (PostgreSQL) or the database's single write lock
(SQLite) for the whole transaction, so no other writer can take them, and every
write to this table goes through this recorder. Everything else (tables,
locking, notifications, reading) is the library's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session


class BatchInsertApplicationRecorder(SQLAlchemyApplicationRecorder):
    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        table = self.events_record_cls.__table__
        self._lock_table(session)
        first = int(session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(stored_events)))
        session.execute(
            insert(table),
            [
                {
                    "id": notification_id,
                    "originator_id": e.originator_id,
                    "originator_version": e.originator_version,
                    "topic": e.topic,
                    "state": e.state,
                }
                for notification_id, e in zip(ids, stored_events, strict=True)
            ],
        )
        if session.get_bind().dialect.name == "postgresql":
            # Keep the column's sequence in step, for any tool that inserts by default.
            session.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                {"t": table.fullname, "v": ids[-1]},
            )
        self._notify_channel(session)
        return ids


class LedgerSQLAlchemyFactory(SQLAlchemyFactory):
    application_recorder_class = BatchInsertApplicationRecorder
