"""Reports page by page (``api.report_pages``): the pages joined are the tables, of one state only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import Reports
from ledger.projections.tidy import tidy_tables
from ledger.service import Ledger
from ledger.simulation import CityConfig
from tests.api.conftest import api_settings, key_registration
from tests.api.test_hot_reads import wire
from tests.conftest import Clock, Recorder, simulated_city

CITY = CityConfig(start=datetime(2025, 11, 1, tzinfo=UTC), seed=5, months=2, groups=3)


@pytest.fixture(scope="module")
def city(shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated city, signed over by a checkpoint, and copied for each test."""
    folder = tmp_path_factory.mktemp("paged")
    return simulated_city(
        folder / "city.db", shared_keyring, CITY, datetime(2026, 1, 20, tzinfo=UTC)
    )


@pytest.fixture
def served(
    city: Path, shared_keyring: Keyring, tmp_path: Path
) -> Iterator[tuple[Ledger, TestClient]]:
    copy = tmp_path / "city.db"
    copy.write_bytes(city.read_bytes())
    clock = Clock(datetime(2026, 1, 20, tzinfo=UTC))
    ledger = Ledger.open(str(copy), log_key=shared_keyring.log_key(), clock=clock)
    app = create_app(api_settings(str(copy), shared_keyring, clock))
    with TestClient(app) as client:
        yield ledger, client
    ledger.close()


def pages(client: TestClient, first: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page from ``first`` on, following ``next``: (the pages' heads, the rows joined)."""
    heads: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    address: str | None = first
    while address is not None:
        answer = client.get(address)
        assert answer.status_code == 200, (address, answer.text)
        page = answer.json()
        rows.extend(page.pop("items"))
        address = page.pop("next")
        heads.append(page)
    return heads, rows


def test_the_pages_of_every_table_joined_are_the_table_and_its_csv(
    served: tuple[Ledger, TestClient],
) -> None:
    ledger, client = served
    reports = Reports(ledger)
    paged = 0
    for name in REPORT_NAMES:
        report = reports.report(name)
        index = client.get(f"/v1/reports/{name}/tables").json()
        tables = tidy_tables(report)
        assert [t["table"] for t in index["tables"]] == [t.name for t in tables]
        assert (index["tree_size"], index["root"], index["as_of"]) == (
            report.tree_size,
            report.root,
            report.as_of,
        )
        for listed, tidy in zip(index["tables"], tables, strict=True):
            columns = list(tidy.download.columns)
            assert listed["columns"] == columns and listed["total"] == len(tidy.rows)
            heads, rows = pages(client, listed["href"].replace("?", "?limit=7&", 1))
            expected = [{c: row.get(c) for c in columns} for row in tidy.rows]
            assert rows == json.loads(json.dumps(expected)), tidy.name
            assert len(heads) == max(1, -(-len(tidy.rows) // 7))
            assert {(h["tree_size"], h["root"], h["as_of"], h["total"]) for h in heads} == {
                (report.tree_size, report.root, report.as_of, len(tidy.rows))
            }
            assert [h["offset"] for h in heads] == [7 * i for i in range(len(heads))]
            paged += len(heads) > 1
            csv = client.get(listed["href"], headers={"Accept": "text/csv"})
            assert csv.status_code == 200 and csv.text == tidy.to_csv(), tidy.name
            assert csv.headers["x-tree-size"] == str(report.tree_size)
    assert paged >= 10, "the city should give tables of more than one page"


def test_a_page_of_a_tree_size_the_log_has_left_is_refused(
    served: tuple[Ledger, TestClient], shared_keyring: Keyring
) -> None:
    ledger, client = served
    first = client.get("/v1/reports/promises/tables/promises-derived-from?limit=5").json()
    assert first["next"] is not None and f"tree_size={first['tree_size']}" in first["next"]
    assert client.get(first["next"]).status_code == 200

    ledger.append([key_registration(Recorder(shared_keyring, ledger.clock))])
    for address in (
        first["next"],
        f"/v1/reports/promises/tables?tree_size={first['tree_size']}",
    ):
        moved = client.get(address)
        assert moved.status_code == 409, address
        problem = moved.json()
        assert problem["code"] == "report_moved_on" and problem["field"] == "tree_size"
        assert problem["tree_size"] == first["tree_size"] + 1
    csv = client.get(
        f"/v1/reports/promises/tables/promises?tree_size={first['tree_size']}",
        headers={"Accept": "text/csv"},
    )
    assert csv.status_code == 409
    again = client.get("/v1/reports/promises/tables/promises-derived-from?limit=5").json()
    assert again["tree_size"] == first["tree_size"] + 1


def test_a_remembered_page_is_the_routes_answer_and_odd_requests_reach_the_route(
    served: tuple[Ledger, TestClient],
) -> None:
    _, client = served
    base = "/v1/reports/groups/tables"
    for address, headers in (
        (base, {}),
        (f"{base}/groups-derived-from", {}),
        (f"{base}/groups-derived-from?offset=3&limit=2", {}),
        (f"{base}/groups-survival?as_of=2100-01-01T00:00:00Z", {}),
        (f"{base}/groups-tests", {"Accept": "text/csv"}),
    ):
        first, second = (wire(client.get(address, headers=headers)) for _ in "ab")
        assert first[0] == 200 and first == second, address
    plain = client.get(f"{base}/groups-derived-from?offset=3&limit=2").json()
    assert client.get(f"{base}/groups-derived-from?offset=03&limit=2").json() == plain

    for address, headers, status, field in (
        (f"{base}/groups?limit=0", {}, 400, "limit"),
        (f"{base}/groups?limit=1001", {}, 400, "limit"),
        (f"{base}/groups?offset=-1", {}, 400, "offset"),
        (f"{base}/groups?page=2", {}, 400, "page"),
        (f"{base}/groups?offset=2", {"Accept": "text/csv"}, 400, "offset"),
        (f"{base}/Groups", {}, 400, "table"),
        (f"{base}/groups-nothing", {}, 404, "table"),
        (f"{base}?limit=2", {}, 400, "limit"),
    ):
        for _ in "ab":  # the second time, after the good answers are remembered
            answer = client.get(address, headers=headers)
            assert answer.status_code == status, (address, answer.text)
            assert answer.json()["field"] == field, address
    nothing = client.get(f"{base}/groups-nothing").json()["detail"]
    assert "groups-derived-from" in nothing  # the tables it has are named


def test_on_either_database_a_table_pinned_to_a_size_the_log_left_is_refused(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    ledger.sign_checkpoint()
    index = client.get("/v1/reports/promises/tables").json()
    pinned = index["tables"][0]["href"]
    page = client.get(pinned).json()
    assert page["tree_size"] == index["tree_size"] and page["items"] == []
    assert page["total"] == 0 and page["next"] is None

    ledger.append([key_registration(recorder)])  # another writer, not this server
    moved = client.get(pinned)
    assert moved.status_code == 409 and moved.json()["tree_size"] == index["tree_size"] + 1
    assert client.get(pinned.split("?")[0]).json()["tree_size"] == index["tree_size"] + 1
