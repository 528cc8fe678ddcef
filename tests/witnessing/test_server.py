"""``POST /add-checkpoint`` over HTTP: the request body, answers and status codes of tlog-witness."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ledger.keyring import Keyring
from ledger.log.cosignature import CosignatureVerifier, verify_cosignature
from ledger.log.note import parse_note
from ledger.service import Ledger
from ledger.witnessing.protocol import AddCheckpoint
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.conftest import Clock
from tests.witnessing.conftest import new_witness, record_heads


@pytest.fixture
def witness(tmp_path: Path, keyring: Keyring) -> Witness:
    return new_witness(tmp_path / "press", "press.example/witness", keyring)


@pytest.fixture
def http(witness: Witness) -> Iterator[TestClient]:
    with TestClient(WitnessApp(witness)) as client:
        yield client


def body(old: int, proof: list[bytes], note: str) -> bytes:
    return AddCheckpoint(old, tuple(proof), note).body()


def test_a_valid_request_gets_200_and_cosignature_lines(
    http: TestClient, witness: Witness, sqlite_ledger: Ledger
) -> None:
    note = sqlite_ledger.sign_checkpoint().note
    answer = http.post("/add-checkpoint", content=body(0, [], note))
    assert answer.status_code == 200
    assert answer.text.startswith("— press.example/witness ") and answer.text.endswith("\n")
    verify_cosignature(
        parse_note(note).text, answer.text, CosignatureVerifier.from_vkey(witness.vkey)
    )


def test_the_request_body_is_old_size_proof_lines_blank_line_checkpoint(
    sqlite_ledger: Ledger,
) -> None:
    note = sqlite_ledger.sign_checkpoint().note
    proof = [bytes([1]) * 32, bytes([2]) * 32]
    text = body(7, proof, note).decode()
    assert (
        text
        == f"old 7\n{base64.b64encode(proof[0]).decode()}\n{base64.b64encode(proof[1]).decode()}\n\n{note}"
    )


def test_a_stale_old_size_gets_409_with_the_size_as_text_x_tlog_size(
    http: TestClient, sqlite_ledger: Ledger, recorder: object, clock: Clock
) -> None:
    http.post("/add-checkpoint", content=body(0, [], sqlite_ledger.sign_checkpoint().note))
    record_heads(sqlite_ledger, recorder, clock, 2)
    answer = http.post("/add-checkpoint", content=body(0, [], sqlite_ledger.sign_checkpoint().note))
    assert answer.status_code == 409
    assert answer.text == "1\n"
    assert answer.headers["content-type"] == "text/x.tlog.size"


@pytest.mark.parametrize(
    "raw",
    [b"old 01\n\nx", b"new 1\n\n", b"old 1\nnot-base64!\n\n", b"old 0\nno blank line", b"\xff\xfe"],
    ids=["leading-zero", "no-old-line", "bad-proof-line", "no-blank-line", "not-utf8"],
)
def test_a_malformed_request_gets_400(http: TestClient, raw: bytes) -> None:
    assert http.post("/add-checkpoint", content=raw).status_code == 400


def test_an_unknown_origin_gets_404_and_a_foreign_signature_403(
    http: TestClient, sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    from ledger.crypto import generate_signing_key
    from ledger.log.checkpoint import Checkpoint, sign_checkpoint
    from ledger.log.note import NoteSigner

    stranger = sign_checkpoint(
        Checkpoint("elsewhere.example/log", 1, bytes(32)),
        [NoteSigner("elsewhere.example/log", generate_signing_key())],
    )
    assert http.post("/add-checkpoint", content=body(0, [], stranger)).status_code == 404
    forged = sign_checkpoint(
        Checkpoint(sqlite_ledger.origin, 1, sqlite_ledger.root()),
        [NoteSigner(sqlite_ledger.origin, generate_signing_key())],
    )
    assert http.post("/add-checkpoint", content=body(0, [], forged)).status_code == 403


def test_a_proof_that_does_not_verify_gets_422(
    http: TestClient, sqlite_ledger: Ledger, recorder: object, clock: Clock
) -> None:
    record_heads(sqlite_ledger, recorder, clock, 1)
    http.post("/add-checkpoint", content=body(0, [], sqlite_ledger.sign_checkpoint().note))
    record_heads(sqlite_ledger, recorder, clock, 3)
    proof = [bytes(32)] * len(sqlite_ledger.consistency_proof(2, 5))
    answer = http.post(
        "/add-checkpoint", content=body(2, proof, sqlite_ledger.sign_checkpoint().note)
    )
    assert answer.status_code == 422


def test_only_post_is_accepted_and_oversized_bodies_are_refused(http: TestClient) -> None:
    assert http.get("/add-checkpoint").status_code == 405
    assert http.post("/add-checkpoint", content=b"x" * (65 * 1024)).status_code == 413
