"""Log key rotation: the old key's endorsement and the proof a follower checks.

A new log key is trusted only when the log itself says so, twice over:

* the committee's ``key.registered`` statement of purpose ``log`` names the
  new verifier key and carries, in ``data.endorsement``, a C2SP signed note
  by the *old* log key naming the origin, the new key and the tree size it
  signs from (``valid_from``, the size that includes the statement)::

      ceasefire-ledger log-key-rotation v1
      origin <origin>
      new-key <new vkey>
      valid-from <size>

      — <origin> <old key's signature>

  Its first line has spaces, which a log origin (a key name) never has, so
  the old key's signature on it can never be read as a checkpoint;

* the *handover checkpoint*, of size ``valid_from``, is signed by the old key
  (and by the new one), so the statement is proven included in a tree head
  the old key signed.

Mirrors and witnesses receive a rotation as a C2SP tlog-proof
(c2sp.org/tlog-proof@v1) whose ``extra`` line carries the statement (the
Merkle leaf), whose index is its position and whose checkpoint is the
handover checkpoint. ``verify_rotation_proof`` checks all of it with the old
key alone. The old key is valid for tree sizes up to ``valid_from``, the new
one from ``valid_from``: both may sign the handover checkpoint, nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import ForgedKeyRotation, ProofError
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import leaf_hash
from ledger.log.note import NoteSigner, NoteVerifier, open_note, sign_note
from ledger.log.proof_format import format_proof, parse_proof, verify_tlog_proof

HEADER = "ceasefire-ledger log-key-rotation v1"
_SIZE = r"(0|[1-9][0-9]*)"
_TEXT = re.compile(rf"{re.escape(HEADER)}\norigin (\S+)\nnew-key (\S+)\nvalid-from {_SIZE}\n")


@dataclass(frozen=True)
class KeyRotation:
    """The old log key's word: from tree size ``valid_from``, ``new_vkey`` signs ``origin``'s checkpoints."""

    origin: str
    new_vkey: str
    valid_from: int

    def to_text(self) -> str:
        return f"{HEADER}\norigin {self.origin}\nnew-key {self.new_vkey}\nvalid-from {self.valid_from}\n"

    @classmethod
    def parse(cls, text: str) -> KeyRotation:
        match = _TEXT.fullmatch(text)
        if match is None:
            raise ForgedKeyRotation(
                f"an endorsement's text is {HEADER!r}, origin, new-key and valid-from lines"
            )
        origin, vkey, size = match.groups()
        if NoteVerifier.from_vkey(vkey).name != origin:
            raise ForgedKeyRotation(f"the new key is not named for the origin {origin!r}")
        return cls(origin, vkey, int(size))

    def endorse(self, old: NoteSigner) -> str:
        """The endorsement: this rotation as a signed note by the old log key."""
        if old.name != self.origin:
            raise ProofError(
                f"the old log key is named {old.name!r}, not the origin {self.origin!r}"
            )
        return sign_note(self.to_text(), [old])


def open_endorsement(note: str, old_vkey: str) -> KeyRotation:
    """The rotation ``note`` states, if the old log key ``old_vkey`` signed it."""
    try:
        opened = open_note(note, [NoteVerifier.from_vkey(old_vkey)])
    except ProofError as exc:
        raise ForgedKeyRotation(
            f"the endorsement is not signed by the old log key {old_vkey}: {exc}"
        ) from None
    return KeyRotation.parse(opened.text)


@dataclass(frozen=True)
class VerifiedRotation:
    """A rotation proven by ``verify_rotation_proof``: what a follower records."""

    rotation: KeyRotation
    old_vkey: str
    checkpoint: Checkpoint
    proof: str


def rotation_proof(leaf: bytes, index: int, inclusion: Sequence[bytes], handover_note: str) -> str:
    """The tlog-proof presenting a rotation statement (``leaf`` at ``index``) to followers."""
    return format_proof(index, inclusion, handover_note, extra=leaf)


def _statement_fields(leaf: bytes) -> tuple[str, str]:
    """(new vkey, endorsement) of a log key registration leaf."""
    try:
        statement: Any = json.loads(leaf.decode("utf-8"))
        data = statement["data"]
        if statement["type"] != "key.registered" or data["purpose"] != "log":
            raise ForgedKeyRotation("the proven statement is not a key.registered of purpose log")
        vkey, endorsement = data["vkey"], data["endorsement"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise ForgedKeyRotation(
            "the proven statement is not a log key registration with an endorsement"
        ) from None
    if not isinstance(vkey, str) or not isinstance(endorsement, str):
        raise ForgedKeyRotation("the statement's vkey and endorsement must be text")
    return vkey, endorsement


def verify_rotation_proof(text: str, old_vkey: str) -> VerifiedRotation:
    """Check a rotation with the old key alone; ForgedKeyRotation says what fails.

    The handover checkpoint must verify with ``old_vkey``, include the
    statement at its index, and be of size index + 1; the statement must
    register the key the old key endorsed, valid from that size.
    """
    try:
        proof = parse_proof(text)
    except ProofError as exc:
        raise ForgedKeyRotation(f"the rotation proof is not a C2SP tlog-proof: {exc}") from None
    if proof.extra is None:
        raise ForgedKeyRotation("the rotation proof carries no statement (its extra line)")
    try:
        checkpoint = verify_tlog_proof(
            proof, leaf_hash(proof.extra), [NoteVerifier.from_vkey(old_vkey)]
        )
    except ProofError as exc:
        raise ForgedKeyRotation(
            f"the rotation is not proven included in a checkpoint signed by the old log key: {exc}"
        ) from None
    vkey, endorsement = _statement_fields(proof.extra)
    rotation = open_endorsement(endorsement, old_vkey)
    if rotation.new_vkey != vkey:
        raise ForgedKeyRotation(
            f"the old key endorsed {rotation.new_vkey}, the statement registers {vkey}"
        )
    if rotation.origin != checkpoint.origin:
        raise ForgedKeyRotation(
            f"the endorsement is for {rotation.origin!r}, the checkpoint for {checkpoint.origin!r}"
        )
    if rotation.valid_from != proof.index + 1 or checkpoint.size != rotation.valid_from:
        raise ForgedKeyRotation(
            f"the endorsement names size {rotation.valid_from}; the statement is at position {proof.index}"
            f" and the handover checkpoint of size {checkpoint.size}: they must be one size"
        )
    return VerifiedRotation(rotation, old_vkey, checkpoint, text)


def log_key_valid(keys: Sequence[tuple[int, str]], size: int) -> list[str]:
    """The verifier keys that may sign a checkpoint of ``size``, given (valid_from, vkey) in order.

    Each key signs from its ``valid_from`` up to and including the next key's
    ``valid_from`` (the handover checkpoint, which both keys sign).
    """
    valid = []
    for n, (start, vkey) in enumerate(keys):
        end = keys[n + 1][0] if n + 1 < len(keys) else None
        if start <= size and (end is None or size <= end):
            valid.append(vkey)
    return valid
