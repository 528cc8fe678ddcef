"""Steps for features/court.feature: case histories with proofs, sealed details stay sealed."""

from __future__ import annotations

import base64
import json

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.api_scene import *  # noqa: F401,F403  (fixture and shared steps)
from features.steps.api_scene import Served
from ledger.keyring import sealing_context
from ledger.log.merkle import leaf_hash, verify_inclusion
from ledger.log.note import NoteVerifier
from ledger.log.proof_format import parse_proof, verify_tlog_proof
from ledger.sealing import unseal
from ledger.service import verify_checkpoint_note
from ledger.statements import parse_statement

scenarios("court.feature")

CASE = "FIR-112-2026-KALAKOT"


def post(served: Served, type: str, recorder: str, **data: object) -> None:
    scene = served.scene
    served.post(scene.sign(scene.draft(type, recorder, **data)).to_dict())
    assert served.answer.status_code == 201, served.answer.text


@given(
    parsers.parse("the police posted that {person} was produced before a magistrate in case {case}")
)
def produced(served: Served, person: str, case: str) -> None:
    post(served, "custody.produced", "police", case=case, person=person)


@given(parsers.parse("the prosecution posted charges against {person} in case {case}"))
def charged(served: Served, person: str, case: str) -> None:
    post(served, "charge.filed", "prosecution", case=case, person=person)


@given("a checkpoint was signed")
def checkpoint_signed(served: Served) -> None:
    import time

    size = served.log_state()[0]
    for _ in range(600):  # the server's background signer covers new statements
        latest = served.http.get("/v1/checkpoints/latest")
        if latest.status_code == 200 and latest.json()["size"] >= size:
            return
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint of size {size} was signed by the server")


@when(parsers.parse("the court reads the history of case {case}"))
def read_case(served: Served, case: str) -> None:
    served.answer = served.http.get(f"/v1/cases/{case}/history")
    assert served.answer.status_code == 200, served.answer.text


@when(parsers.parse("the court reads the history of person {person}"))
def read_person(served: Served, person: str) -> None:
    served.answer = served.http.get(f"/v1/persons/{person}/history")
    assert served.answer.status_code == 200, served.answer.text


@then("it lists the arrest, the production and the charge in log order")
def lists_case_events(served: Served) -> None:
    events = served.answer.json()["events"]
    types = [
        e["type"]
        for e in events
        if e["type"] in ("arrest.made", "custody.produced", "charge.filed")
    ]
    assert types == ["arrest.made", "custody.produced", "charge.filed"]
    positions = [e["leaf_index"] for e in events]
    assert positions == sorted(positions)


def leaf_of(served: Served, event_id: str) -> bytes:
    statement = served.http.get(f"/v1/events/{event_id}").json()["statement"]
    return parse_statement(statement).leaf_bytes()


@then("every event's proof verifies against the checkpoint with the log's public key alone")
def proofs_verify(served: Served) -> None:
    history = served.answer.json()
    verifier = NoteVerifier.from_vkey(served.scene.keyring.log_vkey())
    checkpoint = verify_checkpoint_note(history["checkpoint"], verifier)
    for event in history["events"]:
        proof = event["proof"]
        assert proof["tree_size"] == checkpoint.size
        verify_inclusion(
            leaf_hash(leaf_of(served, event["event_id"])),
            proof["leaf_index"],
            checkpoint.size,
            [base64.b64decode(h) for h in proof["hashes"]],
            checkpoint.root_hash,
        )


@when("the court downloads the tlog-proof of the arrest")
def download_proof(served: Served) -> None:
    served.answer = served.http.get(f"/v1/proofs/inclusion/{served.ids['arrest']}.tlog-proof")
    assert served.answer.status_code == 200, served.answer.text


@then("the proof verifies with the log's public key and the arrest as posted")
def tlog_proof_verifies(served: Served) -> None:
    verifier = NoteVerifier.from_vkey(served.scene.keyring.log_vkey())
    posted = served.ids["arrest_body"].leaf_bytes()  # type: ignore[attr-defined]
    verify_tlog_proof(parse_proof(served.answer.text), leaf_hash(posted), [verifier])


@then("the person's registration carries a sealed part but not the name in clear")
def sealed_in_history(served: Served) -> None:
    from ledger.vocabulary.base import VOCABULARY

    name = VOCABULARY["person.registered"].example_sealed["name"]  # type: ignore[index]
    assert name not in served.answer.text
    (registration,) = [
        e for e in served.answer.json()["events"] if e["type"] == "person.registered"
    ]
    assert registration["sealed"] and "alg" in registration["sealed"]
    served.ids["registration"] = registration  # type: ignore[assignment]
    served.ids["name"] = name


@then("the court opens the sealed part with its own key and reads the name")
def court_unseals(served: Served) -> None:
    registration = served.ids["registration"]
    details = unseal(
        registration["sealed"],  # type: ignore[index]
        served.scene.keyring.sealing_key("court"),
        sealing_context("person.registered", registration["recorder"]),  # type: ignore[index]
    )
    assert details["name"] == served.ids["name"]
    assert json.dumps(details)
