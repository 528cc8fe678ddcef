"""C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed tree head body.

A checkpoint commits the log to a size and root hash; it is the text of a
signed note. Parsing is strict so that two parties can never read the same
signed bytes as two different tree heads (no leading zeros, canonical base64,
a 32-byte root, no empty extension lines).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger.errors import ProofError
from ledger.log.merkle import HASH_SIZE
from ledger.log.note import (
    Signer,
    Verifier,
    decode_base64,
    is_clean_text,
    open_note,
    sign_note,
)

_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_TIME_PREFIX = "time "
_TIME_RE = re.compile(r"time (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")
_MAX_SIZE = (1 << 63) - 1


@dataclass(frozen=True)
class Checkpoint:
    """Origin, tree size, RFC 6962 root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise ProofError("a checkpoint origin must be a non-empty single line")
        if not is_clean_text(self.origin):
            raise ProofError("a checkpoint origin must be UTF-8 without control characters")
        if (
            not isinstance(self.size, int)
            or isinstance(self.size, bool)
            or not 0 <= self.size <= _MAX_SIZE
        ):
            raise ProofError(
                f"a checkpoint size must be an integer in 0..2^63-1, got {self.size!r}"
            )
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise ProofError(f"a checkpoint root hash must be {HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise ProofError("checkpoint extensions must be a tuple of lines")
        for ext in self.extensions:
            if not isinstance(ext, str) or not ext or "\n" in ext or not is_clean_text(ext):
                raise ProofError("checkpoint extension lines must be non-empty single lines")

    @classmethod
    def at_time(cls, origin: str, size: int, root_hash: bytes, signed_at: datetime) -> Checkpoint:
        """A checkpoint carrying the log's signing time as the extension line ``time <UTC>``.

        Deadlines (an arrest promised within 72 hours, a production within 24)
        are judged at a *signed* time: the time in the latest checkpoint, which
        the log key signs together with the tree head, and which witnesses and
        mirrors therefore see exactly as the site does.
        """
        stamp = signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cls(origin, size, root_hash, (_TIME_PREFIX + stamp,))

    @property
    def signed_time(self) -> datetime | None:
        """The time the log signed this checkpoint at, if the checkpoint carries one."""
        for ext in self.extensions:
            match = _TIME_RE.fullmatch(ext)
            if match:
                return datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return None

    def to_text(self) -> str:
        """The note text: origin, decimal size, base64 root, extensions, final newline."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly; raise ProofError if malformed."""
        if not isinstance(text, str):
            raise ProofError("checkpoint text must be a string")
        if not text.endswith("\n"):
            raise ProofError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise ProofError("a checkpoint has at least three lines: origin, size, root hash")
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise ProofError("a checkpoint origin must be non-empty")
        if not _SIZE_RE.fullmatch(size_line):
            raise ProofError(
                f"checkpoint size {size_line!r} is not a decimal number without leading zeros"
            )
        size = int(size_line)
        if size > _MAX_SIZE:
            raise ProofError("checkpoint size exceeds 2^63-1")
        root = decode_base64(root_line, "checkpoint root hash")
        if len(root) != HASH_SIZE:
            raise ProofError(f"checkpoint root hash must be {HASH_SIZE} bytes, got {len(root)}")
        if any(not ext for ext in extensions):
            raise ProofError("checkpoint extension lines must be non-empty")
        return cls(origin=origin, size=size, root_hash=root, extensions=tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Iterable[Signer]) -> str:
    """Return the checkpoint as a signed note."""
    return sign_note(checkpoint.to_text(), signers)


def open_checkpoint(
    note: str, verifiers: Sequence[Verifier], *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and parse it.

    At least one of ``verifiers`` must have signed (see ``open_note``); if
    ``origin`` is given the checkpoint must be for that log.
    """
    opened = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise ProofError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
