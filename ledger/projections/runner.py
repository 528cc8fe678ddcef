"""Keeping the facts current with eventsourcing's projection and tracking machinery.

``FactsProjection`` is an ``eventsourcing.projection.Projection``: its
``process_event(domain_event, tracking)`` folds the statement the stored
aggregate event carries (``leaf``, ``event_id``, ``leaf_index``) into
``Facts``. Its view, ``FactsView``, is a ``SQLAlchemyTrackingRecorder`` that
also keeps one snapshot of the facts: the snapshot and the tracking position
are written in ONE transaction, so after a restart the projection resumes
exactly after the last event the snapshot holds (a snapshot of an older
``STATE_VERSION`` is dropped with its position, and the facts rebuilt) (exactly once: recording the
same position twice is refused by the tracking table).

Snapshots are taken while catching up every ``SNAPSHOT_EVERY`` events or half
the facts' size if larger (so their total cost stays linear in the log's
length), and when a catch-up ends with a tail of at least 1% of the facts
unsaved. A snapshot costs time in proportion to the whole log, so one new
event on a large log is folded in memory and not snapshotted: a restart simply
folds that short tail again from the last snapshot's position.

``FactsRunner.catch_up`` drives the projection synchronously by reading the
application's notification log from the tracked position and decoding each
notification with the application's mapper, exactly as an
``ApplicationSubscription`` does; it works on SQLite and PostgreSQL alike
(eventsourcing's threaded ``ProjectionRunner`` needs PostgreSQL's LISTEN/NOTIFY,
and the classes here also fit it: ``ProjectionRunner(application_class=
LedgerApplication, projection_class=FactsProjection, view_class=FactsView, env=…)``).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import Projection
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
)

from ledger.projections.facts import STATE_VERSION, Facts, bulk
from ledger.storage.sql_store import Store

SNAPSHOT_EVERY = 10_000
PAGE = 2000
BigId = BigInteger().with_variant(Integer(), "sqlite")


class FactsView(SQLAlchemyTrackingRecorder):
    """Tracking positions plus the latest facts snapshot, written together."""

    def __init__(
        self,
        datastore: SQLAlchemyDatastore,
        *,
        tracking_table_name: str = "reports_tracking",
        schema_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            datastore, tracking_table_name=tracking_table_name, schema_name=schema_name, **kwargs
        )
        self.snapshots = Table(
            "reports_facts_snapshot",
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

    def save_snapshot(self, facts: Facts, tracking: Tracking) -> None:
        """Store the facts and the tracking position in one transaction (or neither)."""
        blob = zlib.compress(json.dumps(facts.to_state(), separators=(",", ":")).encode("utf-8"), 1)
        with self.transaction(commit=True) as session:
            self._insert_tracking(session, tracking)
            session.execute(
                delete(self.snapshots).where(
                    self.snapshots.c.application_name == tracking.application_name
                )
            )
            session.execute(
                insert(self.snapshots).values(
                    application_name=tracking.application_name,
                    notification_id=tracking.notification_id,
                    tree_size=facts.count,
                    state=blob,
                )
            )

    def load_snapshot(self, application_name: str) -> tuple[Facts, int] | None:
        """The stored facts and the notification id they reflect, if any."""
        with self.transaction(commit=False) as session:
            row = session.execute(
                select(self.snapshots.c.state, self.snapshots.c.notification_id).where(
                    self.snapshots.c.application_name == application_name
                )
            ).first()
        if row is None:
            return None
        state = json.loads(zlib.decompress(bytes(row[0])))
        if state.get("version") != STATE_VERSION:
            self.reset(application_name)
            return None
        return Facts.from_state(state), int(row[1])

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


class FactsProjection(Projection[FactsView]):
    """Folds every stored statement into ``Facts``; snapshots with its tracking position."""

    name = "reports"

    def __init__(self, view: FactsView, application_name: str = "ledger") -> None:
        super().__init__(view)
        loaded = view.load_snapshot(application_name)
        self.facts = loaded[0] if loaded else Facts()
        self.position: int | None = loaded[1] if loaded else None
        self._unsaved: Tracking | None = None
        self._since_snapshot = 0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        statement = json.loads(domain_event.leaf)
        statement["event_id"] = domain_event.event_id
        statement["leaf_index"] = domain_event.leaf_index
        self.facts.apply(statement, settle=False)
        self._unsaved = tracking
        self._since_snapshot += 1
        if self._since_snapshot >= max(SNAPSHOT_EVERY, self.facts.count // 2):
            self.snapshot()

    def tail_worth_saving(self) -> bool:
        """True when the events folded since the last snapshot are at least 1% of all."""
        return self._since_snapshot > 0 and self._since_snapshot * 100 >= self.facts.count

    def snapshot(self) -> None:
        """Persist the facts with the last processed position, if anything is unsaved."""
        if self._unsaved is None:
            return
        try:
            self.view.save_snapshot(self.facts, self._unsaved)
        except IntegrityError:
            # Another process already recorded this position (or a later one):
            # its snapshot is as good as ours, and nothing is counted twice.
            pass
        self.position = self._unsaved.notification_id
        self._unsaved = None
        self._since_snapshot = 0


class FactsRunner:
    """Keeps a ``FactsProjection`` current with a ledger store, synchronously."""

    def __init__(self, store: Store, *, snapshots: bool = True) -> None:
        self.store = store
        self.app_name = store.app.name
        self.view = FactsView(store.app.factory.datastore)  # type: ignore[attr-defined]
        self.view.create_table()
        self.projection = FactsProjection(self.view, self.app_name)
        self.snapshots = snapshots
        self._last_seen = self.projection.position or 0

    @property
    def facts(self) -> Facts:
        self.projection.facts.settle()
        return self.projection.facts

    def catch_up(self, limit: int | None = None) -> int:
        """Process what the log holds beyond the last position; return how many events.

        ``limit`` stops early (for tests of restarts).
        """
        with bulk():
            return self._catch_up(limit)

    def _catch_up(self, limit: int | None) -> int:
        done = 0
        mapper = self.store.app.mapper
        while limit is None or done < limit:
            page = self.store.notifications(
                start=self._last_seen + 1, limit=PAGE if limit is None else min(PAGE, limit - done)
            )
            if not page:
                break
            for notification in page:
                tracking = Tracking(self.app_name, notification.id)
                self.projection.process_event(mapper.to_domain_event(notification), tracking)
                self._last_seen = notification.id
                done += 1
        self.projection.facts.settle()
        if self.snapshots and self.projection.tail_worth_saving():
            self.projection.snapshot()
        return done


def check_snapshot(store: Store) -> list[tuple[str, str]]:
    """Refold the verified leaves up to the stored snapshot's position and compare.

    The snapshot and its tracking position are a cache of what the leaves give;
    ``ledger verify`` (and so the check before a server starts) recomputes them,
    and returns (column, message) for each disagreement. Nothing is written.
    """
    from sqlalchemy import func, inspect, select

    tables = set(inspect(store.engine).get_table_names())
    if "reports_facts_snapshot" not in tables:
        return []
    view = FactsView(store.app.factory.datastore)  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        row = conn.execute(
            select(
                view.snapshots.c.state, view.snapshots.c.notification_id, view.snapshots.c.tree_size
            ).where(view.snapshots.c.application_name == store.app.name)
        ).first()
        tracked = (
            conn.execute(
                select(func.max(view.tracking_table.c.notification_id)).where(
                    view.tracking_table.c.application_name == store.app.name
                )
            ).scalar()
            if "reports_tracking" in tables
            else None
        )
    if row is None:
        return []
    problems: list[tuple[str, str]] = []
    try:
        state = json.loads(zlib.decompress(bytes(row[0])))
    except (zlib.error, ValueError):
        return [("reports_facts_snapshot.state", "the stored report snapshot cannot be read")]
    position = int(row[1])
    if tracked is not None and int(tracked) != position:
        problems.append(
            (
                "reports_tracking.notification_id",
                f"the tracked position {tracked} is not the snapshot's position {position}",
            )
        )
    if state.get("version") != STATE_VERSION:
        return problems  # an older format is dropped and rebuilt from the leaves on use
    fresh = Facts()
    mapper = store.app.mapper
    start = 1
    with bulk():
        while start <= position:
            page = store.notifications(start=start, limit=min(PAGE, position - start + 1))
            if not page:
                break
            for notification in page:
                if notification.id > position:
                    break
                event = mapper.to_domain_event(notification)
                statement = json.loads(event.leaf)
                statement["event_id"] = event.event_id
                statement["leaf_index"] = event.leaf_index
                fresh.apply(statement, settle=False)
            start = int(page[-1].id) + 1
    fresh.settle()
    if int(row[2]) != fresh.count:
        problems.append(
            ("reports_facts_snapshot.tree_size", f"stored {row[2]}, the leaves give {fresh.count}")
        )
    try:
        stored = Facts.from_state(state)
        stored.settle()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        problems.append(
            (
                "reports_facts_snapshot.state",
                f"the report snapshot at position {position} is inconsistent",
            )
        )
        return problems
    if json.loads(json.dumps(fresh.to_state())) != json.loads(json.dumps(stored.to_state())):
        problems.append(
            (
                "reports_facts_snapshot.state",
                f"the report snapshot at position {position} differs from the facts its leaves give",
            )
        )
    return problems
