"""The storage port: what the ledger needs from a database, and nothing of how it is done.

Everything above this line (the rules, the ``Ledger`` service, projections,
witnessing, the API, the CLI, the public site) speaks to a ``LogStore`` and,
to write, to one ``UnitOfWork`` at a time. ``ledger.storage.sql_store`` is the
one implementation (SQLAlchemy on SQLite or PostgreSQL); every SQL statement,
table and engine lives in ``ledger.storage``.

The shape follows two designs that keep storage small and dumb. A checksum
database's storage (Go's ``sumdb`` server ops and ``tlog.HashReader``) only
hands back records and hashes by position; every proof is computed and
checked above it. A repository with a unit of work (Cosmic Python) keeps the
transaction boundary in one place: a batch is decided and its aggregate
events, leaves and index rows are written in one transaction under the
single-writer lock, or nothing is. Nothing a store returns is trusted on its
word: the signed leaf bytes are the truth, and callers recompute and compare.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from ledger.admission import A, EventInfo
from ledger.aggregates.base import LedgerAggregate

CheckpointRow = tuple[int, bytes, str, str]
"""(tree size, root hash, signed note, signed at) as ``ledger_checkpoints`` holds it."""


class AlreadyStored(Exception):
    """An insert-only row already exists at that key: another process stored it first.

    Raised by the inserts whose key is a tree size (a signed checkpoint, a
    published checkpoint), so that the caller can take the stored row instead.
    """


LeafValues = tuple[int, str, bytes, str, str, str, str, int]
"""A leaf index row's values in the order of ``LeafRow``'s fields."""

EventRow = tuple[int, bytes, int, str, bytes]
"""An event row's values as stored: notification id, originator id (its 16 bytes), version,
topic and state."""


def originator_bytes(originator_id: Any) -> bytes:
    """An originator id as the 16 bytes an event row holds: as SQLite stores them, or from a
    UUID (PostgreSQL's driver, the event store's notifications) or its text."""
    if isinstance(originator_id, (bytes, memoryview)):
        return bytes(originator_id)
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    return UUID(str(originator_id)).bytes


@dataclass(frozen=True)
class LeafRow:
    """One row of the leaf index: what the rules look up, derived from the leaf at a position."""

    leaf_index: int
    event_id: str
    leaf_hash: bytes
    type: str
    recorder: str
    occurred_at: str
    aggregate_id: str
    notification_id: int

    def values(self) -> LeafValues:
        return (
            self.leaf_index,
            self.event_id,
            self.leaf_hash,
            self.type,
            self.recorder,
            self.occurred_at,
            self.aggregate_id,
            self.notification_id,
        )

    def info(self) -> EventInfo:
        return EventInfo(
            event_id=self.event_id,
            leaf_index=self.leaf_index,
            type=self.type,
            recorder=self.recorder,
            occurred_at=self.occurred_at,
            aggregate_id=UUID(self.aggregate_id),
        )


@dataclass(frozen=True)
class StoredLeaf:
    """One stored statement as the event store holds it."""

    notification_id: int
    leaf_index: int | None
    event_id: str | None
    leaf: str
    originator_id: str
    topic: str
    originator_version: int = 0
    state: bytes = b""

    def statement(self) -> dict[str, Any]:
        return dict(json.loads(self.leaf))


@dataclass(frozen=True)
class StoredReportSnapshot:
    """The report snapshot as stored, unverified: ``ledger verify`` refolds the leaves to compare."""

    state: bytes
    notification_id: int
    tree_size: int
    tracked: int | None
    """The tracking table's position for the same projection, None if it has no table."""


class UnitOfWork(Protocol):
    """One write: the aggregate events, their leaves, under the single-writer lock.

    Leaving the ``with`` block normally commits; an exception rolls everything back.
    """

    def leaf_rows_from(self, start: int) -> list[LeafRow]:
        """Leaf index rows at positions ``start`` and later (what other writers appended)."""
        ...

    def save_in_log_order(self, aggregates: Iterable[LedgerAggregate]) -> list[int]:
        """Store the aggregates' pending events in log order; their notification ids."""
        ...

    def insert_leaves(self, rows: Sequence[LeafRow]) -> None: ...


class ReportSnapshots(Protocol):
    """The reports projection's one snapshot, written with its tracking position."""

    def save(self, state: bytes, tree_size: int, application_name: str, position: int) -> None:
        """Store the snapshot and the position together; ``AlreadyStored`` if that position is."""
        ...

    def load(self, application_name: str) -> tuple[bytes, int] | None: ...

    def reset(self, application_name: str) -> None:
        """Forget the snapshot and its position together."""
        ...


class LogStore(Protocol):
    """The database behind one ledger: events, leaf index, checkpoints, witnesses, reports."""

    url: str
    application_name: str

    def close(self) -> None: ...

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]: ...

    def available(self) -> AbstractContextManager[None]:
        """Report a lost or refused connection inside the block as ``StorageUnavailable``."""
        ...

    # --- the leaf index (tlog's hash reader) -------------------------------------------
    def leaf_count(self) -> int: ...

    def leaf_rows(self, start: int = 0, end: int | None = None) -> list[LeafRow]: ...

    def leaf_rows_after(self, after: int, limit: int) -> list[LeafRow]: ...

    def leaf_hashes(self, start: int = 0, end: int | None = None) -> list[bytes]:
        """The leaf index's hashes at positions ``start`` to ``end - 1`` (default: to the last)."""
        ...

    def leaf_by_event_id(self, event_id: str) -> LeafRow | None: ...

    def notification_id_at(self, leaf_index: int) -> int | None:
        """The event store row the leaf index names for a position, if any."""
        ...

    # --- lookups for the rules (admission's World) -------------------------------------
    def event_info(self, event_id: str) -> EventInfo | None: ...

    def prefetch_event_infos(self, event_ids: Sequence[str]) -> None: ...

    def remember_event_info(self, info: EventInfo) -> None: ...

    def forget_event_infos(self) -> None: ...

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None: ...

    def load_version(self, aggregate_id: UUID, version: int) -> LedgerAggregate | None:
        """The lifecycle as its stored events up to ``version`` give it (no cache involved)."""
        ...

    def evict(self, aggregate_ids: Sequence[UUID | str]) -> None: ...

    def evict_all(self) -> None: ...

    # --- stored aggregate events in log order ------------------------------------------
    def notifications(self, start: int = 1, limit: int = 1000) -> list[Any]: ...

    def decode(self, notification: Any) -> Any:
        """The domain event a stored row maps to (may raise on an edited row)."""
        ...

    def encode(self, event: Any) -> Any:
        """The stored row the application would write for a domain event."""
        ...

    def has_notification(self, notification_id: int) -> bool: ...

    def max_notification_id(self) -> int: ...

    # --- signed checkpoints ------------------------------------------------------------
    def insert_checkpoint(self, tree_size: int, root: bytes, note: str, signed_at: str) -> None:
        """Store a signed checkpoint; ``AlreadyStored`` if one of that size is."""
        ...

    def checkpoints(self) -> list[CheckpointRow]: ...

    def latest_checkpoint(self) -> CheckpointRow | None: ...

    # --- witnesses' cosignatures and published checkpoints -----------------------------
    def has_published_tables(self) -> bool:
        """Whether a witness was ever asked (the tables exist); checking creates nothing."""
        ...

    def record_cosignature(self, witness_vkey: str, tree_size: int, line: str) -> None: ...

    def cosignatures(self) -> list[tuple[int, str, int, str]]:
        """(row id, witness vkey, tree size, cosignature line), in the order received."""
        ...

    def cosignatures_with_checkpoints(
        self, witness_vkey: str
    ) -> list[tuple[int, int, str, str | None]]:
        """(row id, tree size, line, the ledger's note at that size or None) of one witness."""
        ...

    def insert_published(self, tree_size: int, note: str) -> None:
        """Store a cosigned checkpoint; ``AlreadyStored`` if one of that size is."""
        ...

    def published_checkpoints(self) -> list[tuple[int, str, str]]:
        """(tree size, cosigned note, published at), oldest first."""
        ...

    def published_note(self, tree_size: int | None = None) -> tuple[int, str] | None:
        """The latest (or the ``tree_size``) published row, unverified."""
        ...

    # --- the reports projection's snapshot ---------------------------------------------
    def report_snapshots(self) -> ReportSnapshots: ...

    def stored_report_snapshot(self) -> StoredReportSnapshot | None: ...

    # --- the verified-through mark ----------------------------------------------------
    def verified_mark(self) -> str | None:
        """The stored mark's signed note, unverified; a database without one creates nothing."""
        ...

    def replace_verified_mark(self, note: str) -> bool:
        """Store the mark, replacing the one before in one transaction; False if refused."""
        ...

    def event_row_pages(self, upto: int, after: int = 0) -> Iterator[list[EventRow]]:
        """Every event row after ``after`` up to ``upto``, in order, a page of ``EventRow``
        at a time."""
        ...

    def reading_elsewhere(self) -> None:
        """In a forked process: leave the parent's connections alone and open its own."""
        ...

    def leaf_value_pages(self, size: int) -> Iterator[list[LeafValues]]:
        """Every leaf index row at positions below ``size``, in order, a page of
        ``LeafValues`` at a time."""
        ...

    def leaf_states(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """(log position, stored event state) of the leaves at positions ``start`` to ``end - 1``, in order."""
        ...

    def leaf_of_state(self, state: bytes, *, exact: bool = False) -> bytes | None:
        """The canonical leaf a stored event state holds; None if none is found (``exact``: decoded in full)."""
        ...

    def saved_report(self, name: str) -> tuple[str, bytes] | None:
        """(key, body) of the report saved under ``name``, unverified; creates nothing."""
        ...

    def save_report(self, name: str, key: str, body: bytes) -> bool:
        """Store a computed report, replacing the one saved under ``name``.

        Raises ``StorageUnavailable``, naming the database's reason, when it could
        not be stored (a full disk, a read-only file): a saved report is a cache,
        and its callers say so and go on.
        """
        ...
