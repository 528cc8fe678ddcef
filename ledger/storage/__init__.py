"""Storage: the event store, the leaf index and checkpoints, on SQLite or PostgreSQL.

Callers speak to the port (``ledger.storage.port``); ``open_store`` gives the
one implementation for a SQLite file path or a database URL.
"""

from __future__ import annotations

from ledger.storage.port import LogStore


def open_store(db: str) -> LogStore:
    """The store for ``db``: a SQLite file path or a ``postgresql+psycopg://`` URL."""
    from ledger.storage.sql_store import Store

    return Store(db)
