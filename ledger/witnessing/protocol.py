"""The C2SP tlog-witness ``add-checkpoint`` wire format, for both ends.

Request body: ``old <size>\\n``, zero to 63 base64 consistency-proof lines, an
empty line, then the signed checkpoint note. A 200 answer is one or more note
signature lines (cosignatures); a 409 answer is the witness's latest cosigned
size and a newline, with ``Content-Type: text/x.tlog.size``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger.errors import MalformedWitnessRequest, ProofError
from ledger.log.note import decode_base64, parse_note

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request: old size, consistency proof, checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def body(self) -> bytes:
        """The request body as the spec lays it out."""
        import base64

        lines = [f"old {self.old_size}"] + [base64.b64encode(h).decode("ascii") for h in self.proof]
        return ("\n".join(lines) + "\n\n" + self.note).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse a request body strictly; MalformedWitnessRequest names what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedWitnessRequest("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise MalformedWitnessRequest("the request needs an empty line before the checkpoint")
    lines = head.split("\n")
    old_line, proof_lines = lines[0], lines[1:]
    if not old_line.startswith("old ") or not _SIZE.fullmatch(old_line[4:]):
        raise MalformedWitnessRequest(
            "the first line must be 'old <size>' (decimal, no leading zeros)"
        )
    if len(proof_lines) > MAX_PROOF_LINES:
        raise MalformedWitnessRequest(f"at most {MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = tuple(decode_base64(line, "a consistency proof line") for line in proof_lines)
        parse_note(note)
    except ProofError as exc:
        raise MalformedWitnessRequest(str(exc)) from None
    if any(len(h) != 32 for h in proof):
        raise MalformedWitnessRequest("each consistency proof line is one 32-byte hash")
    return AddCheckpoint(int(old_line[4:]), proof, note)


def parse_cosignature_lines(body: str) -> list[str]:
    """Split a 200 answer into its signature lines (each kept with its newline)."""
    if not body.endswith("\n"):
        raise ProofError("a witness answer must end with a newline")
    lines = [line + "\n" for line in body[:-1].split("\n")]
    if not lines or any(not line.startswith("— ") for line in lines):
        raise ProofError("a witness answer holds only note signature lines ('— name sig')")
    return lines


def parse_size_answer(body: str) -> int:
    """The witness's latest cosigned size from a 409 answer."""
    if not body.endswith("\n") or not _SIZE.fullmatch(body[:-1]):
        raise ProofError(f"a 409 answer must be a decimal size and a newline, got {body[:40]!r}")
    return int(body[:-1])
