"""Shared fixtures: real keys, a real database (SQLite file and PostgreSQL), a clock.

Tests that take ``db_url`` run twice: on a SQLite file and on the PostgreSQL
server at 127.0.0.1:5432 (database ``test``), each PostgreSQL test in a schema
of its own. PostgreSQL tests never skip: if the server is not reachable they
fail, because CI must exercise it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from ledger.keyring import Keyring
from ledger.log.note import parse_note
from ledger.service import Ledger
from ledger.simulation import CityConfig, simulate
from ledger.statements import Draft, Statement
from ledger.verification.mark import Mark

GO_SOURCE = Path(__file__).resolve().parent / "go" / "verifier"
GOPATH = "/usr/share/gocode"
PG_BASE = os.environ.get("LEDGER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

settings.register_profile("ledger", deadline=None)
settings.load_profile("ledger")
"""No test is timed: Hypothesis's per-example deadline would fail a correct test on a
busy machine, so it is off for every property test (speed is measured in bench/)."""


class Clock:
    """A controllable UTC clock: tests move time explicitly."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def stamp(self, **delta: float) -> str:
        return (self.now + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pg_admin_url() -> str:
    return PG_BASE.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_available() -> str:
    import psycopg

    try:
        with psycopg.connect(_pg_admin_url(), connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL at {PG_BASE} is required and not reachable: {exc}")
    return PG_BASE


def fresh_pg_schema(base: str) -> tuple[str, str]:
    """Create an empty schema; return (url using it, schema name)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


@pytest.fixture
def postgres_url(postgres_available: str) -> Iterator[str]:
    url, schema = fresh_pg_schema(postgres_available)
    yield url
    drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def shared_keyring(tmp_path_factory: pytest.TempPathFactory) -> Keyring:
    """One keyring for the session: key generation is not what tests check."""
    return Keyring.create(tmp_path_factory.mktemp("keys") / "keys")


@pytest.fixture
def keyring(shared_keyring: Keyring) -> Keyring:
    return shared_keyring


class Recorder:
    """Signs drafts with the keyring at the clock's time."""

    def __init__(self, keyring: Keyring, clock: Clock) -> None:
        self.keyring = keyring
        self.clock = clock

    def sign(
        self,
        type: str,
        recorder: str,
        data: dict[str, Any],
        *,
        occurred_at: str | None = None,
        sealed: dict[str, Any] | None = None,
        refs: list[str] | None = None,
    ) -> Statement:
        draft = Draft(
            type=type,
            recorder=recorder,
            occurred_at=occurred_at or self.clock.stamp(),
            data=data,
            refs=refs or [],
            sealed=sealed,
        )
        return self.keyring.sign(draft, now=self.clock())


@pytest.fixture
def recorder(keyring: Keyring, clock: Clock) -> Recorder:
    return Recorder(keyring, clock)


def mark_stored(ledger: Ledger) -> Mark | None:
    """The verified-through mark the ledger's database stores, as its text reads (unverified);
    None when there is none."""
    note = ledger.store.verified_mark()
    return None if note is None else Mark.parse(parse_note(note).text)


def chartered_ledger(db: str, keyring: Keyring, clock: Clock) -> Ledger:
    ledger = Ledger.open(db, log_key=keyring.log_key(), clock=clock)
    ledger.append([keyring.sign(keyring.charter_draft(clock.stamp()), now=clock())])
    return ledger


def ledger_process(
    *args: str, cwd: Path, columns: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``ledger ARGS`` in a process of its own, as a person runs it (stderr is not a terminal)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("COLUMNS", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def simulated_city(path: Path, keyring: Keyring, city: CityConfig, now: datetime) -> Path:
    """A SQLite ledger at ``path`` holding ``city`` simulated through the signed path, signed
    over by a checkpoint at ``now``."""
    ledger = chartered_ledger(str(path), keyring, Clock(now))
    simulate(ledger, keyring.directory, city, workers=1, batch_size=500)
    ledger.sign_checkpoint()
    ledger.close()
    return path


@pytest.fixture
def ledger(db_url: str, keyring: Keyring, clock: Clock) -> Iterator[Ledger]:
    """A chartered ledger on SQLite and on PostgreSQL."""
    lg = chartered_ledger(db_url, keyring, clock)
    yield lg
    lg.close()


@pytest.fixture
def sqlite_ledger(sqlite_url: str, keyring: Keyring, clock: Clock) -> Iterator[Ledger]:
    """A chartered ledger on a SQLite file only (for tests of SQLite specifics)."""
    lg = chartered_ledger(sqlite_url, keyring, clock)
    yield lg
    lg.close()


@pytest.fixture
def postgres_ledger(postgres_url: str, keyring: Keyring, clock: Clock) -> Iterator[Ledger]:
    """A chartered ledger on PostgreSQL only (for tests of PostgreSQL specifics)."""
    lg = chartered_ledger(postgres_url, keyring, clock)
    yield lg
    lg.close()


@pytest.fixture(scope="session")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build tests/go/verifier once per session with the Debian x/mod sources."""
    go = shutil.which("go")
    if go is None:
        pytest.fail("the Go toolchain is required for these tests (apt-get install golang-go)")
    out = tmp_path_factory.mktemp("go-verifier")
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, CGO_ENABLED="0")
    env.setdefault("GOCACHE", str(out / "gocache"))
    result = subprocess.run(
        [go, "build", "-o", str(out / "verifier"), "."],
        cwd=GO_SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"building the Go verifier failed:\n{result.stderr}")
    return out / "verifier"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium (Debian's, never a downloaded one) for every browser test of the session.

    Playwright's synchronous API allows one running instance per process, so
    the site, API and feature tests all share this one.
    """
    from tests.site.browser import chromium

    with chromium() as launched:
        yield launched
