"""One process's ledger, shared by its request threads: many readers or one writer.

A ``Ledger`` keeps the Merkle tree and caches in memory. Appending, signing a
checkpoint, catching up with other processes and the projections change that
state, so they hold the gate exclusively (``LedgerGate.use``). Proofs and
tiles only read the tree, so any number of them share it (``LedgerGate.read``,
``LedgerGate.current``). Answers that need only the database (events, pages,
checkpoints) take no lock at all: the store's reads use their own pooled
connections.

Processes (uvicorn workers, other servers, the CLI) are kept apart by the core
itself: every append takes the database's writer lock and first catches up with
what other writers appended (``Ledger._catch_up``), so there is one linear log
however many processes write. Readers catch up before answering from the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from api.caches import ReadCaches
from api.settings import Settings
from ledger.crypto import load_signing_key
from ledger.service import Ledger
from ledger.signature_pool import Checker
from ledger.storage import open_store


class ReadersWriterLock:
    """Shared for readers, exclusive for a writer; a waiting writer goes before new readers.

    Not re-entrant: a thread holding either side must not take the lock again.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if self._readers == 0:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class LedgerGate:
    """Access to one Ledger object within a process, and the readers' caches."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.caches = ReadCaches(ledger.store.url)
        self._lock = ReadersWriterLock()

    @contextmanager
    def use(self) -> Iterator[Ledger]:
        """The ledger, held exclusively (appends, signatures, projections)."""
        with self._lock.exclusive():
            yield self.ledger

    @contextmanager
    def read(self) -> Iterator[Ledger]:
        """The ledger, shared with other readers: do not change its state."""
        with self._lock.shared():
            yield self.ledger

    @contextmanager
    def current(self, size: int) -> Iterator[Ledger]:
        """The ledger for reading, caught up at least to ``size`` (a checkpoint another worker signed)."""
        if self.ledger.size < size:
            with self._lock.exclusive():
                if self.ledger.size < size:
                    self.ledger.refresh()
        with self._lock.shared():
            yield self.ledger

    @property
    def can_sign_checkpoints(self) -> bool:
        return self.ledger._log_key is not None  # noqa: SLF001  (set once at open)

    def close(self) -> None:
        with self._lock.exclusive():
            self.caches.close()
            self.ledger.close()


def open_gate(settings: Settings) -> LedgerGate:
    """Open the ledger the settings name, with the log key if they point at one.

    Signatures are checked inline (one process): a fork-based pool inside a
    threaded web server is not safe, and request batches are small.
    """
    key_file = settings.log_key_file
    log_key = load_signing_key(key_file, settings.passphrase) if key_file else None
    ledger = Ledger(
        open_store(settings.db), log_key=log_key, clock=settings.clock, checker=Checker(processes=1)
    )
    return LedgerGate(ledger)
