"""Storage: the event store, the leaf index and checkpoints, on SQLite or PostgreSQL.

Callers speak to the port (``ledger.storage.port``); ``open_store`` gives the
one implementation for a SQLite file path or a database URL. A witness keeps
its own small database behind ``ledger.storage.witness_port``, opened by
``open_witness_store``.
"""

from __future__ import annotations

from pathlib import Path

from ledger.storage.port import LogStore
from ledger.storage.witness_port import WitnessStore


def open_store(db: str) -> LogStore:
    """The store for ``db``: a SQLite file path or a ``postgresql+psycopg://`` URL."""
    from ledger.storage.sql_store import Store

    return Store(db)


def open_witness_store(path: Path) -> WitnessStore:
    """The witness database at ``path`` (a SQLite file, created if missing)."""
    from ledger.storage.witness_store import SQLiteWitnessStore

    return SQLiteWitnessStore(path)
