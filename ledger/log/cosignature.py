"""C2SP tlog-cosignature/v1 with Ed25519 (signature type 0x04).

A witness cosigns a checkpoint to state that, at a given time, this is the
largest consistent tree it has seen for the log; clients that require witness
cosignatures are protected from split views. The cosignature is a signed-note
signature line whose key ID uses type byte 0x04, whose signature is
``8-byte big-endian timestamp || Ed25519 signature``, and whose signed message
is ``"cosignature/v1\\ntime <T>\\n"`` followed by the checkpoint note text.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint
from ledger.log.note import (
    NamedEd25519Key,
    NamedVerifierKey,
    NoteSignature,
    decode_base64,
    is_valid_key_name,
)

SIG_TYPE_COSIGNATURE_V1 = 0x04
"""Signed-note signature type of timestamped Ed25519 witness cosignatures."""

COSIGNATURE_SIZE = 8 + 64
_MAX_TIMESTAMP = (1 << 63) - 1


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a v1 cosigner signs: header, time line, then the checkpoint text."""
    _check_timestamp(timestamp)
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + checkpoint_text.encode("utf-8")


def _check_timestamp(timestamp: int) -> None:
    if (
        not isinstance(timestamp, int)
        or isinstance(timestamp, bool)
        or not 0 <= timestamp <= _MAX_TIMESTAMP
    ):
        raise ProofError(
            f"a cosignature timestamp must be an integer in 0..2^63-1, got {timestamp!r}"
        )


def _unix_now() -> int:
    return int(time.time())


class CosignatureSigner(NamedEd25519Key):
    """A witness key (type 0x04); usable as a note signer (timestamps from ``clock``)."""

    sig_type = SIG_TYPE_COSIGNATURE_V1

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        clock: Callable[[], int] = _unix_now,
    ) -> None:
        super().__init__(name, private_key)
        self._clock = clock

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self._name, self._public_key)

    def sign(self, message: bytes) -> bytes:
        """Sign note text ``message`` (a checkpoint) at the clock's current time."""
        try:
            text = message.decode("utf-8")
        except UnicodeDecodeError:
            raise ProofError("a cosigned checkpoint must be UTF-8") from None
        return self.sign_at(text, self._clock())

    def sign_at(self, checkpoint_text: str, timestamp: int) -> bytes:
        """Return ``timestamp (8 bytes, big-endian) || Ed25519 signature``."""
        Checkpoint.parse(checkpoint_text)  # only checkpoints are cosigned
        sig = self._key.sign(cosigned_message(checkpoint_text, timestamp))
        return struct.pack(">Q", timestamp) + sig

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """Return the newline-terminated cosignature line for ``checkpoint_text``."""
        sig = self.sign_at(checkpoint_text, timestamp)
        return NoteSignature(self._name, self._key_hash, sig).line()


class CosignatureVerifier(NamedVerifierKey):
    """Checks v1 cosignatures of one witness key (usable with ``open_note``)."""

    sig_type = SIG_TYPE_COSIGNATURE_V1
    key_kind = "a cosignature/v1 key"

    def timestamp_of(self, message: bytes, signature: bytes) -> int:
        """Verify and return the cosignature's timestamp; ProofError if invalid."""
        if len(signature) != COSIGNATURE_SIZE:
            raise ProofError(
                f"a cosignature is {COSIGNATURE_SIZE} bytes after the key ID, got {len(signature)}"
            )
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            raise ProofError("cosignature timestamp exceeds 2^63-1")
        try:
            text = message.decode("utf-8")
        except UnicodeDecodeError:
            raise ProofError("a cosigned checkpoint must be UTF-8") from None
        try:
            self._public_key.verify(signature[8:], cosigned_message(text, timestamp))
        except InvalidSignature:
            raise ProofError(f"invalid cosignature from {self._name}") from None
        return timestamp

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Note-verifier interface: whether ``signature`` cosigns ``message``."""
        try:
            self.timestamp_of(message, signature)
        except ProofError:
            return False
        return True


def verify_cosignature(
    checkpoint_text: str, signature_line: str, verifier: CosignatureVerifier
) -> int:
    """Verify one cosignature line over ``checkpoint_text``; return its timestamp.

    Raises ProofError if the line is malformed, is not from ``verifier``'s key
    (name and key ID), or does not verify.
    """
    line = signature_line[:-1] if signature_line.endswith("\n") else signature_line
    prefix = "— "
    if not line.startswith(prefix) or "\n" in line:
        raise ProofError("a cosignature line is '— <name> <base64>'")
    name, sep, b64 = line[len(prefix) :].partition(" ")
    if not sep or not is_valid_key_name(name):
        raise ProofError("a cosignature line has no valid key name")
    raw = decode_base64(b64, "cosignature")
    if name != verifier.name or raw[:4] != verifier.key_hash:
        raise ProofError(f"the cosignature is not from {verifier.name}+{verifier.key_hash.hex()}")
    Checkpoint.parse(checkpoint_text)
    return verifier.timestamp_of(checkpoint_text.encode("utf-8"), raw[4:])
