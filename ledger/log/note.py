"""C2SP signed-note (c2sp.org/signed-note) with Ed25519 keys.

Checkpoints are published as signed notes so that the Go ecosystem's
``golang.org/x/mod/sumdb/note`` and every C2SP witness can read them. A note is a
text ending in a newline, a blank line, then signature lines
``— <key name> base64(4-byte key ID || signature)``.

Parsing is strict (a note that does not follow the format is refused with
ProofError rather than half-read). Verification follows the spec: signatures
from unknown keys are kept but ignored; a known key whose signature fails
rejects the whole note; a note with no verified signature is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.errors import ProofError

SIG_TYPE_ED25519 = 0x01
"""Signed-note signature type byte of plain Ed25519 note signatures."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in a note (the spec demands at least 16)."""

_SIG_PREFIX = "— "  # em dash U+2014, space


class Signer(Protocol):
    """Anything that can add a signature line to a note."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes:
        """Return the signature bytes (without key ID) over the note text."""
        ...


class Verifier(Protocol):
    """Anything that can check a signature line of a note."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (without key ID) signs the note text."""
        ...


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty, with no Unicode space and no '+' (signed-note spec)."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(ch.isspace() for ch in name)
        and is_clean_text(name)
    )


def is_clean_text(text: str) -> bool:
    """Valid UTF-8 (no lone surrogates) and no control characters but newline."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def key_hash(name: str, sig_type: int, public_key: bytes) -> bytes:
    """Key ID: SHA-256(name || 0x0A || type || public key)[:4] (signed-note spec)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[
        :4
    ]


def decode_base64(value: str, what: str) -> bytes:
    """Strict standard base64: valid alphabet, padding, and canonical encoding."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise ProofError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != value:
        raise ProofError(f"{what} is not canonical base64")
    return raw


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32-byte RFC 8032 encoding of an Ed25519 public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def format_vkey(name: str, sig_type: int, public_key: bytes) -> str:
    """Verifier key string ``name+hex(key ID)+base64(type || public key)``."""
    if not is_valid_key_name(name):
        raise ProofError(f"invalid key name {name!r}")
    kh = key_hash(name, sig_type, public_key)
    return f"{name}+{kh.hex()}+{base64.b64encode(bytes([sig_type]) + public_key).decode('ascii')}"


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """Parse a verifier key into (name, key ID, signature type, public key).

    Checks the key ID against the name and key material, so a mistyped vkey is
    refused rather than silently never matching.
    """
    if not isinstance(vkey, str):
        raise ProofError("a verifier key must be a string")
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise ProofError("a verifier key has the form name+keyhash+base64key")
    name, hash_hex, key_b64 = parts
    if not is_valid_key_name(name):
        raise ProofError(f"invalid key name in verifier key: {name!r}")
    if len(hash_hex) != 8 or any(c not in "0123456789abcdef" for c in hash_hex):
        raise ProofError("the key hash of a verifier key must be 8 lowercase hex digits")
    key = decode_base64(key_b64, "verifier key material")
    if len(key) < 2:
        raise ProofError("verifier key material is too short")
    if key_hash(name, key[0], key[1:]).hex() != hash_hex:
        raise ProofError("verifier key hash does not match its name and key")
    return name, bytes.fromhex(hash_hex), key[0], key[1:]


def ed25519_vkey(vkey: str, sig_type: int, what: str) -> tuple[str, Ed25519PublicKey]:
    """The name and Ed25519 public key of a verifier key of the given signature type."""
    name, _, found_type, key = parse_vkey(vkey)
    if found_type != sig_type:
        raise ProofError(
            f"verifier key of type 0x{found_type:02x} is not {what} (0x{sig_type:02x})"
        )
    if len(key) != 32:
        raise ProofError(f"{what} must hold a 32-byte Ed25519 public key")
    try:
        return name, Ed25519PublicKey.from_public_bytes(key)
    except ValueError:
        raise ProofError("invalid Ed25519 public key") from None


class NamedKey:
    """An Ed25519 public key under a key name, for one signature type.

    Holds what every note signer and verifier shares: the name, the key hash
    (first 4 bytes of SHA-256(name || "\\n" || type || public key)) and the
    verifier key string ``name+hex8+base64(type || pubkey)``.
    """

    sig_type = SIG_TYPE_ED25519
    key_kind = "an Ed25519 note key"
    """How a verifier key of this type is named in messages."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        if not is_valid_key_name(name):
            raise ProofError(f"invalid key name {name!r}")
        self._name = name
        self._public_key = public_key
        self._public = public_key_bytes(public_key)
        self._key_hash = key_hash(name, self.sig_type, self._public)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_hash(self) -> bytes:
        return self._key_hash

    @property
    def vkey(self) -> str:
        """The verifier key to publish."""
        return format_vkey(self._name, self.sig_type, self._public)


class NamedEd25519Key(NamedKey):
    """An Ed25519 private key under a key name: the base of the signers."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        super().__init__(name, private_key.public_key())
        self._key = private_key


class NamedVerifierKey(NamedKey):
    """A public key under a key name: the base of the verifiers, read from a verifier key."""

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Build from a verifier key string; only this class's signature type is accepted."""
        return cls(*ed25519_vkey(vkey, cls.sig_type, cls.key_kind))


class NoteSigner(NamedEd25519Key):
    """Signs note text with an Ed25519 key under a key name (type 0x01)."""

    def verifier(self) -> NoteVerifier:
        """The matching verifier."""
        return NoteVerifier(self._name, self._public_key)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


class NoteVerifier(NamedVerifierKey):
    """Checks Ed25519 (type 0x01) note signatures of one key."""

    @property
    def public_raw(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            self._public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, signature bytes (after the ID)."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, newline-terminated."""
        b64 = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {b64}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (with final newline) and signatures.

    ``signatures`` holds every line in order; ``verified`` those checked by a
    known verifier (empty for a note only parsed, not opened).
    """

    text: str
    signatures: tuple[NoteSignature, ...]
    verified: tuple[NoteSignature, ...] = ()

    def verified_by(self, name: str, key_hash: bytes) -> bool:
        """Whether a signature of this key verified."""
        return any(s.name == name and s.key_hash == key_hash for s in self.verified)


def _check_text(text: str) -> None:
    if not isinstance(text, str):
        raise ProofError("note text must be a string")
    if not text.endswith("\n"):
        raise ProofError("note text must end with a newline")
    if not is_clean_text(text):
        raise ProofError("note text must be valid UTF-8 without control characters")


def sign_note(text: str, signers: Iterable[Signer]) -> str:
    """Sign ``text`` (which must end with a newline) with each signer, in order."""
    _check_text(text)
    message = text.encode("utf-8")
    lines = []
    for signer in signers:
        if not is_valid_key_name(signer.name):
            raise ProofError(f"invalid signer key name {signer.name!r}")
        sig = NoteSignature(signer.name, bytes(signer.key_hash), bytes(signer.sign(message)))
        lines.append(sig.line())
    if not lines:
        raise ProofError("a signed note needs at least one signature")
    return text + "\n" + "".join(lines)


def add_signatures(note: str, signers: Iterable[Signer]) -> str:
    """Append signature lines (e.g. witness cosignatures) to an existing note."""
    parsed = parse_note(note)
    message = parsed.text.encode("utf-8")
    extra = [
        NoteSignature(s.name, bytes(s.key_hash), bytes(s.sign(message))).line() for s in signers
    ]
    return note + "".join(extra)


def parse_note(note: str) -> Note:
    """Split a note into text and signature lines without verifying anything.

    Raises ProofError if the note is not well formed.
    """
    if not isinstance(note, str):
        raise ProofError("a note must be a string")
    if not is_clean_text(note):
        raise ProofError("a note must be valid UTF-8 without control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise ProofError("a note must have a blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise ProofError("a note must end with newline-terminated signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ProofError(f"a note may carry at most {MAX_SIGNATURES} signatures")
    signatures = []
    for number, line in enumerate(lines, 1):
        if not line.startswith(_SIG_PREFIX):
            raise ProofError(f"signature line {number} must start with an em dash and a space")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep or not is_valid_key_name(name):
            raise ProofError(f"signature line {number} has no valid key name")
        raw = decode_base64(b64, f"signature line {number}")
        if len(raw) < 5:
            raise ProofError(f"signature line {number} is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(text=text, signatures=tuple(signatures))


def open_note(note: str, verifiers: Sequence[Verifier]) -> Note:
    """Parse ``note`` and verify its signatures with the known ``verifiers``.

    Returns the note with ``verified`` filled. Raises ProofError if the note is
    malformed, if a known key's signature fails, or if no known key signed it.
    """
    parsed = parse_note(note)
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        k = (v.name, bytes(v.key_hash))
        if k in known:
            raise ProofError(f"two verifiers share key name {v.name} and key ID {k[1].hex()}")
        known[k] = v
    message = parsed.text.encode("utf-8")
    verified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in parsed.signatures:
        k = (sig.name, sig.key_hash)
        verifier = known.get(k)
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise ProofError(f"invalid signature for key {sig.name}+{sig.key_hash.hex()}")
        if k not in seen:
            seen.add(k)
            verified.append(sig)
    if not verified:
        raise ProofError("the note has no signature from a known key")
    return Note(text=parsed.text, signatures=parsed.signatures, verified=tuple(verified))
