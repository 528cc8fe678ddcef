"""Parsing and signature checking of many statements, spread over the cores.

Signature verification dominates the cost of importing and verifying a log
(about 9k Ed25519 verifications a second per core), so it runs in a pool of
worker processes, while the reading process parses each line, checks the
envelope and computes the content id (cheaper than sending a parsed statement
between processes). A worker gets only the public key the statement's key id
names, the signed bytes and the signature, and answers yes or no; the
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
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import errors
from ledger.crypto import b64decode, key_id_for_raw, verify_raw
from ledger.errors import LedgerError
from ledger.statements import Statement, parse_statement_json

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


def keys_declared_by(st: Statement) -> dict[str, bytes]:
    """Signing keys a parsed charter or key registration introduces."""
    if st.type not in ("ledger.chartered", "key.registered"):
        return {}
    return keys_declared_in(st.leaf_bytes().decode("utf-8"))


Signed = tuple[bytes, bytes, bytes] | None
"""What a worker needs to check one signature: (public key, signed bytes, signature)."""

_KEYS: dict[bytes, Ed25519PublicKey] = {}


def _verify_chunk(items: Sequence[Signed]) -> list[bool]:
    """Verify a chunk of signatures (in a worker); None stands for "nothing to verify"."""
    results = []
    for item in items:
        if item is None:
            results.append(False)
            continue
        public, message, signature = item
        key = _KEYS.get(public)
        if key is None:
            try:
                key = _KEYS[public] = Ed25519PublicKey.from_public_bytes(public)
            except ValueError:
                results.append(False)
                continue
        try:
            key.verify(signature, message)
        except (InvalidSignature, ValueError):
            results.append(False)
        else:
            results.append(True)
    return results


class Checker:
    """A reusable pool of signature-checking workers.

    The reading process parses every line itself (parsing costs less than
    sending a parsed statement between processes) and sends the workers only
    what a signature check needs: the public key, the signed bytes and the
    signature. Results come back in input order.
    """

    def __init__(self, processes: int | None = None) -> None:
        """``processes``: how many processes share the work, this one included (default:
        one per core, at most four). With one, everything runs here; with more, this
        process parses and decides while ``processes - 1`` workers check signatures."""
        self.processes = processes or max(1, min(os.cpu_count() or 1, 4))
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

        Each line is parsed here, in order; a statement's signature is checked
        in a worker with the key its id names among the keys given and those
        declared (by a charter or key registration) up to and including that
        line. Whether that key may sign at that position is decided later, by
        the rules. The first ``covered`` items lie under a verified checkpoint:
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
        number = first_line
        inline = inline or self.workers == 0
        in_flight: deque[tuple[list[tuple[T, Checked]], list[Signed], AsyncResult[list[bool]]]] = (
            deque()
        )
        for chunk in _chunks(items, CHUNK):
            parsed: list[tuple[T, Checked]] = []
            signed: list[Signed] = []
            for payload, line in chunk:
                checked = parse_one(number, line)
                st = checked.statement
                public = None
                if st is not None:
                    known.update(keys_declared_by(st))
                if st is not None and number - first_line >= covered:
                    public = known.get(st.key_id)
                    # Not verified until a worker says so.
                    checked = Checked(number, st, False)
                parsed.append((payload, checked))
                signed.append(
                    None
                    if st is None or public is None
                    else (public, st.signed_bytes, b64decode(st.signature))
                )
                number += 1
            if inline or all(s is None for s in signed):
                yield from _combined(parsed, signed, _verify_chunk(signed))
                continue
            in_flight.append(
                (parsed, signed, self._get_pool().apply_async(_verify_chunk, (signed,)))
            )
            while len(in_flight) > AHEAD * self.workers:
                parsed, signed, result = in_flight.popleft()
                yield from _combined(parsed, signed, result.get())
        while in_flight:
            parsed, signed, result = in_flight.popleft()
            yield from _combined(parsed, signed, result.get())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def _combined(
    parsed: Sequence[tuple[T, Checked]], signed: Sequence[Signed], verified: Sequence[bool]
) -> Iterator[tuple[T, Checked]]:
    for (payload, checked), item, ok in zip(parsed, signed, verified, strict=True):
        if item is not None and ok:
            checked = Checked(checked.line, checked.statement, True)
        yield payload, checked


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
