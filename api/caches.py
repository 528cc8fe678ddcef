"""What a read answer may reuse: small LRU caches of what an append-only log never changes.

* an event's JSON by its id (a statement never changes once at a position);
* an inclusion proof for (event, tree size) once a checkpoint exists at that
  size (proofs and checkpoints at a given size are immutable);
* an inclusion proof's encoded JSON for (event, tree size), on the same terms;
* full tiles and full entry bundles with their entity tags (tlog-tiles: immutable by design),
  in memory and in files of the process's own beyond it (``TileStore``);
* a report's encoded answer for (name, parameters, form, number of events, latest
  checkpoint's size and signing time): what the answer is computed from
  (``api.reporting``); each page of a report's tables on the same terms, apart;
* a report's tables (``api.report_pages.Tables``) for (name, ``as_of``, the same
  state), from which its pages are cut;
* the items of a full page of the log (positions never change);
* the number of events, valid while the database has not changed;
* the latest checkpoint, valid while the database has not changed.

Only the latest checkpoint and the number of events can go stale.
``DatabaseVersion`` (in ``ledger.storage.change_token``) tells whether the
log or its checkpoints changed since a value was read: on SQLite without a
query, on PostgreSQL by the notices a trigger sends, made exact by one round
trip; where it cannot tell, the latest checkpoint is read every time. A
request the hot reads answer settles the token once as it comes in
(``RequestVersion``), and everything it reads takes that token.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from ledger.projections.tidy import TidyMemo
from ledger.storage.change_token import DatabaseVersion

V = TypeVar("V")


class LRU(Generic[V]):
    """A thread-safe least-recently-used map bounded by entries and by total weight (bytes)."""

    def __init__(self, max_items: int, max_weight: int | None = None) -> None:
        self.max_items = max_items
        self.max_weight = max_weight
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: V, weight: int = 0) -> None:
        """Remember ``value``; a value heavier than the whole budget is not kept."""
        if self.max_weight is not None and weight > self.max_weight:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while len(self._items) > self.max_items or (
                self.max_weight is not None and self._weight > self.max_weight
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Versioned(Generic[V]):
    """One value read at a database version; stale as soon as the version moves."""

    _value: tuple[Hashable, V] | None = field(default=None)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, token: Hashable | None) -> V | None:
        if token is None:
            return None
        with self._lock:
            held = self._value
        if held is None or held[0] != token:
            return None
        return held[1]

    def put(self, token: Hashable | None, value: V) -> None:
        """Keep ``value`` read at ``token`` (taken *before* reading, so a racing commit invalidates it)."""
        if token is None:
            return
        with self._lock:
            self._value = (token, value)

    def clear(self) -> None:
        with self._lock:
            self._value = None


@dataclass(frozen=True)
class Encoded:
    """An answer as it goes on the wire: its media type, bytes and extra headers.

    ``gzipped`` is the same body compressed once, for clients that accept it
    (``Accept-Encoding: gzip``): a report of megabytes shrinks tenfold.
    """

    media_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    gzipped: bytes | None = None

    def compressed(self) -> Encoded:
        """The answer with its gzipped body alongside (varying on ``Accept-Encoding``)."""
        return replace(
            self,
            headers=(*self.headers, ("Vary", "Accept-Encoding")),
            gzipped=gzip.compress(self.body, compresslevel=6, mtime=0),
        )

    @property
    def weight(self) -> int:
        """The bytes it holds, both forms counted (what a cache of answers weighs it by)."""
        return len(self.body) + len(self.gzipped or b"")

    def for_client(self, accept_encoding: str) -> tuple[bytes, tuple[tuple[str, str], ...]]:
        """The body and headers to send a client whose ``Accept-Encoding`` is given."""
        if self.gzipped is not None and accepts_gzip(accept_encoding):
            return self.gzipped, (*self.headers, ("Content-Encoding", "gzip"))
        return self.body, self.headers


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (RFC 9110, section 12.5.3)."""
    allowed: dict[str, bool] = {}
    for part in accept_encoding.split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if coding:
            allowed[coding.lower()] = q > 0
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", False)))


class TileStore:
    """Full tiles and entry bundles with their entity tags: in memory, and on disk beyond it.

    At a million events the entry bundles alone are over half a gigabyte, more
    than a process should hold; a tile pushed out of memory is still kept as a
    file in a directory of this process's own, made when the process starts and
    removed when it stops, so nothing is read back that this process did not
    write from verified leaves. Reading a file from the operating system's page
    cache costs tens of microseconds, against milliseconds for the database.
    """

    def __init__(self, max_memory: int, max_disk: int) -> None:
        self.memory: LRU[tuple[bytes, str]] = LRU(16384, max_weight=max_memory)
        self.max_disk = max_disk
        self._directory: Path | None = None
        self._files: dict[Hashable, tuple[Path, str]] = {}
        self._disk = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        found = self.memory.get(key)
        if found is not None:
            return found
        with self._lock:
            on_disk = self._files.get(key)
        if on_disk is None:
            return None
        path, tag = on_disk
        try:
            body = path.read_bytes()
        except OSError:
            return None
        return body, tag

    def put(self, key: Hashable, body: bytes, tag: str) -> None:
        self.memory.put(key, (body, tag), len(body))
        with self._lock:
            if key in self._files or self._disk + len(body) > self.max_disk:
                return
            if self._directory is None:
                self._directory = Path(tempfile.mkdtemp(prefix="ledger-tiles-"))
            path = self._directory / f"{len(self._files)}.tile"
            try:
                path.write_bytes(body)
            except OSError:  # a full disk leaves the tile to memory and the database
                return
            self._files[key] = (path, tag)
            self._disk += len(body)

    def close(self) -> None:
        with self._lock:
            if self._directory is not None:
                shutil.rmtree(self._directory, ignore_errors=True)
                self._directory = None
            self._files.clear()
            self._disk = 0
        self.memory.clear()


_SETTLED: ContextVar[tuple[int, int | None] | None] = ContextVar("settled", default=None)
"""For the request being served: (the ``RequestVersion`` it was settled by, its token)."""


class RequestVersion:
    """The database's change token, settled once for each request that asks.

    ``settle`` takes the token as a request comes in without blocking the
    event loop (``DatabaseVersion.settled``); until ``unsettle``, everything
    that request reads (the hot reads and its route alike, in the loop or in
    a worker thread, which copies the request's context) takes that token
    instead of asking again, which on PostgreSQL is a round trip each time.
    Anything read after the token was taken is at least as new as the log it
    names, which is all a cached value filed under it claims.
    """

    def __init__(self, db_url: str) -> None:
        self._db = DatabaseVersion(db_url)

    def token(self) -> int | None:
        settled = _SETTLED.get()
        if settled is not None and settled[0] == id(self):
            return settled[1]
        return self._db.token()

    async def settle(self) -> Token[tuple[int, int | None] | None]:
        return _SETTLED.set((id(self), await self._db.settled()))

    @staticmethod
    def unsettle(settled: Token[tuple[int, int | None] | None]) -> None:
        _SETTLED.reset(settled)

    @staticmethod
    @contextmanager
    def asked_again() -> Iterator[None]:
        """Within the block, ``token()`` asks the database again: to tell whether the log
        moved on while the request computed something, not the state it came in at."""
        settled = _SETTLED.set(None)
        try:
            yield
        finally:
            _SETTLED.reset(settled)

    def close(self) -> None:
        self._db.close()


class ReadCaches:
    """The caches one API process keeps for readers (see the module docstring)."""

    def __init__(self, db_url: str) -> None:
        self.version = RequestVersion(db_url)
        self.events: LRU[bytes] = LRU(4096, max_weight=32 * 1024 * 1024)
        self.proofs: LRU[object] = LRU(4096)
        self.proof_bodies: LRU[bytes] = LRU(8192, max_weight=32 * 1024 * 1024)
        self.reports: LRU[Encoded] = LRU(64, max_weight=768 * 1024 * 1024)
        """Whole reports and whole tables as CSV: tens of megabytes each at a million events,
        and computing one again costs seconds, so the budget holds every report of a state."""
        self.report_pages: LRU[Encoded] = LRU(4096, max_weight=64 * 1024 * 1024)
        """Pages of a report's tables and their indexes: kilobytes each."""
        self.report_tables: LRU[object] = LRU(16, max_weight=768 * 1024 * 1024)
        self.tidy = TidyMemo()
        """The cells of the rows the reports keep across tree sizes, as the tables were last
        cut (``ledger.projections.tidy.TidyMemo``): after a new event, only new rows are cut."""
        self.tiles = TileStore(max_memory=96 * 1024 * 1024, max_disk=4 * 1024**3)
        self.pages: LRU[tuple[bytes, int | None]] = LRU(1024, max_weight=32 * 1024 * 1024)
        self.leaf_count: Versioned[int] = Versioned()
        self.latest_checkpoint: Versioned[object] = Versioned()
        self.served_note: Versioned[str] = Versioned()

    def invalidate_checkpoints(self) -> None:
        """This process signed a checkpoint: the latest one changed."""
        self.latest_checkpoint.clear()
        self.served_note.clear()

    def close(self) -> None:
        self.version.close()
        self.tiles.close()
