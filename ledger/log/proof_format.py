"""C2SP tlog-proof (c2sp.org/tlog-proof@v1): an offline-verifiable proof file.

A ``.tlog-proof`` bundles an entry's index, its inclusion proof and the signed
(and possibly cosigned) checkpoint it leads to, so that anyone holding the
log's and witnesses' public keys can check that an entry was logged, without
contacting the ledger::

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, unauthenticated)
    index <decimal>
    <base64 hash>             (zero or more, leaf's sibling first)

    <signed checkpoint note>
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import HASH_SIZE, verify_inclusion
from ledger.log.note import Note, Verifier, decode_base64, open_note, parse_note

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX_RE = re.compile(r"index (0|[1-9][0-9]*)")
_MAX_INDEX = (1 << 63) - 2  # an index is below a size of at most 2^63-1
_MAX_PROOF_HASHES = 63


@dataclass(frozen=True)
class TlogProof:
    """A parsed tlog-proof; nothing in it is trusted until ``verify_tlog_proof``."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    checkpoint: Checkpoint
    extra: bytes | None = None


def format_proof(
    index: int,
    proof_hashes: Sequence[bytes],
    checkpoint_note: str,
    extra: bytes | None = None,
) -> str:
    """Render a tlog-proof; the checkpoint note is included verbatim.

    ``extra`` must be None or non-empty (an empty extra line would be ambiguous).
    """
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= _MAX_INDEX:
        raise ProofError(f"index must be an integer in 0..2^63-2, got {index!r}")
    if len(proof_hashes) > _MAX_PROOF_HASHES:
        raise ProofError(f"an inclusion proof has at most {_MAX_PROOF_HASHES} hashes")
    for i, h in enumerate(proof_hashes):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ProofError(f"proof hash {i} must be {HASH_SIZE} bytes")
    note = parse_note(checkpoint_note)
    Checkpoint.parse(note.text)
    lines = [HEADER]
    if extra is not None:
        if not isinstance(extra, bytes) or not extra:
            raise ProofError("extra data must be non-empty bytes (or None)")
        lines.append("extra " + base64.b64encode(extra).decode("ascii"))
    lines.append(f"index {index}")
    lines.extend(base64.b64encode(h).decode("ascii") for h in proof_hashes)
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_proof(text: str) -> TlogProof:
    """Parse a tlog-proof strictly; raise ProofError on anything malformed.

    The embedded checkpoint must be a well-formed signed note whose text is a
    valid checkpoint; its signatures are not checked here.
    """
    if not isinstance(text, str):
        raise ProofError("a tlog-proof must be a string")
    header_end = text.find("\n\n")
    if header_end < 0:
        raise ProofError("a tlog-proof needs a blank line before the checkpoint")
    head, checkpoint_note = text[:header_end].split("\n"), text[header_end + 2 :]
    if head[0] != HEADER:
        raise ProofError(f"a tlog-proof must start with {HEADER!r}")
    pos = 1
    extra = None
    if pos < len(head) and head[pos].startswith("extra "):
        extra = decode_base64(head[pos][len("extra ") :], "extra data")
        if not extra:
            raise ProofError("the extra line must carry data")
        pos += 1
    if pos >= len(head):
        raise ProofError("a tlog-proof needs an index line")
    match = _INDEX_RE.fullmatch(head[pos])
    if not match:
        raise ProofError("the index line must be 'index' and a decimal without leading zeros")
    index = int(match.group(1))
    if index > _MAX_INDEX:
        raise ProofError("the index exceeds 2^63-2")
    hash_lines = head[pos + 1 :]
    if len(hash_lines) > _MAX_PROOF_HASHES:
        raise ProofError(f"an inclusion proof has at most {_MAX_PROOF_HASHES} hashes")
    proof = []
    for n, line in enumerate(hash_lines):
        h = decode_base64(line, f"proof hash {n}")
        if len(h) != HASH_SIZE:
            raise ProofError(f"proof hash {n} must be {HASH_SIZE} bytes, got {len(h)}")
        proof.append(h)
    note: Note = parse_note(checkpoint_note)
    checkpoint = Checkpoint.parse(note.text)
    return TlogProof(
        index=index,
        proof=tuple(proof),
        checkpoint_note=checkpoint_note,
        checkpoint=checkpoint,
        extra=extra,
    )


def verify_tlog_proof(
    tlog_proof: TlogProof,
    leaf_hash: bytes,
    verifiers: Sequence[Verifier],
    *,
    origin: str | None = None,
    required: int | None = None,
) -> Checkpoint:
    """Check the checkpoint's signatures and the entry's inclusion; return the checkpoint.

    Policy: at least ``required`` of ``verifiers`` (default: all of them, e.g.
    the log key plus each witness) must have verified signatures on the
    checkpoint; if ``origin`` is given the checkpoint must be for that log.
    Raises ProofError on any failure.
    """
    if not verifiers:
        raise ProofError("verifying a tlog-proof needs at least one trusted key")
    needed = len(verifiers) if required is None else required
    if not 1 <= needed <= len(verifiers):
        raise ProofError(f"required signatures must be 1..{len(verifiers)}, got {needed}")
    note = open_note(tlog_proof.checkpoint_note, verifiers)
    signed = sum(1 for v in verifiers if note.verified_by(v.name, bytes(v.key_hash)))
    if signed < needed:
        raise ProofError(
            f"the checkpoint carries {signed} verified signatures of trusted keys, {needed} required"
        )
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise ProofError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    verify_inclusion(
        leaf_hash, tlog_proof.index, checkpoint.size, list(tlog_proof.proof), checkpoint.root_hash
    )
    return checkpoint


CONSISTENCY_HEADER = "ceasefire-ledger/consistency-proof@v1"


def format_consistency_proof(
    old: tuple[int, bytes], new: tuple[int, bytes], proof: Sequence[bytes], notes: Sequence[str]
) -> str:
    """A consistency proof as text, for people and for other tools.

    The file names the two tree sizes with their roots, then the proof hashes in
    base64, one per line, in the order RFC 9162 section 2.1.4 produces them (the
    same order as Go's tlog.TreeProof), then each signed checkpoint of those
    sizes that exists, after a blank line.
    """
    lines = [
        CONSISTENCY_HEADER,
        f"old {old[0]} {base64.b64encode(old[1]).decode()}",
        f"new {new[0]} {base64.b64encode(new[1]).decode()}",
    ]
    lines += [base64.b64encode(h).decode() for h in proof]
    text = "\n".join(lines) + "\n"
    for note in notes:
        text += "\n" + note
    return text
