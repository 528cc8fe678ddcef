"""Each fact counted once, under the right group, at a signed time, with open cases censored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.errors import LedgerError
from ledger.projections.analysis import Analysis
from ledger.projections.evaluation import CHECKPOINT, LATEST_EVENT, REQUESTED, choose
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.tidy import tidy_tables
from tests.projections.builders import CityLog, at


def city() -> CityLog:
    log = CityLog()
    log.group("lyari-wing")
    log.group("other-gang")
    log.person("P-1", "lyari-wing")
    log.person("P-2", "other-gang")
    return log


def analysis(log: CityLog, **evaluation: Any) -> Analysis:
    facts = log.facts()
    return Analysis(
        facts, len(log.statements), "00", choose(facts.as_of, **evaluation) if evaluation else None
    )


def row(a: Analysis, group: str) -> dict[str, Any]:
    return next(r for r in a.group_rows if r["group"] == group)


def test_a_shooting_covered_by_two_warnings_is_one_trigger_with_the_strictest_deadline() -> None:
    log = city()
    log.warning("W-1", ["lyari-wing"], arrest_hours=48)
    log.warning("W-2", ["lyari-wing", "other-gang"], arrest_hours=24)
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    log.tick(at(days=20))
    a = analysis(log)
    (t,) = a.triggers
    assert (t["group"], t["warnings"], t["arrest"]["deadline"]) == (
        "lyari-wing",
        ["W-1", "W-2"],
        at(days=11),
    )
    assert row(a, "lyari-wing")["triggers"] == 1
    warnings = {w["warning"]: w["triggers"] for w in a.report("promises").extra["warnings"]}
    assert warnings == {"W-1": 1, "W-2": 1}
    assert a.report("promises").extra["summary"]["triggers"] == 1


def test_an_attack_on_a_protected_group_counts_under_the_group_attacked_not_the_attackers() -> None:
    log = city()
    log.warning("W-1", ["lyari-wing"], attacks=True)
    log.shooting("INC-1", at(days=10), suspects=["P-2"], targets=["lyari-wing"])
    log.tick(at(days=30))
    a = analysis(log)
    (t,) = a.triggers
    assert (t["trigger"], t["groups"], t["outcome"]) == (
        "attack_on_group",
        ["lyari-wing"],
        "broken",
    )
    assert (row(a, "lyari-wing")["broken"], row(a, "lyari-wing")["protection_triggers"]) == (1, 1)
    assert (row(a, "other-gang")["triggers"], row(a, "other-gang")["broken"]) == (0, 0)
    detail = __import__("ledger.projections.analysis", fromlist=["group_detail"]).group_detail(
        a, "lyari-wing"
    )
    assert detail["protection"]["protected"] and detail["protection"]["broken"] == 1


def test_a_shooting_between_two_warned_groups_is_one_crackdown_and_one_protection_trigger() -> None:
    log = city()
    log.warning("W-1", ["lyari-wing", "other-gang"], attacks=True)
    log.shooting("INC-1", at(days=10), suspects=["P-2"], targets=["lyari-wing"])
    a = analysis(log)
    assert sorted((t["group"], t["trigger"]) for t in a.triggers) == [
        ("lyari-wing", "attack_on_group"),
        ("other-gang", "by_member"),
    ]


def test_a_quiet_ledger_breaks_a_promise_once_the_signed_time_passes_the_deadline() -> None:
    log = city()
    log.warning("W-1", ["lyari-wing"], arrest_hours=48)
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    assert analysis(log).triggers[0]["outcome"] == "pending"
    signed = datetime(2026, 3, 20, tzinfo=UTC)
    a = analysis(log, checkpoint_time=signed, checkpoint_size=9)
    assert (a.as_of, a.evaluation.source, a.triggers[0]["outcome"]) == (
        "2026-03-20T00:00:00Z",
        CHECKPOINT,
        "broken",
    )
    table = a.report("promises")
    assert (table.as_of, table.as_of_source) == ("2026-03-20T00:00:00Z", CHECKPOINT)


def test_a_checkpoint_without_a_time_falls_back_to_the_latest_event_and_says_so() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    evaluation = choose(log.facts().as_of, checkpoint_time=None)
    assert evaluation.source == LATEST_EVENT and "carries no signed time" in evaluation.explanation


def test_a_requested_time_is_used_and_one_before_the_latest_event_is_refused() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    assert choose(at(days=10), requested=at(days=40)).source == REQUESTED
    with pytest.raises(LedgerError, match="before the latest event"):
        choose(at(days=10), requested=at(days=1))
    with pytest.raises(LedgerError, match="UTC time"):
        choose(at(days=10), requested="yesterday")


def test_arrests_after_the_deadline_are_counted_late_not_on_time() -> None:
    log = city()
    log.warning("W-1", ["lyari-wing"], arrest_hours=48)
    for i, day in enumerate((1, 5)):
        log.shooting(f"INC-{i}", at(days=10 + 20 * i), suspects=["P-1"])
        log.arrest(f"FIR-{i}", "P-1", at(days=10 + 20 * i + day), incidents=[f"INC-{i}"])
    r = row(analysis(log), "lyari-wing")
    assert (
        r["arrest_on_time_rate"]["count"],
        r["arrest_on_time_rate"]["denominator"],
        r["arrests_late"],
    ) == (1, 2, 1)


def test_people_still_in_custody_are_pending_not_counted_as_kept() -> None:
    log = city()
    for i in range(6):
        log.person(f"M-{i}", "lyari-wing")
        log.arrest(f"FIR-{i}", f"M-{i}", at(days=1 + i))
    log.release("FIR-0", "M-0", at(days=3), "none")
    log.charge("FIR-1", "M-1", at(days=4))
    a = analysis(log)
    r = row(a, "lyari-wing")
    assert (
        r["release_rate"]["count"],
        r["release_rate"]["denominator"],
        r["release_rate"]["pending"],
    ) == (1, 1, 5)
    assert (
        r["unexplained_release_rate"]["count"],
        r["unexplained_release_rate"]["denominator"],
    ) == (1, 1)
    # charged: FIR-1; released uncharged: FIR-0; held uncharged: four pending
    assert (
        r["charge_rate"]["count"],
        r["charge_rate"]["denominator"],
        r["charge_rate"]["pending"],
    ) == (1, 2, 4)
    assert (r["time_to_charge"]["events"], r["time_to_charge"]["censored"]) == (1, 5)
    assert r["conviction_rate"]["pending"] == 6


def test_court_pace_counts_cases_still_waiting_as_censored() -> None:
    log = city()
    for i in range(5):
        log.person(f"M-{i}", "lyari-wing")
        log.arrest(f"FIR-{i}", f"M-{i}", at(days=1))
    log.charge("FIR-0", "M-0", at(days=2))
    (court,) = [r for r in analysis(log).report("court").rows if r["group"] == "lyari-wing"]
    stage = court["arrest_to_charge"]
    assert (stage["n"], stage["events"], stage["censored"], stage["median"]) == (5, 1, 4, None)


def test_a_release_with_an_explanation_but_no_committee_finding_is_not_shown_as_explained() -> None:
    log = city()
    log.arrest("FIR-1", "P-1", at(days=1))
    release = log.release("FIR-1", "P-1", at(days=2), "none")
    log.add(
        "explanation.given",
        "police",
        {"subject": release, "explanation": "x", "supporting_events": []},
        at(days=4),
    )
    a = analysis(log)
    flags = [f for f in a.flags if f.subject == release]
    assert flags and {f.status for f in flags} == {"explanation_given"}
    assert release in a.unexplained
    assert row(a, "lyari-wing")["unexplained_release_rate"]["count"] == 1


def officer_city(transfers: int) -> CityLog:
    log = city()
    for officer in ("OFF-1", "OFF-2"):
        log.officer(officer)
    for i in range(4):
        log.person(f"M-{i}", "lyari-wing")
        log.arrest(f"FIR-{i}", f"M-{i}", at(days=100 + i), officer="OFF-1")
    stations = ["Kalakot", "Lines"]
    for i in range(transfers):
        log.transfer("OFF-1", at(days=105 + i), stations[i % 2], stations[(i + 1) % 2])
    log.tick(at(days=200))
    return log


def test_one_transfer_after_several_arrests_is_one_transfer() -> None:
    signals = analysis(officer_city(1)).report("officers").extra["retaliation_signals"]
    (s,) = [r for r in signals if r["group"] == "lyari-wing"]
    assert (s["transfers"], s["transfers_after_arrests"]) == (1, 1)
    # base rate: OFF-1 exposed 33 of 200 days, OFF-2 never; 400 officer-days in all
    assert s["base_rate"] == pytest.approx(33 / 400, abs=1e-6)
    from scipy.stats import binomtest

    assert s["p_value"] == pytest.approx(
        binomtest(1, 1, 33 / 400, alternative="greater").pvalue, abs=1e-9
    )
    assert s["correction"] == "Holm"


def test_without_any_transfer_retaliation_is_not_testable_rather_than_no_signal() -> None:
    signals = analysis(officer_city(0)).report("officers").extra["retaliation_signals"]
    (s,) = [r for r in signals if r["group"] == "lyari-wing"]
    assert (s["testable"], s["p_value"], s["signal"]) == (False, None, False)
    assert s["test"] == "not testable: no transfer of an officer is recorded"


def test_every_report_runs_on_a_ledger_whose_only_shooting_is_recent_and_open() -> None:
    log = city()
    log.warning("W-1", ["lyari-wing", "other-gang"])
    log.shooting("INC-1", at(days=1), suspects=["P-1"])
    a = analysis(log)
    for name in REPORT_NAMES:
        for table in tidy_tables(a.report(name)):
            table.to_csv()
    tests = {t["metric"]: t for t in a.report("groups").extra["tests"]}
    assert tests["time_to_arrest"]["method"].startswith("not testable")
