"""Persistence: the eventsourcing Application and the log's index tables.

The events themselves are stored by ``eventsourcing`` through
``eventsourcing-sqlalchemy`` (table ``ledger_events``), on a SQLite file by
default or on PostgreSQL given a ``postgresql+psycopg://`` URL. Beside them, in
the same database and written in the same transaction, the ledger keeps:

* ``ledger_leaves``: one row per log position: the statement's content id
  (unique, so a replay cannot be stored twice), its Merkle leaf hash and what
  rules need to look up references quickly;
* ``ledger_checkpoints``: every signed checkpoint (C2SP signed note).

Nothing here updates or deletes a row: the only writes are inserts.
"""

from __future__ import annotations

import fcntl
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Notification
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ledger.admission import A, EventInfo
from ledger.aggregates.base import LedgerAggregate
from ledger.errors import LedgerError, StorageUnavailable

metadata = MetaData()
BigId = BigInteger().with_variant(Integer(), "sqlite")

leaves_table = Table(
    "ledger_leaves",
    metadata,
    Column("leaf_index", BigId, primary_key=True, autoincrement=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("type", String(64), nullable=False),
    Column("recorder", String(64), nullable=False),
    Column("occurred_at", String(20), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("notification_id", BigId, nullable=False),
)

checkpoints_table = Table(
    "ledger_checkpoints",
    metadata,
    Column("tree_size", BigId, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", String(20), nullable=False),
)


def database_url(db: str) -> str:
    """Accept a SQLite file path or a SQLAlchemy URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


class LedgerApplication(Application[UUID]):
    """The event-sourced application holding every lifecycle aggregate."""

    name = "ledger"
    env = {
        "PERSISTENCE_MODULE": "ledger.storage.recorder:LedgerSQLAlchemyFactory",
        "AGGREGATE_CACHE_MAXSIZE": "200000",
        # One writer at a time holds the log's lock and evicts what others
        # changed (see Store.catch_up), so cached aggregates are current.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
    }


@dataclass(frozen=True)
class LeafRow:
    leaf_index: int
    event_id: str
    leaf_hash: bytes
    type: str
    recorder: str
    occurred_at: str
    aggregate_id: str
    notification_id: int

    def info(self) -> EventInfo:
        return EventInfo(
            event_id=self.event_id,
            leaf_index=self.leaf_index,
            type=self.type,
            recorder=self.recorder,
            occurred_at=self.occurred_at,
            aggregate_id=UUID(self.aggregate_id),
        )


class Store:
    """The database behind one ledger: events, leaves, checkpoints, the writer lock."""

    def __init__(self, db: str) -> None:
        self.url = database_url(db)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.app = LedgerApplication(env={"SQLALCHEMY_URL": self.url})
            self.engine: Engine = self.app.factory.datastore.engine  # type: ignore[attr-defined]
            metadata.create_all(self.engine)
        except Exception as exc:  # driver errors differ by backend
            raise StorageUnavailable(f"cannot open the database {self._safe_url()}: {exc}") from exc
        self._info_cache: OrderedDict[str, EventInfo | None] = OrderedDict()
        self._known_aggregates: set[UUID] | None = None

    def _safe_url(self) -> str:
        return self.url.split("@")[-1] if "@" in self.url else self.url

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()

    # --- transactions and the writer lock ----------------------------------------
    @contextmanager
    def write_transaction(self) -> Iterator[Session]:
        """One atomic write: the events, their leaves, under the single-writer lock.

        On PostgreSQL the lock is a table lock taken first in the transaction;
        on SQLite a lock file beside the database (SQLite has one writer anyway,
        the file lock makes other processes wait instead of failing).
        """
        with self._process_lock():
            datastore = self.app.factory.datastore  # type: ignore[attr-defined]
            with datastore.transaction(commit=True) as session:
                if not self.is_sqlite:
                    session.execute(text("LOCK TABLE ledger_leaves IN EXCLUSIVE MODE"))
                yield session

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        if not self.is_sqlite:
            yield
            return
        lock_path = self.url.removeprefix("sqlite:///") + ".writer-lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # --- leaves --------------------------------------------------------------
    def leaf_count(self, session: Session | None = None) -> int:
        stmt = select(func.count()).select_from(leaves_table)
        if session is not None:
            return int(session.execute(stmt).scalar_one())
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def leaf_rows(self, start: int = 0, end: int | None = None) -> list[LeafRow]:
        stmt = select(leaves_table).where(leaves_table.c.leaf_index >= start)
        if end is not None:
            stmt = stmt.where(leaves_table.c.leaf_index < end)
        stmt = stmt.order_by(leaves_table.c.leaf_index)
        with self.engine.connect() as conn:
            return [LeafRow(*row) for row in conn.execute(stmt)]

    def leaf_rows_after(self, after: int, limit: int) -> list[LeafRow]:
        """Up to ``limit`` leaf index rows with positions greater than ``after``, in order."""
        stmt = (
            select(leaves_table)
            .where(leaves_table.c.leaf_index > after)
            .order_by(leaves_table.c.leaf_index)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [LeafRow(*row) for row in conn.execute(stmt)]

    def leaf_hashes(self, start: int = 0, session: Session | None = None) -> list[bytes]:
        stmt = (
            select(leaves_table.c.leaf_hash)
            .where(leaves_table.c.leaf_index >= start)
            .order_by(leaves_table.c.leaf_index)
        )
        if session is not None:
            return [bytes(r[0]) for r in session.execute(stmt)]
        with self.engine.connect() as conn:
            return [bytes(r[0]) for r in conn.execute(stmt)]

    def new_leaf_rows(self, session: Session, start: int) -> list[LeafRow]:
        stmt = (
            select(leaves_table)
            .where(leaves_table.c.leaf_index >= start)
            .order_by(leaves_table.c.leaf_index)
        )
        return [LeafRow(*row) for row in session.execute(stmt)]

    def insert_leaves(self, session: Session, rows: Sequence[LeafRow]) -> None:
        if rows:
            session.execute(
                insert(leaves_table),
                [
                    {
                        "leaf_index": r.leaf_index,
                        "event_id": r.event_id,
                        "leaf_hash": r.leaf_hash,
                        "type": r.type,
                        "recorder": r.recorder,
                        "occurred_at": r.occurred_at,
                        "aggregate_id": r.aggregate_id,
                        "notification_id": r.notification_id,
                    }
                    for r in rows
                ],
            )

    def leaf_by_event_id(self, event_id: str) -> LeafRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(leaves_table).where(leaves_table.c.event_id == event_id)
            ).first()
        return LeafRow(*row) if row else None

    # --- event lookups for the rules (the World protocol) ----------------------
    def event_info(self, event_id: str) -> EventInfo | None:
        if event_id in self._info_cache:
            self._info_cache.move_to_end(event_id)
            return self._info_cache[event_id]
        row = self.leaf_by_event_id(event_id)
        info = row.info() if row else None
        self._remember(event_id, info)
        return info

    def prefetch_event_infos(self, event_ids: Sequence[str]) -> None:
        """Look up many ids in one query (a batch's own ids and its references)."""
        wanted = [e for e in set(event_ids) if e not in self._info_cache]
        found: dict[str, EventInfo] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows = conn.execute(select(leaves_table).where(leaves_table.c.event_id.in_(chunk)))
                for row in rows:
                    info = LeafRow(*row).info()
                    found[info.event_id] = info
        for event_id in wanted:
            self._remember(event_id, found.get(event_id))

    def _remember(self, event_id: str, info: EventInfo | None) -> None:
        self._info_cache[event_id] = info
        if len(self._info_cache) > 100_000:
            self._info_cache.popitem(last=False)

    def remember_event_info(self, info: EventInfo) -> None:
        self._remember(info.event_id, info)

    def forget_event_infos(self) -> None:
        self._info_cache.clear()

    def _known(self) -> set[UUID]:
        """Ids of every aggregate in the log, so a new subject costs no query."""
        if self._known_aggregates is None:
            with self.engine.connect() as conn:
                rows = conn.execute(select(leaves_table.c.aggregate_id).distinct())
                self._known_aggregates = {UUID(r[0]) for r in rows}
        return self._known_aggregates

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None:
        if aggregate_id not in self._known():
            return None
        try:
            agg: LedgerAggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return agg if isinstance(agg, cls) else None

    def save_in_log_order(self, aggregates: Iterable[LedgerAggregate]) -> list[int]:
        """Store the aggregates' new events in log order; return their notification ids.

        ``Application.save(*aggregates)`` would store them aggregate by
        aggregate; the notification log must follow the Merkle log exactly, so
        the pending events are sorted by log position first.
        """
        aggregates = list(aggregates)
        events = sorted(
            (e for agg in aggregates for e in agg.collect_events()),
            key=lambda e: e.leaf_index,  # type: ignore[attr-defined]
        )
        # The event store directly: Application.save() would only re-collect
        # these events, checking each against a runtime Protocol on the way.
        recordings = self.app.events.put(events)
        self._known().update(agg.id for agg in aggregates)
        cache = self.app.repository.cache
        if cache is not None:
            for agg in aggregates:
                cache.put(agg.id, agg)
        return [r.notification.id for r in recordings]

    def evict(self, aggregate_ids: Sequence[UUID | str]) -> None:
        known = self._known()
        cache = self.app.repository.cache
        for agg_id in aggregate_ids:
            key = agg_id if isinstance(agg_id, UUID) else UUID(agg_id)
            known.add(key)  # written by another writer, or by a batch that failed: look it up
            if cache is None:
                continue
            try:
                cache.get(key, evict=True)
            except KeyError:
                pass

    def evict_all(self) -> None:
        cache = self.app.repository.cache
        if cache is not None:
            cache.clear()  # type: ignore[attr-defined]

    # --- stored aggregate events in log order -------------------------------------
    def notifications(self, start: int = 1, limit: int = 1000) -> list[Notification]:
        return list(self.app.recorder.select_notifications(start=start, limit=limit))

    def decode(self, notification: Notification) -> Any:
        return self.app.mapper.to_domain_event(notification)

    def has_notification(self, notification_id: int) -> bool:
        """Whether the event store holds a row with this notification id."""
        return bool(
            self.app.recorder.select_notifications(
                start=notification_id, limit=1, stop=notification_id
            )
        )

    def max_notification_id(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    # --- checkpoints -----------------------------------------------------------
    def insert_checkpoint(self, tree_size: int, root: bytes, note: str, signed_at: str) -> None:
        """Store a signed checkpoint; ``signed_at`` is the note's own ``time`` line when it has one.

        The row's columns are derived from the note (``ledger verify`` compares
        them): a mirror or a restore stores when the log signed, not when it copied.
        """
        from ledger.log.checkpoint import Checkpoint
        from ledger.log.note import parse_note

        try:
            signed_time = Checkpoint.parse(parse_note(note).text).signed_time
        except LedgerError:
            signed_time = None
        if signed_time is not None:
            signed_at = signed_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.engine.begin() as conn:
            conn.execute(
                insert(checkpoints_table).values(
                    tree_size=tree_size, root_hash=root, note=note, signed_at=signed_at
                )
            )

    def checkpoints(self) -> list[tuple[int, bytes, str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(checkpoints_table).order_by(checkpoints_table.c.tree_size))
            return [(int(r[0]), bytes(r[1]), str(r[2]), str(r[3])) for r in rows]

    def latest_checkpoint(self) -> tuple[int, bytes, str, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(checkpoints_table).order_by(checkpoints_table.c.tree_size.desc()).limit(1)
            ).first()
        return (int(row[0]), bytes(row[1]), str(row[2]), str(row[3])) if row else None
