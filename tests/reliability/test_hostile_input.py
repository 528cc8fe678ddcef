"""Hostile input: any bytes give one clear error type, never a crash, and the log never changes.

Property tests (hypothesis) drive the parsers with arbitrary and near-valid
input: canonical JSON, the statement envelope, signed notes, checkpoints and
tlog-proofs. Then the HTTP API is fed oversized, deeply nested, invalid UTF-8
bodies and traversal attempts in tile paths: each gets a 4xx problem+json and
the log's size and root stay the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.settings import Settings
from ledger.errors import MalformedStatement, ProofError
from ledger.keyring import Keyring
from ledger.log.checkpoint import Checkpoint
from ledger.log.note import parse_note
from ledger.log.proof_format import parse_proof
from ledger.service import Ledger
from ledger.statements import canonical_json, parse_statement_json
from tests.conftest import Clock
from tests.reliability.conftest import FaultLog

FEW = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(max_size=20)
    | st.floats(-(2.0**53) + 1, 2.0**53 - 1, allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def examples_of(check: Callable[..., None], *strategies: st.SearchStrategy[Any]) -> int:
    """Run ``check`` as a hypothesis property; return how many examples it was given."""
    seen = [0]

    @FEW
    @given(st.tuples(*strategies))
    def run(args: tuple[Any, ...]) -> None:
        seen[0] += 1
        check(*args)

    run()
    return seen[0]


def round_trips(value: Any) -> None:
    encoded = canonical_json(value)
    assert canonical_json(json.loads(encoded)) == encoded
    assert encoded == rfc8785.dumps(value)


def same_for_any_key_order(obj: dict[str, Any], rng: Any) -> None:
    items = list(obj.items())
    rng.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(obj)


def test_canonical_json_round_trips_and_ignores_key_order(faults: FaultLog) -> None:
    n = examples_of(round_trips, json_values)
    n += examples_of(
        same_for_any_key_order,
        st.dictionaries(st.text(max_size=8), json_values, max_size=6),
        st.randoms(use_true_random=False),
    )
    faults.record(
        "arbitrary JSON values canonicalised (RFC 8785), keys shuffled",
        "none (parsers)",
        n,
        "canonical bytes re-canonicalise to themselves, equal rfc8785's, ignore key order",
    )


def a_statement() -> dict[str, Any]:
    return {
        "v": 1,
        "ledger": "example.org/log",
        "type": "group.registered",
        "recorder": "police",
        "key_id": "0011223344556677",
        "occurred_at": "2026-03-01T10:00:00Z",
        "recorded_at": "2026-03-01T10:00:00Z",
        "data": {},
        "refs": [],
        "signature": "A" * 86 + "==",
    }


@pytest.mark.parametrize(
    "raw",
    [
        b'{"v": 1' + b"0" * 5000 + b"}",
        json.dumps({**a_statement(), "data": {"n": 2**53 + 1}}).encode(),
        json.dumps({**a_statement(), "data": {"n": "x"}}).encode().replace(b'"x"', b"1e400"),
        b"[" * 100_000,
    ],
    ids=["5000-digit-integer", "unsafe-integer", "float-overflow", "deep-nesting"],
)
def test_number_and_nesting_extremes_give_only_malformed_statement(raw: bytes) -> None:
    with pytest.raises(MalformedStatement):
        parse_statement_json(raw)


def only_malformed_statement(raw: bytes | str) -> None:
    try:
        statement = parse_statement_json(raw)
    except MalformedStatement as exc:
        assert exc.message
        return
    assert len(statement.event_id) == 64  # it parsed: then it is a whole statement


def with_a_field_replaced(name: str, value: Any) -> None:
    only_malformed_statement(json.dumps({**a_statement(), name: value}))


def test_any_input_as_a_statement_gives_only_malformed_statement(faults: FaultLog) -> None:
    n = examples_of(only_malformed_statement, st.binary(max_size=300))
    n += examples_of(with_a_field_replaced, st.sampled_from(sorted(a_statement())), json_values)
    faults.record(
        "arbitrary bytes, and statements with one field replaced by any JSON, parsed",
        "none (parsers)",
        n,
        "only MalformedStatement (with a message) or a whole statement; never another error",
    )


NOTE = "example.org/log\n5\n" + "A" * 43 + "=\n\n— example.org/log " + "B" * 96 + "\n"
PARSERS: tuple[Callable[[str], Any], ...] = (parse_note, Checkpoint.parse, parse_proof)


def only_proof_error(text: str) -> None:
    for parse in PARSERS:
        try:
            parse(text)
        except ProofError as exc:
            assert exc.message


def mutated(position: int, char: str, delete: bool) -> None:
    note = NOTE[:position] + ("" if delete else char) + NOTE[position + 1 :]
    only_proof_error(note)
    only_proof_error("c2sp.org/tlog-proof@v1\nindex 3\n" + "C" * 43 + "=\n\n" + note)


def test_any_text_as_a_note_checkpoint_or_proof_gives_only_proof_error(faults: FaultLog) -> None:
    assert parse_note(NOTE).text.endswith("\n")  # the unmutated note is valid
    n = examples_of(only_proof_error, st.text(max_size=300))
    n += examples_of(mutated, st.integers(0, len(NOTE) - 1), st.characters(), st.booleans())
    faults.record(
        "arbitrary and mutated signed notes, checkpoints and tlog-proofs parsed",
        "none (parsers)",
        n,
        "only ProofError (with a message); never another error",
    )


# --- through the API ------------------------------------------------------------
JSON = {"content-type": "application/json"}


@pytest.fixture
def client(ledger: Ledger, keyring: Keyring, clock: Clock) -> Any:
    app = create_app(Settings(db=ledger.store.url, keys_dir=keyring.directory, clock=clock))
    with TestClient(app) as test_client:
        yield test_client


def state(ledger: Ledger) -> tuple[int, bytes]:
    ledger.refresh()
    return ledger.size, ledger.root()


HOSTILE_POSTS = {
    "oversized": b'{"v": 1, "data": "' + b"x" * (2 * 1024 * 1024) + b'"}',
    "nested-20000": b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    "nested-arrays": b"[" * 100_000,
    "invalid-utf8": b'{"v": 1, "type": "\xc3\x28"}',
    "overlong-utf8": b'{"v": 1, "type": "\xc0\xaf"}',
    "lone-surrogate": b'{"v": 1, "type": "\\ud800"}',
    "nul-bytes": b"\x00" * 64,
}


@pytest.mark.postgres
def test_hostile_posts_get_a_4xx_problem_and_store_nothing(
    client: TestClient, ledger: Ledger, faults: FaultLog, backend_name: str
) -> None:
    before = state(ledger)
    for name, body in HOSTILE_POSTS.items():
        answer = client.post("/v1/events", content=body, headers=JSON)
        assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"] == "application/problem+json", name
        assert answer.json()["code"], name
    assert state(ledger) == before
    faults.record(
        "hostile POST bodies (oversized, 20k-deep nesting, invalid UTF-8, NUL bytes)",
        backend_name,
        len(HOSTILE_POSTS),
        "4xx problem+json each; size and root unchanged",
    )


def test_a_5000_digit_number_gets_a_problem_not_a_server_error(
    client: TestClient, ledger: Ledger
) -> None:
    before = state(ledger)
    answer = client.post("/v1/events", content=b'{"v": 1' + b"0" * 5000 + b"}", headers=JSON)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.json()["code"] == "malformed_statement"
    assert state(ledger) == before


TILE_PATHS = [
    "/tile/../../etc/passwd",
    "/tile/%2e%2e/%2e%2e/etc/passwd",
    "/tile/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/tile/entries/..%2f..%2fkeys%2flog.key",
    "/tile/0/x999/x999/x999/x999/x999/x999/x999/999",
    "/tile/0/" + "x001/" * 500 + "000",
    "/tile/99999999999999999999/000",
    "/tile/0/000.p/99999999999999999999",
    "/tile/entries/000.p/-1",
    "/tile/0/%00",
]


@pytest.mark.postgres
def test_traversal_and_absurd_tile_paths_are_refused_with_a_problem(
    client: TestClient, ledger: Ledger, faults: FaultLog, backend_name: str
) -> None:
    before = state(ledger)
    for path in TILE_PATHS:
        answer = client.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert answer.headers["content-type"] == "application/problem+json", path
        assert b"PRIVATE KEY" not in answer.content and b"root:" not in answer.content
    assert state(ledger) == before
    faults.record(
        "path traversal and absurd N in tile paths",
        backend_name,
        len(TILE_PATHS),
        "400/404 problem+json each; no file content served; log unchanged",
    )
