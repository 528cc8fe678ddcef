"""A server that has not built its figures yet answers a report from the saved one, only when
the mark vouches for it, and with the same bytes computing it gives.

A process holding the log key (``ledger site build``, ``ledger report
--keys``) saves each report it computes, and the verified-through mark vouches
for it (``ledger.projections.saved``). A server started with the log key reads
such a report for its first answers instead of building its figures; anything
the mark does not vouch for (an edited body, a statement stored since) is
computed, as before.
"""

from __future__ import annotations

import shutil
import sqlite3
import zlib
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.saved import save_report
from ledger.projections.service import Reports
from ledger.service import Ledger
from ledger.simulation import CityConfig
from tests.api.conftest import api_settings, key_registration
from tests.conftest import Clock, Recorder, simulated_city

CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=5, months=3, groups=3)
NOW = datetime(2026, 1, 20, tzinfo=UTC)
PATHS = [f"/v1/reports/{name}" for name in REPORT_NAMES] + [
    "/v1/reports/groups/tables",
    "/v1/reports/promises/tables/promises",
]


@pytest.fixture(scope="module")
def city(shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulated_city(tmp_path_factory.mktemp("answers") / "city.db", shared_keyring, CITY, NOW)


@pytest.fixture(scope="module")
def computed(
    city: Path, shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, bytes]:
    """What a server answers on a copy of the city with nothing saved: computed, figures built."""
    db = tmp_path_factory.mktemp("computed") / "city.db"
    shutil.copy(city, db)
    answers, built = serve(db, shared_keyring, PATHS)
    assert built
    return answers


def serve(db: Path, keyring: Keyring, paths: list[str]) -> tuple[dict[str, bytes], bool]:
    """The bodies a new server with the log key answers, and whether it built its figures."""
    settings = api_settings(str(db), keyring, Clock(NOW), checkpoint_interval=3600)
    app = create_app(settings)
    with TestClient(app) as client:
        answers = {}
        for path in paths:
            for accept in ("application/json", "text/csv"):
                response = client.get(path, headers={"Accept": accept})
                assert response.status_code == 200, (path, response.text)
                answers[f"{accept} {path}"] = response.content
        built = getattr(app.state.gate, "reports", None) is not None
    return answers, built


def save_every_report(db: Path, keyring: Keyring) -> None:
    """What ``ledger site build`` leaves: every report saved by a process with the log key."""
    holder = Ledger.open(str(db), log_key=keyring.log_key(), clock=Clock(NOW))
    holder.verify_before_acting()
    reports = Reports(holder)
    for name in REPORT_NAMES:
        assert save_report(holder, reports, reports.report(name)), name
    holder.close()


def copy_with_saved_reports(city: Path, keyring: Keyring, folder: Path) -> Path:
    db = folder / "city.db"
    shutil.copy(city, db)
    save_every_report(db, keyring)
    return db


def test_a_new_server_answers_from_the_saved_reports_what_computing_them_answers(
    city: Path, shared_keyring: Keyring, computed: dict[str, bytes], tmp_path: Path
) -> None:
    db = copy_with_saved_reports(city, shared_keyring, tmp_path)
    answers, built = serve(db, shared_keyring, PATHS)
    assert not built  # every answer came from a saved report
    assert answers == computed


def test_an_edited_saved_report_is_computed_again(
    city: Path, shared_keyring: Keyring, computed: dict[str, bytes], tmp_path: Path
) -> None:
    db = copy_with_saved_reports(city, shared_keyring, tmp_path)
    with closing(sqlite3.connect(db)) as conn, conn:  # a body the mark does not name
        conn.execute(
            "UPDATE ledger_saved_reports SET body = ? WHERE name = 'groups'",
            (zlib.compress(b"{}"),),
        )
    answers, built = serve(db, shared_keyring, ["/v1/reports/groups"])
    assert built  # the edited report was computed
    assert answers == {k: v for k, v in computed.items() if k.endswith(" /v1/reports/groups")}


def test_a_statement_stored_after_the_server_started_is_in_its_next_answer(
    city: Path, shared_keyring: Keyring, tmp_path: Path
) -> None:
    db = copy_with_saved_reports(city, shared_keyring, tmp_path)
    clock = Clock(NOW)
    app = create_app(api_settings(str(db), shared_keyring, clock, checkpoint_interval=3600))
    with TestClient(app) as client:
        first = client.get("/v1/reports/groups").json()
        assert getattr(app.state.gate, "reports", None) is None  # from the saved report
        other = Ledger.open(str(db), clock=clock)  # another process records a statement
        other.append([key_registration(Recorder(shared_keyring, clock))])
        other.close()
        second = client.get("/v1/reports/groups").json()
        assert getattr(app.state.gate, "reports", None) is not None  # computed
    assert second["tree_size"] == first["tree_size"] + 1
