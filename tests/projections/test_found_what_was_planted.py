"""On a simulated city, the projections find every planted pattern and flag nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.keyring import Keyring
from ledger.projections.service import Reports
from ledger.simulation import FLAG_RULES, CityConfig, simulate
from ledger.simulation.manifest import LAWFUL_KINDS
from tests.conftest import Clock, chartered_ledger

CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=3, months=6, groups=4)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def planted(
    shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Reports, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("planted")
    ledger = chartered_ledger(str(folder / "city.db"), shared_keyring, Clock(NOW))
    result = simulate(ledger, shared_keyring.directory, CITY, workers=2, batch_size=500)
    yield Reports(ledger), result.manifest
    ledger.close()


def patterns(manifest: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in manifest["patterns"] if p["kind"] == kind]


def test_every_planted_flag_is_raised_on_its_event_case_and_person(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    raised = {(f["rule"], f["subject_event"]): f for f in reports.flags()}
    wanted = patterns(manifest, "flag")
    assert {p["rule"] for p in wanted} == set(FLAG_RULES)
    for p in wanted:
        flag = raised.get((p["rule"], p["event_id"]))
        assert flag is not None, f"planted {p['rule']} on {p['event_id']} was not raised"
        assert (flag["case"], flag["person"]) == (p["case"], p["person"])


def test_no_flag_is_raised_that_the_manifest_did_not_plant(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    wanted = {(p["rule"], p["event_id"]) for p in patterns(manifest, "flag")}
    extra = [
        (f["rule"], f["case"])
        for f in reports.flags()
        if (f["rule"], f["subject_event"]) not in wanted
    ]
    assert extra == []


def test_lawful_cases_planted_where_a_careless_rule_would_flag_raise_no_flag(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    lawful = patterns(manifest, "lawful")
    assert {p["lawful"] for p in lawful} == set(LAWFUL_KINDS)
    flagged_cases = {f["case"] for f in reports.flags()}
    assert [p["lawful"] for p in lawful if p["case"] in flagged_cases] == []


def test_flag_status_matches_the_committee_inquiries_planted(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    flags = reports.flags()
    inquiries = patterns(manifest, "inquiry")
    assert inquiries
    for p in inquiries:
        about = [f for f in flags if f["subject_event"] == p["subject"] and f["rule"] == p["rule"]]
        assert [(f["status"], f["finding"]) for f in about] == [(p["status"], p["finding"])]


def test_favoured_group_unexplained_release_rate_ratio_is_above_one(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    (favoured,) = patterns(manifest, "favoured_group")
    rows = {r["group"]: r for r in reports.report("groups").rows}
    ratio = rows[favoured["group"]]["unexplained_release_rate_ratio"]
    assert ratio["suppressed"] is False and ratio["ci_low"] > 1
    for group, row in rows.items():
        if group != favoured["group"] and not row["unexplained_release_rate_ratio"]["suppressed"]:
            assert row["unexplained_release_rate_ratio"]["ci_low"] < 1 < ratio["ci_low"]
    tests = {t["metric"]: t for t in reports.report("groups").extra["tests"]}
    assert tests["unexplained_release"]["p_holm"] < 0.05


def test_retaliation_signal_names_the_transferred_officer(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    signals = {s["group"]: s for s in reports.report("officers").extra["retaliation_signals"]}
    for p in patterns(manifest, "retaliation_transfer"):
        signal = signals[p["group"]]
        assert p["officer"] in signal["officers"]
        assert {
            "officer": p["officer"],
            "arrest_event": p["arrest_event"],
            "transfer_event": p["transfer_event"],
        } in [
            {k: pair[k] for k in ("officer", "arrest_event", "transfer_event")}
            for pair in signal["pairs"]
        ]
    planted_groups = {p["group"] for p in patterns(manifest, "retaliation_transfer")}
    assert all(not s["officers"] for g, s in signals.items() if g not in planted_groups)


def test_broken_promises_are_reported_broken_and_only_those(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    outcomes = {r["trigger_event"]: r["outcome"] for r in reports.report("promises").rows}
    broken = {p["trigger_event"] for p in patterns(manifest, "broken_promise")}
    assert any(p["planted"] for p in patterns(manifest, "broken_promise"))
    assert {t: outcomes.get(t) for t in broken} == {t: "broken" for t in broken}
    assert {t for t, o in outcomes.items() if o == "broken"} == broken


def test_promises_pending_at_the_end_are_not_reported_broken(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    # The simulator calls a trigger pending when any consequence it planned (e.g. the
    # arrest of a second suspect) falls after the end; the ledger's definition needs
    # only the first arrest, so such a trigger may already be kept. Never broken.
    reports, manifest = planted
    outcomes = {r["trigger_event"]: r["outcome"] for r in reports.report("promises").rows}
    pending = [p["trigger_event"] for p in patterns(manifest, "pending_promise")]
    assert pending
    assert all(outcomes[t] in ("pending", "kept", "kept_late") for t in pending)
    assert "pending" in {outcomes[t] for t in pending}


def test_corrections_and_retractions_planted_are_honoured(
    planted: tuple[Reports, dict[str, Any]],
) -> None:
    reports, manifest = planted
    facts = reports.facts
    for p in patterns(manifest, "correction"):
        assert "original_data" in facts.events[p["original"]]
    for p in patterns(manifest, "retraction"):
        assert not facts.counts(p["original"])
