"""A larger city stays lawful: officers are moved from where they serve, the roster
grows with the city, and no reference is handed out twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.simulation import City, CityConfig, simulate
from ledger.simulation.city import AREAS
from ledger.simulation.story import DEADLINES
from ledger.verification.replay import verify_store
from tests.conftest import Clock, chartered_ledger

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RETALIATED_TWICE = CityConfig(start=datetime(2025, 1, 1, tzinfo=UTC), seed=1, months=3, scale=3)
"""A city in which the officer posted out for one retaliation used to be picked for another."""


def test_every_transfer_moves_the_officer_from_his_current_station_to_another() -> None:
    for config in (
        RETALIATED_TWICE,
        CityConfig(start=datetime(2025, 1, 1, tzinfo=UTC), seed=2, months=12, scale=4),
    ):
        serving: dict[str, str] = {}
        transfers = 0
        for p in City(config).drafts():
            if p.type == "officer.registered":
                serving[p.data["officer"]] = p.data["station"]
            elif p.type == "officer.transferred":
                transfers += 1
                officer = p.data["officer"]
                assert p.data["from_station"] == serving[officer], (config.scale, p.data)
                assert p.data["to_station"] != p.data["from_station"], (config.scale, p.data)
                serving[officer] = p.data["to_station"]
        assert transfers > 3


def test_an_officer_posted_out_of_the_city_arrests_nobody_after() -> None:
    city = City(CityConfig(start=datetime(2025, 1, 1, tzinfo=UTC), seed=2, months=12, scale=4))
    posted_out: set[str] = set()
    for p in city.drafts():
        if p.type == "officer.transferred" and not any(
            p.data["to_station"] in s for s in AREAS.values()
        ):
            posted_out.add(p.data["officer"])
        elif p.type == "arrest.made":
            assert p.data["officer"] not in posted_out, p.data["case"]
    assert posted_out


IDENTITY = {
    "officer.registered": "officer",
    "person.registered": "person",
    "arrest.made": "case",
    "shooting.reported": "incident",
    "warning.issued": "warning",
    "officer.transferred": "order_ref",
}


def test_the_roster_grows_with_the_city_and_every_reference_is_new() -> None:
    officers: dict[float, int] = {}
    for scale in (1, 6):
        city = City(CityConfig(start=datetime(2025, 1, 1, tzinfo=UTC), months=2, scale=scale))
        refs: Counter[tuple[str, str]] = Counter()
        keys: Counter[str] = Counter()
        for p in city.drafts():
            if p.key is not None:
                keys[p.key] += 1
            if p.type in IDENTITY:
                refs[(p.type, p.data[IDENTITY[p.type]])] += 1
        assert [k for k, n in keys.items() if n > 1] == []
        assert [r for r, n in refs.items() if n > 1] == []
        officers[scale] = sum(1 for t, _ in refs if t == "officer.registered")
    assert officers[6] >= 6 * officers[1]


def test_a_city_that_moved_one_officer_twice_is_recorded_through_the_signed_path(
    shared_keyring: Keyring, tmp_path: Path
) -> None:
    ledger: Ledger = chartered_ledger(str(tmp_path / "city.db"), shared_keyring, Clock(NOW))
    try:
        result = simulate(
            ledger, shared_keyring.directory, RETALIATED_TWICE, workers=2, batch_size=1000
        )
        assert result.events == ledger.size - 1 > 3000
        transfers = [p for p in result.manifest["patterns"] if p["kind"] == "retaliation_transfer"]
        assert len(transfers) >= 2
        assert len({p["officer"] for p in transfers}) == len(transfers)
        report = verify_store(ledger.store)
        assert report.ok, report.problems[:5]
    finally:
        ledger.close()


def test_a_missed_enforcement_is_named_broken_only_once_its_deadline_has_passed() -> None:
    city = City(CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=3, months=6, groups=4))
    shot_at = {
        p.data["incident"]: p.occurred or p.at
        for p in city.drafts()
        if p.type == "shooting.reported"
    }
    missed = [
        p
        for p in city.manifest.patterns
        if p["kind"] == "broken_promise" and p["causes"] == ["no_enforcement"]
    ]
    assert missed
    for p in missed:
        incident = p["trigger_event"].key.removeprefix("inc:")
        assert shot_at[incident] + timedelta(days=DEADLINES["enforcement_days"]) <= city.end, p[
            "description"
        ]
