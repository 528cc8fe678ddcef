"""Histories across institutions with proofs; the `ledger report` command."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.errors import NotFound
from ledger.export_layout import export_ledger
from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash, verify_inclusion
from ledger.projections.service import Reports
from ledger.service import Ledger
from ledger.verification.mark import check_with_mark
from tests.conftest import Clock, Recorder
from tests.projections.signed_city import SignedCity, record_city


@pytest.fixture
def city(sqlite_ledger: Ledger, recorder: Recorder, clock: Clock) -> SignedCity:
    return record_city(SignedCity(sqlite_ledger, recorder, clock))


def test_case_history_spans_institutions_with_verifiable_proofs(city: SignedCity) -> None:
    history = Reports(city.ledger).case_history("FIR-2")
    ids = city.ids
    assert [e["event_id"] for e in history["events"]] == [
        ids[k] for k in ("shot2", "attr2", "arrest2", "instruction2", "release2", "explain?")
    ]
    release = next(e for e in history["events"] if e["event_id"] == ids["release2"])
    assert (release["recorder"], release["recorder_role"]) == ("police", "police")
    assert set(release["flags"]) == {"release.on_instructions", "release.before_production"}
    checkpoint = city.ledger.latest_checkpoint()
    assert checkpoint is not None
    for entry in history["events"]:
        proof = entry["proof"]
        leaf = city.ledger.leaf_text(entry["leaf_index"]).encode("utf-8")
        verify_inclusion(
            leaf_hash(leaf),
            proof["leaf_index"],
            proof["tree_size"],
            [base64.b64decode(h) for h in proof["hashes"]],
            checkpoint.root,
        )


def test_person_history_shows_that_details_are_sealed_never_their_content(city: SignedCity) -> None:
    history = Reports(city.ledger).person_history("P-3")
    registered = next(e for e in history["events"] if e["type"] == "person.registered")
    assert registered["sealed"] is True
    assert "Name of P-3" not in json.dumps(history)
    corrected = next(e for e in history["events"] if e["event_id"] == city.ids["attr3"])
    assert corrected["status"] == "corrected"
    assert corrected["original_data"]["groups"] == ["kalakot-gang"]
    assert corrected["data"]["groups"] == ["lyari-wing"]


def test_retracted_event_stays_in_the_timeline_but_no_longer_counts(city: SignedCity) -> None:
    reports = Reports(city.ledger)
    assert not reports.facts.counts(city.ids["shot4"])
    areas = {r["area"]: r["shootings"] for r in reports.report("interruption").rows}
    assert areas == {"Lyari": 2, "Kalakot": 1}


def test_unknown_case_is_not_found(city: SignedCity) -> None:
    with pytest.raises(NotFound):
        Reports(city.ledger).case_history("FIR-404")


def test_cli_report_from_export_prints_what_the_live_report_prints(
    city: SignedCity, sqlite_url: str, tmp_path: Path
) -> None:
    export_ledger(city.ledger, tmp_path / "export")
    runner = CliRunner()
    for args in (["promises", "--json"], ["groups", "--csv"], ["case", "FIR-2", "--json"]):
        live = runner.invoke(app, ["report", *args, "--db", sqlite_url])
        exported = runner.invoke(app, ["report", *args, "--from-export", str(tmp_path / "export")])
        assert live.exit_code == 0, live.output
        assert live.output == exported.output
    table = runner.invoke(app, ["report", "releases", "--db", sqlite_url])
    assert table.exit_code == 0
    assert f"tree size {city.ledger.size}, root {city.ledger.root().hex()}" in table.output
    assert "FIR-2" in table.output and "critical" in table.output


def test_cli_report_names_the_reports_it_knows(city: SignedCity, sqlite_url: str) -> None:
    result = CliRunner().invoke(app, ["report", "nonsense", "--db", sqlite_url])
    assert result.exit_code != 0
    assert "promises" in result.output


def test_cli_report_with_the_log_key_prints_what_it_prints_without_and_leaves_a_mark(
    city: SignedCity, sqlite_url: str, keyring: Keyring
) -> None:
    """With --keys the check starts from the verified-through mark; the figures are the same."""
    runner = CliRunner()
    plain = runner.invoke(app, ["report", "groups", "--csv", "--db", sqlite_url])
    assert plain.exit_code == 0, plain.output
    with_keys = ["report", "groups", "--csv", "--db", sqlite_url, "--keys", str(keyring.directory)]
    first = runner.invoke(app, with_keys)  # the full check, which leaves a mark
    assert first.exit_code == 0, first.output
    assert check_with_mark(city.ledger.store, keyring.log_key()) is not None
    second = runner.invoke(app, with_keys)  # from the mark
    assert second.exit_code == 0, second.output
    assert plain.output == first.output == second.output
