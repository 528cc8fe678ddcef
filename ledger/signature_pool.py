"""Parsing and signature checking of many statements, spread over the cores.

Signature verification dominates the cost of importing and verifying a log
(about 9k Ed25519 verifications a second per core), so it runs in a pool of
worker processes. A worker parses a JSON line, checks the envelope, computes
the content id and verifies the signature with the key the id names; it
answers with the id and yes or no, and the reading process, which only reads
the JSON again, rebuilds the statement (sending a parsed statement between
processes costs more than parsing it twice). The *decision* whether that key
may sign at that position stays with the single writer (see
``ledger.admission``), so the result is the same as checking inline.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import errors
from ledger.crypto import b64decode, key_id_for_raw, verify_raw
from ledger.errors import LedgerError
from ledger.statements import BODY_FIELDS, Statement, body_of_leaf, parse_statement_json

CHUNK = 256
AHEAD = 4
"""Chunks per worker sent ahead of the reader: enough to keep the workers busy."""
T = TypeVar("T")
INLINE_BELOW = 128


@dataclass(frozen=True)
class Checked:
    """One input line after parsing and signature check."""

    line: int | None
    statement: Statement | None
    signature_ok: bool
    error: tuple[str, str, str | None] | None = None  # (error class, message, field)

    def raise_error(self) -> None:
        if self.error is None:
            return
        cls_name, message, field = self.error
        cls = getattr(errors, cls_name, LedgerError)
        raise cls(message, field=field, line=self.line)


def keys_declared_in(line: str) -> dict[str, bytes]:
    """Signing keys a charter or key registration line introduces (cheap pre-scan)."""
    if '"ledger.chartered"' not in line and '"key.registered"' not in line:
        return {}
    try:
        obj = json.loads(line)
        data = obj["data"]
        if obj["type"] == "ledger.chartered":
            pubs = [p for inst in data["institutions"] for p in inst["signing_keys"]]
        elif data.get("purpose") == "signing":
            pubs = [data["public_key"]]
        else:
            pubs = []
        found = {}
        for pub in pubs:
            raw = b64decode(pub, length=32)
            found[key_id_for_raw(raw)] = raw
        return found
    except (LedgerError, KeyError, TypeError, ValueError, AttributeError):
        return {}


def check_one(number: int | None, line: str | bytes, keys: dict[str, bytes]) -> Checked:
    try:
        st = parse_statement_json(line)
    except LedgerError as exc:
        return _failed(number, exc)
    public = keys.get(st.key_id)
    sig_ok = public is not None and verify_raw(public, st.signed_bytes, b64decode(st.signature))
    return Checked(number, st, sig_ok)


def parse_one(number: int | None, line: str | bytes) -> Checked:
    """Parse without verifying the signature: for statements a verified checkpoint covers.

    The checkpoint's signature and its root (recomputed from these very bytes)
    show the log signed over exactly these statements, and the log signs only
    what it verified; ``ledger verify`` still re-checks every signature.
    """
    try:
        return Checked(number, parse_statement_json(line), True)
    except LedgerError as exc:
        return _failed(number, exc)


def _failed(number: int | None, exc: LedgerError) -> Checked:
    return Checked(number, None, False, (type(exc).__name__, exc.message, exc.field))


Outcome = tuple[str, bytes | None, bool] | tuple[str, str, str | None]
"""A worker's answer for one line: (content id, signed bytes unless the line is the
canonical leaf, signature ok), or for a line that does not parse (error class,
message, field)."""


def _check_lines(args: tuple[Sequence[str | bytes], dict[str, bytes], int]) -> list[Outcome]:
    """Parse and check a chunk in a worker; its first ``covered`` lines are only parsed."""
    lines, keys, covered = args
    outcomes: list[Outcome] = []
    for i, line in enumerate(lines):
        try:
            st = parse_statement_json(line)
        except LedgerError as exc:
            outcomes.append((type(exc).__name__, exc.message, exc.field))
            continue
        text = line.encode("utf-8") if isinstance(line, str) else line
        canonical = st.leaf_bytes() == text and body_of_leaf(text) == st.signed_bytes
        ok = i < covered or _verified(keys.get(st.key_id), st.signed_bytes, st.signature)
        outcomes.append((st.event_id, None if canonical else st.signed_bytes, ok))
    return outcomes


_KEYS: dict[bytes, Ed25519PublicKey] = {}


def _verified(public: bytes | None, message: bytes, signature: str) -> bool:
    if public is None:
        return False
    key = _KEYS.get(public)
    if key is None:
        try:
            key = _KEYS[public] = Ed25519PublicKey.from_public_bytes(public)
        except ValueError:
            return False
    try:
        key.verify(b64decode(signature), message)
    except (InvalidSignature, ValueError, LedgerError):
        return False
    return True


def _rebuilt(number: int, line: str | bytes, outcome: Outcome) -> Checked:
    """The Checked a worker's outcome stands for, the statement rebuilt from its line.

    The worker parsed this very text and checked its envelope, so only the
    JSON is read again here (sending the parsed statement between processes
    would cost more): the body, the signature, the two times, and the signed
    bytes cut from the line when it is the canonical leaf.
    """
    if len(outcome) == 3 and isinstance(outcome[2], bool):
        event_id, signed, ok = outcome
        obj = json.loads(line)
        if signed is None:
            signed = body_of_leaf(line.encode("utf-8") if isinstance(line, str) else line)
        st = Statement(
            body={k: obj[k] for k in BODY_FIELDS if k in obj},
            signature=obj["signature"],
            event_id=str(event_id),
            signed_bytes=signed,
            occurred=datetime.fromisoformat(obj["occurred_at"]),
            recorded=datetime.fromisoformat(obj["recorded_at"]),
        )
        return Checked(number, st, ok)
    cls_name, message, field = outcome
    return Checked(number, None, False, (str(cls_name), str(message), field))


class Checker:
    """A reusable pool of checking workers; results come back in input order."""

    def __init__(self, processes: int | None = None) -> None:
        """``processes``: how many processes share the work, this one included. With
        one, everything runs here; with more, this process parses and decides while
        ``processes - 1`` workers check signatures. The default is a worker per core
        (at most four) besides this process, so that the cores this process leaves
        idle while it waits for the database check signatures too."""
        self.processes = processes or 1 + max(1, min(os.cpu_count() or 1, 4))
        if multiprocessing.current_process().daemon:
            self.processes = 1  # a pool's worker may not start a pool of its own
        self._pool: Pool | None = None

    @property
    def workers(self) -> int:
        return self.processes - 1

    def _get_pool(self) -> Pool:
        if self._pool is None:
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        return self._pool

    def check(
        self, lines: Sequence[str | bytes], keys: dict[str, bytes], *, first_line: int | None = 1
    ) -> Iterator[Checked]:
        """Yield one Checked per line, in order; parallel for large inputs."""
        numbered = (
            (None if first_line is None else first_line + i, line) for i, line in enumerate(lines)
        )
        inline = len(lines) < INLINE_BELOW
        for number, checked in self._stream(numbered, keys, 1, 0, inline=inline):
            yield checked if checked.line == number else replace(checked, line=number)

    def check_stream(
        self,
        items: Iterable[tuple[T, str | bytes]],
        keys: dict[str, bytes],
        first_line: int = 1,
        *,
        covered: int = 0,
    ) -> Iterator[tuple[T, Checked]]:
        """Check a stream of (payload, line) pairs, keeping the workers ahead of the reader.

        A statement's signature is checked with the key its id names among
        the keys given and those declared (by a charter or key registration)
        up to its chunk's end; whether that key may sign at that position is
        decided later, by the rules. The first ``covered`` items lie under a verified checkpoint:
        they are parsed, and their signatures not checked again (see
        ``parse_one``). At most ``AHEAD`` chunks per worker are in flight, so
        a long input is never read into memory whole.
        """
        return self._stream(items, keys, first_line, covered, inline=False)

    def _stream(
        self,
        items: Iterable[tuple[T, str | bytes]],
        keys: dict[str, bytes],
        first_line: int,
        covered: int,
        *,
        inline: bool,
    ) -> Iterator[tuple[T, Checked]]:
        known = dict(keys)
        if inline or self.workers == 0:
            for number, (payload, line) in enumerate(items, start=first_line):
                known.update(keys_declared_in(_as_text(line)))
                if number - first_line < covered:
                    yield payload, parse_one(number, line)
                else:
                    yield payload, check_one(number, line, known)
            return
        pool = self._get_pool()
        in_flight: deque[tuple[int, list[tuple[T, str | bytes]], AsyncResult[list[Outcome]]]]
        in_flight = deque()
        number = first_line
        for chunk in _chunks(items, CHUNK):
            lines = [line for _, line in chunk]
            for line in lines:
                known.update(keys_declared_in(_as_text(line)))
            left = max(0, covered - (number - first_line))
            task = (lines, dict(known) if left < len(lines) else {}, left)
            in_flight.append((number, chunk, pool.apply_async(_check_lines, (task,))))
            number += len(chunk)
            while len(in_flight) > AHEAD * self.workers:
                yield from _finished(*in_flight.popleft())
        while in_flight:
            yield from _finished(*in_flight.popleft())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def _finished(
    first: int, chunk: Sequence[tuple[T, str | bytes]], result: AsyncResult[list[Outcome]]
) -> Iterator[tuple[T, Checked]]:
    outcomes = result.get()
    for number, ((payload, line), outcome) in enumerate(zip(chunk, outcomes, strict=True), first):
        yield payload, _rebuilt(number, line, outcome)


def _as_text(line: str | bytes) -> str:
    return line if isinstance(line, str) else line.decode("utf-8", "replace")


def _chunks(
    items: Iterable[tuple[T, str | bytes]], size: int
) -> Iterator[list[tuple[T, str | bytes]]]:
    chunk: list[tuple[T, str | bytes]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
