"""Fixtures for the reliability suite: the fault record, subprocess drivers, a private PostgreSQL.

Every test that injects a fault records what it did and what came of it with
``faults.record(fault, backend, count, outcome)``. At the end of the session
the records are written to ``test-artifacts/reliability/results-<worker>.json``;
``docs/generate_reliability_md.py`` renders them as ``docs/reliability.md``.
A record is written only after the test's assertions about that fault passed,
so the report lists what was proved, never what was merely attempted.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reliability"


@dataclass(frozen=True)
class FaultRecord:
    test: str
    fault: str
    backend: str
    count: int
    outcome: str


@dataclass
class FaultLog:
    """What the suite injected and what it observed (appended to as tests pass)."""

    records: list[FaultRecord] = field(default_factory=list)
    current_test: str = ""

    def record(self, fault: str, backend: str, count: int, outcome: str) -> None:
        self.records.append(FaultRecord(self.current_test, fault, backend, count, outcome))


_LOG = FaultLog()


@pytest.fixture
def faults(request: pytest.FixtureRequest) -> FaultLog:
    _LOG.current_test = request.node.nodeid
    return _LOG


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write this process's records, tagged with the run (xdist workers share its id)."""
    if not _LOG.records:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    workerinput = getattr(session.config, "workerinput", None)
    run = workerinput["testrunuid"] if workerinput else uuid.uuid4().hex
    (ARTIFACTS / f"results-{worker}.json").write_text(
        json.dumps({"run": run, "records": [asdict(r) for r in _LOG.records]}, indent=2) + "\n",
        "utf-8",
    )


@pytest.fixture
def backend_name(db_url: str) -> str:
    return "postgres" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def keys_copy(shared_keyring: object, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the session keyring (tests that rotate or add keys change it)."""
    import shutil

    from ledger.keyring import Keyring

    assert isinstance(shared_keyring, Keyring)
    target = tmp_path / "keys"
    shutil.copytree(shared_keyring.directory, target)
    yield target
