"""A simulated city shared by the tests that fold it one statement at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.keyring import Keyring
from ledger.simulation import CityConfig
from tests.projections.builders import simulated_statements

CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=5, months=3, groups=3)
"""Three months of three groups, with corrections, retractions, re-arrests, s.169 bonds
and people still held."""
NOW = datetime(2026, 1, 20, tzinfo=UTC)


@pytest.fixture(scope="session")
def statements(
    shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """The city's statements, in log order."""
    return simulated_statements(
        shared_keyring, tmp_path_factory.mktemp("city") / "city.db", CITY, NOW
    )
