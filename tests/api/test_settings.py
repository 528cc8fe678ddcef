"""One settings object, read from ``LEDGER_*`` variables, and never against the charter.

The charter's policy is signed; a server setting may not quietly say
otherwise. The clock skew the API allows is the charter's, and a server told
to allow another one refuses to start, naming the variable.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli.main import app as cli_app
from ledger.charter_policy import MAX_CLOCK_SKEW_SECONDS
from ledger.errors import ContradictsCharter, InvalidArgument
from ledger.keyring import Keyring
from ledger.service import Ledger
from tests.api.conftest import api_settings, key_registration
from tests.conftest import Clock, Recorder


def test_settings_are_read_from_the_ledger_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DB", "city.db")
    monkeypatch.setenv("LEDGER_KEYS", "/srv/keys")
    monkeypatch.setenv("LEDGER_MAX_CLOCK_SKEW", "300")
    monkeypatch.setenv("LEDGER_MAX_BATCH_SIZE", "50")
    monkeypatch.setenv("LEDGER_PASSPHRASE_ENV", "CITY_SECRET")
    monkeypatch.setenv("CITY_SECRET", "s3cret")
    settings = Settings.from_env()
    assert (settings.db, str(settings.keys_dir), settings.max_batch_size) == (
        "city.db",
        "/srv/keys",
        50,
    )
    assert settings.max_clock_skew is not None and settings.max_clock_skew.total_seconds() == 300
    assert settings.passphrase == b"s3cret"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DB", "city.db")
    assert Settings(db="other.db").db == "other.db"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEDGER_MAX_BATCH_SIZE", "many"),
        ("LEDGER_MAX_BATCH_SIZE", "0"),
        ("LEDGER_MAX_CLOCK_SKEW", "soon"),
        ("LEDGER_PASSPHRASE_ENV", "NO_SUCH_VARIABLE_HERE"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidArgument) as refused:
        Settings.from_env()
    assert refused.value.field == variable


def test_the_api_allows_the_clock_skew_the_charter_allows(
    sqlite_ledger: Ledger, keyring: Keyring, clock: Clock, recorder: Recorder
) -> None:
    app = create_app(api_settings(sqlite_ledger.store.url, keyring, clock))
    with TestClient(app) as client:
        within = key_registration(recorder, "signed just within the skew")
        clock.advance(seconds=MAX_CLOCK_SKEW_SECONDS - 1)
        assert client.post("/v1/events", json=within.to_dict()).status_code == 201
        beyond = key_registration(recorder, "signed just beyond the skew")
        clock.advance(seconds=MAX_CLOCK_SKEW_SECONDS + 1)
        answer = client.post("/v1/events", json=beyond.to_dict())
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["field"]) == ("clock_skew", "recorded_at")


def test_a_skew_the_charter_agrees_with_is_accepted(
    sqlite_ledger: Ledger, keyring: Keyring, clock: Clock
) -> None:
    settings = api_settings(
        sqlite_ledger.store.url, keyring, clock, max_clock_skew=MAX_CLOCK_SKEW_SECONDS
    )
    with TestClient(create_app(settings)) as client:
        # the server signs its first checkpoint in the background once it started
        signer = client.app.state.signer  # type: ignore[attr-defined]
        assert client.portal.call(signer.wait_for, 1, 60.0) is not None  # type: ignore[union-attr]
        assert client.get("/v1/checkpoint").status_code == 200


def test_a_server_told_another_skew_than_the_charter_refuses_to_start(
    sqlite_ledger: Ledger, keyring: Keyring, clock: Clock
) -> None:
    settings = api_settings(sqlite_ledger.store.url, keyring, clock, max_clock_skew=600)
    with pytest.raises(ContradictsCharter) as refused, TestClient(create_app(settings)):
        pass
    assert refused.value.field == "LEDGER_MAX_CLOCK_SKEW"
    assert "charter's policy allows 300 s" in str(refused.value)


def test_ledger_serve_refuses_a_skew_the_charter_does_not_allow_in_one_line(
    sqlite_ledger: Ledger, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    for handed_to_workers in ("LEDGER_DB", "LEDGER_KEYS", "LEDGER_CHECKPOINT_INTERVAL"):
        monkeypatch.delenv(handed_to_workers, raising=False)  # restored after the test
    result = CliRunner().invoke(
        cli_app,
        ["serve", "--db", sqlite_ledger.store.url, "--keys", str(keyring.directory)],
        env={"LEDGER_MAX_CLOCK_SKEW": "600"},
    )
    assert result.exit_code == 2, result.output
    assert "contradicts_charter" in result.output and "LEDGER_MAX_CLOCK_SKEW" in result.output
    assert "Traceback" not in result.output
