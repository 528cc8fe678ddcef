"""The signed statement: the one envelope every event in the ledger travels in.

A statement is a JSON object with exactly these members::

    v            1 (format version)
    ledger       the log's origin, so a statement cannot be replayed into another ledger
    type         the event type, e.g. "arrest.made" (the vocabulary is the contract)
    recorder     id of the institution making the statement
    key_id       id of the recorder's signing key (derived from the public key)
    occurred_at  when the fact happened (RFC 3339, UTC, "Z")
    recorded_at  when the recorder signed it (RFC 3339, UTC, "Z")
    data         public data, typed per event type
    sealed       optional: personal details encrypted to the court and committee
    refs         ids of earlier events this one refers to (may be empty)
    signature    Ed25519 signature (base64) over the RFC 8785 canonical JSON
                 of every other member

The event id is the SHA-256 (hex) of that same canonical body, so it is derived
from content: the same statement always has the same id and cannot be recorded
twice. The Merkle leaf is the canonical JSON of the whole statement, signature
included.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto import b64decode, key_id, sign
from ledger.errors import MalformedStatement

FORMAT_VERSION = 1
BODY_FIELDS = (
    "v",
    "ledger",
    "type",
    "recorder",
    "key_id",
    "occurred_at",
    "recorded_at",
    "data",
    "sealed",
    "refs",
)
REQUIRED_FIELDS = (*(name for name in BODY_FIELDS if name != "sealed"), "signature")
"""The members every signed statement holds, in the envelope's order (only ``sealed`` may be absent)."""
ALL_FIELDS = frozenset(BODY_FIELDS) | {"signature"}
MAX_STATEMENT_BYTES = 64 * 1024


_SAFE_INTEGER = 2**53


def _plain(value: Any) -> bool:
    """True when Python's own JSON encoder already writes RFC 8785 form.

    That holds for strings, booleans, null, integers of magnitude below 2**53
    and lists and objects of them whose keys are ASCII (so that sorting by code
    point equals RFC 8785's sorting by UTF-16 code unit). Numbers with a
    fraction or exponent need the ECMAScript number form and go the long way.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INTEGER < value < _SAFE_INTEGER)
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes.

    Statements are almost always "plain" JSON (see ``_plain``), for which the C
    encoder gives the same bytes as a full RFC 8785 implementation several
    times faster; anything else is canonicalised by ``rfc8785``. A property
    test holds the two to the same output.
    """
    if _plain(obj):
        try:
            return json.dumps(
                obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 reports it
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedStatement(f"cannot canonicalise: {exc}") from exc


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a trailing Z and whole seconds: the only form accepted."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times in the ledger are always UTC")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_TIME_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def parse_time(text: Any, *, field: str) -> datetime:
    if not isinstance(text, str) or not _TIME_SHAPE.match(text):
        raise MalformedStatement(
            f"expected a UTC time like 2026-03-01T10:00:00Z, got {text!r}", field=field
        )
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise MalformedStatement(f"not a valid time: {text!r}", field=field) from exc


def event_id_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def event_id_of_leaf(leaf: bytes) -> str:
    """The event id of a Merkle leaf, without parsing it: SHA-256 of the leaf minus its signature.

    The leaf is RFC 8785 canonical JSON whose top-level ``signature`` member is
    the last one before ``type`` and ``v`` (see ``Statement.leaf_bytes``);
    removing it leaves the canonical body the id is the hash of. The site reads
    every leaf's id this way, for its id shards, at the cost of one hash each.
    """
    return hashlib.sha256(body_of_leaf(leaf)).hexdigest()


def body_of_leaf(leaf: bytes) -> bytes:
    """The canonical body of a Merkle leaf (the bytes its signature signs): the leaf
    minus its top-level ``signature`` member (see ``event_id_of_leaf``)."""
    cut = leaf.rfind(b',"signature":"')
    end = leaf.index(b'"', cut + len(b',"signature":"'))
    return leaf[:cut] + leaf[end + 1 :]


def _check_id_list(value: Any, *, field: str) -> list[str]:
    if not isinstance(value, list):
        raise MalformedStatement("expected a list of event ids", field=field)
    for i, item in enumerate(value):
        if not isinstance(item, str) or len(item) != 64 or not _is_lower_hex(item):
            raise MalformedStatement(
                "expected a 64-character lowercase hex event id", field=f"{field}[{i}]"
            )
    if len(set(value)) != len(value):
        raise MalformedStatement("the same event is referred to twice", field=field)
    return value


def _is_lower_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True)
class Statement:
    """A parsed, shape-checked statement. Its signature is *not* yet verified."""

    body: dict[str, Any]
    signature: str
    event_id: str
    signed_bytes: bytes = field(repr=False)
    occurred: datetime = field(repr=False, compare=False)
    recorded: datetime = field(repr=False, compare=False)

    @property
    def type(self) -> str:
        return str(self.body["type"])

    @property
    def recorder(self) -> str:
        return str(self.body["recorder"])

    @property
    def key_id(self) -> str:
        return str(self.body["key_id"])

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.body["data"])

    @property
    def sealed(self) -> dict[str, Any] | None:
        sealed = self.body.get("sealed")
        return dict(sealed) if sealed is not None else None

    @property
    def refs(self) -> list[str]:
        return list(self.body["refs"])

    @property
    def occurred_at(self) -> datetime:
        return self.occurred

    @property
    def recorded_at(self) -> datetime:
        return self.recorded

    def to_dict(self) -> dict[str, Any]:
        return {**self.body, "signature": self.signature}

    def leaf_bytes(self) -> bytes:
        """The Merkle leaf: canonical JSON of the whole signed statement.

        Equal to ``canonical_json(self.to_dict())`` but built from the already
        canonical body: in RFC 8785 member order the top-level ``signature``
        sorts just before ``type`` and ``v``, which always close the body.
        """
        cut = self.signed_bytes.rfind(b',"type":"')
        return b"".join(
            (
                self.signed_bytes[:cut],
                b',"signature":"',
                self.signature.encode("ascii"),
                b'"',
                self.signed_bytes[cut:],
            )
        )


def parse_statement(obj: Any) -> Statement:
    """Check the envelope's shape and compute the content id.

    Raises MalformedStatement naming the field at fault. Event-type-specific
    fields are checked later by the vocabulary.
    """
    if not isinstance(obj, dict):
        raise MalformedStatement("a statement must be a JSON object")
    missing = sorted(set(REQUIRED_FIELDS) - obj.keys())
    if missing:
        raise MalformedStatement("missing required field", field=missing[0])
    extra = sorted(obj.keys() - ALL_FIELDS)
    if extra:
        raise MalformedStatement("unknown field in statement envelope", field=extra[0])
    if obj["v"] != FORMAT_VERSION or isinstance(obj["v"], bool):
        raise MalformedStatement(f"unsupported format version {obj['v']!r}", field="v")
    for name in ("ledger", "type", "recorder", "key_id", "signature"):
        if not isinstance(obj[name], str) or not obj[name]:
            raise MalformedStatement("expected a non-empty string", field=name)
    occurred = parse_time(obj["occurred_at"], field="occurred_at")
    recorded = parse_time(obj["recorded_at"], field="recorded_at")
    if not isinstance(obj["data"], dict):
        raise MalformedStatement("expected an object", field="data")
    if "sealed" in obj and not isinstance(obj["sealed"], dict):
        raise MalformedStatement("expected an object (a sealed envelope)", field="sealed")
    _check_id_list(obj["refs"], field="refs")
    b64decode(obj["signature"], field="signature", length=64)
    body = {k: obj[k] for k in BODY_FIELDS if k in obj}
    signed = canonical_json(body)
    return Statement(
        body=body,
        signature=obj["signature"],
        event_id=hashlib.sha256(signed).hexdigest(),
        signed_bytes=signed,
        occurred=occurred,
        recorded=recorded,
    )


def parse_statement_json(text: str | bytes) -> Statement:
    """Parse one statement from JSON text, refusing oversize or invalid input."""
    if len(text) > MAX_STATEMENT_BYTES:
        raise MalformedStatement(
            f"statement is {len(text)} bytes; the limit is {MAX_STATEMENT_BYTES}"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedStatement(f"not valid UTF-8: {exc.reason} at byte {exc.start}") from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedStatement(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise MalformedStatement("invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise MalformedStatement(f"invalid JSON: {exc}") from exc
    return parse_statement(obj)


@dataclass
class Draft:
    """An unsigned statement, ready to be signed by a recorder's key."""

    type: str
    recorder: str
    occurred_at: str
    data: dict[str, Any]
    refs: list[str] = field(default_factory=list)
    sealed: dict[str, Any] | None = None
    recorded_at: str | None = None

    def sign(self, *, ledger: str, key: Ed25519PrivateKey, now: datetime) -> Statement:
        body: dict[str, Any] = {
            "v": FORMAT_VERSION,
            "ledger": ledger,
            "type": self.type,
            "recorder": self.recorder,
            "key_id": key_id(key.public_key()),
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at or format_time(now),
            "data": self.data,
            "refs": list(self.refs),
        }
        if self.sealed is not None:
            body["sealed"] = self.sealed
        signed = canonical_json(body)
        return parse_statement({**body, "signature": sign(key, signed)})
