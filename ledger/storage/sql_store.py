"""The SQLAlchemy log store: the eventsourcing Application and the ledger's tables.

The events themselves are stored by ``eventsourcing`` through
``eventsourcing-sqlalchemy`` (table ``ledger_events``), on a SQLite file by
default or on PostgreSQL given a ``postgresql+psycopg://`` URL. Beside them, in
the same database and written in the same transaction, the ledger keeps the
tables of ``ledger.storage.schema``. ``Store`` implements the storage port
(``ledger.storage.port.LogStore``); it is the only place that knows which
database is behind it.

Nothing here updates or deletes a row of the ledger's tables: the only writes
are inserts. The one exception is the verified-through mark, a cache that each
check before acting replaces (see ``ledger.storage.schema``).
"""

from __future__ import annotations

import fcntl
import json.decoder
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit, urlunsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Cache, LRUCache
from eventsourcing.persistence import InterfaceError as EsInterfaceError
from eventsourcing.persistence import Notification
from eventsourcing.persistence import OperationalError as EsOperationalError
from sqlalchemy import delete, func, insert, inspect, select, text
from sqlalchemy import event as sqlalchemy_events
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ledger.admission import A, EventInfo
from ledger.aggregates.base import LedgerAggregate
from ledger.collector import bulk
from ledger.errors import LedgerError, StorageUnavailable
from ledger.storage.change_token import ensure_change_notices
from ledger.storage.port import (
    AlreadyStored,
    CheckpointRow,
    EventRow,
    LeafRow,
    LeafValues,
    StoredReportSnapshot,
    originator_bytes,
)
from ledger.storage.recorder import insert_rows
from ledger.storage.schema import (
    MARK,
    SAVED_REPORTS,
    checkpoints_table,
    cosignatures_table,
    leaves_table,
    mark_metadata,
    mark_table,
    metadata,
    published_table,
    saved_reports_table,
    witnessing_metadata,
)
from ledger.storage.snapshots import SNAPSHOTS, TRACKING, ReportSnapshotTable

__all__ = ["LeafRow", "Store", "database_url", "storage_available"]

PAGE_ROWS = 5000
"""Rows fetched at a time by the streamed reads of every row."""

MISSES_BEFORE_KNOWN = 64
"""Subjects looked up in vain, one query each, before the ids of every subject are read
(``Store._read_known``): at 1M events that read costs about as much as a thousand such
queries, which a command recording a few statements never makes."""


DISK_FULL = "the database's disk is full, nothing was stored; retry once it has room"


def _connection_lost(context: Any) -> None:
    """SQLAlchemy ``handle_error`` hook: a lost or refused connection is StorageUnavailable.

    Installed on the engine so that every database call the ledger's users
    make (appends, lookups, reads) reports an outage the same way; the pool
    still invalidates the dead connection before the error is raised.
    """
    error = context.sqlalchemy_exception
    message = str(context.original_exception).lower()
    sqlite = context.dialect is not None and context.dialect.name == "sqlite"
    if _disk_full(message):
        raise StorageUnavailable(DISK_FULL)
    if context.is_disconnect or (
        isinstance(error, (OperationalError, InterfaceError))
        and (not sqlite or "locked" in message or "unable to open" in message)
    ):
        raise StorageUnavailable(
            "the database is unavailable, nothing was stored; retry later"
            f" ({type(context.original_exception).__name__})"
        )


def _disk_full(message: str) -> bool:
    """SQLite's SQLITE_FULL and PostgreSQL's ENOSPC (class 53, "could not extend file")."""
    return "database or disk is full" in message or "no space left on device" in message


@contextmanager
def storage_available() -> Iterator[None]:
    """Report a lost or refused database connection as StorageUnavailable.

    The driver's and eventsourcing's connection errors differ by backend; a
    recorder only needs to know that nothing was stored and to retry later
    (a retry of the same statement is idempotent).
    """
    try:
        yield
    except (OperationalError, InterfaceError, EsOperationalError, EsInterfaceError) as exc:
        if _disk_full(str(exc).lower()):
            raise StorageUnavailable(DISK_FULL) from exc
        raise StorageUnavailable(
            f"the database is unavailable, nothing was stored; retry later ({type(exc).__name__})"
        ) from exc


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def database_url(db: str) -> str:
    """Accept a SQLite file path or a SQLAlchemy URL.

    A PostgreSQL URL may name several servers as libpq does
    (``postgresql+psycopg://user@h1:5432,h2:5432/db?target_session_attrs=read-write``),
    so a client finds the primary after a failover. SQLAlchemy reads only one
    host in that place; it takes several as repeated ``host=h:p`` query
    parameters, so the list is moved there.
    """
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    parts = urlsplit(db)
    hosts = parts.netloc.rpartition("@")[2]
    if not parts.scheme.startswith("postgresql") or "," not in hosts:
        return db
    userinfo = parts.netloc[: len(parts.netloc) - len(hosts)]
    listed = urlencode([("host", host) for host in hosts.split(",")])
    query = f"{listed}&{parts.query}" if parts.query else listed
    return urlunsplit((parts.scheme, userinfo, parts.path, query, parts.fragment))


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


_LEAF_MEMBER = '"leaf":"'
"""Where a stored event state's canonical leaf begins (see ``Store.leaf_of_state``)."""
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]
"""The JSON decoder's own reader of one string, which starts after its opening quote."""


def _project(aggregate: Any, events: Iterable[Any]) -> Any:
    """A lifecycle from its stored events, each applied in turn, as the library's own
    projector does, but without asserting each event against a runtime-checkable protocol
    (``typing``'s walk of its attributes, 40 per cent of loading a lifecycle that holds
    thousands of events, such as a group's memberships and actions; every event the
    mapper decodes is of the aggregate's own ``Event`` class)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


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
            ensure_change_notices(self.engine)
            # the engine's own listeners, not ``event.contains``: that asks a registry keyed
            # by object ids, which an engine freed before may have left behind under the id
            # this one now has, and the hook was then taken as installed when it was not
            if _connection_lost not in list(self.engine.dialect.dispatch.handle_error):
                sqlalchemy_events.listen(self.engine, "handle_error", _connection_lost)
        except Exception as exc:  # driver errors differ by backend
            raise StorageUnavailable(f"cannot open the database {self._safe_url()}: {exc}") from exc
        self._info_cache: OrderedDict[str, EventInfo | None] = OrderedDict()
        self._known_aggregates: set[str] | None = None
        self._misses = 0
        """Subjects looked up and not found while the ids of every one were not read yet."""
        self._witnessing_tables = False
        self._mark_table = False
        self.application_name: str = self.app.name

    def _safe_url(self) -> str:
        return self.url.split("@")[-1] if "@" in self.url else self.url

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()

    def available(self) -> AbstractContextManager[None]:
        return storage_available()

    # --- transactions and the writer lock ----------------------------------------
    @contextmanager
    def unit_of_work(self) -> Iterator[SqlUnitOfWork]:
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
                yield SqlUnitOfWork(self, session)

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
    def leaf_count(self) -> int:
        stmt = select(func.count()).select_from(leaves_table)
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

    def leaf_hashes(self, start: int = 0, end: int | None = None) -> list[bytes]:
        """The leaf index's hashes at positions ``start`` to ``end - 1`` (default: every one
        from ``start`` on), read plainly (no type conversion)."""
        c = leaves_table.c
        query = (
            f"SELECT {c.leaf_hash.name} FROM {leaves_table.name}"
            f" WHERE {c.leaf_index.name} >= :start"
            + ("" if end is None else f" AND {c.leaf_index.name} < :end")
            + f" ORDER BY {c.leaf_index.name}"
        )
        return [bytes(r[0]) for r in self._stream(query, {"start": start, "end": end})]

    def leaf_by_event_id(self, event_id: str) -> LeafRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(leaves_table).where(leaves_table.c.event_id == event_id)
            ).first()
        return LeafRow(*row) if row else None

    def notification_id_at(self, leaf_index: int) -> int | None:
        with self.engine.connect() as conn:
            nid = conn.execute(
                select(leaves_table.c.notification_id).where(
                    leaves_table.c.leaf_index == leaf_index
                )
            ).scalar()
        return None if nid is None else int(nid)

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

    def _read_known(self) -> set[str]:
        """Ids of every aggregate in the log, as the leaf index stores them (``str`` of the
        UUID), so a new subject costs no query; kept as text, not parsed (200k ids at 1M events).

        Read once a process has looked up ``MISSES_BEFORE_KNOWN`` subjects in vain (an
        import, many of whose statements open a new lifecycle): before that, each lookup
        is one query, and a command that records a few statements reads none of them.
        """
        # every row read plainly, the set keeping each id once: at 1M events 0.8 s,
        # where SELECT DISTINCT through the library's rows took 1.8 s
        column = leaves_table.c.aggregate_id.name
        rows = self._stream(f"SELECT {column} FROM {leaves_table.name}", {})
        self._known_aggregates = {r[0] for r in rows}
        return self._known_aggregates

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None:
        known = self._known_aggregates
        if known is not None and str(aggregate_id) not in known:
            return None
        try:
            agg = self._rebuilt(aggregate_id)
        except AggregateNotFoundError:
            if known is None:
                self._misses += 1
                if self._misses >= MISSES_BEFORE_KNOWN:
                    self._read_known()
            return None
        return agg if isinstance(agg, cls) else None

    def load_version(self, aggregate_id: UUID, version: int) -> LedgerAggregate | None:
        try:
            return self._rebuilt(aggregate_id, version)
        except AggregateNotFoundError:
            return None

    def _rebuilt(self, aggregate_id: UUID, version: int | None = None) -> LedgerAggregate:
        """The lifecycle from the repository (its cache when ``version`` is None), built by
        ``_project`` with the collector paused: the rows read and the lifecycle built only
        grow (``ledger.collector``)."""
        with bulk():
            agg: LedgerAggregate = self.app.repository.get(
                aggregate_id, version=version, projector_func=_project
            )
        return agg

    def _save_in_log_order(self, aggregates: Iterable[LedgerAggregate]) -> list[int]:
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
        if self._known_aggregates is not None:
            self._known_aggregates.update(str(agg.id) for agg in aggregates)
        cache = self.app.repository.cache
        if cache is not None:
            for agg in aggregates:
                cache.put(agg.id, agg)
        return [r.notification.id for r in recordings]

    def evict(self, aggregate_ids: Sequence[UUID | str]) -> None:
        known = self._known_aggregates
        cache = self.app.repository.cache
        for agg_id in aggregate_ids:
            key = agg_id if isinstance(agg_id, UUID) else UUID(agg_id)
            if known is not None:  # written by another writer, or by a batch that failed
                known.add(str(key))  # look it up
            if cache is None:
                continue
            try:
                cache.get(key, evict=True)
            except KeyError:
                pass

    def evict_all(self) -> None:
        """Forget every cached lifecycle (after the check before acting: each is read again
        from the rows just verified). The library's ``LRUCache.clear`` only resets its
        recency list and keeps every entry, which later reads still found; a new cache of
        the same size holds none."""
        repository = self.app.repository
        if isinstance(repository.cache, LRUCache):
            repository.cache = LRUCache(maxsize=repository.cache.maxsize)
        elif repository.cache is not None:
            repository.cache = Cache()

    # --- stored aggregate events in log order -------------------------------------
    def notifications(self, start: int = 1, limit: int = 1000) -> list[Notification]:
        """Stored events from notification id ``start`` on, in order.

        The library's own reader loads each row as an ORM object (a fifth of
        ``ledger verify`` went there); a Core select of the same table reads
        the same columns, through the same column types.
        """
        table = self.app.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        c = table.c
        stmt = (
            select(c.id, c.originator_id, c.originator_version, c.topic, c.state)
            .where(c.id >= start)
            .order_by(c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                Notification(
                    id=row[0],
                    originator_id=row[1],
                    originator_version=row[2],
                    topic=row[3],
                    state=bytes(row[4]),
                )
                for row in conn.execute(stmt)
            ]

    def event_row_pages(self, upto: int, after: int = 0) -> Iterator[list[EventRow]]:
        """Every event row after ``after`` up to ``upto``, a page of ``EventRow`` at a time.

        One streamed query for the check from a verified-through mark, which
        hashes every row: SQLite's pages are handed over as its driver gives
        them (the originator id's 16 bytes and the state as bytes), with no
        per-row work; another database's originator id is given as its 16 bytes.
        """
        table = self.app.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        query = (
            f"SELECT id, originator_id, originator_version, topic, state FROM {table.name}"
            " WHERE id > :after AND id <= :upto ORDER BY id"
        )
        pages = self._pages(query, {"after": after, "upto": upto})
        if self.is_sqlite:
            yield from pages
            return
        for page in pages:
            yield [
                (number, originator_bytes(raw_id), version, topic, bytes(state))
                for number, raw_id, version, topic, state in page
            ]

    def reading_elsewhere(self) -> None:
        """In a forked process: leave the parent's connections alone and open its own."""
        self.engine.dispose(close=False)

    def leaf_value_pages(self, size: int) -> Iterator[list[LeafValues]]:
        """Every leaf index row at positions below ``size``, in order, in one streamed query,
        a page at a time: its values in the order of ``LeafRow``'s fields, the hash as bytes."""
        c = leaves_table.c
        query = (
            f"SELECT {c.leaf_index.name}, {c.event_id.name}, {c.leaf_hash.name}, {c.type.name},"
            f" {c.recorder.name}, {c.occurred_at.name}, {c.aggregate_id.name},"
            f" {c.notification_id.name} FROM {leaves_table.name}"
            f" WHERE {c.leaf_index.name} < :size ORDER BY {c.leaf_index.name}"
        )
        pages = self._pages(query, {"size": size})
        if self.is_sqlite:  # its driver gives a blob as bytes: the pages are yielded as read
            yield from pages
            return
        for page in pages:
            yield [
                (index, event_id, bytes(digest), kind, recorder, occurred, aggregate, number)
                for index, event_id, digest, kind, recorder, occurred, aggregate, number in page
            ]

    def leaf_states(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """(log position, stored event state) of the leaves at positions ``start`` to ``end - 1``,
        in order, in one streamed query: the leaf index joined to the event rows it names.

        Unverified, as every stored value is: the caller checks each leaf it
        takes out of a state against the hash its verified tree holds
        (``Ledger.verified_leaves``).
        """
        c = leaves_table.c
        events = self.app.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        query = (
            f"SELECT l.{c.leaf_index.name}, e.state FROM {leaves_table.name} l"
            f" JOIN {events.name} e ON e.id = l.{c.notification_id.name}"
            f" WHERE l.{c.leaf_index.name} >= :start AND l.{c.leaf_index.name} < :end"
            f" ORDER BY l.{c.leaf_index.name}"
        )
        for index, state in self._stream(query, {"start": start, "end": end}):
            yield index, bytes(state)

    def leaf_of_state(self, state: bytes, *, exact: bool = False) -> bytes | None:
        """The canonical leaf a stored event state holds; None if none is found.

        By default the ``"leaf"`` member's string is read where it stands,
        without decoding the rest of the state (a third of the time); with
        ``exact`` the whole state is decoded as the event mapper decodes it.
        Either way the caller checks the leaf against its verified hash, and
        reads it ``exact`` before calling a mismatch tampering.
        """
        mapper = self.app.mapper
        try:
            if mapper.cipher:
                state = mapper.cipher.decrypt(state)
            if mapper.compressor:
                state = mapper.compressor.decompress(state)
            if not exact:
                text = state.decode("utf-8")
                at = text.find(_LEAF_MEMBER)
                if at < 0:
                    return None
                found: str = _scanstring(text, at + len(_LEAF_MEMBER))[0]
                return found.encode("utf-8")
            leaf = mapper.transcoder.decode(state).get("leaf")
        except Exception:  # a row edited into something the mapper cannot read
            return None
        return leaf.encode("utf-8") if isinstance(leaf, str) else None

    def _stream(self, query: str, params: dict[str, Any]) -> Iterator[Any]:
        """The rows of a plain query, as the driver returns them (``_pages``)."""
        for page in self._pages(query, params):
            yield from page

    def _pages(self, query: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        """The rows of a plain query, a page at a time, as the driver returns them.

        SQLite's own cursor already steps through the result lazily, and is
        about twice as fast as the library's result objects; PostgreSQL
        streams through a server-side cursor, so a million rows are never
        held at once.
        """
        with self.engine.connect() as conn:
            if self.is_sqlite:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(query, params)
                    while rows := cursor.fetchmany(PAGE_ROWS):
                        yield cast(list[Any], rows)  # sqlite3's fetchmany gives a list
                finally:
                    cursor.close()
                return
            result = conn.execution_options(stream_results=True, yield_per=PAGE_ROWS).execute(
                text(query), params
            )
            for page in result.partitions():
                yield [tuple(row) for row in page]

    def decode(self, notification: Notification) -> Any:
        return self.app.mapper.to_domain_event(notification)

    def encode(self, event: Any) -> Any:
        return self.app.mapper.to_stored_event(event)

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
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(checkpoints_table).values(
                        tree_size=tree_size, root_hash=root, note=note, signed_at=signed_at
                    )
                )
        except IntegrityError as exc:
            raise AlreadyStored(f"a checkpoint of tree size {tree_size} is stored") from exc

    def checkpoints(self) -> list[CheckpointRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(checkpoints_table).order_by(checkpoints_table.c.tree_size))
            return [(int(r[0]), bytes(r[1]), str(r[2]), str(r[3])) for r in rows]

    def latest_checkpoint(self) -> CheckpointRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(checkpoints_table).order_by(checkpoints_table.c.tree_size.desc()).limit(1)
            ).first()
        return (int(row[0]), bytes(row[1]), str(row[2]), str(row[3])) if row else None

    # --- witnesses' cosignatures and published checkpoints -----------------------------
    def _witnessing(self) -> Engine:
        """The engine, with the witnessing tables created on first use."""
        if not self._witnessing_tables:
            witnessing_metadata.create_all(self.engine)
            self._witnessing_tables = True
        return self.engine

    def has_published_tables(self) -> bool:
        return self._witnessing_tables or inspect(self.engine).has_table(published_table.name)

    def record_cosignature(self, witness_vkey: str, tree_size: int, line: str) -> None:
        with self._witnessing().begin() as conn:
            conn.execute(
                insert(cosignatures_table).values(
                    witness_vkey=witness_vkey,
                    tree_size=tree_size,
                    cosignature=line,
                    received_at=_now(),
                )
            )

    def cosignatures(self) -> list[tuple[int, str, int, str]]:
        c = cosignatures_table.c
        with self._witnessing().connect() as conn:
            rows = conn.execute(
                select(c.id, c.witness_vkey, c.tree_size, c.cosignature).order_by(c.id)
            )
            return [(int(r[0]), str(r[1]), int(r[2]), str(r[3])) for r in rows]

    def cosignatures_with_checkpoints(
        self, witness_vkey: str
    ) -> list[tuple[int, int, str, str | None]]:
        c = cosignatures_table.c
        with self._witnessing().connect() as conn:
            rows = conn.execute(
                select(c.id, c.tree_size, c.cosignature, checkpoints_table.c.note)
                .select_from(
                    cosignatures_table.outerjoin(
                        checkpoints_table, checkpoints_table.c.tree_size == c.tree_size
                    )
                )
                .where(c.witness_vkey == witness_vkey)
                .order_by(c.id)
            ).all()
        return [
            (int(r[0]), int(r[1]), str(r[2]), None if r[3] is None else str(r[3])) for r in rows
        ]

    def insert_published(self, tree_size: int, note: str) -> None:
        try:
            with self._witnessing().begin() as conn:
                conn.execute(
                    insert(published_table).values(
                        tree_size=tree_size, note=note, published_at=_now()
                    )
                )
        except IntegrityError as exc:
            raise AlreadyStored(
                f"a published checkpoint of tree size {tree_size} is stored"
            ) from exc

    def published_checkpoints(self) -> list[tuple[int, str, str]]:
        with self._witnessing().connect() as conn:
            rows = conn.execute(select(published_table).order_by(published_table.c.tree_size))
            return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def published_note(self, tree_size: int | None = None) -> tuple[int, str] | None:
        query = select(published_table.c.tree_size, published_table.c.note)
        if tree_size is None:
            query = query.order_by(published_table.c.tree_size.desc()).limit(1)
        else:
            query = query.where(published_table.c.tree_size == tree_size)
        with self._witnessing().connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (int(row[0]), str(row[1]))

    # --- the reports projection's snapshot ---------------------------------------------
    def report_snapshots(self) -> ReportSnapshotTable:
        view = ReportSnapshotTable(self.app.factory.datastore)  # type: ignore[attr-defined]
        view.create_table()
        return view

    def stored_report_snapshot(self) -> StoredReportSnapshot | None:
        """The snapshot row as stored; a database without the table has none (nothing is created)."""
        tables = set(inspect(self.engine).get_table_names())
        if SNAPSHOTS not in tables:
            return None
        view = ReportSnapshotTable(self.app.factory.datastore)  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            found = view.stored(conn, self.application_name, tracked=TRACKING in tables)
        if found is None:
            return None
        row, tracked = found
        return StoredReportSnapshot(
            state=bytes(row[0]),
            notification_id=int(row[1]),
            tree_size=int(row[2]),
            tracked=None if tracked is None else int(tracked),
        )

    # --- the verified-through mark -----------------------------------------------------
    def verified_mark(self) -> str | None:
        if not (self._mark_table or inspect(self.engine).has_table(MARK)):
            return None
        with self.engine.connect() as conn:
            note = conn.execute(select(mark_table.c.note).where(mark_table.c.id == 1)).scalar()
        return None if note is None else str(note)

    def replace_verified_mark(self, note: str) -> bool:
        """Store the mark; False if the database refused (read-only, full, or a concurrent mark)."""
        try:
            if not self._mark_table:
                mark_metadata.create_all(self.engine)
                self._mark_table = True
            with self.engine.begin() as conn:
                conn.execute(delete(mark_table))
                conn.execute(insert(mark_table).values(id=1, note=note))
        except (SQLAlchemyError, StorageUnavailable):
            return False
        return True

    def saved_report(self, name: str) -> tuple[str, bytes] | None:
        if not (self._mark_table or inspect(self.engine).has_table(SAVED_REPORTS)):
            return None
        table = saved_reports_table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table.c.key, table.c.body).where(table.c.name == name)
            ).first()
        return None if row is None else (str(row[0]), bytes(row[1]))

    def save_report(self, name: str, key: str, body: bytes) -> bool:
        table = saved_reports_table
        try:
            if not self._mark_table:
                mark_metadata.create_all(self.engine)
                self._mark_table = True
            with self.engine.begin() as conn:
                conn.execute(delete(table).where(table.c.name == name))
                conn.execute(insert(table).values(name=name, key=key, body=body))
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise StorageUnavailable(f"the database did not store {name!r}: {reason}") from exc
        return True


class SqlUnitOfWork:
    """The writes of one transaction (``Store.unit_of_work``), on its session."""

    def __init__(self, store: Store, session: Session) -> None:
        self._store = store
        self._session = session

    def leaf_rows_from(self, start: int) -> list[LeafRow]:
        stmt = (
            select(leaves_table)
            .where(leaves_table.c.leaf_index >= start)
            .order_by(leaves_table.c.leaf_index)
        )
        return [LeafRow(*row) for row in self._session.execute(stmt)]

    def save_in_log_order(self, aggregates: Iterable[LedgerAggregate]) -> list[int]:
        return self._store._save_in_log_order(aggregates)  # noqa: SLF001  (same transaction)

    def insert_leaves(self, rows: Sequence[LeafRow]) -> None:
        insert_rows(
            self._session,
            leaves_table,
            LEAF_COLUMNS,
            [
                (
                    r.leaf_index,
                    r.event_id,
                    r.leaf_hash,
                    r.type,
                    r.recorder,
                    r.occurred_at,
                    r.aggregate_id,
                    r.notification_id,
                )
                for r in rows
            ],
        )


LEAF_COLUMNS = tuple(leaves_table.c.keys())
"""The leaf index's columns in the order of LeafRow's fields (rows are read back as LeafRow(*row))."""
