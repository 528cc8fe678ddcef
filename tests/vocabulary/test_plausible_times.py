"""Times no statement could truly carry are refused, naming the field; nothing is stored.

Every time is held to the ledger's earliest date (Pakistan's founding); a time
that happened may not be after the statement's recording (plus the charter's
clock skew); a planned one (deadline, next hearing, end of a period) may lie
ahead, but not decades ahead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.errors import ClockSkew, ImplausibleTime, MalformedStatement
from ledger.service import Ledger
from ledger.vocabulary.base import VOCABULARY
from tests.api.conftest import api_settings
from tests.conftest import Clock, Recorder
from tests.core.test_append import HEAD, assert_refused
from tests.vocabulary.conftest import Scene

INSTRUCTION = "instruction.reported"


@pytest.mark.parametrize(
    "occurred_at", ["0001-01-01T00:00:00Z", "1947-08-13T23:59:59Z", "1026-03-01T09:00:00Z"]
)
def test_an_occurred_at_before_pakistans_founding_is_refused(
    ledger: Ledger, recorder: Recorder, occurred_at: str
) -> None:
    statement = recorder.sign("head.appointed", "committee", HEAD, occurred_at=occurred_at)
    error = assert_refused(ledger, [statement], ImplausibleTime, "occurred_at")
    assert occurred_at[:10] in error.message and "1947-08-14" in error.message


def test_an_occurred_at_on_the_founding_day_is_accepted(ledger: Ledger, recorder: Recorder) -> None:
    ledger.append(
        [recorder.sign("head.appointed", "committee", HEAD, occurred_at="1947-08-14T00:00:00Z")]
    )
    assert ledger.size == 2


def test_an_occurred_at_after_its_recording_beyond_the_skew_is_refused(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    statement = recorder.sign(
        "head.appointed", "committee", HEAD, occurred_at=clock.stamp(minutes=6)
    )
    assert_refused(ledger, [statement], ClockSkew, "occurred_at")
    ledger.append(
        [recorder.sign("head.appointed", "committee", HEAD, occurred_at=clock.stamp(minutes=4))]
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"term_start": "0001-01-01T00:00:00Z"}, "data.term_start"),
        ({"term_end": "1900-01-01T00:00:00Z"}, "data.term_end"),
        ({"term_end": "9999-12-31T23:59:59Z"}, "data.term_end"),
        ({"term_start": "2052-03-01T09:00:00Z"}, "data.term_start"),
    ],
    ids=["start-year-one", "end-before-founding", "end-never", "start-26-years-ahead"],
)
def test_a_planned_time_before_the_founding_or_decades_ahead_is_refused(
    ledger: Ledger, recorder: Recorder, data: dict[str, str], field: str
) -> None:
    statement = recorder.sign("head.appointed", "committee", {**HEAD, **data})
    assert_refused(ledger, [statement], ImplausibleTime, field)


def test_a_planned_time_years_ahead_is_accepted(ledger: Ledger, recorder: Recorder) -> None:
    ledger.append(
        [recorder.sign("head.appointed", "committee", {**HEAD, "term_end": "2031-03-01T00:00:00Z"})]
    )
    assert ledger.size == 2


def test_a_date_that_does_not_exist_is_refused_not_crashed_on(
    ledger: Ledger, recorder: Recorder
) -> None:
    statement = recorder.sign(
        "head.appointed", "committee", {**HEAD, "term_end": "2027-02-30T00:00:00Z"}
    )
    assert_refused(ledger, [statement], MalformedStatement, "data.term_end")


def test_an_instruction_received_after_it_was_reported_is_refused(city: Scene) -> None:
    error = city.refuse(INSTRUCTION, at="2026-03-02T10:00:00Z", received_at="2026-03-03T10:00:00Z")
    assert isinstance(error, ClockSkew) and error.field == "data.received_at"
    assert "has not" in error.message or "had not" in error.message


def test_an_instruction_received_in_year_one_is_refused(city: Scene) -> None:
    error = city.refuse(INSTRUCTION, received_at="0001-01-01T00:00:00Z")
    assert isinstance(error, ImplausibleTime) and error.field == "data.received_at"


def test_a_correction_cannot_bring_in_an_implausible_time(city: Scene) -> None:
    original = city.record(INSTRUCTION)
    example = {**VOCABULARY[INSTRUCTION].example, "received_at": "2026-03-01T00:00:00Z"}
    bad_data = city.refuse(
        "event.corrected",
        "police",
        original=original,
        reason="typo",
        corrected_data={**example, "received_at": "0001-01-01T00:00:00Z"},
    )
    assert (
        isinstance(bad_data, ImplausibleTime)
        and bad_data.field == "data.corrected_data.received_at"
    )
    bad_time = city.refuse(
        "event.corrected",
        "police",
        original=original,
        reason="typo",
        corrected_data=example,
        corrected_occurred_at="0001-01-01T00:00:00Z",
    )
    assert isinstance(bad_time, ImplausibleTime) and bad_time.field == "data.corrected_occurred_at"


def test_the_api_answers_an_implausible_time_with_a_problem_naming_the_field(
    ledger: Ledger, recorder: Recorder, keyring: Any, clock: Clock
) -> None:
    from api.app import create_app

    statement = recorder.sign(
        "head.appointed", "committee", HEAD, occurred_at="0001-01-01T00:00:00Z"
    )
    with TestClient(create_app(api_settings(ledger.store.url, keyring, clock))) as client:
        answer = client.post("/v1/events", json={"statements": [statement.to_dict()]})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["code"], problem["field"]) == ("implausible_time", "occurred_at")
    ledger.refresh()
    assert ledger.size == 1


def test_the_cli_refuses_an_implausible_time_with_a_non_zero_exit(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    keys, db = tmp_path / "keys", str(tmp_path / "ledger.db")
    runner = CliRunner()
    env = {"LEDGER_KEYS": str(keys)}
    assert runner.invoke(app, ["init", "--db", db, "--keys", str(keys)], env=env).exit_code == 0
    data = {**HEAD, "term_start": "0001-01-01T00:00:00Z"}
    result = runner.invoke(
        app,
        ["record", "head.appointed", "--db", db, "--as", "committee", "--data", json.dumps(data)],
        env=env,
    )
    assert result.exit_code == 2, result.output
    assert "data.term_start" in result.output and "1947-08-14" in result.output
    assert "Traceback" not in result.output
    with Ledger.open(db) as ledger:
        assert ledger.size == 1, "nothing was stored"


def test_every_time_field_of_the_vocabulary_is_declared_with_its_kind() -> None:
    """A time typed as a bare patterned str would escape the check: each must be UtcTime or PlannedTime."""
    times = 0
    for spec in VOCABULARY.values():
        schema = spec.data.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("pattern", "").startswith("^\\d{4}"):
                    times += 1
                    assert option.get("x-time") in ("happened", "planned"), (spec.name, name)
    assert times >= 8
