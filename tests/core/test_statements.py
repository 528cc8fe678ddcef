"""The signed statement envelope: canonical form, content ids, strict parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto import b64decode, raw_public_key, verify_raw
from ledger.errors import MalformedStatement
from ledger.statements import (
    Draft,
    canonical_json,
    event_id_of_leaf,
    parse_statement,
    parse_statement_json,
)

KEY = Ed25519PrivateKey.from_private_bytes(b"k" * 32)
NOW = datetime(2026, 3, 1, tzinfo=UTC)

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def signed(data: dict[str, Any], **extra: Any) -> Any:
    draft = Draft(
        type="group.registered",
        recorder="police",
        occurred_at="2026-03-01T00:00:00Z",
        data=data,
        **extra,
    )
    return draft.sign(ledger="test.example/log", key=KEY, now=NOW)


@settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_leaf_is_the_canonical_json_of_the_whole_signed_statement(data: dict[str, Any]) -> None:
    statement = signed(data)
    assert statement.leaf_bytes() == canonical_json(statement.to_dict())


@settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_a_leafs_content_id_is_read_without_parsing_it(data: dict[str, Any]) -> None:
    statement = signed({**data, "signature": "a nested member of the same name"})
    assert event_id_of_leaf(statement.leaf_bytes()) == statement.event_id


@settings(max_examples=100, deadline=None)
@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_content_id_does_not_depend_on_member_order_or_whitespace(data: dict[str, Any]) -> None:
    statement = signed(data)
    shuffled = json.dumps(dict(reversed(list(statement.to_dict().items()))), indent=3)
    assert parse_statement_json(shuffled).event_id == statement.event_id


def test_signature_covers_the_canonical_body() -> None:
    statement = signed({"group": "lyari-youth-front"})
    assert verify_raw(
        raw_public_key(KEY.public_key()), statement.signed_bytes, b64decode(statement.signature)
    )
    tampered = dict(statement.to_dict(), data={"group": "other"})
    reparsed = parse_statement(tampered)
    assert not verify_raw(
        raw_public_key(KEY.public_key()), reparsed.signed_bytes, b64decode(statement.signature)
    )
    assert reparsed.event_id != statement.event_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("type"), "type"),
        (lambda d: d.pop("signature"), "signature"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.update(occurred_at="2026-03-01 00:00"), "occurred_at"),
        (lambda d: d.update(recorded_at="2026-02-30T00:00:00Z"), "recorded_at"),
        (lambda d: d.update(data=[1]), "data"),
        (lambda d: d.update(refs=["abc"]), "refs[0]"),
        (lambda d: d.update(refs=["a" * 64, "a" * 64]), "refs"),
        (lambda d: d.update(signature="not base64!"), "signature"),
        (lambda d: d.update(v=2), "v"),
        (lambda d: d.update(recorder=""), "recorder"),
    ],
)
def test_malformed_envelope_is_refused_naming_the_field(change: Any, field: str) -> None:
    obj = signed({"group": "g"}).to_dict()
    change(obj)
    with pytest.raises(MalformedStatement) as info:
        parse_statement(obj)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (b"{not json", "invalid JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "limit"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"[]", "a statement must be a JSON object"),
    ],
)
def test_unparseable_input_is_refused_with_a_clear_message(text: bytes, fragment: str) -> None:
    with pytest.raises(MalformedStatement) as info:
        parse_statement_json(text)
    assert fragment in str(info.value)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), json_values.map(json.dumps)))
def test_arbitrary_input_raises_only_malformed_statement(data: Any) -> None:
    try:
        parse_statement_json(data)
    except MalformedStatement:
        pass


unicode_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
any_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**60), 2**60),
        unicode_text,
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(unicode_text, children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=400, deadline=None)
@given(value=any_json)
def test_canonical_json_is_byte_for_byte_rfc8785(value: Any) -> None:
    import rfc8785

    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        with pytest.raises(MalformedStatement):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
