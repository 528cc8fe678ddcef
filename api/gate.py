"""One process's ledger, shared by its request threads one at a time.

A ``Ledger`` keeps the Merkle tree and caches in memory, so a process lets one
request use it at a time (``LedgerGate.use``). Processes (uvicorn workers,
other servers, the CLI) are kept apart by the core itself: every append takes
the database's writer lock and first catches up with what other writers
appended (``Ledger._catch_up``), so there is one linear log however many
processes write. Readers catch up before answering from the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from api.settings import Settings
from ledger.checking import Checker
from ledger.crypto import load_signing_key
from ledger.service import Ledger
from ledger.store import Store


class LedgerGate:
    """Serialises use of one Ledger object within a process."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._lock = threading.Lock()

    @contextmanager
    def use(self) -> Iterator[Ledger]:
        with self._lock:
            yield self.ledger

    @contextmanager
    def current(self, size: int) -> Iterator[Ledger]:
        """The ledger, caught up at least to ``size`` (a checkpoint another worker signed)."""
        with self._lock:
            if self.ledger.size < size:
                self.ledger.refresh()
            yield self.ledger

    @property
    def can_sign_checkpoints(self) -> bool:
        return self.ledger._log_key is not None  # noqa: SLF001  (set once at open)

    def close(self) -> None:
        with self._lock:
            self.ledger.close()


def open_gate(settings: Settings) -> LedgerGate:
    """Open the ledger the settings name, with the log key if they point at one.

    Signatures are checked inline (one process): a fork-based pool inside a
    threaded web server is not safe, and request batches are small.
    """
    key_file = settings.log_key_file
    log_key = load_signing_key(key_file, settings.passphrase) if key_file else None
    ledger = Ledger(
        Store(settings.db), log_key=log_key, clock=settings.clock, checker=Checker(processes=1)
    )
    return LedgerGate(ledger)
