"""The ledger as a service: append signed statements, sign checkpoints, prove.

``Ledger`` composes the store (events, leaves, checkpoints), the rules
(``ledger.domain``), the Merkle tree and the log's signing key. Every append is
all-or-nothing: the batch's statements are decided in order, then their
aggregate events and leaves are written in one transaction under the
single-writer lock. If anything fails, nothing is stored and the in-memory
state is restored from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event as sqlalchemy_events
from sqlalchemy.exc import IntegrityError

from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.checking import Checked, Checker
from ledger.domain import Decision, Entry, EventInfo
from ledger.errors import LedgerError, NotFound, ProofError, StorageUnavailable
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree, leaf_hash
from ledger.log.note import NoteSigner, NoteVerifier, open_note, sign_note
from ledger.log.proof_format import format_proof
from ledger.statements import Statement, format_time
from ledger.store import LeafRow, Store

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _connection_lost(context: Any) -> None:
    """SQLAlchemy ``handle_error`` hook: a lost or refused connection is StorageUnavailable.

    Installed on the engine so that every database call the ledger's users
    make (appends, lookups, reads) reports an outage the same way; the pool
    still invalidates the dead connection before the error is raised.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    error = context.sqlalchemy_exception
    message = str(context.original_exception).lower()
    sqlite = context.dialect is not None and context.dialect.name == "sqlite"
    if context.is_disconnect or (
        isinstance(error, (OperationalError, InterfaceError))
        and (not sqlite or "locked" in message or "unable to open" in message)
    ):
        raise StorageUnavailable(
            "the database is unavailable, nothing was stored; retry later"
            f" ({type(context.original_exception).__name__})"
        )


@contextmanager
def storage_available() -> Iterator[None]:
    """Report a lost or refused database connection as StorageUnavailable.

    The driver's and eventsourcing's connection errors differ by backend; a
    recorder only needs to know that nothing was stored and to retry later
    (a retry of the same statement is idempotent).
    """
    from eventsourcing.persistence import InterfaceError as EsInterfaceError
    from eventsourcing.persistence import OperationalError as EsOperationalError
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError, EsOperationalError, EsInterfaceError) as exc:
        raise StorageUnavailable(
            f"the database is unavailable, nothing was stored; retry later ({type(exc).__name__})"
        ) from exc


@dataclass(frozen=True)
class Appended:
    event_id: str
    leaf_index: int
    type: str


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str
    signed_at: str


class Ledger:
    def __init__(
        self,
        store: Store,
        *,
        log_key: Ed25519PrivateKey | None = None,
        clock: Clock = utc_now,
        checker: Checker | None = None,
    ) -> None:
        self.store = store
        if not sqlalchemy_events.contains(store.engine, "handle_error", _connection_lost):
            sqlalchemy_events.listen(store.engine, "handle_error", _connection_lost)
        self.clock = clock
        self.checker = checker or Checker()
        self._log_key = log_key
        self._hashes: list[bytes] = store.leaf_hashes()
        self.tree = MerkleTree(self._leaf_hashes, size=0)
        for h in self._hashes:
            self.tree.append(h)

    @classmethod
    def open(
        cls, db: str, *, log_key: Ed25519PrivateKey | None = None, clock: Clock = utc_now
    ) -> Ledger:
        return cls(Store(db), log_key=log_key, clock=clock)

    def close(self) -> None:
        self.checker.close()
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        return self._hashes[start:end]

    # --- state ----------------------------------------------------------------
    @property
    def size(self) -> int:
        return self.tree.size

    def root(self) -> bytes:
        return self.tree.root()

    def registry(self) -> Registry | None:
        return self.store.load(Registry, Registry.id_for(REGISTRY_KEY))

    @property
    def origin(self) -> str:
        reg = self.registry()
        if reg is None:
            raise NotFound("the ledger has no charter yet")
        return reg.origin

    def signing_keys(self) -> dict[str, bytes]:
        reg = self.registry()
        return reg.signing_keys() if reg else {}

    # --- appending -------------------------------------------------------------
    def append(self, statements: Sequence[Statement]) -> list[Appended]:
        """Verify and append statements as one all-or-nothing batch."""
        with storage_available():
            keys = self.signing_keys()
        lines = [st.leaf_bytes() for st in statements]
        return self.append_checked(list(self.checker.check(lines, keys, first_line=None)))

    def append_lines(self, lines: Sequence[str | bytes], *, first_line: int = 1) -> list[Appended]:
        """Parse, verify and append JSON lines as one all-or-nothing batch."""
        with storage_available():
            keys = self.signing_keys()
        checked = list(self.checker.check(lines, keys, first_line=first_line))
        return self.append_checked(checked)

    def append_checked(self, checked: Sequence[Checked]) -> list[Appended]:
        for c in checked:
            c.raise_error()
        with storage_available():
            return self._append_checked(checked)

    def _append_checked(self, checked: Sequence[Checked]) -> list[Appended]:
        """Decide and store under the writer lock; on any failure forget what was decided."""
        touched: list[UUID] = []
        try:
            with self.store.write_transaction() as session:
                self._catch_up(session)
                statements = [c.statement for c in checked if c.statement is not None]
                ids = [st.event_id for st in statements] + [r for st in statements for r in st.refs]
                self.store.prefetch_event_infos(ids)
                decision = Decision(self.store)
                now = self.clock()
                entries: list[Entry] = []
                infos: list[EventInfo] = []
                try:
                    for offset, c in enumerate(checked):
                        assert c.statement is not None
                        entry = Entry(c.statement, self.size + offset, c.signature_ok)
                        try:
                            infos.append(decision.decide(entry, now=now))
                        except LedgerError as exc:
                            exc.line = exc.line if exc.line is not None else c.line
                            exc.event_id = exc.event_id or c.statement.event_id
                            raise
                        entries.append(entry)
                    notification_ids = self.store.save_in_log_order(decision.touched.values())
                    rows = [
                        LeafRow(
                            leaf_index=e.leaf_index,
                            event_id=e.event_id,
                            leaf_hash=leaf_hash(e.leaf.encode("utf-8")),
                            type=info.type,
                            recorder=info.recorder,
                            occurred_at=info.occurred_at,
                            aggregate_id=str(info.aggregate_id),
                            notification_id=nid,
                        )
                        for e, info, nid in zip(entries, infos, notification_ids, strict=True)
                    ]
                    self.store.insert_leaves(session, rows)
                except BaseException:
                    # Aggregates were changed in memory (and maybe put in the cache):
                    # forget them so the next read comes from what was committed.
                    self.store.evict(list(decision.touched))
                    self.store.forget_event_infos()
                    raise
                touched = list(decision.touched)
        except BaseException:
            # The commit itself failed (e.g. the connection was lost): cached
            # aggregates may hold events that were never stored.
            self.store.evict(touched)
            self.store.forget_event_infos()
            raise
        for row, info in zip(rows, infos, strict=True):
            self._hashes.append(row.leaf_hash)
            self.tree.append(row.leaf_hash)
            self.store.remember_event_info(info)
        return [Appended(r.event_id, r.leaf_index, r.type) for r in rows]

    def _catch_up(self, session: object) -> None:
        """Take in what other writers appended since this process last looked."""
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        new_rows = self.store.new_leaf_rows(session, self.size)
        if not new_rows:
            return
        self.store.evict([r.aggregate_id for r in new_rows])
        self.store.forget_event_infos()
        for row in new_rows:
            if row.leaf_index != self.size:
                raise LedgerError(f"log position {self.size} is missing from the leaf index")
            self._hashes.append(row.leaf_hash)
            self.tree.append(row.leaf_hash)

    def refresh(self) -> None:
        """Catch up with other writers outside a write (for readers)."""
        with self.store.engine.connect() as conn:
            from sqlalchemy.orm import Session

            with Session(bind=conn) as session:
                self._catch_up(session)

    # --- checkpoints ---------------------------------------------------------
    def log_signer(self) -> NoteSigner:
        if self._log_key is None:
            raise LedgerError("this command needs the log's private key (keys/log.key)")
        return NoteSigner(self.origin, self._log_key)

    def log_verifier(self, size: int | None = None) -> NoteVerifier:
        """The log key that signs checkpoints of tree ``size`` (default: the current key)."""
        reg = self.registry()
        if reg is None:
            raise NotFound("the ledger has no charter yet")
        return NoteVerifier.from_vkey(reg.log_key if size is None else reg.log_key_at(size))

    def sign_checkpoint(self) -> SignedCheckpoint:
        """Sign a checkpoint for the current tree (or return the latest if unchanged)."""
        self.refresh()
        latest = self.latest_checkpoint()
        if latest is not None and latest.size == self.size:
            return latest
        root = self.root()
        now = self.clock()
        body = Checkpoint.at_time(self.origin, self.size, root, now).to_text()
        note = sign_note(body, [self.log_signer()])
        signed_at = format_time(now)
        try:
            self.store.insert_checkpoint(self.size, root, note, signed_at)
        except IntegrityError:
            # Another process signed this very size first: its checkpoint stands.
            return self.checkpoint_at(self.size)
        return SignedCheckpoint(self.size, root, note, signed_at)

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        row = self.store.latest_checkpoint()
        return SignedCheckpoint(*row) if row else None

    def checkpoint_at(self, size: int) -> SignedCheckpoint:
        for row in self.store.checkpoints():
            if row[0] == size:
                return SignedCheckpoint(*row)
        raise NotFound(f"no checkpoint was signed at tree size {size}")

    # --- proofs -----------------------------------------------------------------
    def locate(self, event_id: str) -> LeafRow:
        row = self.store.leaf_by_event_id(event_id)
        if row is None:
            raise NotFound(f"event {event_id} is not in the ledger")
        return row

    def inclusion_proof(self, event_id: str, size: int | None = None) -> tuple[int, int, list[bytes]]:
        """(leaf index, tree size, proof) against the latest checkpoint by default."""
        row = self.locate(event_id)
        if size is None:
            cp = self.latest_checkpoint()
            if cp is None:
                raise NotFound("no checkpoint has been signed yet: run `ledger checkpoint`")
            size = cp.size
        if row.leaf_index >= size:
            raise NotFound(
                f"event {event_id} (position {row.leaf_index}) is newer than the checkpoint"
                f" of size {size}: sign a new checkpoint first"
            )
        return row.leaf_index, size, self.tree.inclusion_proof(row.leaf_index, size)

    def tlog_proof(self, event_id: str) -> str:
        """The C2SP tlog-proof text for an event against the latest checkpoint."""
        index, size, proof = self.inclusion_proof(event_id)
        return format_proof(index, proof, self.checkpoint_at(size).note)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        if not 0 <= old_size <= new_size <= self.size:
            raise ProofError(
                f"need 0 <= from <= to <= {self.size} (the tree size); got {old_size} and {new_size}"
            )
        return self.tree.consistency_proof(old_size, new_size)

    def leaf_text(self, leaf_index: int) -> str:
        """The stored canonical statement at a log position."""
        for event in self.events(start=leaf_index, limit=1):
            return event.leaf
        raise NotFound(f"no event at log position {leaf_index}")

    def events(self, start: int = 0, limit: int | None = None) -> Iterable[StoredLeaf]:
        """Stored statements in log order, from log position ``start``."""
        from ledger.reading import stored_leaves

        return stored_leaves(self.store, start=start, limit=limit)


def verify_checkpoint_note(note: str, verifier: NoteVerifier) -> Checkpoint:
    opened = open_note(note, [verifier])
    return Checkpoint.parse(opened.text)


from ledger.reading import StoredLeaf  # noqa: E402  (re-export for type hints)
