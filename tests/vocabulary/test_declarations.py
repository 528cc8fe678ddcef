"""The vocabulary as declared: examples, the JSON Schema, the docs, hostile text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema_rs
import pytest

from ledger.vocabulary import load_all
from ledger.vocabulary.base import VOCABULARY
from ledger.vocabulary.schema import vocabulary_json_schema
from tests.vocabulary.conftest import Scene

ROOT = Path(__file__).resolve().parents[2]
GOVERNANCE = {"ledger.chartered", "key.registered", "key.revoked", "head.appointed", "head.removed"}
load_all()
CONTRACT_TYPES = sorted(set(VOCABULARY) - GOVERNANCE)


@pytest.mark.parametrize("name", CONTRACT_TYPES)
def test_every_type_has_an_example_that_validates(name: str) -> None:
    spec = VOCABULARY[name]
    assert spec.example, f"{name} declares no example"
    spec.validate(spec.example)
    if spec.sealed_required:
        assert spec.example_sealed, f"{name} must show what is sealed"
    assert spec.handler.__doc__, f"{name}'s handler must document its rules"


def test_the_json_schema_is_valid_and_lists_every_type() -> None:
    schema = vocabulary_json_schema()
    assert jsonschema_rs.meta.is_valid(schema)
    json.dumps(schema)
    assert set(schema["x-event-types"]) == set(VOCABULARY)
    assert set(schema["properties"]["type"]["enum"]) == set(VOCABULARY)


@pytest.mark.parametrize("name", CONTRACT_TYPES)
def test_every_example_statement_matches_the_json_schema(scene: Scene, name: str) -> None:
    validator = jsonschema_rs.Draft202012Validator(vocabulary_json_schema())
    draft = scene.draft(name, sealed=VOCABULARY[name].example_sealed)
    statement = scene.sign(draft).to_dict()
    assert validator.is_valid(statement), list(validator.iter_errors(statement))[:1]
    assert not validator.is_valid({**statement, "data": {**statement["data"], "extra": 1}})


def test_the_committed_events_md_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate_events_md.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


HOSTILE = [
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "'; DROP TABLE ledger_leaves; --",
    "\u202eevil\u202c \u200fمقتول\u200f \u200b",
    "🔫💥🕊️ family of 👨‍👩‍👧 grieves",
    "ل" * 4000,
    'line\nbreak\ttab \\ backslash "quote" \u0000 nul',
]


@pytest.mark.parametrize("text", HOSTILE, ids=["html", "sql", "rtl", "emoji", "4000", "control"])
def test_hostile_text_is_stored_faithfully(city: Scene, text: str) -> None:
    event_id = city.record("shooting.reported", incident="INC-H", description=text)
    stored = json.loads(city.leaf(event_id))
    assert stored["data"]["description"] == text
    city.ledger.store.evict_all()
    assert json.loads(city.leaf(event_id))["data"]["description"] == text


def test_text_over_4000_characters_is_refused(city: Scene) -> None:
    err = city.refuse("shooting.reported", incident="INC-L", description="x" * 4001)
    assert err.field == "data.description"


def test_the_named_areas_are_the_areas_load_all_imports() -> None:
    """``AREAS`` orders the documentation; ``load_all`` imports the modules: they must agree."""
    from ledger.vocabulary import AREAS

    load_all()
    assert sorted(AREAS) == sorted({spec.area for spec in VOCABULARY.values()})
