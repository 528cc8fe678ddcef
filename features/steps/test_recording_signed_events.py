"""Steps for features/recording_signed_events.feature."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pytest_bdd import given, parsers, scenarios, then, when

from ledger.crypto import public_key_text
from ledger.errors import LedgerError
from ledger.service import Ledger
from ledger.statements import Draft, canonical_json, parse_statement
from ledger.verification.replay import verify_store

scenarios("recording_signed_events.feature")


def appointment(head: str) -> dict[str, str]:
    return {
        "head": head,
        "term_start": "2026-03-01T09:00:00Z",
        "reason": "appointed by the committee",
    }


@pytest.fixture
def outcome() -> dict[str, Any]:
    return {}


@given(
    "the ledger was chartered by the citizens' committee with the police, prosecution, court and interrupters"
)
def chartered(ledger: Ledger) -> Ledger:
    registry = ledger.registry()
    assert registry is not None
    assert {"committee", "police", "prosecution", "court", "interrupters"} <= set(
        registry.institutions
    )
    return ledger


def submit(ledger: Ledger, statement: Any, outcome: dict[str, Any]) -> None:
    try:
        outcome["appended"] = ledger.append([statement])
    except LedgerError as exc:
        outcome["error"] = exc


@when("the committee signs and records that H-7 was appointed head on 1 March 2026")
def committee_records(ledger: Ledger, recorder: Any, outcome: dict[str, Any]) -> None:
    outcome["statement"] = recorder.sign("head.appointed", "committee", appointment("H-7"))
    submit(ledger, outcome["statement"], outcome)


@then(parsers.parse("the statement is in the log at position {position:d}"))
def at_position(outcome: dict[str, Any], position: int) -> None:
    assert outcome["appended"][0].leaf_index == position


@then("its event id is the hash of its content")
def id_is_hash(outcome: dict[str, Any]) -> None:
    statement = outcome["statement"]
    body = {k: v for k, v in statement.to_dict().items() if k != "signature"}
    assert outcome["appended"][0].event_id == hashlib.sha256(canonical_json(body)).hexdigest()


@given("the committee signed the appointment of H-7", target_fixture="signed")
def committee_signed(recorder: Any) -> Any:
    return recorder.sign("head.appointed", "committee", appointment("H-7"))


@given("it was recorded")
def it_was_recorded(ledger: Ledger, signed: Any) -> None:
    ledger.append([signed])


@when("someone changes the appointed head to H-666 without re-signing it and submits it")
def forge(ledger: Ledger, signed: Any, outcome: dict[str, Any]) -> None:
    forged = parse_statement({**signed.to_dict(), "data": appointment("H-666")})
    submit(ledger, forged, outcome)


@when("the same statement is submitted again")
def resubmit(ledger: Ledger, signed: Any, outcome: dict[str, Any]) -> None:
    submit(ledger, signed, outcome)


@then(parsers.parse("it is refused because {reason}"))
def refused_because(outcome: dict[str, Any], reason: str) -> None:
    error = outcome.get("error")
    assert error is not None, "the statement was accepted"
    expected = {
        "the signature does not verify": "invalid_signature",
        "the key was revoked": "revoked_key",
        "only the committee may record head.appointed": "unauthorized_role",
    }[reason]
    assert error.code == expected, str(error)


@then("it is refused as a replay")
def refused_replay(outcome: dict[str, Any]) -> None:
    assert outcome["error"].code == "replayed_statement"


@then(parsers.parse("the log still holds {n:d} event"))
@then(parsers.parse("the log still holds {n:d} events"))
def still_holds(ledger: Ledger, n: int) -> None:
    assert Ledger.open(ledger.store.url).size == n


@given(
    "the observers' key was registered and they recorded the appointment of H-7",
    target_fixture="observer_key",
)
def observers_registered(ledger: Ledger, recorder: Any, clock: Any) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    ledger.append(
        [
            recorder.sign(
                "key.registered",
                "committee",
                {
                    "institution": "observers",
                    "role": "committee",
                    "institution_name": "Press observers",
                    "public_key": public_key_text(key.public_key()),
                    "purpose": "signing",
                    "reason": "press seat",
                },
            )
        ]
    )
    draft = Draft(
        type="head.appointed",
        recorder="observers",
        occurred_at=clock.stamp(),
        data=appointment("H-7"),
    )
    ledger.append([draft.sign(ledger=ledger.origin, key=key, now=clock())])
    return key


@given("the committee revoked the observers' key because it was lost")
def revoke_observers(ledger: Ledger, recorder: Any) -> None:
    registry = ledger.registry()
    assert registry is not None
    key_id = registry.institutions["observers"].key_ids[0]
    ledger.append([recorder.sign("key.revoked", "committee", {"key_id": key_id, "reason": "lost"})])


@when("the observers sign and submit the removal of H-7")
def observers_remove(
    ledger: Ledger, observer_key: Ed25519PrivateKey, clock: Any, outcome: dict[str, Any]
) -> None:
    draft = Draft(
        type="head.removed",
        recorder="observers",
        occurred_at=clock.stamp(),
        data={"head": "H-7", "reason": "term ended"},
    )
    submit(ledger, draft.sign(ledger=ledger.origin, key=observer_key, now=clock()), outcome)


@then("verifying the whole ledger passes")
def whole_ledger_verifies(ledger: Ledger) -> None:
    report = verify_store(ledger.store)
    assert report.ok, [str(p) for p in report.problems]


@when("the police sign and submit the appointment of a new head")
def police_appoint(ledger: Ledger, recorder: Any, outcome: dict[str, Any]) -> None:
    submit(ledger, recorder.sign("head.appointed", "police", appointment("H-9")), outcome)
