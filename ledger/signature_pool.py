"""Parsing and signature checking of many statements, spread over the cores.

Signature verification dominates the cost of importing and verifying a log
(about 9k Ed25519 verifications a second per core), so it runs in a pool of
worker processes. A worker parses a JSON line, checks the envelope, computes
the content id and verifies the signature with the key the id names; the
*decision* whether that key may sign at that position stays with the single
writer (see ``ledger.admission``), so the result is the same as checking inline.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.pool import Pool
from typing import TypeVar

from ledger import errors
from ledger.crypto import b64decode, key_id_for_raw, verify_raw
from ledger.errors import LedgerError
from ledger.statements import Statement, parse_statement_json

CHUNK = 256
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
        return Checked(number, None, False, (type(exc).__name__, exc.message, exc.field))
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
        return Checked(number, None, False, (type(exc).__name__, exc.message, exc.field))


def _check_chunk(
    args: tuple[int | None, Sequence[str | bytes], dict[str, bytes], int],
) -> list[Checked]:
    """Check a chunk; its first ``covered`` lines lie under a verified checkpoint."""
    first, lines, keys, covered = args
    checked = []
    for i, line in enumerate(lines):
        number = None if first is None else first + i
        checked.append(parse_one(number, line) if i < covered else check_one(number, line, keys))
    return checked


def _as_text(line: str | bytes) -> str:
    return line if isinstance(line, str) else line.decode("utf-8", "replace")


class Checker:
    """A reusable pool of checking workers (one per core)."""

    def __init__(self, processes: int | None = None) -> None:
        self.processes = processes or max(1, min(os.cpu_count() or 1, 4))
        if multiprocessing.current_process().daemon:
            self.processes = 1  # a pool's worker may not start a pool of its own
        self._pool: Pool | None = None

    def _get_pool(self) -> Pool:
        if self._pool is None:
            self._pool = multiprocessing.get_context("fork").Pool(self.processes)
        return self._pool

    def check(
        self, lines: Sequence[str | bytes], keys: dict[str, bytes], *, first_line: int | None = 1
    ) -> Iterator[Checked]:
        """Yield one Checked per line, in order; parallel for large inputs."""
        if len(lines) < INLINE_BELOW or self.processes == 1:
            keys = dict(keys)
            for line in lines:
                keys.update(keys_declared_in(_as_text(line)))
            yield from _check_chunk((first_line, lines, keys, 0))
            return
        for number, checked in self.check_stream(
            (
                (None if first_line is None else first_line + i, line)
                for i, line in enumerate(lines)
            ),
            keys,
        ):
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

        Keys a chunk declares (charter, key registrations) are added to the
        cumulative key map sent with that chunk and every later one. The first
        ``covered`` items lie under a verified checkpoint: they are parsed, and
        their signatures not checked again (see ``parse_one``).
        """
        known = dict(keys)
        pending: deque[list[T]] = deque()

        def tasks() -> Iterator[tuple[int, Sequence[str | bytes], dict[str, bytes], int]]:
            number = first_line
            for chunk in _chunks(items, CHUNK):
                lines = [line for _, line in chunk]
                left = max(0, covered - (number - first_line))
                for line in lines:
                    known.update(keys_declared_in(_as_text(line)))
                pending.append([payload for payload, _ in chunk])
                yield number, lines, dict(known) if left < len(lines) else {}, left
                number += len(chunk)

        if self.processes == 1:
            results: Iterable[list[Checked]] = map(_check_chunk, tasks())
        else:
            results = self._get_pool().imap(_check_chunk, tasks())
        for checked_chunk in results:
            payloads = pending.popleft()
            yield from zip(payloads, checked_chunk, strict=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


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
