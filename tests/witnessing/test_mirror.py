"""A mirror follows a real ledger API over tiles, re-verifies everything and serves its copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli.main import app as cli_app
from ledger.errors import HistoryConflict
from ledger.keyring import Keyring
from ledger.log.cosignature import CosignatureVerifier, verify_cosignature
from ledger.log.note import parse_note
from ledger.service import Ledger
from ledger.signature_pool import Checker
from ledger.storage.sql_store import Store
from ledger.witnessing.mirror import Mirror
from ledger.witnessing.witness import Witness
from tests.api.conftest import api_settings
from tests.conftest import Clock
from tests.witnessing.conftest import Served, record_heads


@pytest.fixture
def upstream(
    ledger: Ledger, keyring: Keyring, clock: Clock, servers: Callable[[Any], Served]
) -> Served:
    """The ledger's HTTP API (SQLite and PostgreSQL) on loopback."""
    return servers(create_app(api_settings(ledger.store.url, keyring, clock)))


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Ledger]:
    copy = Ledger(Store(str(tmp_path / "mirror.db")), checker=Checker(processes=1))
    yield copy
    copy.close()


def test_the_mirror_copies_the_log_and_its_root_equals_every_checkpoint(
    ledger: Ledger, upstream: Served, local: Ledger, recorder: object, clock: Clock
) -> None:
    said: list[str] = []
    mirror = Mirror(upstream.url, local, say=said.append)
    record_heads(ledger, recorder, clock, 300)  # more than one tile of 256 entries
    first = ledger.sign_checkpoint()
    assert mirror.sync_once().size == first.size == 301
    assert any("trust on first use" in line for line in said)
    record_heads(ledger, recorder, clock, 5, prefix="K")
    second = ledger.sign_checkpoint()
    synced = mirror.sync_once()
    assert (synced.size, synced.appended) == (306, 5)
    assert local.root() == ledger.root() == second.root
    assert local.latest_checkpoint().note == second.note  # type: ignore[union-attr]


def test_the_mirror_copy_serves_the_same_checkpoint_and_tiles(
    ledger: Ledger, upstream: Served, local: Ledger, recorder: object, clock: Clock, tmp_path: Path
) -> None:
    record_heads(ledger, recorder, clock, 4)
    ledger.sign_checkpoint()
    Mirror(upstream.url, local).sync_once()
    with TestClient(create_app(Settings(db=str(tmp_path / "mirror.db"), clock=clock))) as copy:
        for path in ("/checkpoint", "/tile/entries/000.p/5", "/tile/0/000.p/5"):
            assert copy.get(path).content == httpx.get(upstream.url + path).content


def test_a_mirror_that_is_a_witness_cosigns_what_it_verified(
    ledger: Ledger, upstream: Served, local: Ledger, recorder: object, clock: Clock, tmp_path: Path
) -> None:
    witness = Witness.create(tmp_path / "court", "court.example/mirror")
    mirror = Mirror(upstream.url, local, witness=witness)
    ledger.sign_checkpoint()
    mirror.sync_once()
    record_heads(ledger, recorder, clock, 3)
    cp = ledger.sign_checkpoint()
    line = mirror.sync_once().cosignature
    assert line is not None
    verify_cosignature(parse_note(cp.note).text, line, CosignatureVerifier.from_vkey(witness.vkey))
    assert witness.state(ledger.origin).size == 4  # type: ignore[union-attr]


def test_a_checkpoint_signed_by_another_key_raises_the_alarm(
    ledger: Ledger, upstream: Served, local: Ledger, tmp_path: Path
) -> None:
    other = Keyring.create(tmp_path / "other", origin=ledger.origin)
    ledger.sign_checkpoint()
    with pytest.raises(HistoryConflict, match="does not verify with the log key"):
        Mirror(upstream.url, local, log_vkey=other.log_vkey()).sync_once()
    assert local.size == 0


def test_the_mirror_command_syncs_once_and_reports_the_size(
    ledger: Ledger, upstream: Served, recorder: object, clock: Clock, tmp_path: Path
) -> None:
    record_heads(ledger, recorder, clock, 2)
    ledger.sign_checkpoint()
    result = CliRunner().invoke(
        cli_app, ["mirror", upstream.url, "--db", str(tmp_path / "m.db"), "--once"]
    )
    assert result.exit_code == 0, result.output
    assert "Mirror at size 3" in result.output
