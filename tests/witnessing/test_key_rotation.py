"""Rotating the log key: mirrors and witnesses follow an endorsed rotation and alarm on a forged one.

Everything is real: the ledger's API under uvicorn on 127.0.0.1, witnesses
served over HTTP, a mirror (itself a witness) following the API over tiles,
the rotation done by the same code as ``ledger keys-rotate-log``, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli.commands.keys import rotate_log_key_in
from cli.main import app as cli_app
from ledger.crypto import generate_signing_key, load_signing_key, public_key_text
from ledger.errors import HistoryConflict, RefusedKeyRotation, UntrustedCheckpoint
from ledger.keyring import Keyring
from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.cosignature import CosignatureVerifier, verify_cosignature
from ledger.log.key_rotation import KeyRotation, rotation_proof
from ledger.log.note import NoteSigner, parse_note
from ledger.service import Ledger
from ledger.signature_pool import Checker
from ledger.statements import format_time
from ledger.storage.log_reader import stored_leaves
from ledger.storage.sql_store import Store
from ledger.verification.replay import verify_store
from ledger.witnessing.cosigning import publish
from ledger.witnessing.mirror import Mirror
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy
from ledger.witnessing.rotations import rotation_proofs
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.conftest import Clock, Recorder
from tests.witnessing.conftest import Served, new_witness, record_heads


@dataclass
class Network:
    """A ledger served on loopback, a witness it publishes to, and a mirror that is a witness too."""

    ledger: Ledger
    keys: Path
    upstream: Served
    witness: Witness
    policy: WitnessPolicy
    mirror: Mirror
    mirror_witness: Witness


@pytest.fixture
def network(
    ledger: Ledger, keyring: Keyring, clock: Clock, tmp_path: Path, servers: Callable[[Any], Served]
) -> Iterator[Network]:
    keys = tmp_path / "keys"
    shutil.copytree(keyring.directory, keys)
    upstream = servers(
        create_app(Settings(db=ledger.store.url, clock=clock))
    )  # serves, signs nothing
    witness = new_witness(tmp_path / "press", "press.example/witness", keyring)
    served = servers(WitnessApp(witness))
    policy = WitnessPolicy((WitnessEntry("press", served.url, witness.vkey),), 1)
    mirror_witness = Witness.create(tmp_path / "court", "court.example/mirror")
    local = Ledger(Store(str(tmp_path / "mirror.db")), checker=Checker(processes=1))
    yield Network(
        ledger,
        keys,
        upstream,
        witness,
        policy,
        Mirror(upstream.url, local, witness=mirror_witness),
        mirror_witness,
    )
    local.close()


def rotate(network: Network, clock: Clock) -> Ledger:
    """``ledger keys-rotate-log`` on the served database; the ledger reopened with the new key."""
    result = rotate_log_key_in(network.ledger.store.url, network.keys, None, "yearly rotation")
    assert result["checkpoint_size"] == result["valid_from"]
    return Ledger.open(
        network.ledger.store.url, log_key=load_signing_key(network.keys / "log.key"), clock=clock
    )


def cosigned_by(witness: Witness, note: str, line: str | None) -> bool:
    assert line is not None
    verify_cosignature(parse_note(note).text, line, CosignatureVerifier.from_vkey(witness.vkey))
    return True


def test_after_a_rotation_mirrors_and_witnesses_follow_the_new_key_without_an_alarm(
    network: Network, recorder: Recorder, clock: Clock
) -> None:
    record_heads(network.ledger, recorder, clock, 3)
    before = publish(network.ledger, network.policy)
    synced = network.mirror.sync_once()
    assert before.published and synced.size == before.size == 4
    old_vkey = (network.keys / "log.vkey").read_text().strip()

    rotated = rotate(network, clock)
    try:
        new_vkey = (network.keys / "log.vkey").read_text().strip()
        for round_ in range(2):  # appending goes on; every later sync and publication works
            record_heads(rotated, recorder, clock, 2, prefix=f"R{round_}")
            result = publish(rotated, network.policy)
            assert result.published, result.answers
            after = network.mirror.sync_once()
            assert after.size == result.size == rotated.size
            assert cosigned_by(network.mirror_witness, after.note, after.cosignature)
            assert cosigned_by(network.witness, result.note or "", result.answers[0].cosignature)
        assert [vkey for _, vkey in network.witness.log_keys(rotated.origin)] == [
            old_vkey,
            new_vkey,
        ]
        assert [vkey for _, vkey in network.mirror_witness.log_keys(rotated.origin)] == [
            old_vkey,
            new_vkey,
        ]
        assert network.mirror.ledger.registry().log_key == new_vkey  # type: ignore[union-attr]
        assert network.witness.evidence() == [] and network.mirror_witness.evidence() == []
        assert verify_store(rotated.store).ok and verify_store(network.mirror.ledger.store).ok
        again = CliRunner().invoke(
            cli_app,
            [
                "witness",
                "add-log",
                "--dir",
                str(network.witness.directory),
                "--origin",
                rotated.origin,
                "--vkey",
                new_vkey,
            ],
        )
        assert again.exit_code == 0, again.output  # a key the witness learned from the log
    finally:
        rotated.close()


def test_a_checkpoint_signed_by_a_key_the_log_never_registered_raises_the_alarm(
    network: Network, recorder: Recorder, clock: Clock
) -> None:
    publish(network.ledger, network.policy)
    network.mirror.sync_once()
    record_heads(network.ledger, recorder, clock, 2)
    ledger = network.ledger
    rogue = NoteSigner(ledger.origin, generate_signing_key())
    body = Checkpoint.at_time(ledger.origin, ledger.size, ledger.root(), clock())
    note = sign_checkpoint(body, [rogue])
    ledger.store.insert_checkpoint(ledger.size, ledger.root(), note, format_time(clock()))
    with pytest.raises(HistoryConflict, match="no key rotation the old key endorsed explains it"):
        network.mirror.sync_once()
    state = network.witness.state(ledger.origin)
    assert state is not None
    with pytest.raises(UntrustedCheckpoint):
        network.witness.add_checkpoint(
            state.size, ledger.consistency_proof(state.size, ledger.size), note
        )
    answer = httpx.post(
        network.policy.witnesses[0].url + "/add-checkpoint",
        content=f"old {state.size}\n\n{note}".encode(),
    )
    assert answer.status_code in (403, 422)
    refused = CliRunner().invoke(
        cli_app,
        [
            "witness",
            "add-log",
            "--dir",
            str(network.witness.directory),
            "--origin",
            ledger.origin,
            "--vkey",
            rogue.vkey,
        ],
    )
    assert refused.exit_code != 0 and "learned only from the log" in refused.output


def forge_unendorsed_rotation(
    network: Network,
    recorder: Recorder,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    keyring: Keyring,
) -> tuple[NoteSigner, str]:
    """Append a committee-signed rotation the old key did not endorse (rules bypassed), and its handover.

    This is what a server that holds the committee's key but not the log
    key could present: the handover is signed by the old key as well, so
    the forgery is log-signed and must still be refused by what follows.
    """
    ledger = network.ledger
    key = generate_signing_key()
    new = NoteSigner(ledger.origin, key)
    self_endorsed = KeyRotation(ledger.origin, new.vkey, ledger.size + 1).endorse(new)
    with monkeypatch.context() as patched:
        patched.setattr("ledger.vocabulary.governance._check_endorsement", lambda *_: None)
        ledger.append(
            [
                recorder.sign(
                    "key.registered",
                    "committee",
                    {
                        "institution": "committee",
                        "public_key": public_key_text(key.public_key()),
                        "purpose": "log",
                        "vkey": new.vkey,
                        "endorsement": self_endorsed,
                        "reason": "forged",
                    },
                )
            ]
        )
    old = NoteSigner(ledger.origin, keyring.log_key())
    body = Checkpoint.at_time(ledger.origin, ledger.size, ledger.root(), clock())
    handover = sign_checkpoint(body, [old, new])
    ledger.store.insert_checkpoint(ledger.size, ledger.root(), handover, format_time(clock()))
    leaf = next(iter(stored_leaves(ledger.store, ledger.size - 1, 1))).leaf.encode()
    index = ledger.size - 1
    return new, rotation_proof(
        leaf, index, ledger.tree.inclusion_proof(index, ledger.size), handover
    )


def test_a_rotation_the_old_key_did_not_endorse_raises_the_alarm_at_mirrors_and_witnesses(
    network: Network,
    recorder: Recorder,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    keyring: Keyring,
) -> None:
    publish(network.ledger, network.policy)
    network.mirror.sync_once()
    new, proof = forge_unendorsed_rotation(network, recorder, clock, monkeypatch, keyring)
    with pytest.raises(HistoryConflict, match="did not endorse"):
        network.mirror.sync_once()  # the handover verifies with the old key; its statement breaks the rules
    assert network.mirror.ledger.registry().log_key != new.vkey  # type: ignore[union-attr]
    witness, ledger = network.witness, network.ledger
    state = witness.state(ledger.origin)
    assert state is not None
    handover = ledger.checkpoint_at(ledger.size).note
    witness.add_checkpoint(state.size, ledger.consistency_proof(state.size, ledger.size), handover)
    with pytest.raises(RefusedKeyRotation, match="kept as evidence"):
        witness.add_key_rotation(proof)
    answer = httpx.post(
        network.policy.witnesses[0].url + "/log-key-rotation", content=proof.encode()
    )
    assert answer.status_code == 403 and "endorse" in answer.text
    assert [e.kind for e in witness.evidence()] == ["forged_key_rotation"]
    assert [vkey for _, vkey in witness.log_keys(ledger.origin)] == [keyring.log_vkey()]
    record_heads(ledger, recorder, clock, 1)
    body = Checkpoint.at_time(ledger.origin, ledger.size, ledger.root(), clock())
    with pytest.raises(UntrustedCheckpoint):
        witness.add_checkpoint(
            ledger.size - 1,
            ledger.consistency_proof(ledger.size - 1, ledger.size),
            sign_checkpoint(body, [new]),
        )


def test_a_witness_learns_a_rotation_only_for_a_handover_checkpoint_it_cosigned(
    network: Network, recorder: Recorder, clock: Clock
) -> None:
    publish(network.ledger, network.policy)
    rotated = rotate(network, clock)
    try:
        (verified,) = rotation_proofs(rotated)
        with pytest.raises(RefusedKeyRotation, match="never cosigned"):
            network.witness.add_key_rotation(verified.proof)
        record_heads(rotated, recorder, clock, 1)
        assert publish(
            rotated, network.policy
        ).published  # the handover is cosigned first, then learned
    finally:
        rotated.close()
