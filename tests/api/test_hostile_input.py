"""Hostile or broken input gets a clear 4xx problem, and nothing is stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ledger.service import Ledger
from tests.api.conftest import key_registration
from tests.conftest import Recorder

JSON = {"content-type": "application/json"}


def log_state(ledger: Ledger) -> tuple[int, bytes]:
    ledger.refresh()
    return ledger.size, ledger.root()


def assert_problem(answer: object, status: int, code: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    problem = answer.json()  # type: ignore[attr-defined]
    assert problem["code"] == code and problem["status"] == status
    assert problem["type"] == f"https://ceasefire-ledger.example/problems/{code}"
    return problem  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"x" * (1024 * 1024 + 1), JSON, 413, "payload_too_large"),
        (b"[" * 50_000 + b"]" * 50_000, JSON, 400, "malformed_statement"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, JSON, 400, "malformed_statement"),
        (b'{"v": 1, "type": "\xff\xfe"}', JSON, 400, "malformed_statement"),
        (b'{"v": 1,', JSON, 400, "malformed_statement"),
        (b"NaN", JSON, 400, "malformed_statement"),
        (b"", JSON, 400, "malformed_statement"),
        (b"[]", JSON, 400, "malformed_statement"),
        (b'{"statements": []}', JSON, 400, "malformed_statement"),
        (b"{}", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
        (b"{}", {}, 415, "unsupported_media_type"),
    ],
    ids=[
        "oversized",
        "deep-arrays",
        "deep-objects",
        "invalid-utf8",
        "invalid-json",
        "nan",
        "empty",
        "not-an-object",
        "empty-batch",
        "text-plain",
        "no-content-type",
    ],
)
def test_broken_posts_are_refused_with_a_problem_and_store_nothing(
    client: TestClient, ledger: Ledger, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    before = log_state(ledger)
    assert_problem(client.post("/v1/events", content=body, headers=headers), status, code)
    assert log_state(ledger) == before


def test_a_chunked_body_over_the_limit_is_refused(client: TestClient, ledger: Ledger) -> None:
    before = log_state(ledger)

    def chunks() -> object:
        for _ in range(20):
            yield b" " * 65536

    answer = client.post("/v1/events", content=chunks(), headers=JSON)  # type: ignore[arg-type]
    assert_problem(answer, 413, "payload_too_large")
    assert log_state(ledger) == before


def test_a_batch_over_the_size_limit_is_refused(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    statement = key_registration(recorder).to_dict()
    before = log_state(ledger)
    answer = client.post("/v1/events", json={"statements": [statement] * 1001})
    assert_problem(answer, 413, "batch_too_large")
    assert log_state(ledger) == before


def test_a_batch_with_one_bad_item_stores_nothing_and_names_the_item(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    good = key_registration(recorder, "first").to_dict()
    bad = key_registration(recorder, "second").to_dict()
    bad["data"]["reason"] = "changed after signing"
    before = log_state(ledger)
    problem = assert_problem(
        client.post("/v1/events", json={"statements": [good, bad]}), 401, "invalid_signature"
    )
    assert problem["index"] == 1 and problem["field"] == "signature"
    assert log_state(ledger) == before


def test_a_known_statement_under_another_signature_is_refused(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    statement = key_registration(recorder).to_dict()
    assert client.post("/v1/events", json=statement).status_code == 201
    forged = {**statement, "signature": key_registration(recorder).to_dict()["signature"]}
    before = log_state(ledger)
    assert_problem(client.post("/v1/events", json=forged), 401, "invalid_signature")
    assert log_state(ledger) == before


@pytest.mark.parametrize(
    "path",
    [
        "/tile/../../etc/passwd",
        "/tile/%2e%2e/%2e%2e/etc/passwd",
        "/tile/0/..%2f..%2fkeys",
        "/tile/0/x000/001",
        "/tile/0/1",
        "/tile/0/0001",
        "/tile/64/000",
        "/tile/01/000",
        "/tile/0/000.p/0",
        "/tile/0/000.p/256",
        "/tile/0/000.p/",
        "/tile/entries/abc",
        "/tile/entries/000.p/1/extra",
        "/tile/",
    ],
)
def test_malformed_tile_paths_are_refused(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (400, 404), answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_unknown_routes_answer_a_not_found_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/events/not-an-id",
        "/v1/events?after=-1",
        "/v1/events?limit=0",
        "/v1/events?limit=abc",
        "/v1/proofs/consistency?from=2",
        "/v1/proofs/inclusion/" + "0" * 64 + "?size=0",
    ],
)
def test_invalid_parameters_answer_a_problem_not_a_server_error(
    client: TestClient, path: str
) -> None:
    answer = client.get(path)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["code"] in ("invalid_request", "not_found")
