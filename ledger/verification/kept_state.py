"""The note the log key signs over a kept maintained state, and the row that holds both.

A process holding the log key keeps the state it folded from the verified log
for the next such process (``ledger.projections.kept`` says what the state is
and why). The state is stored in ``ledger_saved_reports`` under
``STATE_NAME``, behind a signed note (c2sp.org/signed-note, first line
``STATE_FIRST_LINE``) naming the origin, the tree size and root it was folded
from, the notification position it tracks, the program that folded it and the
SHA-256 of the state's bytes. ``load`` hands the bytes out only when the note
verifies with the log key the caller holds (never a key the database names),
names the caller's program and a tree size within what the caller verified
whose root there is the note's, and the bytes hash to the note's digest; it
never deserialises anything itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import LedgerError
from ledger.log.note import NoteSigner, NoteVerifier, open_note, parse_note, sign_note
from ledger.storage.port import LogStore
from ledger.verification.mark import _b64, _decimal, _unb64, field_text, field_values

STATE_NAME = "maintained-state"
"""The row of ``ledger_saved_reports`` holding the kept state (not a report name)."""
STATE_FIRST_LINE = "ceasefire-ledger maintained state"
"""First line of the note: never a checkpoint's (its second line is not a number) nor a mark's."""
_FIELDS = ("origin", "size", "root", "position", "program", "state")


@dataclass(frozen=True)
class StateNote:
    """What the log key vouches for: the state folded from the tree of ``size`` and ``root``."""

    origin: str
    size: int
    root: bytes
    position: int
    program: bytes
    state: bytes
    """SHA-256 of the serialised state."""

    def to_text(self) -> str:
        values = (
            self.origin,
            str(self.size),
            _b64(self.root),
            str(self.position),
            _b64(self.program),
            _b64(self.state),
        )
        return field_text(STATE_FIRST_LINE, _FIELDS, values)

    @classmethod
    def parse(cls, text: str) -> StateNote | None:
        """The note a text states, or None unless it is exactly in the form ``to_text`` writes."""
        lines = text.split("\n")
        if len(lines) != len(_FIELDS) + 2 or lines[0] != STATE_FIRST_LINE or lines[-1] != "":
            return None
        values = field_values(lines[1:-1], _FIELDS)
        if values is None:
            return None
        origin, size, root, position, program, state = values
        if not (_decimal(size) and _decimal(position)):
            return None
        digests = [_unb64(v) for v in (root, program, state)]  # 32 bytes each, or None
        if any(d is None for d in digests):
            return None
        root_hash, program_hash, state_hash = (d or b"" for d in digests)
        note = cls(origin, int(size), root_hash, int(position), program_hash, state_hash)
        return note if note.to_text() == text else None


def _frame(note: str, state: bytes) -> bytes:
    text = note.encode("utf-8")
    return len(text).to_bytes(4, "big") + text + state


def _unframe(body: bytes) -> tuple[str, bytes] | None:
    if len(body) < 4:
        return None
    length = int.from_bytes(body[:4], "big")
    if len(body) < 4 + length:
        return None
    try:
        return body[4 : 4 + length].decode("utf-8"), body[4 + length :]
    except UnicodeDecodeError:
        return None


def keep(
    store: LogStore,
    log_key: Ed25519PrivateKey,
    *,
    origin: str,
    size: int,
    root: bytes,
    position: int,
    program: bytes,
    state: bytes,
) -> bool:
    """Store ``state``, folded by ``program`` from the verified tree of ``size`` and ``root``
    and tracking ``position``, with a note the log key signs over it. False when nothing was
    stored."""
    note = StateNote(origin, size, root, position, program, hashlib.sha256(state).digest())
    try:
        signed = sign_note(note.to_text(), [NoteSigner(origin, log_key)])
    except LedgerError:
        return False
    key = hashlib.sha256(signed.encode("utf-8")).hexdigest()
    return store.save_report(STATE_NAME, key, _frame(signed, state))


def load(
    store: LogStore,
    log_key: Ed25519PrivateKey,
    *,
    origin: str,
    verified_size: int,
    root_at: Callable[[int], bytes],
    program: bytes,
) -> tuple[StateNote, bytes] | None:
    """The note and the serialised state, if the log key vouches for it as ``program``'s,
    folded from a tree this process verified (``root_at(size)`` is that tree's root at a size
    up to ``verified_size``); else None. Nothing is deserialised here."""
    found = _kept_row(store, log_key, origin)
    if found is None:
        return None
    note, state = found
    if note.program != program or note.size > verified_size:
        return None
    if root_at(note.size) != note.root or hashlib.sha256(state).digest() != note.state:
        return None
    return note, state


def _kept_row(
    store: LogStore, log_key: Ed25519PrivateKey, origin: str
) -> tuple[StateNote, bytes] | None:
    row = store.saved_report(STATE_NAME)
    if row is None:
        return None
    framed = _unframe(row[1])
    if framed is None:
        return None
    signed, state = framed
    try:
        note = StateNote.parse(parse_note(signed).text)
        if note is None or note.origin != origin:
            return None
        open_note(signed, [NoteVerifier(origin, log_key.public_key())])
    except LedgerError:
        return None
    return note, state
