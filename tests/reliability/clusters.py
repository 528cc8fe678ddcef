"""Private PostgreSQL servers for fault tests: start, stop, crash, replicate, promote, rewind.

The shared server at 127.0.0.1:5432 is never touched. Each ``Node`` is a
cluster of its own made with ``initdb`` and run with ``pg_ctl`` as the
``postgres`` user, trust authentication, listening on 127.0.0.1 only at a
free port, its socket in its own directory. A standby is made from a primary
with ``pg_basebackup -R`` (streaming replication); ``Node.crash`` is a
SIGKILL of the server and of every process it started, as a power cut would
leave it; an old primary comes back as a standby with ``pg_rewind -R``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.reliability.support import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")

# Settings of every node: loopback only; hint bits logged so pg_rewind can
# rewind an old primary. A primary waits for a synchronous standby only once
# it has one (``new_standby`` names it).
PRIMARY_SETTINGS = """
listen_addresses = '127.0.0.1'
wal_log_hints = on
synchronous_commit = on
max_wal_senders = 5
wal_keep_size = '256MB'
"""


def _as_postgres(*command: str, timeout: float = 120) -> str:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-1500:]}")
    return done.stdout


@dataclass
class Node:
    """One PostgreSQL cluster in ``directory/data`` listening on 127.0.0.1:``port``."""

    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=3"

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def pg_ctl(self, *args: str) -> str:
        return _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args
        )

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -k {self.directory}", "-w", "-t", "120", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists() and self.postmaster_pid() is not None

    def postmaster_pid(self) -> int | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def crash(self) -> None:
        """SIGKILL the postmaster and every server process it started (no shutdown at all)."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        for target in [pid, *map(int, children)]:
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive = [c for c in children if Path(f"/proc/{c}").exists()]
            if not alive and not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.05)

    def promote(self) -> None:
        self.pg_ctl("-w", "promote")

    def sql(self, statement: str) -> str:
        return _as_postgres(
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atc",
            statement,
        ).strip()

    def set(self, name: str, value: str) -> None:
        """ALTER SYSTEM a setting and reload the configuration."""
        self.sql(f"ALTER SYSTEM SET {name} = '{value}'")
        self.sql("SELECT pg_reload_conf()")

    def destroy(self) -> None:
        if self.running():
            try:
                self.stop("immediate")
            except RuntimeError:
                self.crash()
        shutil.rmtree(self.directory, ignore_errors=True)


def _new_directory(prefix: str, parent: Path | None = None) -> Path:
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=str(parent or "/tmp")))
    shutil.chown(directory, "postgres", "postgres")
    return directory


def new_primary(prefix: str = "ledger-pg-", parent: Path | None = None) -> Node:
    """initdb a cluster with the replication settings and start it."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 server binaries are required at {PG_BIN}")
    directory = _new_directory(prefix, parent)
    node = Node(directory, free_port())
    _as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(node.data),
        "--auth=trust",
        "-U",
        "postgres",
        "--no-sync",
    )
    with (node.data / "postgresql.conf").open("a") as conf:
        conf.write(PRIMARY_SETTINGS)
    node.start()
    return node


def new_standby(primary: Node, prefix: str = "ledger-standby-") -> Node:
    """A synchronous streaming standby of ``primary`` (pg_basebackup -R), started and connected.

    From then on every commit on the primary waits until the standby has
    flushed it (``synchronous_commit = on``, ``synchronous_standby_names = '*'``).
    """
    directory = _new_directory(prefix)
    node = Node(directory, free_port())
    _basebackup(primary, node.data)
    node.start()
    primary.set("synchronous_standby_names", "*")
    wait_for_sync_standby(primary)
    return node


def wait_for_sync_standby(primary: Node, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "sync" in primary.sql("SELECT sync_state FROM pg_stat_replication").split():
            return
        time.sleep(0.1)
    seen = primary.sql("SELECT application_name, state, sync_state FROM pg_stat_replication")
    raise RuntimeError(
        f"no synchronous standby of port {primary.port} within {timeout} s"
        f" (pg_stat_replication: {seen or 'no standby connected'})"
    )


def _keeps_up(primary: Node, standby: Node, timeout: float = 30) -> bool:
    """Whether a standby that began streaming replays what the primary wrote, and still streams.

    A rewound server may stream for a moment and then stop on the new
    timeline; seeing it stream once is not enough to keep it.
    """
    try:
        wait_replayed(primary, standby, timeout)
    except (RuntimeError, subprocess.TimeoutExpired):
        return False
    return streaming(primary, 5)


def _basebackup(source: Node, target: Path) -> None:
    _as_postgres(
        str(PG_BIN / "pg_basebackup"),
        "-d",
        source.conninfo,
        "-D",
        str(target),
        "-R",
        "-X",
        "stream",
        "--no-sync",
    )


def streaming(primary: Node, timeout: float) -> bool:
    """Whether a standby streams from ``primary`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "streaming" in primary.sql("SELECT state FROM pg_stat_replication").split():
            return True
        time.sleep(0.2)
    return False


def rebuild_as_standby(old_primary: Node, new_primary: Node) -> str:
    """Bring a crashed old primary back as a standby of the new one; say how.

    First ``pg_rewind -R`` (fast: copies only what changed since the fork).
    When the old primary's last WAL record is the fork point itself, pg_rewind
    finds nothing to rewind and the server then refuses the new timeline; it
    is then made again from a fresh ``pg_basebackup -R``. The caller waits for
    it (``wait_for_sync_standby``) once the new primary names its synchronous
    standbys again.
    """
    _as_postgres(
        str(PG_BIN / "pg_rewind"),
        "-D",
        str(old_primary.data),
        "--source-server",
        new_primary.conninfo,
        "-R",
        timeout=300,
    )
    old_primary.start()
    if streaming(new_primary, 15) and _keeps_up(new_primary, old_primary):
        return "pg_rewind"
    old_primary.stop("fast")
    shutil.rmtree(old_primary.data)
    _basebackup(new_primary, old_primary.data)
    old_primary.start()
    if not streaming(new_primary, 60):
        raise RuntimeError(f"the rebuilt standby at port {old_primary.port} does not stream")
    return "pg_basebackup"


def wait_replayed(primary: Node, standby: Node, timeout: float = 60) -> None:
    """Wait until the standby has replayed everything the primary has written."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        behind = standby.sql(f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn")
        if behind == "f":
            return
        time.sleep(0.1)
    raise RuntimeError(f"the standby at port {standby.port} did not catch up within {timeout} s")
