"""Fixtures for the public site: built sites (hostile and simulated) shared by a test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.keyring import Keyring
from ledger.service import Ledger
from public_site.build import BuildProgress, BuildResult, build_site
from public_site.source import open_ledger_source
from tests.conftest import Clock, Recorder, chartered_ledger
from tests.site.city import record_hostile_city, simulated_city


def build_from(db: str, out: Path, progress: BuildProgress | None = None) -> BuildResult:
    with Ledger.open(db) as ledger:
        source = open_ledger_source(ledger)
        try:
            return build_site(source, out, progress=progress)
        finally:
            source.close()


@pytest.fixture(scope="session")
def hostile_site(
    tmp_path_factory: pytest.TempPathFactory, shared_keyring: Keyring
) -> dict[str, Any]:
    """A small hostile city on SQLite, its site built once."""
    root = tmp_path_factory.mktemp("hostile-site")
    clock = Clock()
    db = str(root / "ledger.db")
    ledger = chartered_ledger(db, shared_keyring, clock)
    city = record_hostile_city(ledger, Recorder(shared_keyring, clock), clock)
    ledger.close()
    steps: list[tuple[str, int, int]] = []
    result = build_from(db, root / "site", lambda *step: steps.append(step))
    return {"db": db, "out": root / "site", "ids": city.ids, "result": result, "steps": steps}


@pytest.fixture(scope="session")
def simulated_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A three-month simulated city (``ledger simulate``), its site built once."""
    root = tmp_path_factory.mktemp("simulated-site")
    db, manifest = simulated_city(root)
    result = build_from(db, root / "site")
    yield {"db": db, "out": root / "site", "manifest": manifest, "result": result}
