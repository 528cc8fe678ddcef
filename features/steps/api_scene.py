"""A served city for the HTTP scenarios: a real chartered ledger (SQLite and PostgreSQL),
the lifecycle ``Scene`` to build the story, and a TestClient of ``create_app`` over it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, then

from api.app import create_app
from api.settings import Settings
from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash, verify_inclusion
from ledger.log.note import NoteVerifier
from ledger.service import Ledger, verify_checkpoint_note
from ledger.statements import parse_statement
from tests.vocabulary.conftest import GENESIS, Scene, SceneClock


@dataclass
class Served:
    """The story so far: the scene, the HTTP client, the last answer and the log before it."""

    scene: Scene
    client: TestClient | None = None
    answer: Any = None
    before: tuple[int, str] = (0, "")
    ids: dict[str, str] = field(default_factory=dict)
    pages: list[dict[str, Any]] = field(default_factory=list)
    """The pages of a report's table read so far, in order."""

    @property
    def http(self) -> TestClient:
        assert self.client is not None, "the ledger is not served yet"
        return self.client

    def log_state(self) -> tuple[int, str]:
        """Tree size and root as the server sees them (refreshed from the database)."""
        ledger = self.scene.ledger
        ledger.refresh()
        return ledger.size, ledger.root().hex()

    def post(self, body: Any, **params: Any) -> Any:
        self.before = self.log_state()
        self.answer = self.http.post("/v1/events", json=body, params=params)
        return self.answer

    def verify_inclusion(self, event_id: str, note: str) -> None:
        """Check a served inclusion proof against a checkpoint with the log's public key only."""
        proof = self.http.get(f"/v1/proofs/inclusion/{event_id}").json()
        statement = self.http.get(f"/v1/events/{event_id}").json()["statement"]
        verifier = NoteVerifier.from_vkey(self.scene.keyring.log_vkey())
        checkpoint = verify_checkpoint_note(note, verifier)
        data = parse_statement(statement).leaf_bytes()
        verify_inclusion(
            leaf_hash(data),
            proof["leaf_index"],
            checkpoint.size,
            [base64.b64decode(h) for h in proof["hashes"]],
            checkpoint.root_hash,
        )


@pytest.fixture
def served(db_url: str, shared_keyring: Keyring) -> Iterator[Served]:
    clock = SceneClock()
    ledger = Ledger.open(db_url, log_key=shared_keyring.log_key(), clock=clock)
    ledger.append([shared_keyring.sign(shared_keyring.charter_draft(GENESIS), now=clock())])
    story = Served(Scene(shared_keyring, ledger, clock))
    yield story
    if story.client is not None:
        story.client.__exit__(None, None, None)
    ledger.close()


def serve(story: Served) -> None:
    settings = Settings(
        db=story.scene.ledger.store.url,
        keys_dir=story.scene.keyring.directory,
        clock=story.scene.clock,
        checkpoint_interval=0.05,
    )
    story.client = TestClient(create_app(settings))
    story.client.__enter__()


# --- steps shared by the HTTP features -------------------------------------------------
@given("a city with the Lyari and Kutchi Rabita groups, three persons, two officers and a shooting")
def city(served: Served) -> None:
    served.scene.city()


@given("the ledger is served over HTTP")
def http_server(served: Served) -> None:
    serve(served)


@given(parsers.parse("the police posted the arrest of {person} in case {case}"))
def posted_arrest(served: Served, person: str, case: str) -> None:
    statement = arrest(served, person, case)
    served.ids["arrest"] = statement.event_id
    served.ids["arrest_body"] = statement
    assert served.post(statement.to_dict()).status_code == 201


@then(parsers.parse('the answer is a problem "{code}" about the field "{field}"'))
def problem_about_field(served: Served, code: str, field: str) -> None:
    answer = served.answer
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    problem = answer.json()
    assert (problem["code"], problem["field"]) == (code, field), problem
    assert problem["type"].endswith("/" + code)
    assert problem["status"] == answer.status_code and 400 <= answer.status_code < 500
    assert problem["detail"]


@then(parsers.parse('the answer is a problem "{code}" about item {index:d}'))
def problem_about_item(served: Served, code: str, index: int) -> None:
    problem = served.answer.json()
    assert (problem["code"], problem["index"]) == (code, index), problem


@then("nothing was stored")
def nothing_stored(served: Served) -> None:
    assert served.log_state() == served.before


def arrest(served: Served, person: str, case: str, recorder: str = "police", **kw: Any) -> Any:
    """A signed arrest statement in the story (not yet posted)."""
    scene = served.scene
    return scene.sign(scene.draft("arrest.made", recorder, case=case, person=person, **kw))
