"""A whole report's JSON is what FastAPI's encoder and ``JSONResponse`` would send, byte for
byte: ``api.reporting.report_json`` writes it in one pass of the C encoder instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.reporting import report_json
from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.reuse import shared
from ledger.projections.service import Reports
from ledger.projections.tables import ReportTable
from ledger.simulation import CityConfig, simulate
from tests.conftest import Clock, chartered_ledger


def fastapi_body(table: ReportTable) -> bytes:
    return bytes(JSONResponse(jsonable_encoder(table.to_json())).body)


def test_every_report_of_a_city_is_written_as_fastapi_writes_it(
    shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("report-json")
    now = datetime(2026, 1, 20, tzinfo=UTC)
    ledger = chartered_ledger(str(folder / "city.db"), shared_keyring, Clock(now))
    city = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=7, months=3, groups=3)
    simulate(ledger, shared_keyring.directory, city, workers=1, batch_size=500)
    reports = Reports(ledger)
    for name in REPORT_NAMES:
        table = reports.report(name)
        assert table.rows, f"{name} has rows to write"
        assert report_json(table) == fastapi_body(table), name
    ledger.close()


class Basis(StrEnum):
    BOND = "s169_bond"


@dataclass
class Point:
    time: float
    label: str


def test_values_beyond_json_are_written_as_fastapi_writes_them() -> None:
    row: dict[str, Any] = {
        "area": "لیاری",
        "kept": shared({"rate": 0.5, "events": ["e1", "e2"]}),
        "groups": ("a", "b"),
        "basis": Basis.BOND,
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "point": Point(1.5, "x"),
        "one": {1: "int key", None: "none key", 2.5: "float key"},
        "text": 'quote " and \\ and \u2028',
        "big": 10**30,
        "small": -0.0,
    }
    table = ReportTable("groups", 3, "ab", "2026-01-01T00:00:00Z", ["area"], [row], ["n"], {})
    assert report_json(table) == fastapi_body(table)


def test_a_value_json_cannot_hold_is_refused_as_fastapi_refuses_it() -> None:
    table = ReportTable("groups", 3, "ab", "2026-01-01T00:00:00Z", ["x"], [{"x": float("nan")}])
    with pytest.raises(ValueError):
        fastapi_body(table)
    with pytest.raises(ValueError):
        report_json(table)
