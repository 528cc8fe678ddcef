"""The reports projection's snapshot table, written with eventsourcing's tracking table.

``ReportSnapshotTable`` is a ``SQLAlchemyTrackingRecorder`` that also keeps
one snapshot of the facts: the snapshot and the tracking position are written
in ONE transaction, so after a restart the projection resumes exactly after
the last event the snapshot holds (exactly once: recording the same position
twice is refused by the tracking table, reported as ``AlreadyStored``). The
snapshot is opaque bytes here; what it holds is the projection's business.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Connection

from ledger.storage.port import AlreadyStored
from ledger.storage.schema import BigId

SNAPSHOTS = "reports_facts_snapshot"
TRACKING = "reports_tracking"


class ReportSnapshotTable(SQLAlchemyTrackingRecorder):
    """Tracking positions plus the latest report snapshot, written together."""

    def __init__(
        self,
        datastore: SQLAlchemyDatastore,
        *,
        tracking_table_name: str = TRACKING,
        schema_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            datastore, tracking_table_name=tracking_table_name, schema_name=schema_name, **kwargs
        )
        self.snapshots = Table(
            SNAPSHOTS,
            MetaData(schema=schema_name),
            Column("application_name", String(32), primary_key=True),
            Column("notification_id", BigId, nullable=False),
            Column("tree_size", BigId, nullable=False),
            Column("state", LargeBinary, nullable=False),
        )

    def create_table(self) -> None:
        super().create_table()
        assert self.datastore.engine is not None
        self.snapshots.create(self.datastore.engine, checkfirst=True)

    def save(self, state: bytes, tree_size: int, application_name: str, position: int) -> None:
        """Store the snapshot and the tracking position in one transaction (or neither)."""
        try:
            with self.transaction(commit=True) as session:
                self._insert_tracking(session, Tracking(application_name, position))
                session.execute(
                    delete(self.snapshots).where(
                        self.snapshots.c.application_name == application_name
                    )
                )
                session.execute(
                    insert(self.snapshots).values(
                        application_name=application_name,
                        notification_id=position,
                        tree_size=tree_size,
                        state=state,
                    )
                )
        except IntegrityError as exc:
            raise AlreadyStored(f"position {position} of {application_name} is tracked") from exc

    def load(self, application_name: str) -> tuple[bytes, int] | None:
        """The stored snapshot and the notification id it reflects, if any."""
        with self.transaction(commit=False) as session:
            row = session.execute(
                select(self.snapshots.c.state, self.snapshots.c.notification_id).where(
                    self.snapshots.c.application_name == application_name
                )
            ).first()
        return None if row is None else (bytes(row[0]), int(row[1]))

    def reset(self, application_name: str) -> None:
        """Forget the snapshot and the position together (the facts will be rebuilt from zero)."""
        with self.transaction(commit=True) as session:
            session.execute(
                delete(self.snapshots).where(self.snapshots.c.application_name == application_name)
            )
            session.execute(
                delete(self.tracking_table).where(
                    self.tracking_table.c.application_name == application_name
                )
            )

    def stored(self, conn: Connection, application_name: str, tracked: bool) -> Any:
        """(state, notification id, tree size, tracked position) as stored, or None."""
        from sqlalchemy import func

        row = conn.execute(
            select(
                self.snapshots.c.state, self.snapshots.c.notification_id, self.snapshots.c.tree_size
            ).where(self.snapshots.c.application_name == application_name)
        ).first()
        if row is None:
            return None
        position = (
            conn.execute(
                select(func.max(self.tracking_table.c.notification_id)).where(
                    self.tracking_table.c.application_name == application_name
                )
            ).scalar()
            if tracked
            else None
        )
        return row, position
