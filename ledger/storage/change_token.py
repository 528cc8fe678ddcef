"""A token that changes whenever anything is committed to the database: cheap cache validation.

On SQLite, ``PRAGMA data_version`` on a connection of its own changes on any
other connection's commit, in this process or another, and costs microseconds.
Other databases have no such cheap answer: the token is then None and callers
must not cache what can go stale.
"""

from __future__ import annotations

import sqlite3
import threading


class DatabaseVersion:
    """A token that changes whenever anything is committed to the database.

    ``token()`` is None when the database offers no cheap way to tell (not
    SQLite, or the file cannot be opened): callers then must not cache.
    """

    def __init__(self, url: str) -> None:
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if url.startswith("sqlite:///") and ":memory:" not in url:
            path = url.removeprefix("sqlite:///")
            try:
                self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            except sqlite3.Error:
                self._conn = None

    def token(self) -> int | None:
        """The current version, or None if unknown. Costs microseconds, no query planning."""
        if self._conn is None:
            return None
        with self._lock:
            try:
                row = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
