"""Publishing: a checkpoint becomes public only once a quorum of real witnesses cosigned it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from ledger.errors import QuorumNotReached
from ledger.keyring import Keyring
from ledger.log.checkpoint import open_checkpoint
from ledger.log.cosignature import CosignatureVerifier
from ledger.log.note import NoteVerifier, open_note
from ledger.service import Ledger
from ledger.witnessing.cosigning import publish
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy, load_policy, save_policy
from ledger.witnessing.published import (
    last_cosigned_size,
    latest_published_checkpoint,
    published_checkpoints,
    witness_summary,
)
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.api.conftest import api_settings
from tests.conftest import Clock
from tests.witnessing.conftest import Served, new_witness, record_heads


@pytest.fixture
def two_witnesses(
    tmp_path: Path, keyring: Keyring, servers: Callable[[Any], Served]
) -> list[tuple[Witness, Served]]:
    found = []
    for name in ("committee", "press"):
        witness = new_witness(tmp_path / name, f"{name}.example/witness", keyring)
        found.append((witness, servers(WitnessApp(witness))))
    return found


def policy_of(pairs: list[tuple[Witness, Served]], quorum: int) -> WitnessPolicy:
    entries = tuple(WitnessEntry(w.name.split(".")[0], s.url, w.vkey) for w, s in pairs)
    return WitnessPolicy(entries, quorum)


def test_a_checkpoint_is_published_with_the_cosignatures_once_the_quorum_signed(
    ledger: Ledger, two_witnesses: list[tuple[Witness, Served]]
) -> None:
    result = publish(ledger, policy_of(two_witnesses, 2))
    assert result.published and sorted(result.cosigned_by) == ["committee", "press"]
    note = latest_published_checkpoint(ledger.store)
    assert note == result.note
    verifiers = [ledger.log_verifier()] + [
        CosignatureVerifier.from_vkey(w.vkey) for w, _ in two_witnesses
    ]
    assert len(open_note(note, verifiers).verified) == 3


def test_nothing_is_published_when_too_few_witnesses_cosign(
    ledger: Ledger, two_witnesses: list[tuple[Witness, Served]], tmp_path: Path
) -> None:
    stranger = Witness.create(
        tmp_path / "court", "court.example/witness"
    )  # does not follow this log
    policy = WitnessPolicy(
        policy_of(two_witnesses[:1], 2).witnesses
        + (WitnessEntry("court", "http://127.0.0.1:9", stranger.vkey),),
        2,
    )
    with pytest.raises(QuorumNotReached) as refused:
        publish(ledger, policy, timeout=2)
    assert "1 of 2" in str(refused.value)
    assert latest_published_checkpoint(ledger.store) is None


def test_each_witness_gets_a_proof_from_the_size_it_last_cosigned(
    ledger: Ledger, two_witnesses: list[tuple[Witness, Served]], recorder: object, clock: Clock
) -> None:
    policy = policy_of(two_witnesses, 2)
    publish(ledger, policy)
    record_heads(ledger, recorder, clock, 3)
    publish(ledger, policy)
    assert [size for size, _, _ in published_checkpoints(ledger.store)] == [1, 4]
    for witness, _ in two_witnesses:
        assert last_cosigned_size(ledger.store, witness.vkey) == 4
        assert witness.state(ledger.origin).size == 4  # type: ignore[union-attr]


def test_a_witness_whose_state_the_ledger_lost_is_caught_up_through_its_409(
    ledger: Ledger, two_witnesses: list[tuple[Witness, Served]], recorder: object, clock: Clock
) -> None:
    witness, _ = two_witnesses[0]
    witness.add_checkpoint(
        0, [], ledger.sign_checkpoint().note
    )  # cosigned behind the ledger's back
    record_heads(ledger, recorder, clock, 2)
    result = publish(ledger, policy_of(two_witnesses, 2))
    assert result.published and witness.state(ledger.origin).size == 3  # type: ignore[union-attr]


def test_published_checkpoints_cannot_be_rewritten_in_place(
    sqlite_ledger: Ledger, two_witnesses: list[tuple[Witness, Served]]
) -> None:
    publish(sqlite_ledger, policy_of(two_witnesses, 1))
    with pytest.raises(DBAPIError), sqlite_ledger.store.engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger_published_checkpoints VALUES (1, 'forged', 'now')"))


def test_the_api_serves_the_latest_published_checkpoint_when_witnesses_are_configured(
    ledger: Ledger,
    keyring: Keyring,
    clock: Clock,
    tmp_path: Path,
    two_witnesses: list[tuple[Witness, Served]],
    recorder: object,
) -> None:
    keys = tmp_path / "keys"
    shutil.copytree(keyring.directory, keys)
    policy = policy_of(two_witnesses, 2)
    save_policy(keys, policy)
    assert load_policy(keys) == policy
    app = create_app(api_settings(ledger.store.url, keyring, clock, keys_dir=keys))
    with TestClient(app) as client:
        assert client.get("/checkpoint").status_code == 404  # signed, but nobody cosigned yet
        publish(ledger, policy)
        record_heads(ledger, recorder, clock, 2)
        ledger.sign_checkpoint()  # newer, not cosigned: not served
        for path in ("/checkpoint", "/v1/checkpoint"):
            served = client.get(path).text
            assert served == latest_published_checkpoint(ledger.store)
            assert open_checkpoint(served, [NoteVerifier.from_vkey(keyring.log_vkey())]).size == 1
    summary = witness_summary(keys, ledger)
    assert summary["quorum"] == 2 and summary["published"]["size"] == 1
    assert sorted(c["witness"] for c in summary["published"]["cosignatures"]) == [
        "committee",
        "press",
    ]
    assert [w["last_cosigned_size"] for w in summary["witnesses"]] == [1, 1]


def test_the_witnesses_commands_write_the_policy_file(
    tmp_path: Path, two_witnesses: list[tuple[Witness, Served]]
) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    for witness, served in two_witnesses:
        label = witness.name.split(".")[0]
        result = runner.invoke(
            app, ["witnesses", "add", label, served.url, witness.vkey, "--keys", str(tmp_path)]
        )
        assert result.exit_code == 0, result.output
    assert load_policy(tmp_path).quorum == 2  # a majority by default
    assert runner.invoke(app, ["witnesses", "quorum", "3", "--keys", str(tmp_path)]).exit_code != 0
    assert runner.invoke(app, ["witnesses", "quorum", "1", "--keys", str(tmp_path)]).exit_code == 0
    assert load_policy(tmp_path).quorum == 1
