"""The synthetic city goes through the real signed path, verifies, plants exactly
what its manifest says, and never leaks a sealed detail into the public log."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import LedgerError
from ledger.export_layout import export_ledger
from ledger.keyring import Keyring
from ledger.sealing import PAD_BUCKETS
from ledger.service import Ledger
from ledger.simulation import FLAG_RULES, City, CityConfig, SimulationResult, simulate
from ledger.verification.replay import verify_store
from tests.conftest import Clock, chartered_ledger

SMALL = CityConfig(start=datetime(2025, 12, 1, tzinfo=UTC), seed=6, months=3, scale=0.3)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RELEASE_RULES = {r for r in FLAG_RULES if r.startswith("release.")}


@pytest.fixture(scope="module")
def city(
    shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Ledger, SimulationResult, list[dict[str, Any]]]]:
    """A small city recorded on SQLite (two signing workers), and its exported public log."""
    folder = tmp_path_factory.mktemp("city")
    ledger = chartered_ledger(str(folder / "city.db"), shared_keyring, Clock(NOW))
    result = simulate(ledger, shared_keyring.directory, SMALL, workers=2, batch_size=300)
    ledger.sign_checkpoint()
    export_ledger(ledger, folder / "export")
    lines = (folder / "export" / "log.jsonl").read_text("utf-8").splitlines()
    yield ledger, result, [json.loads(line) for line in lines]
    ledger.close()


def test_simulated_city_is_recorded_and_verifies(
    city: tuple[Ledger, SimulationResult, list[Any]],
) -> None:
    ledger, result, log = city
    report = verify_store(ledger.store)
    assert report.ok, report.problems[:5]
    assert result.events == ledger.size - 1 == len(log) - 1
    assert 300 < result.events < 2000
    types = Counter(st["type"] for st in log)
    for kind in (
        "warning.issued",
        "shooting.reported",
        "arrest.made",
        "custody.produced",
        "release.recorded",
        "bail.granted",
        "hearing.held",
        "enforcement.action",
        "officer.transferred",
        "explanation.requested",
        "event.corrected",
        "event.retracted",
        "membership.withdrawn",
    ):
        assert types[kind] > 0, kind


def test_manifest_names_every_planted_pattern_with_events_in_the_log(
    city: tuple[Ledger, SimulationResult, list[dict[str, Any]]],
) -> None:
    ledger, result, log = city
    by_id = {_id(st): st for st in log}
    patterns = result.manifest["patterns"]
    kinds = {p["kind"] for p in patterns}
    assert {"favoured_group", "retaliation_transfer", "broken_promise", "flag"} <= kinds
    # a city this small has no room for every pattern: the six-month city of
    # tests/projections/test_found_what_was_planted.py plants them all
    assert {p["rule"] for p in patterns if p["kind"] == "flag"} <= set(FLAG_RULES)
    expected_type = {
        "event_id": None,
        "arrest_event": "arrest.made",
        "transfer_event": "officer.transferred",
        "trigger_event": "shooting.reported",
        "rearrest_event": "arrest.made",
        "subject": "release.recorded",
    }
    for p in patterns:
        for name, kind in expected_type.items():
            if name in p:
                assert p[name] in by_id, (p["kind"], name)
                if kind:
                    assert by_id[p[name]]["type"] == kind
        if p["kind"] == "flag":
            wanted = "release.recorded" if p["rule"] in RELEASE_RULES else "arrest.made"
            assert by_id[p["event_id"]]["type"] == wanted
            assert by_id[p["event_id"]]["data"]["case"] == p["case"] or p["rule"].endswith(
                "new_shooting"
            )
    transfer = next(p for p in patterns if p["kind"] == "retaliation_transfer")
    gap = _at(by_id[transfer["transfer_event"]]) - _at(by_id[transfer["arrest_event"]])
    assert timedelta(0) < gap <= timedelta(days=30)


def test_lawful_releases_rest_on_an_earlier_order_for_the_same_person_and_case(
    city: tuple[Ledger, SimulationResult, list[dict[str, Any]]],
) -> None:
    _, result, log = city
    by_id = {_id(st): st for st in log}
    flagged = {p["event_id"] for p in result.manifest["patterns"] if p["kind"] == "flag"}
    releases = [st for st in log if st["type"] == "release.recorded" and _id(st) not in flagged]
    assert releases
    for st in releases:
        data = st["data"]
        assert (
            data["legal_basis"] not in ("none", "on_instructions")
            and data["instructions_from"] is None
        )
        if data["order_event"] is not None:
            order = by_id[data["order_event"]]
            assert order["type"] in ("bail.granted", "court.order_issued", "verdict.delivered")
            assert (order["data"]["case"], order["data"]["person"]) == (
                data["case"],
                data["person"],
            )
            assert order["occurred_at"] <= st["occurred_at"]


def test_unplanted_arrests_are_produced_within_24_hours_and_remanded_at_most_15_days(
    city: tuple[Ledger, SimulationResult, list[dict[str, Any]]],
) -> None:
    _, result, log = city
    flagged = {p["case"] for p in result.manifest["patterns"] if p["kind"] in ("flag", "lawful")}
    arrests = {st["data"]["case"]: _at(st) for st in log if st["type"] == "arrest.made"}
    productions: dict[str, list[dict[str, Any]]] = {}
    for st in log:
        if st["type"] == "custody.produced":
            productions.setdefault(st["data"]["case"], []).append(st)
    for case, arrested in arrests.items():
        if case in flagged:
            continue
        produced = productions.get(case, [])
        assert produced, case
        assert _at(produced[0]) - arrested <= timedelta(hours=24), case
        police = [p for p in produced if p["data"].get("custody") != "judicial"]
        assert sum(p["data"]["remand_days"] for p in police) <= 15, case


def test_sealed_details_never_appear_in_the_public_log(
    city: tuple[Ledger, SimulationResult, list[dict[str, Any]]],
) -> None:
    _, result, log = city
    secrets = result.manifest["sealed_values"]
    assert len(secrets) > 100
    public = "\n".join(json.dumps(st, ensure_ascii=False) for st in log)
    assert [s for s in secrets if s in public] == []
    assert all(
        "sealed" in st for st in log if st["type"] in ("person.registered", "officer.registered")
    )
    lengths = Counter(
        len(base64.b64decode(st["sealed"]["ciphertext"])) - 16 for st in log if "sealed" in st
    )
    assert set(lengths) <= set(PAD_BUCKETS), (
        f"a sealed part's length is not a padding size: {lengths}"
    )
    named = {
        len(base64.b64decode(st["sealed"]["ciphertext"]))
        for st in log
        if st["type"] == "person.registered"
    }
    assert len(named) == 1, (
        "people's names of different lengths must not give sealed parts of different lengths"
    )


def test_same_seed_tells_the_same_story_and_another_seed_does_not() -> None:
    first = [p.describe() for p in City(SMALL).drafts()]
    again = [p.describe() for p in City(SMALL).drafts()]
    other = [p.describe() for p in City(CityConfig(**{**SMALL.__dict__, "seed": 7})).drafts()]
    assert first == again
    assert first != other


def test_favoured_group_is_released_without_basis_far_more_often() -> None:
    city = City(CityConfig(start=datetime(2025, 1, 1, tzinfo=UTC)))
    group_of: dict[str, str] = {}
    released: Counter[str] = Counter()
    unexplained: Counter[str] = Counter()
    for p in city.drafts():
        if p.type == "membership.asserted":
            group_of[p.data["person"]] = p.data["group"]
        elif p.type == "release.recorded":
            group = group_of[p.data["person"]]
            released[group] += 1
            unexplained[group] += p.data["legal_basis"] in ("none", "on_instructions")
    favoured = city.favoured
    others = [g for g in released if g != favoured]
    rate_favoured = unexplained[favoured] / released[favoured]
    rate_others = sum(unexplained[g] for g in others) / sum(released[g] for g in others)
    assert released[favoured] >= 30
    assert rate_favoured > 0.5 > 0.1 > rate_others


def test_a_city_that_would_end_in_the_future_is_refused(
    shared_keyring: Keyring, tmp_path: Path
) -> None:
    ledger = chartered_ledger(str(tmp_path / "l.db"), shared_keyring, Clock(NOW))
    late = CityConfig(start=NOW - timedelta(days=20), months=1)
    with pytest.raises(LedgerError, match="--start|after now"):
        simulate(ledger, shared_keyring.directory, late, workers=1)
    assert ledger.size == 1
    ledger.close()


def _id(statement: dict[str, Any]) -> str:
    from ledger.statements import parse_statement

    return parse_statement(statement).event_id


def _at(statement: dict[str, Any]) -> datetime:
    return datetime.strptime(statement["occurred_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
