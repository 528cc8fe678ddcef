"""The custody clock: production within the policy's limit (s.61), total remand (s.167)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledger.projections.analysis import Analysis
from ledger.projections.custody import Counted, Held, current_holdings, holdings_at
from ledger.projections.facts import HOUR, seconds
from ledger.projections.reuse import shared
from ledger.statements import format_time
from tests.projections.builders import CityLog, at


def custody_rules(log: CityLog) -> list[tuple[str, str]]:
    return [
        (f.rule, f.subject)
        for f in Analysis(log.facts(), 1, "00").flags
        if f.rule.startswith("custody.")
    ]


def test_production_within_24_hours_raises_no_custody_flag() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=23), remand_days=7)
    log.tick(at(days=5))
    assert custody_rules(log) == []


def test_held_past_24_hours_without_production_is_flagged_on_the_arrest() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.tick(at(hours=24))
    assert custody_rules(log) == []  # exactly at the limit: not past it
    log.tick(at(hours=25))
    assert custody_rules(log) == [("custody.past_24h", arrest)]


def test_late_production_is_still_flagged() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=30))
    assert custody_rules(log) == [("custody.past_24h", arrest)]


def test_the_limit_comes_from_the_charter_policy() -> None:
    log = CityLog(custody_limit_hours=48)
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=30))
    assert custody_rules(log) == []


def test_release_within_the_limit_is_not_a_custody_flag() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.release("FIR-1", "P-1", at(hours=5), "s169_bond")
    log.tick(at(days=3))
    assert custody_rules(log) == []


def test_total_remand_over_15_days_is_flagged_once() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=8)
    log.produce("FIR-1", "P-1", at(days=8), remand_days=7)
    assert custody_rules(log) == []  # 15 days: at the limit
    crossing = log.produce("FIR-1", "P-1", at(days=15), remand_days=3)
    log.produce("FIR-1", "P-1", at(days=18), remand_days=3)
    flags = [
        f for f in Analysis(log.facts(), 1, "00").flags if f.rule == "custody.remand_over_15_days"
    ]
    assert [
        (f.subject, f.evidence["crossed_by"], f.evidence["remand_days_total"]) for f in flags
    ] == [(arrest, crossing, 18)]


def test_current_holdings_list_only_people_still_in_custody() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.arrest("FIR-2", "P-2", at(hours=0))
    log.produce("FIR-2", "P-2", at(hours=5))
    log.release("FIR-2", "P-2", at(hours=6), "s169_bond")
    log.tick(at(hours=30))
    facts = log.facts()
    rows = current_holdings(facts, Analysis(facts, 1, "00").files)
    assert [(r["case"], r["hours_in_custody"], r["past_limit_unproduced"]) for r in rows] == [
        ("FIR-1", 30.0, True)
    ]


def test_journey_time_recorded_at_production_is_excluded_from_the_24_hours() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=27), remand_days=3, journey_minutes=240)
    assert custody_rules(log) == []


def test_journey_time_shorter_than_the_delay_does_not_excuse_late_production() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=27), remand_days=3, journey_minutes=120)
    assert custody_rules(log) == [("custody.past_24h", arrest)]


def test_held_by_police_after_the_remand_expired_is_flagged() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=3)
    log.tick(at(days=4, hours=10))  # 3 days of remand + 24 hours: at the limit
    assert custody_rules(log) == []
    log.tick(at(days=4, hours=11))
    assert custody_rules(log) == [("custody.held_past_remand", arrest)]


def test_held_by_police_after_remand_was_refused_is_flagged() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=0)
    log.release("FIR-1", "P-1", at(days=3), "s169_bond")
    rules = [
        f for f in Analysis(log.facts(), 1, "00").flags if f.rule == "custody.held_past_remand"
    ]
    assert [(f.subject, f.evidence["remand"]) for f in rules] == [(arrest, "refused")]


def test_produced_again_before_the_remand_expired_is_not_flagged() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=3)
    log.produce("FIR-1", "P-1", at(days=3), remand_days=10, custody="judicial")
    log.tick(at(days=40))
    assert custody_rules(log) == []


def test_judicial_custody_does_not_count_toward_the_15_days_of_police_remand() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=10)
    log.produce("FIR-1", "P-1", at(days=10), remand_days=14, custody="judicial")
    assert custody_rules(log) == []


def test_judicial_remand_over_15_days_at_a_time_is_flagged() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=16, custody="judicial")
    assert custody_rules(log) == [("custody.remand_order_too_long", arrest)]


def test_anti_terrorism_case_remanded_for_30_days_is_not_flagged() -> None:
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0), anti_terrorism_act=True)
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=30)
    log.produce("FIR-1", "P-1", at(days=30), remand_days=14, custody="judicial")
    assert custody_rules(log) == []


def test_ordinary_case_remanded_for_30_days_is_flagged() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=30)
    log.produce("FIR-1", "P-1", at(days=30), remand_days=14, custody="judicial")
    assert custody_rules(log) == [("custody.remand_over_15_days", arrest)]


def test_anti_terrorism_remand_over_30_days_at_once_is_flagged() -> None:
    log = CityLog()
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.charge("FIR-1", "P-1", at(hours=5), charges=["PPC 302", "ATA 7"])
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=31)
    log.tick(at(days=31))
    assert custody_rules(log) == [("custody.remand_order_too_long", arrest)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400 * 86400), st.booleans()), min_size=1, max_size=30),
    st.integers(0, 400 * 86400),
)
@example([(180, False), (540, True), (86400 + 180, False), (0, False)], 0)
def test_hours_in_custody_over_arrays_are_the_hours_each_row_gives(
    arrests: list[tuple[int, bool]], later: int
) -> None:
    """Each person held is counted to the latest event as ``round(hours, 1)`` of that row's
    own subtraction and division would count them, and is past the limit unproduced exactly
    when those hours are above it."""
    start = 1_767_225_600  # 2026-01-01T00:00:00Z
    as_of = format_time(datetime.fromtimestamp(start + 400 * 86400 + later, UTC))
    held = [
        Held(
            shared({"hours_in_custody": None, "produced": produced, "past_limit_unproduced": None}),
            float(start + offset),
        )
        for offset, produced in arrests
    ]
    rows = holdings_at(held, as_of, 24.0)
    for spell, row in zip(held, rows, strict=True):
        hours = (seconds(as_of) - spell.since) / HOUR
        assert row["hours_in_custody"] == round(hours, 1)
        assert row["past_limit_unproduced"] == (not spell.row["produced"] and hours > 24.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40 * 86400), st.booleans()), min_size=1, max_size=30),
    st.integers(0, 3 * 86400),
    st.integers(0, 3600),
)
def test_holdings_counted_again_from_the_time_before_are_counted_anew(
    arrests: list[tuple[int, bool]], first: int, moved: int
) -> None:
    """Counted from the count at an earlier time, every row is the row a count from nothing
    gives; a row whose hours and flag stayed is the very row counted before."""
    start = 1_767_225_600  # 2026-01-01T00:00:00Z
    held = [
        Held(
            shared({"hours_in_custody": None, "produced": produced, "past_limit_unproduced": None}),
            float(start + offset),
        )
        for offset, produced in arrests
    ]
    earlier, later = (
        format_time(datetime.fromtimestamp(start + 40 * 86400 + t, UTC))
        for t in (first, first + moved)
    )
    before = Counted.of(held, earlier, 24.0)
    again = Counted.of(held, later, 24.0, before)
    assert again.rows == Counted.of(held, later, 24.0).rows
    for old, new in zip(before.rows, again.rows, strict=True):
        assert (new is old) == (new == old)
