"""Steps for features/proving_inclusion.feature."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.heads import record_heads
from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import leaf_hash, verify_consistency
from ledger.log.note import NoteVerifier, open_note
from ledger.log.proof_format import parse_proof, verify_tlog_proof
from ledger.service import Ledger

scenarios("proving_inclusion.feature")


@pytest.fixture
def journalist() -> dict[str, Any]:
    return {}


@given("a ledger holding a charter and twenty appointments and removals of heads")
def twenty(ledger: Ledger, recorder: Any, clock: Any) -> None:
    record_heads(ledger, recorder, clock, 10)
    assert ledger.size == 21


@given("a checkpoint was signed")
def signed(ledger: Ledger) -> None:
    ledger.sign_checkpoint()


def log_key(ledger: Ledger) -> NoteVerifier:
    registry = ledger.registry()
    assert registry is not None
    return NoteVerifier.from_vkey(registry.log_key)


@when(parsers.parse("I ask for a proof that the record at position {position:d} is in the log"))
def ask_for_proof(ledger: Ledger, position: int, journalist: dict[str, Any]) -> None:
    record = next(e for e in ledger.events() if e.leaf_index == position)
    journalist["record"] = record.leaf
    journalist["proof_text"] = ledger.tlog_proof(record.event_id or "")


@then(parsers.parse("I receive a C2SP tlog-proof for position {position:d}"))
def receive(journalist: dict[str, Any], position: int) -> None:
    assert journalist["proof_text"].startswith("c2sp.org/tlog-proof@v1\n")
    assert parse_proof(journalist["proof_text"]).index == position


@then("it verifies with the log's public key against the record's text")
def verifies(ledger: Ledger, journalist: dict[str, Any]) -> None:
    proof = parse_proof(journalist["proof_text"])
    checkpoint = verify_tlog_proof(
        proof, leaf_hash(journalist["record"].encode()), [log_key(ledger)]
    )
    assert checkpoint.size == ledger.size


@when("I alter one word of the record's text")
def alter(journalist: dict[str, Any]) -> None:
    journalist["record"] = (
        journalist["record"].replace("rotation", "promotion").replace("appointed", "dismissed")
    )


@then("the proof does not verify")
def does_not_verify(ledger: Ledger, journalist: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        verify_tlog_proof(
            parse_proof(journalist["proof_text"]),
            leaf_hash(journalist["record"].encode()),
            [log_key(ledger)],
        )


@given(parsers.parse("I kept the checkpoint of size {size:d}"), target_fixture="kept")
def kept_checkpoint(ledger: Ledger, size: int) -> str:
    note = ledger.checkpoint_at(size).note
    return note


@when("ten more records are added and a new checkpoint is signed")
def ten_more(ledger: Ledger, recorder: Any, clock: Any) -> None:
    clock.advance(hours=1)
    for i in range(5):
        clock.advance(minutes=1)
        ledger.append(
            [
                recorder.sign(
                    "head.appointed",
                    "committee",
                    {"head": f"N-{i}", "term_start": clock.stamp(), "reason": "appointed"},
                )
            ]
        )
        ledger.append(
            [recorder.sign("head.removed", "committee", {"head": f"N-{i}", "reason": "rotation"})]
        )
    ledger.sign_checkpoint()


@then(
    parsers.parse(
        "the consistency proof from {old:d} to {new:d} verifies between the two signed roots"
    )
)
def consistent(ledger: Ledger, kept: str, old: int, new: int) -> None:
    verifier = log_key(ledger)
    before = Checkpoint.parse(open_note(kept, [verifier]).text)
    after = Checkpoint.parse(open_note(ledger.checkpoint_at(new).note, [verifier]).text)
    assert (before.size, after.size) == (old, new)
    verify_consistency(
        old, new, before.root_hash, after.root_hash, ledger.consistency_proof(old, new)
    )
