"""Shared fixtures for the Gherkin scenarios: the same real keys, databases and clock as the tests.

Every scenario runs twice, on a SQLite file and on PostgreSQL: pytest-bdd asks
for fixtures by name at run time, so the database parameter is attached here.
"""

from __future__ import annotations

import pytest

from tests.conftest import *  # noqa: F401,F403  (fixtures are registered by import)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" not in metafunc.fixturenames:
        metafunc.fixturenames.append("db_url")
    if not any(
        m.name == "parametrize" and "db_url" in str(m.args)
        for m in metafunc.definition.iter_markers()
    ):
        metafunc.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
