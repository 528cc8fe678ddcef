"""A token that changes whenever the log or its checkpoints change: cheap cache validation.

On SQLite, ``PRAGMA data_version`` on a connection of its own changes on any
other connection's commit, in this process or another, and costs microseconds.

On PostgreSQL, the database says so itself: a statement-level trigger on the
leaves and the checkpoints (``ensure_change_notices``, installed when a store
opens the database) sends a notice on the channel ``ledger_changes`` with its
schema's name, delivered when the writing transaction commits, whoever wrote
(this program, another process, or a hand at a SQL prompt). ``DatabaseVersion``
listens on a connection of its own and counts the notices for its schema. A
notice may still be on its way when a token is asked for; so each token costs
one round trip on that connection (``SELECT 1``, about 0.1 ms on this host), after
which every notice of a commit that returned before it has been received.
A server's requests ask for it with ``settled()``: the round trip then runs on
a thread of its own while the event loop goes on serving, and one round trip
answers every request that came in before it started (``_Rounds``).

Where neither works (another database, a file that cannot be opened, no
trigger, a lost connection), the token is None and callers must not cache
what can go stale.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

CHANNEL = "ledger_changes"
TRIGGER = "ledger_changes_notify"
WATCHED = ("ledger_leaves", "ledger_checkpoints")
"""The tables whose changes make a cached answer stale: the log and its checkpoints."""
RETRY_SECONDS = 1.0

_INSTALLED = f"""
SELECT count(*) FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgname = '{TRIGGER}' AND n.nspname = current_schema()
AND c.relname IN ({", ".join(f"'{table}'" for table in WATCHED)})
"""
_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA);
  RETURN NULL;
END $$
"""


def ensure_change_notices(engine: Engine) -> bool:
    """Install the trigger that announces changes to the log (PostgreSQL), once per schema.

    False when it is not there and could not be made (no privilege, say): the
    API then caches nothing that can go stale, as without a token.
    """
    if engine.dialect.name != "postgresql":
        return False
    try:
        with engine.begin() as conn:
            if conn.execute(text(_INSTALLED)).scalar() == len(WATCHED):
                return True
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": TRIGGER})
            if conn.execute(text(_INSTALLED)).scalar() == len(WATCHED):
                return True  # another process made it meanwhile
            conn.execute(text(_FUNCTION))
            for table in WATCHED:
                conn.execute(
                    text(
                        f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE"
                        f" OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                    )
                )
    except SQLAlchemyError:
        return False
    return True


class DatabaseVersion:
    """A token that changes whenever the log or its checkpoints change.

    ``token()`` is None when the database offers no way to tell (see the module
    docstring): callers then must not cache.
    """

    def __init__(self, url: str) -> None:
        self._conn: sqlite3.Connection | None = None
        self._notices: _Notices | None = None
        self._lock = threading.Lock()
        if url.startswith("sqlite:///") and ":memory:" not in url:
            path = url.removeprefix("sqlite:///")
            try:
                self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            except sqlite3.Error:
                self._conn = None
        elif url.startswith("postgresql"):
            self._notices = _Notices(url)

    def token(self) -> int | None:
        """The current version, or None if unknown."""
        if self._notices is not None:
            return self._notices.token()
        if self._conn is None:
            return None
        with self._lock:
            try:
                row = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
        return int(row[0])

    async def settled(self) -> int | None:
        """``token()`` for a request served in an event loop, without blocking the loop.

        On SQLite that is ``token()`` itself (microseconds). On PostgreSQL the
        round trip that makes the token exact runs on a thread, and is shared
        by every request that came in before it started (``_Rounds``).
        """
        if self._notices is None:
            return self.token()
        return await self._notices.settled()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        if self._notices is not None:
            self._notices.close()


class _Notices:
    """The notices of changes to one schema's log, counted on a listening connection."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._held: Any = None
        self._conn: Any = None
        self._schema = ""
        self._count = 0
        self._retry_at = 0.0
        self._rounds: _Rounds | None = None

    async def settled(self) -> int | None:
        loop = asyncio.get_running_loop()
        rounds = self._rounds
        if rounds is None or rounds.loop is not loop:
            if rounds is not None:
                rounds.close()
            rounds = self._rounds = _Rounds(loop, self.token)
        return await rounds.after_now()

    def token(self) -> int | None:
        with self._lock:
            if self._conn is None and time.monotonic() >= self._retry_at:
                self._open()
            if self._conn is None:
                return None
            try:
                self._conn.execute("SELECT 1")  # every notice committed before is now heard
            except Exception:  # noqa: BLE001  (a lost connection: no token until it is back)
                self._drop()
                return None
            return self._count

    def _open(self) -> None:
        """Connect as the store does (SQLAlchemy reads the URL, its hosts and options alike),
        on a connection of this listener's own that no pool hands to anyone else."""
        engine = create_engine(self._url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            held = engine.raw_connection()  # closed with it: held as long as the listener is
            conn: Any = held.driver_connection
        except Exception:  # noqa: BLE001  (no token while the database cannot be reached)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return
        try:
            schema = conn.execute("SELECT current_schema()").fetchone()
            installed = conn.execute(_INSTALLED).fetchone()
            if schema is None or installed is None or installed[0] != len(WATCHED):
                held.close()
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return
            self._schema = str(schema[0])
            conn.add_notify_handler(self._heard)
            conn.execute(f"LISTEN {CHANNEL}")
        except Exception:  # noqa: BLE001
            held.close()
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return
        self._held, self._conn = held, conn
        self._count += 1  # whatever changed while no one listened

    def _heard(self, notice: Any) -> None:
        if notice.payload == self._schema:
            self._count += 1

    def _drop(self) -> None:
        try:
            self._held.close()
        except Exception:  # noqa: BLE001
            pass
        self._held = self._conn = None
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def close(self) -> None:
        if self._rounds is not None:
            self._rounds.close()
            self._rounds = None
        with self._lock:
            if self._conn is not None:
                self._drop()


class _Rounds:
    """Round trips for the token, shared by the requests of one event loop.

    A request may take a token only from a round trip that started after it
    came in: only then has every notice of a commit that returned before it
    been heard. So a request joins the next round trip, which starts as soon
    as the one in flight (if any) has ended. At most one is in flight, on a
    thread of its own, and each answers every request that came in while the
    one before it ran: under load the round trips do not queue one per
    request, and the loop serves other requests meanwhile.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, trip: Callable[[], int | None]) -> None:
        self.loop = loop
        self._trip = trip
        self._next: asyncio.Future[int | None] | None = None
        """The round trip not started yet that the requests waiting now will take."""
        self._running = False
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="change-token")

    async def after_now(self) -> int | None:
        waiting = self._next
        if waiting is None:
            waiting = self._next = self.loop.create_future()
            if not self._running:
                self._start()
        return await asyncio.shield(waiting)  # a request that gives up leaves it to the others

    def _start(self) -> None:
        waiting, self._next = self._next, None
        assert waiting is not None
        self._running = True
        trip = self.loop.run_in_executor(self._thread, self._trip)
        trip.add_done_callback(lambda done: self._ended(waiting, done))

    def _ended(self, waiting: asyncio.Future[int | None], done: asyncio.Future[int | None]) -> None:
        self._running = False
        failed = done.cancelled() or done.exception() is not None
        waiting.set_result(None if failed else done.result())  # no token: nothing is cached
        if self._next is not None:
            self._start()

    def close(self) -> None:
        self._thread.shutdown(wait=False)
