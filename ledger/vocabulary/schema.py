"""One machine-readable JSON Schema (draft 2020-12) of the whole vocabulary.

It describes the signed statement envelope and, per event type, the schema of
its public ``data`` (generated from the same pydantic models the ledger
validates with, so it cannot drift), who may record it and what must be
sealed. Tools in any language can validate a statement before signing it;
``ledger schema`` prints this document.

The per-type facts the ledger enforces beyond JSON Schema (roles, sealed
parts, lifecycle rules) are given under ``x-event-types``.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from ledger.statements import FORMAT_VERSION, REQUIRED_FIELDS
from ledger.vocabulary import load_all
from ledger.vocabulary.base import VOCABULARY, EventSpec

SCHEMA_ID = "https://ceasefire-ledger.example/schema/statement.json"
_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"}
_EVENT_ID = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _envelope(types: list[str]) -> dict[str, Any]:
    return {
        "v": {"const": FORMAT_VERSION},
        "ledger": {"type": "string", "minLength": 1, "description": "The log's origin"},
        "type": {"enum": types},
        "recorder": {"type": "string", "minLength": 1, "description": "Institution id"},
        "key_id": {"type": "string", "minLength": 1},
        "occurred_at": {**_TIME, "description": "When the fact happened (UTC)"},
        "recorded_at": {**_TIME, "description": "When the recorder signed (UTC)"},
        "data": {"type": "object"},
        "sealed": {
            "type": "object",
            "description": "Personal details encrypted to the court and the committee",
        },
        "refs": {"type": "array", "items": _EVENT_ID, "uniqueItems": True},
        "signature": {"type": "string", "description": "Ed25519 over RFC 8785 JSON, base64"},
    }


def _type_facts(spec: EventSpec, ref: str) -> dict[str, Any]:
    return {
        "area": spec.area,
        "summary": spec.summary,
        "roles": sorted(spec.roles),
        "sealed_fields": list(spec.sealed_fields),
        "sealed_required": spec.sealed_required,
        "rules": " ".join((spec.handler.__doc__ or "").split()),
        "data": {"$ref": ref},
    }


def vocabulary_json_schema() -> dict[str, Any]:
    """The statement envelope and every event type's data, as one 2020-12 document."""
    load_all()
    specs = sorted(VOCABULARY.values(), key=lambda s: s.name)
    refs, defs = models_json_schema(
        [(spec.data, "validation") for spec in specs], ref_template="#/$defs/{model}"
    )
    ref_of = {spec.name: refs[(spec.data, "validation")]["$ref"] for spec in specs}
    per_type: list[dict[str, Any]] = []
    for spec in specs:
        then: dict[str, Any] = {"properties": {"data": {"$ref": ref_of[spec.name]}}}
        if spec.sealed_required:
            then["required"] = ["sealed"]
        per_type.append({"if": {"properties": {"type": {"const": spec.name}}}, "then": then})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Ceasefire Ledger signed statement",
        "description": __doc__,
        "type": "object",
        "properties": _envelope([s.name for s in specs]),
        "required": list(REQUIRED_FIELDS),
        "additionalProperties": False,
        "allOf": per_type,
        "$defs": defs.get("$defs", {}),
        "x-event-types": {spec.name: _type_facts(spec, ref_of[spec.name]) for spec in specs},
    }
