"""The witness's database: a SQLite file, ``witness.db``, behind ``WitnessStore``.

Tables (created on open if missing; a database written before this module
keeps working as it is):

* ``logs(origin, vkey, added_at)``: each followed log and its first key;
* ``log_keys``: each key learned from a rotation, with its proof;
* ``state(origin, size, root, note)``: the latest checkpoint cosigned per log;
* ``cosigned``: every checkpoint cosigned, with the cosignature line;
* ``evidence``: every conflicting pair of log-signed checkpoints.

``cosigned``, ``evidence`` and ``log_keys`` are append-only: triggers abort
any update or delete. A write transaction is ``BEGIN IMMEDIATE`` (the write
lock is taken before the first read); a read is a deferred transaction, so it
sees one commit, never half of one. Each transaction has its own connection,
so threads and processes share the file through SQLite's locks alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from ledger.errors import StorageUnavailable, TamperedWitnessState
from ledger.storage.witness_port import (
    CosignedRow,
    Evidence,
    LearnedKey,
    WitnessRows,
    WitnessState,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS state (
    origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cosigned (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, size INTEGER NOT NULL,
    root BLOB NOT NULL, note TEXT NOT NULL, cosignature TEXT NOT NULL, cosigned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, vkey TEXT NOT NULL,
    valid_from INTEGER NOT NULL, proof TEXT NOT NULL, added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, kind TEXT NOT NULL,
    cosigned_note TEXT NOT NULL, presented_note TEXT NOT NULL, detail TEXT NOT NULL,
    recorded_at INTEGER NOT NULL);
"""
APPEND_ONLY = ("cosigned", "evidence", "log_keys")
PER_LOG = ("state", "cosigned", "log_keys")
"""The tables holding rows for one log each, named in ``origins_kept``."""

_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o")


def _blob(value: object) -> bytes:
    """A stored root as bytes; a value of another type (an edited row) stays comparable."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8")


class SQLiteWitnessRows:
    """``WitnessRows`` on one connection inside one transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def followed(self) -> dict[str, str]:
        rows = self._db.execute("SELECT origin, vkey FROM logs ORDER BY origin")
        return {str(origin): str(vkey) for origin, vkey in rows}

    def first_key(self, origin: str) -> str | None:
        row = self._db.execute("SELECT vkey FROM logs WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else str(row[0])

    def follow(self, origin: str, vkey: str, added_at: int) -> None:
        self._db.execute("INSERT OR IGNORE INTO logs VALUES (?, ?, ?)", (origin, vkey, added_at))

    def learned_keys(self, origin: str) -> list[LearnedKey]:
        rows = self._db.execute(
            "SELECT id, vkey, valid_from, proof FROM log_keys WHERE origin = ? ORDER BY valid_from",
            (origin,),
        )
        return [LearnedKey(*row) for row in rows]

    def key_learned_from(self, origin: str, proof: str) -> str | None:
        row = self._db.execute(
            "SELECT vkey FROM log_keys WHERE origin = ? AND proof = ?", (origin, proof)
        ).fetchone()
        return None if row is None else str(row[0])

    def learn_key(self, origin: str, vkey: str, valid_from: int, proof: str, added_at: int) -> None:
        self._db.execute(
            "INSERT INTO log_keys (origin, vkey, valid_from, proof, added_at) VALUES (?, ?, ?, ?, ?)",
            (origin, vkey, valid_from, proof, added_at),
        )

    def state(self, origin: str) -> WitnessState | None:
        row = self._db.execute(
            "SELECT origin, size, root, note FROM state WHERE origin = ?", (origin,)
        ).fetchone()
        return None if row is None else WitnessState(row[0], row[1], _blob(row[2]), row[3])

    def start_state(self, state: WitnessState) -> None:
        self._db.execute(
            "INSERT INTO state VALUES (?, ?, ?, ?)",
            (state.origin, state.size, state.root, state.note),
        )

    def advance_state(self, old: WitnessState, new: WitnessState) -> bool:
        swapped = self._db.execute(
            "UPDATE state SET size = ?, root = ?, note = ? WHERE origin = ? AND size = ? AND root = ?",
            (new.size, new.root, new.note, old.origin, old.size, old.root),
        ).rowcount
        return swapped == 1

    def add_cosigned(self, state: WitnessState, cosignature: str, cosigned_at: int) -> None:
        self._db.execute(
            "INSERT INTO cosigned (origin, size, root, note, cosignature, cosigned_at) VALUES (?, ?, ?, ?, ?, ?)",
            (state.origin, state.size, state.root, state.note, cosignature, cosigned_at),
        )

    def cosigned(self, origin: str) -> list[CosignedRow]:
        rows = self._db.execute(
            "SELECT id, size, root, note, cosignature FROM cosigned WHERE origin = ? ORDER BY id",
            (origin,),
        )
        return [CosignedRow(i, size, _blob(root), note, line) for i, size, root, note, line in rows]

    def first_cosigned_at(self, origin: str, size: int) -> CosignedRow | None:
        row = self._db.execute(
            "SELECT id, size, root, note, cosignature FROM cosigned WHERE origin = ? AND size = ?"
            " ORDER BY id LIMIT 1",
            (origin, size),
        ).fetchone()
        return None if row is None else CosignedRow(row[0], row[1], _blob(row[2]), row[3], row[4])

    def has_cosigned(self, origin: str, size: int, root: bytes) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM cosigned WHERE origin = ? AND size = ? AND root = ? LIMIT 1",
            (origin, size, root),
        ).fetchone()
        return found is not None

    def origins_kept(self) -> dict[str, set[str]]:
        return {
            table: {str(o) for (o,) in self._db.execute(f"SELECT DISTINCT origin FROM {table}")}
            for table in PER_LOG
        }

    def keep_evidence(
        self, origin: str, kind: str, cosigned_note: str, presented_note: str, detail: str, at: int
    ) -> None:
        known = self._db.execute(
            "SELECT 1 FROM evidence WHERE origin = ? AND kind = ? AND cosigned_note = ? AND presented_note = ?",
            (origin, kind, cosigned_note, presented_note),
        ).fetchone()
        if known is not None:
            return  # the same conflict presented again: kept once
        self._db.execute(
            "INSERT INTO evidence (origin, kind, cosigned_note, presented_note, detail, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (origin, kind, cosigned_note, presented_note, detail, at),
        )

    def evidence(self, origin: str | None = None) -> list[Evidence]:
        query = "SELECT * FROM evidence" + (" WHERE origin = ?" if origin else "") + " ORDER BY id"
        rows = self._db.execute(query, (origin,) if origin else ()).fetchall()
        return [Evidence(*row) for row in rows]


class SQLiteWitnessStore:
    """``WitnessStore`` on a SQLite file; creates the tables and triggers it lacks."""

    def __init__(self, path: Path, *, busy_seconds: float = 30.0) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self.busy_seconds = busy_seconds
        with self._connection() as db:
            db.executescript(_SCHEMA)
            for table in APPEND_ONLY:
                for action in ("UPDATE", "DELETE"):
                    db.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action}"
                        f" ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own (autocommit: transactions are begun explicitly)."""
        try:
            db = sqlite3.connect(self.path, timeout=self.busy_seconds, isolation_level=None)
            try:
                yield db
            finally:
                db.close()
        except sqlite3.OperationalError as exc:
            if any(word in str(exc).lower() for word in _UNAVAILABLE):
                raise StorageUnavailable(
                    f"the witness database {self.where} is unavailable ({exc}); nothing was"
                    " stored, retry later"
                ) from None
            raise self._unreadable(exc) from None
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None

    def _unreadable(self, exc: sqlite3.Error) -> TamperedWitnessState:
        return TamperedWitnessState(
            f"{self.where} is not a witness database this program can read ({exc}). This witness"
            " will not cosign from a state it cannot verify: restore witness.db from a backup,"
            " or start a new witness"
        )

    @contextmanager
    def _transaction(
        self, begin: str, keep_on: tuple[type[BaseException], ...]
    ) -> Iterator[WitnessRows]:
        with self._connection() as db:
            db.execute(begin)
            try:
                yield SQLiteWitnessRows(db)
            except keep_on:
                db.execute("COMMIT")
                raise
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def reading(self) -> AbstractContextManager[WitnessRows]:
        return self._transaction("BEGIN", ())

    def writing(
        self, *, keep_on: tuple[type[BaseException], ...] = ()
    ) -> AbstractContextManager[WitnessRows]:
        return self._transaction("BEGIN IMMEDIATE", keep_on)
