"""The report names are defined once, and every edge offers exactly those reports."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from ledger.projections.analysis import BUILDERS
from ledger.projections.report_names import HISTORY_NAMES, REPORT_NAMES


def test_every_report_name_has_its_builder_in_the_order_readers_see() -> None:
    assert tuple(BUILDERS) == REPORT_NAMES
    assert len(set(REPORT_NAMES)) == 7 and not set(REPORT_NAMES) & set(HISTORY_NAMES)


def test_the_api_validates_report_paths_against_the_names(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    (parameter,) = [
        p for p in schema["paths"]["/v1/reports/{name}"]["get"]["parameters"] if p["in"] == "path"
    ]
    assert tuple(parameter["schema"]["enum"]) == REPORT_NAMES
    refused = client.get("/v1/reports/statistics")
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "name"


def test_the_cli_offers_and_refuses_by_the_names() -> None:
    result = CliRunner().invoke(app, ["report", "statistics", "--db", "sqlite://"])
    assert result.exit_code == 2
    assert f"One of: {', '.join(REPORT_NAMES + HISTORY_NAMES)}" in result.output
