"""A C2SP tlog-witness: cosign a log's checkpoint only if it extends the last one.

For each log it follows (an origin and the log's verifier key) the witness
keeps the latest checkpoint it cosigned. ``add_checkpoint`` checks, in the
order of c2sp.org/tlog-witness: the origin is known (else 404), the log
signed the note (else 403), ``old_size`` is at most the new size (else 400)
and equals the size it holds (else 409 with that size), and the consistency
proof leads from its root to the new one (else 422). The check and the update
of its state are one write transaction of its store (``ledger.storage.witness_port``),
which holds the write lock from its first read, and the update is a
compare-and-swap on (size, root): two racing requests are decided one after
the other, and can never both cosign from one state nor roll the state back.

A checkpoint that conflicts with one already cosigned (same size with another
root, a smaller tree it never cosigned, or one the proof does not connect to)
is refused and both signed notes are kept in an append-only evidence table.

The log's key may rotate: a new key is learned only from the log itself,
through ``add_key_rotation`` (``POST /log-key-rotation``): the committee's
rotation statement, endorsed by the old key and proven included in a handover
checkpoint this witness cosigned (``ledger.log.key_rotation``). A forged one
is refused and kept as evidence. Each key signs the sizes it is valid for.

Nothing stored is trusted on its word: when the witness opens its database,
every cosigned note must verify with the log key valid at its size and match
its stored size and root, every cosignature must be this witness's, every
learned key must have its rotation proof, and the state must be the latest
cosigned checkpoint; a witness whose database fails this refuses to start
(``TamperedWitnessState``). The directory holds ``witness.json`` (name,
vkey), ``witness.key`` (0600) and ``witness.db``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ledger.crypto import generate_signing_key, load_signing_key, save_signing_key
from ledger.errors import (
    AlreadyExists,
    ForgedKeyRotation,
    InvalidArgument,
    MalformedWitnessRequest,
    NotFound,
    OldSizeConflict,
    ProofError,
    Refused,
    RefusedKeyRotation,
    TamperedWitnessState,
    UnknownLog,
    UnprovenExtension,
    UntrustedCheckpoint,
    WitnessRefusal,
)
from ledger.log.checkpoint import Checkpoint
from ledger.log.cosignature import CosignatureSigner, CosignatureVerifier, verify_cosignature
from ledger.log.key_rotation import log_key_valid, verify_rotation_proof
from ledger.log.merkle import verify_consistency
from ledger.log.note import NoteVerifier, is_valid_key_name, open_note, parse_note
from ledger.log.proof_format import parse_proof
from ledger.storage import open_witness_store
from ledger.storage.witness_port import (
    Evidence,
    LogKeys,
    WitnessRows,
    WitnessState,
    WitnessStore,
)

__all__ = ["Evidence", "LogKeys", "Witness", "WitnessState"]


def _unix_now() -> int:
    return int(time.time())


class Witness:
    """One witness: its key, the logs it follows, its state and its evidence."""

    def __init__(
        self,
        directory: Path,
        *,
        clock: Callable[[], int] = _unix_now,
        store: WitnessStore | None = None,
    ) -> None:
        """Open the witness in ``directory``; ``store`` is its database (``witness.db`` there)."""
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
        self._store = store or open_witness_store(self.directory / "witness.db")
        with self._store.reading() as rows:
            self._check_stored_state(rows)

    @classmethod
    def create(cls, directory: Path, name: str) -> Witness:
        """Make a new witness key pair (private key mode 0600) in ``directory``."""
        directory = Path(directory)
        if not is_valid_key_name(name):
            raise InvalidArgument(
                f"invalid witness name {name!r}: no spaces and no '+'", field="--name"
            )
        if (directory / "witness.json").exists():
            raise AlreadyExists(
                f"{directory} already holds a witness; refusing to overwrite its key"
            )
        key = generate_signing_key()
        save_signing_key(directory / "witness.key", key)
        vkey = CosignatureSigner(name, key).vkey
        (directory / "witness.json").write_text(
            json.dumps({"name": name, "vkey": vkey}, indent=2) + "\n", "utf-8"
        )
        return cls(directory)

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    # --- configuration ----------------------------------------------------------
    def add_log(self, origin: str, vkey: str) -> None:
        """Follow the log ``origin`` whose checkpoints ``vkey`` signs.

        Naming a key again is fine if this witness already trusts it (the
        first key, or one learned from a verified rotation); any other key
        for a followed log is refused: a new key comes only from the log.
        """
        verifier = NoteVerifier.from_vkey(vkey)
        if verifier.name != origin:
            raise InvalidArgument(
                f"the log key is named {verifier.name!r}, not the origin {origin!r}", field="--vkey"
            )
        with self._store.writing() as rows:
            keys = _log_keys(rows, origin)
            if keys and all(known != vkey for _, known in keys):
                raise Refused(
                    f"this witness follows {origin} with the key {keys[-1][1]}; a new log key is learned only"
                    " from the log's own rotation (`ledger publish` presents it, or"
                    " `ledger witness add-rotation --proof FILE`)",
                    field="--vkey",
                )
            rows.follow(origin, vkey, self._clock())

    def logs(self) -> dict[str, str]:
        """Each followed origin and the log key it signs with now (the latest learned)."""
        with self._store.reading() as rows:
            return {origin: _log_keys(rows, origin)[-1][1] for origin in rows.followed()}

    def log_keys(self, origin: str) -> LogKeys:
        """The keys of ``origin`` this witness trusts, with the size each signs from."""
        with self._store.reading() as rows:
            return _log_keys(rows, origin)

    def state(self, origin: str) -> WitnessState | None:
        """The latest checkpoint cosigned for ``origin``, checked against its signed note."""
        with self._store.reading() as rows:
            return _checked_state(rows, origin)

    def evidence(self, origin: str | None = None) -> list[Evidence]:
        with self._store.reading() as rows:
            return rows.evidence(origin)

    # --- cosigning ----------------------------------------------------------------
    def verified_checkpoint(self, note: str) -> Checkpoint:
        """The checkpoint of a note the followed log signed (404/403/400 otherwise)."""
        with self._store.reading() as rows:
            return _signed_by_log(note, rows)

    def add_key_rotation(self, proof: str) -> str:
        """Learn a followed log's new key from its rotation proof; return the new key.

        The proof (``ledger.log.key_rotation``) must verify with the key this
        witness trusts now, and its handover checkpoint must be one this
        witness cosigned, so the rotation is in the history it vouches for.
        A rotation the log signed but the old key did not endorse is kept as
        evidence. Presenting a rotation already learned is answered again.
        """
        try:
            origin = parse_proof(proof).checkpoint.origin
        except ProofError as exc:
            raise MalformedWitnessRequest(f"not a C2SP tlog-proof: {exc}") from None
        with self._store.writing(keep_on=(WitnessRefusal,)) as rows:
            return self._learn_key(rows, origin, proof)

    def _learn_key(self, rows: WitnessRows, origin: str, proof: str) -> str:
        keys = _log_keys(rows, origin)
        if not keys:
            raise UnknownLog(f"this witness does not follow the log {origin!r}")
        known = rows.key_learned_from(origin, proof)
        if known is not None:
            return known
        current_from, current = keys[-1]
        try:
            verified = verify_rotation_proof(proof, current)
        except ForgedKeyRotation as exc:
            try:
                open_note(parse_proof(proof).checkpoint_note, [NoteVerifier.from_vkey(current)])
            except ProofError:
                raise RefusedKeyRotation(
                    f"the rotation is not signed by the log key {current}: {exc}"
                ) from None
            state = rows.state(origin)
            self._record(
                rows, origin, "forged_key_rotation", state.note if state else "", proof, str(exc)
            )
            raise RefusedKeyRotation(
                f"a log-signed but forged key rotation, kept as evidence: {exc}"
            ) from None
        cp = verified.checkpoint
        if verified.rotation.valid_from <= current_from:
            raise RefusedKeyRotation(
                f"the rotation takes effect at size {verified.rotation.valid_from}, not after the current key's"
                f" {current_from}"
            )
        if not rows.has_cosigned(origin, cp.size, cp.root_hash):
            raise RefusedKeyRotation(
                f"the handover checkpoint of size {cp.size} was never cosigned by this witness:"
                " submit it to add-checkpoint first"
            )
        rows.learn_key(
            origin, verified.rotation.new_vkey, verified.rotation.valid_from, proof, self._clock()
        )
        return verified.rotation.new_vkey

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], note: str) -> list[str]:
        """Cosign ``note`` if it extends the latest cosigned checkpoint; return the lines.

        Reading the state, checking the extension and storing the new state
        are one write transaction of the store, so concurrent requests are
        decided one after the other, each from the state the last one left.
        """
        try:
            Checkpoint.parse(parse_note(note).text)
        except ProofError as exc:
            raise MalformedWitnessRequest(str(exc)) from None
        if old_size == 0 and proof:
            raise MalformedWitnessRequest(
                "the consistency proof must be empty when the old size is 0"
            )
        with self._store.writing(keep_on=(WitnessRefusal,)) as rows:
            cp = _signed_by_log(note, rows)
            if old_size > cp.size:
                raise MalformedWitnessRequest(
                    f"old size {old_size} is larger than the checkpoint size {cp.size}"
                )
            return self._decide(rows, cp, old_size, proof, note)

    def _decide(
        self,
        rows: WitnessRows,
        cp: Checkpoint,
        old_size: int,
        proof: Sequence[bytes],
        note: str,
    ) -> list[str]:
        state = _checked_state(rows, cp.origin)
        known = state.size if state else 0
        if state is not None and cp.size <= state.size:
            self._refuse_conflict(rows, state, cp, note)
        if old_size != known:
            raise OldSizeConflict(
                f"this witness last cosigned {cp.origin} at size {known}, not {old_size}", known
            )
        if state is None or state.size == cp.size:
            if proof:
                raise UnprovenExtension("the consistency proof between equal sizes must be empty")
        else:
            try:
                verify_consistency(state.size, cp.size, state.root, cp.root_hash, list(proof))
            except ProofError as exc:
                detail = f"{exc}; proof: " + " ".join(base64.b64encode(h).decode() for h in proof)
                self._record(rows, cp.origin, "not_extending", state.note, note, detail)
                raise UnprovenExtension(
                    f"checkpoint {cp.size} is not shown to extend the cosigned checkpoint {state.size}: {exc}"
                ) from None
        new = WitnessState(cp.origin, cp.size, cp.root_hash, note)
        if state is None:
            rows.start_state(new)
        elif state.size != cp.size and not rows.advance_state(state, new):
            raise OldSizeConflict("the witness state changed during the request", known)
        now = self._clock()
        line = self.signer.cosign(cp.to_text(), now)
        rows.add_cosigned(new, line, now)
        return [line]

    def _refuse_conflict(
        self, rows: WitnessRows, state: WitnessState, cp: Checkpoint, note: str
    ) -> None:
        """A checkpoint no larger than the cosigned one: fine only if it is the same one."""
        if cp.size == state.size and cp.root_hash == state.root:
            return
        if cp.size == state.size:
            self._record(rows, cp.origin, "fork", state.note, note, f"two roots for size {cp.size}")
            raise OldSizeConflict(
                f"checkpoint {cp.size} has another root than the one this witness cosigned: a fork",
                state.size,
            )
        earlier = rows.first_cosigned_at(cp.origin, cp.size)
        if earlier is not None and earlier.root == cp.root_hash:
            raise OldSizeConflict(
                f"checkpoint {cp.size} is older than the cosigned {state.size}", state.size
            )
        if earlier is not None:
            self._record(
                rows, cp.origin, "fork", earlier.note, note, f"two roots for size {cp.size}"
            )
        else:
            self._record(
                rows,
                cp.origin,
                "rollback",
                state.note,
                note,
                f"a tree of {cp.size} entries after cosigning {state.size}",
            )
        raise OldSizeConflict(
            f"checkpoint {cp.size} is smaller than the cosigned checkpoint {state.size}", state.size
        )

    def _record(
        self,
        rows: WitnessRows,
        origin: str,
        kind: str,
        cosigned: str,
        presented: str,
        detail: str,
    ) -> None:
        rows.keep_evidence(origin, kind, cosigned, presented, detail, self._clock())

    def record_conflict(self, kind: str, presented_note: str, detail: str) -> Evidence:
        """Keep a log-signed checkpoint that conflicts with this witness's state (mirrors use it)."""
        cp = self.verified_checkpoint(presented_note)
        state = self.state(cp.origin)
        if state is None:
            raise NotFound(f"this witness has cosigned nothing for {cp.origin} to compare with")
        with self._store.writing() as rows:
            self._record(rows, cp.origin, kind, state.note, presented_note, detail)
        return self.evidence(cp.origin)[-1]

    # --- checking what is stored ----------------------------------------------------
    def _check_stored_state(self, rows: WitnessRows) -> None:
        """Refuse to run on a database whose rows do not verify (TamperedWitnessState)."""
        try:
            _check_rows(rows, self.vkey)
        except _BadRow as bad:
            raise TamperedWitnessState(
                f"{self._store.where}: table {bad.table}, row {bad.row}: {bad.why}. This witness will"
                " not cosign from a state it cannot verify: restore witness.db from a backup, or start"
                " a new witness"
            ) from None


class _BadRow(Exception):
    def __init__(self, table: str, row: object, why: str) -> None:
        super().__init__(why)
        self.table, self.row, self.why = table, row, why


def _log_keys(rows: WitnessRows, origin: str) -> LogKeys:
    """The keys of ``origin``: the one it was added with, then each learned from a rotation."""
    first = rows.first_key(origin)
    if first is None:
        return []
    return [(0, first)] + [(k.valid_from, k.vkey) for k in rows.learned_keys(origin)]


def _open_with(keys: LogKeys, note: str) -> Checkpoint:
    """The checkpoint of ``note`` if a key valid at its size signed it (ProofError otherwise)."""
    claimed = Checkpoint.parse(parse_note(note).text)
    valid = log_key_valid(keys, claimed.size)
    if not valid:
        raise ProofError(f"no log key is valid at size {claimed.size}")
    return Checkpoint.parse(open_note(note, [NoteVerifier.from_vkey(v) for v in valid]).text)


def _signed_by_log(note: str, rows: WitnessRows) -> Checkpoint:
    """The checkpoint of a note the followed log signed with the key valid at its size (404/403/400)."""
    try:
        checkpoint = Checkpoint.parse(parse_note(note).text)
    except ProofError as exc:
        raise MalformedWitnessRequest(str(exc)) from None
    keys = _log_keys(rows, checkpoint.origin)
    if not keys:
        raise UnknownLog(f"this witness does not follow the log {checkpoint.origin!r}")
    try:
        return _open_with(keys, note)
    except ProofError as exc:
        raise UntrustedCheckpoint(
            f"the checkpoint is not signed by the log's key valid at size {checkpoint.size}: {exc}"
            " (a new log key is learned from the log's rotation: POST /log-key-rotation)"
        ) from None


def _checked_state(rows: WitnessRows, origin: str) -> WitnessState | None:
    """The stored state of ``origin``, after checking its note signs its size and root."""
    state = rows.state(origin)
    if state is None:
        return None
    try:
        _check_note_row(_log_keys(rows, origin), origin, state.size, state.root, state.note)
    except _BadRow as bad:
        raise TamperedWitnessState(
            f"the witness state of {origin} does not verify: {bad.why}"
        ) from None
    return state


def _check_note_row(keys: LogKeys, origin: str, size: int, root: bytes, note: str) -> Checkpoint:
    try:
        cp = _open_with(keys, note)
    except ProofError as exc:
        raise _BadRow(
            "", None, f"the stored note does not verify with the log key valid at its size: {exc}"
        ) from None
    if (cp.origin, cp.size, cp.root_hash) != (origin, size, root):
        raise _BadRow("", None, "the stored origin, size or root differs from the signed note")
    return cp


def _check_rows(rows: WitnessRows, own_vkey: str) -> None:
    """Every row a decision rests on, re-verified; _BadRow names the first that fails."""
    mine = CosignatureVerifier.from_vkey(own_vkey)
    origins = rows.followed()
    for origin, vkey in origins.items():
        try:
            if NoteVerifier.from_vkey(vkey).name != origin:
                raise ProofError("the key is not named for the origin")
        except ProofError as exc:
            raise _BadRow("logs", origin, f"the log key is not valid: {exc}") from None
    for table, kept in rows.origins_kept().items():
        for origin in sorted(kept - set(origins)):
            raise _BadRow(table, origin, "a row for a log this witness does not follow")
    for origin, first in origins.items():
        keys: LogKeys = [(0, first)]
        for learned in rows.learned_keys(origin):
            try:
                verified = verify_rotation_proof(learned.proof, keys[-1][1])
            except ProofError as exc:
                raise _BadRow(
                    "log_keys", learned.id, f"the rotation proof does not verify: {exc}"
                ) from None
            if (verified.rotation.new_vkey, verified.rotation.valid_from) != (
                learned.vkey,
                learned.valid_from,
            ):
                raise _BadRow(
                    "log_keys", learned.id, "the stored key or size differs from its rotation proof"
                )
            cp = verified.checkpoint
            if not rows.has_cosigned(origin, cp.size, cp.root_hash):
                raise _BadRow(
                    "log_keys", learned.id, "the handover checkpoint is not among the cosigned ones"
                )
            keys.append((learned.valid_from, learned.vkey))
        largest: tuple[int, bytes] | None = None
        for row in rows.cosigned(origin):
            try:
                cp = _check_note_row(keys, origin, row.size, row.root, row.note)
                verify_cosignature(cp.to_text(), row.cosignature, mine)
            except _BadRow as bad:
                raise _BadRow("cosigned", row.id, bad.why) from None
            except ProofError as exc:
                raise _BadRow(
                    "cosigned", row.id, f"the cosignature is not this witness's: {exc}"
                ) from None
            if largest is None or row.size > largest[0]:
                largest = (row.size, row.root)
        state = rows.state(origin)
        if state is not None:
            try:
                _check_note_row(keys, origin, state.size, state.root, state.note)
            except _BadRow as bad:
                raise _BadRow("state", origin, bad.why) from None
            if largest != (state.size, state.root):
                raise _BadRow(
                    "state", origin, "the state is not the largest checkpoint this witness cosigned"
                )
        elif largest is not None:
            raise _BadRow("state", origin, "the state is missing though checkpoints were cosigned")
