"""A C2SP tlog-witness: cosign a log's checkpoint only if it extends the last one.

For each log it follows (an origin and the log's verifier key) the witness
keeps the latest checkpoint it cosigned. ``add_checkpoint`` checks, in the
order of c2sp.org/tlog-witness: the origin is known (else 404), the log
signed the note (else 403), ``old_size`` is at most the new size (else 400)
and equals the size it holds (else 409 with that size), and the consistency
proof leads from its root to the new one (else 422). The check and the update
of its state are one SQLite ``BEGIN IMMEDIATE`` transaction, a compare-and-swap
on (size, root), so two racing requests can never roll the state back.

A checkpoint that conflicts with one already cosigned (same size with another
root, a smaller tree it never cosigned, or one the proof does not connect to)
is refused and both signed notes are kept in an append-only evidence table.
The directory holds ``witness.json`` (name, vkey), ``witness.key`` (0600) and
``witness.db``.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger.crypto import generate_signing_key, load_signing_key, save_signing_key
from ledger.errors import LedgerError, NotFound, ProofError
from ledger.log.checkpoint import Checkpoint
from ledger.log.cosignature import CosignatureSigner
from ledger.log.merkle import verify_consistency
from ledger.log.note import NoteVerifier, is_valid_key_name, open_note, parse_note
from ledger.witnessing.protocol import MalformedWitnessRequest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS state (
    origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cosigned (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, size INTEGER NOT NULL,
    root BLOB NOT NULL, note TEXT NOT NULL, cosignature TEXT NOT NULL, cosigned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, kind TEXT NOT NULL,
    cosigned_note TEXT NOT NULL, presented_note TEXT NOT NULL, detail TEXT NOT NULL,
    recorded_at INTEGER NOT NULL);
"""
_APPEND_ONLY = ("cosigned", "evidence")


class WitnessRefusal(LedgerError):
    """The witness will not cosign; ``http_status`` is the tlog-witness status code."""

    code = "witness_refusal"


class UnknownLog(WitnessRefusal):
    code = "unknown_log"
    http_status = 404
    exit_code = 3


class UntrustedCheckpoint(WitnessRefusal):
    code = "untrusted_checkpoint"
    http_status = 403


class OldSizeConflict(WitnessRefusal):
    """``old_size`` is not the witness's latest cosigned size (or the roots conflict)."""

    code = "old_size_conflict"
    http_status = 409

    def __init__(self, message: str, known_size: int) -> None:
        super().__init__(message)
        self.known_size = known_size


class UnprovenExtension(WitnessRefusal):
    code = "unproven_extension"
    http_status = 422


@dataclass(frozen=True)
class WitnessState:
    origin: str
    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class Evidence:
    """Two log-signed checkpoints that cannot both belong to one append-only history."""

    id: int
    origin: str
    kind: str  # "fork" | "rollback" | "not_extending"
    cosigned_note: str
    presented_note: str
    detail: str
    recorded_at: int


def _unix_now() -> int:
    return int(time.time())


class Witness:
    """One witness: its key, the logs it follows, its state and its evidence."""

    def __init__(self, directory: Path, *, clock: Callable[[], int] = _unix_now) -> None:
        self.directory = Path(directory)
        try:
            meta = json.loads((self.directory / "witness.json").read_text("utf-8"))
        except OSError:
            raise NotFound(
                f"no witness in {self.directory}: run `ledger witness init --dir {self.directory}`"
            ) from None
        self.name: str = meta["name"]
        self.signer = CosignatureSigner(
            self.name, load_signing_key(self.directory / "witness.key"), clock=clock
        )
        self._clock = clock
        with self._connect() as db:
            db.executescript(_SCHEMA)
            for table in _APPEND_ONLY:
                for action in ("UPDATE", "DELETE"):
                    db.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action}"
                        f" ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )

    @classmethod
    def create(cls, directory: Path, name: str) -> Witness:
        """Make a new witness key pair (private key mode 0600) in ``directory``."""
        directory = Path(directory)
        if not is_valid_key_name(name):
            raise LedgerError(f"invalid witness name {name!r}: no spaces and no '+'", field="--name")
        if (directory / "witness.json").exists():
            raise LedgerError(f"{directory} already holds a witness; refusing to overwrite its key")
        key = generate_signing_key()
        save_signing_key(directory / "witness.key", key)
        vkey = CosignatureSigner(name, key).vkey
        (directory / "witness.json").write_text(json.dumps({"name": name, "vkey": vkey}, indent=2) + "\n", "utf-8")
        return cls(directory)

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.directory / "witness.db", timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    # --- configuration ----------------------------------------------------------
    def add_log(self, origin: str, vkey: str) -> None:
        """Follow the log ``origin`` whose checkpoints ``vkey`` signs."""
        verifier = NoteVerifier.from_vkey(vkey)
        if verifier.name != origin:
            raise LedgerError(f"the log key is named {verifier.name!r}, not the origin {origin!r}", field="--vkey")
        with self._connect() as db:
            known = db.execute("SELECT vkey FROM logs WHERE origin = ?", (origin,)).fetchone()
            if known is not None and known[0] != vkey:
                raise LedgerError(f"this witness already follows {origin} with another key")
            db.execute("INSERT OR IGNORE INTO logs VALUES (?, ?, ?)", (origin, vkey, self._clock()))

    def logs(self) -> dict[str, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT origin, vkey FROM logs ORDER BY origin").fetchall())

    def state(self, origin: str) -> WitnessState | None:
        with self._connect() as db:
            row = db.execute("SELECT origin, size, root, note FROM state WHERE origin = ?", (origin,)).fetchone()
        return WitnessState(row[0], row[1], bytes(row[2]), row[3]) if row else None

    def evidence(self, origin: str | None = None) -> list[Evidence]:
        query = "SELECT * FROM evidence" + (" WHERE origin = ?" if origin else "") + " ORDER BY id"
        with self._connect() as db:
            rows = db.execute(query, (origin,) if origin else ()).fetchall()
        return [Evidence(*row) for row in rows]

    # --- cosigning ----------------------------------------------------------------
    def verified_checkpoint(self, note: str) -> Checkpoint:
        """The checkpoint of a note the followed log signed (404/403/400 otherwise)."""
        try:
            checkpoint = Checkpoint.parse(parse_note(note).text)
        except ProofError as exc:
            raise MalformedWitnessRequest(str(exc)) from None
        vkey = self.logs().get(checkpoint.origin)
        if vkey is None:
            raise UnknownLog(f"this witness does not follow the log {checkpoint.origin!r}")
        try:
            open_note(note, [NoteVerifier.from_vkey(vkey)])
        except ProofError as exc:
            raise UntrustedCheckpoint(f"the checkpoint is not signed by the log's key: {exc}") from None
        return checkpoint

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], note: str) -> list[str]:
        """Cosign ``note`` if it extends the latest cosigned checkpoint; return the lines."""
        cp = self.verified_checkpoint(note)
        if old_size > cp.size:
            raise MalformedWitnessRequest(f"old size {old_size} is larger than the checkpoint size {cp.size}")
        if old_size == 0 and proof:
            raise MalformedWitnessRequest("the consistency proof must be empty when the old size is 0")
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                lines = self._decide(db, cp, old_size, proof, note)
            except WitnessRefusal:
                db.execute("COMMIT")  # keeps the evidence the refusal recorded
                raise
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return lines

    def _decide(
        self, db: sqlite3.Connection, cp: Checkpoint, old_size: int, proof: Sequence[bytes], note: str
    ) -> list[str]:
        row = db.execute("SELECT origin, size, root, note FROM state WHERE origin = ?", (cp.origin,)).fetchone()
        state = WitnessState(row[0], row[1], bytes(row[2]), row[3]) if row else None
        known = state.size if state else 0
        if state is not None and cp.size <= state.size:
            self._refuse_conflict(db, state, cp, note)
        if old_size != known:
            raise OldSizeConflict(f"this witness last cosigned {cp.origin} at size {known}, not {old_size}", known)
        if state is None or state.size == cp.size:
            if proof:
                raise UnprovenExtension("the consistency proof between equal sizes must be empty")
        else:
            try:
                verify_consistency(state.size, cp.size, state.root, cp.root_hash, list(proof))
            except ProofError as exc:
                detail = f"{exc}; proof: " + " ".join(base64.b64encode(h).decode() for h in proof)
                self._record(db, cp.origin, "not_extending", state.note, note, detail)
                raise UnprovenExtension(
                    f"checkpoint {cp.size} is not shown to extend the cosigned checkpoint {state.size}: {exc}"
                ) from None
        if state is None:
            db.execute("INSERT INTO state VALUES (?, ?, ?, ?)", (cp.origin, cp.size, cp.root_hash, note))
        elif state.size != cp.size:
            swapped = db.execute(
                "UPDATE state SET size = ?, root = ?, note = ? WHERE origin = ? AND size = ? AND root = ?",
                (cp.size, cp.root_hash, note, cp.origin, state.size, state.root),
            ).rowcount
            if swapped != 1:
                raise OldSizeConflict("the witness state changed during the request", known)
        now = self._clock()
        line = self.signer.cosign(cp.to_text(), now)
        db.execute(
            "INSERT INTO cosigned (origin, size, root, note, cosignature, cosigned_at) VALUES (?, ?, ?, ?, ?, ?)",
            (cp.origin, cp.size, cp.root_hash, note, line, now),
        )
        return [line]

    def _refuse_conflict(self, db: sqlite3.Connection, state: WitnessState, cp: Checkpoint, note: str) -> None:
        """A checkpoint no larger than the cosigned one: fine only if it is the same one."""
        if cp.size == state.size and cp.root_hash == state.root:
            return
        if cp.size == state.size:
            self._record(db, cp.origin, "fork", state.note, note, f"two roots for size {cp.size}")
            raise OldSizeConflict(
                f"checkpoint {cp.size} has another root than the one this witness cosigned: a fork",
                state.size,
            )
        earlier = db.execute(
            "SELECT root, note FROM cosigned WHERE origin = ? AND size = ? ORDER BY id LIMIT 1",
            (cp.origin, cp.size),
        ).fetchone()
        if earlier is not None and bytes(earlier[0]) == cp.root_hash:
            raise OldSizeConflict(f"checkpoint {cp.size} is older than the cosigned {state.size}", state.size)
        if earlier is not None:
            self._record(db, cp.origin, "fork", earlier[1], note, f"two roots for size {cp.size}")
        else:
            self._record(
                db, cp.origin, "rollback", state.note, note,
                f"a tree of {cp.size} entries after cosigning {state.size}",
            )
        raise OldSizeConflict(
            f"checkpoint {cp.size} is smaller than the cosigned checkpoint {state.size}", state.size
        )

    def _record(
        self, db: sqlite3.Connection, origin: str, kind: str, cosigned: str, presented: str, detail: str
    ) -> None:
        known = db.execute(
            "SELECT 1 FROM evidence WHERE origin = ? AND kind = ? AND cosigned_note = ? AND presented_note = ?",
            (origin, kind, cosigned, presented),
        ).fetchone()
        if known is not None:
            return  # the same conflict presented again: kept once
        db.execute(
            "INSERT INTO evidence (origin, kind, cosigned_note, presented_note, detail, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (origin, kind, cosigned, presented, detail, self._clock()),
        )

    def record_conflict(self, kind: str, presented_note: str, detail: str) -> Evidence:
        """Keep a log-signed checkpoint that conflicts with this witness's state (mirrors use it)."""
        cp = self.verified_checkpoint(presented_note)
        state = self.state(cp.origin)
        if state is None:
            raise NotFound(f"this witness has cosigned nothing for {cp.origin} to compare with")
        with self._connect() as db:
            self._record(db, cp.origin, kind, state.note, presented_note, detail)
        return self.evidence(cp.origin)[-1]
