"""Parameters: a malformed id is explained in words, an unknown filter or parameter is refused.

A refusal names the parameter and says what a valid value looks like, never a
regular expression; an enumerated filter's refusal lists the values it takes;
a query parameter the address does not take is refused instead of being
ignored, so a misspelt filter cannot pass for a filter that matched nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.audit import FlagStatus
from api.schemas import FORMS
from ledger.keyring import Keyring
from ledger.projections.flagging import RULES
from ledger.projections.report_names import REPORT_NAMES
from tests.api.conftest import api_settings, key_registration, small_ledger
from tests.conftest import Clock, Recorder

REGEX_SIGNS = ("^", "$", "[", "]{", "\\d", "{64}", "{0,63}")


@dataclass
class Served:
    client: TestClient
    event_id: str
    """An event in the log."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, shared_keyring: Keyring) -> Iterator[Served]:
    """One app over a small chartered SQLite ledger with a checkpoint."""
    root = tmp_path_factory.mktemp("parameters")
    clock = Clock()
    db = str(root / "ledger.db")
    (event_id,) = small_ledger(db, shared_keyring, clock, statements=1)
    with TestClient(create_app(api_settings(db, shared_keyring, clock))) as client:
        yield Served(client, event_id)


def problem_of(answer: Any, status: int, code: str, field: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert (problem["code"], problem["field"]) == (code, field), problem
    return problem


# --- ids in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "words"),
    [
        ("/v1/events/NOT-AN-ID", "event_id", FORMS["event_id"].sentence),
        ("/v1/events/" + "A" * 64, "event_id", FORMS["event_id"].sentence),
        ("/v1/proofs/inclusion/" + "a" * 63, "event_id", FORMS["event_id"].sentence),
        ("/v1/proofs/inclusion/xyz.tlog-proof", "event_id", FORMS["event_id"].sentence),
        ("/v1/cases/-FIR-1/history", "case", FORMS["case"].sentence),
        ("/v1/cases/" + "F" * 65 + "/history", "case", FORMS["case"].sentence),
        ("/v1/persons/P%201/history", "person", FORMS["person"].sentence),
        ("/v1/reports/groups?as_of=1%20March", "as_of", FORMS["as_of"].sentence),
        ("/tile/0/1", "tile_path", "a tile index is 3-digit path elements like x001/x234/067"),
        ("/tile/99/000", "tile_path", "a tile level is a decimal 0..63"),
    ],
)
def test_a_malformed_id_is_refused_in_words_naming_the_parameter(
    served: Served, path: str, field: str, words: str
) -> None:
    problem = problem_of(served.client.get(path), 400, problem_code(path), field)
    assert f"'{field}'" in problem["detail"] and words in problem["detail"], problem["detail"]
    assert not any(sign in problem["detail"] for sign in REGEX_SIGNS), problem["detail"]


def problem_code(path: str) -> str:
    return "malformed_tile_path" if path.startswith("/tile/") else "invalid_request"


def test_ids_of_the_right_form_are_looked_up_not_refused(served: Served) -> None:
    event_id = served.event_id
    assert served.client.get(f"/v1/events/{event_id}").status_code == 200
    assert served.client.get(f"/v1/proofs/inclusion/{event_id}").status_code == 200
    assert served.client.get(f"/v1/proofs/inclusion/{event_id}.tlog-proof").status_code == 200
    assert served.client.get("/v1/events/" + "a" * 64).json()["code"] == "not_found"
    for path in ("/v1/cases/FIR-1:a.b_c/history", "/v1/persons/P-1/history"):
        assert served.client.get(path).status_code in (200, 404), path
    assert served.client.get("/v1/reports/groups?as_of=2026-03-02T00:00:00Z").status_code == 200
    assert served.client.get("/tile/0/000.p/2").status_code == 200


def patterned_parameters(schema: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(path, parameter, pattern, description) of every parameter with a pattern."""
    found = []
    for path, methods in schema["paths"].items():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                options = [parameter["schema"], *parameter["schema"].get("anyOf", [])]
                for option in options:
                    if "pattern" in option:
                        found.append(
                            (path, parameter["name"], option["pattern"], parameter["description"])
                        )
    return found


def test_every_parameter_with_a_pattern_is_described_in_words(served: Served) -> None:
    found = patterned_parameters(served.client.get("/openapi.json").json())
    assert {name for _, name, _, _ in found} == set(FORMS)
    for path, name, pattern, description in found:
        assert FORMS[name].pattern == pattern, (path, name)
        assert FORMS[name].sentence in description, (path, name)


def test_the_pattern_scan_finds_a_parameter_without_words() -> None:
    schema = {
        "paths": {
            "/x/{code}": {
                "get": {
                    "parameters": [
                        {"name": "code", "schema": {"pattern": "^[A-Z]{3}$"}, "description": ""}
                    ]
                }
            }
        }
    }
    assert [name for _, name, _, _ in patterned_parameters(schema)] == ["code"]


# --- enumerated filters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "allowed"),
    [
        ("/v1/audit/flags?rule=release.no_bassis", "rule", list(RULES)),
        ("/v1/audit/flags?rule=release", "rule", list(RULES)),
        ("/v1/audit/flags?status=closed", "status", list(get_args(FlagStatus))),
        ("/v1/audit/flags?status=open&rule=custody.past_48h", "rule", list(RULES)),
        ("/v1/reports/statistics", "name", list(REPORT_NAMES)),
    ],
)
def test_an_unknown_filter_value_is_refused_with_the_values_it_takes(
    served: Served, path: str, field: str, allowed: list[str]
) -> None:
    problem = problem_of(served.client.get(path), 400, "invalid_request", field)
    assert problem["allowed"] == allowed
    assert problem["detail"].endswith("it takes: " + ", ".join(allowed)), problem["detail"]


def test_every_known_filter_value_is_answered(served: Served) -> None:
    for rule in RULES:
        answer = served.client.get("/v1/audit/flags", params={"rule": rule})
        assert answer.status_code == 200 and answer.json()["flags"] == [], rule
    for status in get_args(FlagStatus):
        assert served.client.get("/v1/audit/flags", params={"status": status}).status_code == 200
    for name in REPORT_NAMES:
        assert served.client.get(f"/v1/reports/{name}").status_code == 200


def test_the_openapi_document_declares_the_filters_values(served: Served) -> None:
    schema = served.client.get("/openapi.json").json()

    def values(path: str, name: str) -> list[str]:
        (parameter,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        options = [parameter["schema"], *parameter["schema"].get("anyOf", [])]
        for option in options:
            if "$ref" in option:
                option = schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
            if "enum" in option:
                return list(option["enum"])
        raise AssertionError(f"{path} {name} declares no enum")

    assert values("/v1/audit/flags", "rule") == list(RULES)
    assert values("/v1/audit/flags", "status") == list(get_args(FlagStatus))
    assert values("/v1/reports/{name}", "name") == list(REPORT_NAMES)


# --- unknown query parameters ------------------------------------------------------------


def example_path(path: str, event_id: str) -> str:
    """``path`` with a valid value for each path parameter."""
    values = {
        "{event_id}": event_id,
        "{case}": "FIR-1",
        "{person}": "P-1",
        "{name}": "groups",
        "{tile_path}": "0/000.p/2",
        "{key_id}": "0" * 16,
        "{table}": "groups-derived-from",
    }
    for placeholder, value in values.items():
        path = path.replace(placeholder, value)
    assert "{" not in path, path
    return path


def test_every_address_refuses_a_query_parameter_it_does_not_take(served: Served) -> None:
    schema = served.client.get("/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            takes = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            url = example_path(path, served.event_id)  # type: ignore[attr-defined]
            answer = served.client.request(method, url, params={"rulez": "release.no_basis"})
            problem = problem_of(answer, 400, "unknown_parameter", "rulez")
            assert problem["allowed"] == takes, (method, path)
            assert all(name in problem["detail"] for name in takes), problem["detail"]
            checked += 1
    assert checked == sum(len(methods) for methods in schema["paths"].values()) > 10


def test_the_parameters_an_address_takes_are_not_refused(served: Served) -> None:
    event_id = served.event_id
    for path, params in (
        ("/v1/events", {"after": 0, "limit": 1}),
        (f"/v1/proofs/inclusion/{event_id}", {"size": 2}),
        ("/v1/proofs/consistency", {"from": 1, "to": 2}),
        ("/v1/audit/flags", {"status": "open", "rule": "release.no_basis"}),
        ("/v1/reports/custody", {"as_of": "2026-03-02T00:00:00Z"}),
        ("/v1/reports/groups/tables", {"as_of": "2026-03-02T00:00:00Z"}),
        ("/v1/reports/groups/tables/groups-tests", {"offset": 1, "limit": 2}),
    ):
        answer = served.client.get(path, params=params)
        assert answer.status_code == 200, (path, answer.text)


def test_a_misspelt_filter_is_refused_before_anything_is_recorded(
    served: Served, shared_keyring: Keyring
) -> None:
    before = served.client.get("/v1/events").json()["tree_size"]
    statement = key_registration(Recorder(shared_keyring, Clock()), "spelled wrong")
    answer = served.client.post("/v1/events?wait_for_checkpont=true", json=statement.to_dict())
    problem = problem_of(answer, 400, "unknown_parameter", "wait_for_checkpont")
    assert problem["allowed"] == ["wait_for_checkpoint"]
    assert served.client.get("/v1/events").json()["tree_size"] == before
