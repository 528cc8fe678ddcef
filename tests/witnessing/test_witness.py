"""The witness's rules (c2sp.org/tlog-witness) on real checkpoints of a real ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.errors import (
    MalformedWitnessRequest,
    OldSizeConflict,
    UnknownLog,
    UnprovenExtension,
    UntrustedCheckpoint,
)
from ledger.keyring import Keyring
from ledger.log.cosignature import CosignatureVerifier, verify_cosignature
from ledger.log.note import parse_note
from ledger.service import Ledger
from ledger.witnessing.server import status_of
from ledger.witnessing.witness import Witness
from tests.conftest import Clock
from tests.witnessing.conftest import new_witness, record_heads


@pytest.fixture
def witness(tmp_path: Path, keyring: Keyring) -> Witness:
    return new_witness(tmp_path / "press", "press.example/witness", keyring)


def test_first_checkpoint_is_cosigned_with_a_verifiable_cosignature(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    record_heads(sqlite_ledger, recorder, clock, 3)
    cp = sqlite_ledger.sign_checkpoint()
    (line,) = witness.add_checkpoint(0, [], cp.note)
    verify_cosignature(parse_note(cp.note).text, line, CosignatureVerifier.from_vkey(witness.vkey))
    assert witness.state(sqlite_ledger.origin).size == 4  # type: ignore[union-attr]


def test_an_extension_with_a_valid_consistency_proof_is_cosigned(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    first = sqlite_ledger.sign_checkpoint()
    witness.add_checkpoint(0, [], first.note)
    record_heads(sqlite_ledger, recorder, clock, 5)
    second = sqlite_ledger.sign_checkpoint()
    witness.add_checkpoint(1, sqlite_ledger.consistency_proof(1, 6), second.note)
    assert witness.state(sqlite_ledger.origin).size == 6  # type: ignore[union-attr]
    assert witness.evidence() == []


def test_a_wrong_old_size_is_a_conflict_that_names_the_cosigned_size(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    record_heads(sqlite_ledger, recorder, clock, 2)
    witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    record_heads(sqlite_ledger, recorder, clock, 2, prefix="K")
    with pytest.raises(OldSizeConflict) as refused:
        witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    assert refused.value.known_size == 3
    assert witness.evidence() == []  # a stale client is not log misbehaviour


def test_the_state_survives_a_restart_and_is_shared_by_every_process(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    again = Witness(witness.directory)
    record_heads(sqlite_ledger, recorder, clock, 1)
    with pytest.raises(OldSizeConflict) as refused:
        again.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    assert refused.value.known_size == 1


def test_an_unknown_log_is_not_found(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    stranger = Witness.create(tmp_path / "court", "court.example/witness")
    with pytest.raises(UnknownLog) as refused:
        stranger.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    assert status_of(refused.value) == 404


def test_a_checkpoint_not_signed_by_the_log_key_is_forbidden(
    sqlite_ledger: Ledger, tmp_path: Path, keyring: Keyring
) -> None:
    other = Keyring.create(tmp_path / "other-keys", origin=keyring.origin)
    witness = new_witness(tmp_path / "w", "committee.example/witness", other)
    with pytest.raises(UntrustedCheckpoint) as refused:
        witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    assert status_of(refused.value) == 403


def test_an_old_size_above_the_checkpoint_size_is_malformed(
    sqlite_ledger: Ledger, witness: Witness
) -> None:
    with pytest.raises(MalformedWitnessRequest):
        witness.add_checkpoint(2, [], sqlite_ledger.sign_checkpoint().note)


def test_a_bad_consistency_proof_is_refused_and_kept_as_evidence(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    record_heads(sqlite_ledger, recorder, clock, 2)
    witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    record_heads(sqlite_ledger, recorder, clock, 3, prefix="K")
    newer = sqlite_ledger.sign_checkpoint()
    proof = sqlite_ledger.consistency_proof(3, 6)
    proof[0] = bytes(32)
    with pytest.raises(UnprovenExtension) as refused:
        witness.add_checkpoint(3, proof, newer.note)
    assert status_of(refused.value) == 422
    (evidence,) = witness.evidence()
    assert evidence.kind == "not_extending" and evidence.presented_note == newer.note
    assert witness.state(sqlite_ledger.origin).size == 3  # type: ignore[union-attr]


def test_a_smaller_checkpoint_it_never_cosigned_is_kept_as_rollback_evidence(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    record_heads(sqlite_ledger, recorder, clock, 2)
    older = sqlite_ledger.sign_checkpoint()
    record_heads(sqlite_ledger, recorder, clock, 2, prefix="K")
    witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    with pytest.raises(OldSizeConflict):
        witness.add_checkpoint(0, [], older.note)
    assert [e.kind for e in witness.evidence()] == ["rollback"]


def test_the_same_checkpoint_again_is_cosigned_again_without_evidence(
    sqlite_ledger: Ledger, witness: Witness
) -> None:
    note = sqlite_ledger.sign_checkpoint().note
    witness.add_checkpoint(0, [], note)
    assert len(witness.add_checkpoint(1, [], note)) == 1
    assert witness.evidence() == []


def test_evidence_and_cosigned_history_cannot_be_edited_or_deleted(
    sqlite_ledger: Ledger, witness: Witness, recorder: object, clock: Clock
) -> None:
    witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    record_heads(sqlite_ledger, recorder, clock, 1)
    with pytest.raises(OldSizeConflict):
        witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    witness.record_conflict("fork", sqlite_ledger.sign_checkpoint().note, "recorded by hand")
    db = sqlite3.connect(witness.directory / "witness.db")
    for statement in (
        "UPDATE evidence SET kind = 'none'",
        "DELETE FROM evidence",
        "UPDATE cosigned SET size = 0",
        "DELETE FROM cosigned",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    db.close()
    assert len(witness.evidence()) == 1


def test_the_witness_key_file_is_private(witness: Witness) -> None:
    assert (witness.directory / "witness.key").stat().st_mode & 0o777 == 0o600
