"""``ledger serve --site`` keeps the site current: a new checkpoint starts a rebuild, nothing else does."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from cli.site_refresh import BUILD_OPTIONS, SiteRefresher, build_command
from ledger.keyring import Keyring
from tests.conftest import Clock, Recorder, chartered_ledger, mark_stored
from tests.site.city import record_hostile_city


def test_a_new_checkpoint_rebuilds_the_served_site_and_an_unchanged_one_does_not(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    clock = Clock()
    db, site = str(tmp_path / "ledger.db"), tmp_path / "site"
    ledger = chartered_ledger(db, shared_keyring, clock)
    city = record_hostile_city(ledger, Recorder(shared_keyring, clock), clock)
    result = CliRunner().invoke(
        app, ["site", "build", str(site), "--db", db, "--base-url", "https://ledger.example/pk/"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((site / BUILD_OPTIONS).read_text("utf-8"))["base_url"] == (
        "https://ledger.example/pk/"
    )
    reports: list[str] = []

    def latest_note() -> str | None:
        latest = ledger.latest_checkpoint()
        return latest.note if latest is not None else None

    refresher = SiteRefresher(
        site, db, latest_note, report=reports.append, keys=shared_keyring.directory
    )
    try:
        assert not refresher.refresh_once()  # the site states the latest checkpoint already
        city.record(
            "charge3",
            "charge.filed",
            "prosecution",
            {"case": "FIR-2", "person": "P-2", "charges": ["PPC 302"], "prosecutor": "PR-1"},
        )
        assert not refresher.refresh_once()  # recorded, but not yet under a signed checkpoint
        checkpoint = ledger.sign_checkpoint()
        assert refresher.refresh_once(), reports
        # the rebuild held the log key: it checked as the key holder does and left its mark
        marked = mark_stored(ledger)
        assert marked is not None and marked.size == ledger.size
    finally:
        ledger.close()
    assert refresher.builds == 1 and reports == []
    assert (site / "data" / "checkpoint").read_text("utf-8") == checkpoint.note
    assert "PPC 302" in (site / "en" / "cases" / "FIR-2.html").read_text("utf-8")
    assert "https://ledger.example/pk/" in (site / "en" / "feed.xml").read_text("utf-8")


def test_a_failed_rebuild_is_reported_once_and_not_retried_until_the_next_checkpoint(
    tmp_path: Path,
) -> None:
    reports: list[str] = []
    notes = ["checkpoint one\n"]
    refresher = SiteRefresher(
        tmp_path / "site", str(tmp_path / "missing.db"), lambda: notes[-1], report=reports.append
    )
    assert not refresher.refresh_once()
    assert len(reports) == 1 and "the rebuild failed" in reports[0]
    assert not refresher.refresh_once() and len(reports) == 1
    notes.append("checkpoint two\n")
    assert not refresher.refresh_once() and len(reports) == 2


def test_the_rebuild_keeps_the_witnesses_and_address_the_site_was_built_with(
    tmp_path: Path,
) -> None:
    (tmp_path / BUILD_OPTIONS).write_text(
        json.dumps({"base_url": "https://x.example/", "witness": ["w+1+AA"]}), "utf-8"
    )
    command = build_command(tmp_path, "ledger.db", 2)
    assert command[-4:] == ["--base-url", "https://x.example/", "--witness", "w+1+AA"]
    assert command[command.index("--processes") + 1] == "2"
    assert "--base-url" not in build_command(tmp_path / "never-built", "ledger.db", 1)


def test_the_rebuild_holds_the_log_key_only_where_the_keys_directory_holds_it(
    tmp_path: Path, shared_keyring: Keyring
) -> None:
    keys = shared_keyring.directory
    command = build_command(tmp_path, "ledger.db", 1, keys, "LEDGER_PASS")
    assert command[command.index("--keys") + 1] == str(keys)
    assert command[command.index("--passphrase-env") + 1] == "LEDGER_PASS"
    assert "--keys" not in build_command(tmp_path, "ledger.db", 1, tmp_path, "LEDGER_PASS")
    assert "--keys" not in build_command(tmp_path, "ledger.db", 1)
