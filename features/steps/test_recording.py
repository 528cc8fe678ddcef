"""Steps for features/recording.feature: institutions record over HTTP."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.api_scene import *  # noqa: F401,F403  (fixture and shared steps)
from features.steps.api_scene import Served, arrest
from ledger.log.note import NoteVerifier
from ledger.service import verify_checkpoint_note

scenarios("recording.feature")


@given("the committee revoked the police key because it was lost")
def revoke_police_key(served: Served) -> None:
    key_id = served.scene.keyring.institutions["police"].signing_key_id
    statement = served.scene.sign(
        served.scene.draft("key.revoked", "committee", key_id=key_id, reason="lost")
    )
    assert served.post(statement.to_dict()).status_code == 201


@when(
    parsers.parse("the police post the arrest of {person} in case {case} and wait for a checkpoint")
)
def post_arrest_and_wait(served: Served, person: str, case: str) -> None:
    statement = arrest(served, person, case)
    served.ids["arrest"] = statement.event_id
    served.post(statement.to_dict(), wait_for_checkpoint="true")


@when(
    parsers.re(
        r"the (?P<institution>\w+) post the arrest of (?P<person>\S+) in case (?P<case>\S+)$"
    )
)
def post_arrest(served: Served, institution: str, person: str, case: str) -> None:
    served.post(arrest(served, person, case, recorder=institution).to_dict())


@when("the police post the very same statement again")
def post_again(served: Served) -> None:
    served.post(served.ids["arrest_body"].to_dict())  # type: ignore[attr-defined]


@when(
    parsers.parse("someone changes the arrested person to {person} without re-signing and posts it")
)
def post_forgery(served: Served, person: str) -> None:
    body = arrest(served, "P-17", "FIR-112-2026-KALAKOT").to_dict()
    body["data"] = {**body["data"], "person": person}
    served.post(body)


@when(
    parsers.parse("the police post an arrest signed {minutes:d} minutes before the server's time")
)
def post_with_wrong_clock(served: Served, minutes: int) -> None:
    from datetime import timedelta

    scene = served.scene
    draft = scene.draft("arrest.made", "police", case="FIR-9", person="P-17")
    draft.recorded_at = (scene.clock() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    draft.occurred_at = draft.recorded_at
    served.post(scene.keyring.sign(draft, now=scene.clock()).to_dict())


@when("the police post a batch of two arrests where the second names an unknown person")
def post_bad_batch(served: Served) -> None:
    first = arrest(served, "P-17", "FIR-1")
    second = arrest(served, "P-404", "FIR-2")
    served.post({"statements": [first.to_dict(), second.to_dict()]})


@then("the answer is 201 with the arrest's event id and its position in the log")
def created(served: Served) -> None:
    assert served.answer.status_code == 201, served.answer.text
    body = served.answer.json()
    assert body["event_id"] == served.ids["arrest"]
    assert body["leaf_index"] == served.before[0]


@then("the answer carries a signed checkpoint that includes the arrest")
def answer_has_checkpoint(served: Served) -> None:
    body = served.answer.json()
    verifier = NoteVerifier.from_vkey(served.scene.keyring.log_vkey())
    checkpoint = verify_checkpoint_note(body["checkpoint"]["note"], verifier)
    assert checkpoint.size > body["leaf_index"]
    assert body["checkpoint"]["size"] == checkpoint.size


@then("the inclusion proof served for the arrest verifies against that checkpoint")
def proof_verifies(served: Served) -> None:
    served.verify_inclusion(served.ids["arrest"], served.answer.json()["checkpoint"]["note"])


@then("the answer is 200 with the same event id and position")
def same_answer(served: Served) -> None:
    assert served.answer.status_code == 200, served.answer.text
    assert served.answer.json()["event_id"] == served.ids["arrest"]
    assert served.answer.json()["leaf_index"] == served.before[0] - 1


@then("the log holds the arrest once")
def stored_once(served: Served) -> None:
    assert served.log_state() == served.before
    ids = [item["event_id"] for item in served.http.get("/v1/events?limit=1000").json()["items"]]
    assert ids.count(served.ids["arrest"]) == 1
