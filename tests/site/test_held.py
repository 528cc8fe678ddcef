"""A site already built at the latest checkpoint, by this program, with the same options, is
not built again; any change to what it states, to a file in it, or to the program, and it is."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import cli.commands.site as site_command
import public_site.inputs as site_inputs
from cli.main import app
from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.saved import saved_report
from ledger.service import Ledger
from public_site.inputs import INPUTS_FILE
from tests.conftest import Clock, Recorder, chartered_ledger
from tests.projections.signed_city import SignedCity
from tests.site.city import record_hostile_city


@dataclass
class Built:
    """A small city's ledger, the city recording into it, and its site, built once."""

    ledger: Ledger
    city: SignedCity
    site: Path
    first: Result

    def again(self, *options: str) -> Result:
        return build(self.ledger, self.site, self.city.recorder.keyring, *options)


@pytest.fixture
def built(tmp_path: Path, shared_keyring: Keyring) -> Iterator[Built]:
    clock = Clock()
    ledger = chartered_ledger(str(tmp_path / "ledger.db"), shared_keyring, clock)
    city = record_hostile_city(ledger, Recorder(shared_keyring, clock), clock)
    site = tmp_path / "site"
    yield Built(ledger, city, site, build(ledger, site, shared_keyring))
    ledger.close()


def build(ledger: Ledger, site: Path, keys: Keyring, *options: str) -> Result:
    args = ["site", "build", str(site), "--db", ledger.store.url, "--no-progress"]
    result = CliRunner().invoke(app, [*args, "--keys", str(keys.directory), *options])
    assert result.exit_code == 0, result.output
    return result


def held(result: Result) -> bool:
    return "nothing written" in " ".join(result.output.split())


def stamps(site: Path) -> dict[str, int]:
    return {str(p.relative_to(site)): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}


def test_a_site_built_at_the_latest_checkpoint_is_not_built_again(built: Built) -> None:
    assert not held(built.first)
    before = stamps(built.site)
    again = built.again()
    assert held(again)
    said = " ".join(again.output.split())
    assert f"already states the checkpoint at tree size {built.ledger.size}" in said
    assert stamps(built.site) == before  # not one file touched, the recorded inputs included


def test_a_new_checkpoint_or_other_options_build_the_site_again(built: Built) -> None:
    address = ("--base-url", "https://ledger.example/pk/")
    assert not held(built.again(*address))
    assert "https://ledger.example/pk/" in (built.site / "en" / "feed.xml").read_text("utf-8")
    assert held(built.again(*address))
    built.city.record(
        "charge9",
        "charge.filed",
        "prosecution",
        {"case": "FIR-2", "person": "P-2", "charges": ["PPC 302"], "prosecutor": "PR-1"},
    )
    # recorded, but under no signed checkpoint yet: the site states the same checkpoint
    assert held(built.again(*address))
    checkpoint = built.ledger.sign_checkpoint()
    assert not held(built.again(*address))
    assert (built.site / "data" / "checkpoint").read_text("utf-8") == checkpoint.note
    assert "PPC 302" in (built.site / "en" / "cases" / "FIR-2.html").read_text("utf-8")


def test_a_file_changed_or_removed_in_the_site_is_written_again(built: Built) -> None:
    page, removed = built.site / "en" / "groups.html", built.site / "ur" / "groups.html"
    written = page.read_text("utf-8")
    page.write_text(written.replace("Groups", "Gangs"), "utf-8")
    removed.unlink()
    assert not held(built.again())
    assert page.read_text("utf-8") == written and removed.is_file()
    assert held(built.again())
    cases = built.site / "ur" / "cases"
    pages = sorted(p.name for p in cases.iterdir())
    shutil.rmtree(cases)
    assert not held(built.again())
    assert sorted(p.name for p in cases.iterdir()) == pages


def test_another_program_builds_the_site_again(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_inputs, "code_digest", lambda: b"another ledger package")
    assert not held(built.again())
    assert held(built.again())


def test_a_build_that_stops_leaves_no_inputs_recorded(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (built.site / INPUTS_FILE).is_file()

    def stopped(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site_command, "_build", stopped)
    args = ["site", "build", str(built.site), "--db", built.ledger.store.url, "--no-progress"]
    keys = str(built.city.recorder.keyring.directory)
    result = CliRunner().invoke(app, [*args, "--as-of", "2030-01-01T00:00:00Z", "--keys", keys])
    assert result.exit_code != 0
    assert not (built.site / INPUTS_FILE).exists()
    monkeypatch.undo()
    assert not held(built.again())  # built again, not taken as current
    assert held(built.again())


def test_the_key_holders_build_saves_every_report_it_was_built_from(
    built: Built, shared_keyring: Keyring
) -> None:
    """A later `ledger report --keys` prints each from its saved body: the very report the
    site's download holds."""
    assert not held(built.first)
    reader = Ledger.open(built.ledger.store.url, log_key=shared_keyring.log_key())
    try:
        reader.verify_before_acting()
        for name in REPORT_NAMES:
            table = saved_report(reader, name, None)
            assert table is not None, name
            download = built.site / "data" / "reports" / f"{name}.json"
            assert table.to_json() == json.loads(download.read_text("utf-8")), name
    finally:
        reader.close()
