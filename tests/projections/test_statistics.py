"""Statistics against known values, and small numbers shown honestly."""

from __future__ import annotations

import csv
import io
import math
from functools import partial
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.projections.statistics import (
    compare_rates,
    holm,
    kaplan_meier,
    km_median,
    logrank,
    rate,
    rate_ratio,
    wilson,
)
from ledger.projections.tables import ReportTable, cell_text
from ledger.projections.tidy import tidy_table


def test_wilson_interval_for_3_of_10_matches_the_published_value() -> None:
    low, high = wilson(3, 10)
    assert low == pytest.approx(0.1078, abs=1e-4)
    assert high == pytest.approx(0.6032, abs=1e-4)


def test_holm_adjustment_of_a_known_vector() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_kaplan_meier_on_the_freireich_6mp_arm() -> None:
    # Gehan (1965) / Freireich 6-MP arm; + marks censoring. Textbook KM values below.
    times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    events = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    curve = {p["time"]: p["survival"] for p in kaplan_meier(times, [bool(e) for e in events])}
    expected = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in expected.items():
        assert curve[t] == pytest.approx(s, abs=1e-3)


def test_katz_rate_ratio_interval() -> None:
    rr = rate_ratio(10, 50, 5, 100)
    assert (rr["ratio"], rr["corrected"]) == (4.0, False)
    assert rr["ci_low"] == pytest.approx(1.4446, abs=1e-3)
    assert rr["ci_high"] == pytest.approx(11.076, abs=1e-2)


def test_rate_ratio_with_a_zero_count_uses_the_documented_correction() -> None:
    rr = rate_ratio(0, 10, 5, 100)
    assert rr["corrected"] is True
    assert rr["ratio"] == pytest.approx((0.5 / 11) / (5.5 / 101))
    assert rr["ci_low"] < rr["ratio"] < rr["ci_high"]


def test_rate_below_five_is_suppressed_with_its_count_shown() -> None:
    cell = rate(3, 4)
    assert cell == {
        "count": 3,
        "denominator": 4,
        "suppressed": True,
        "rate": None,
        "ci_low": None,
        "ci_high": None,
    }
    assert cell_text(cell) == "suppressed (3/4)"
    table = ReportTable("groups", 1, "00", "t", [], [{"group": "a", "kept_rate": cell}])
    row = next(csv.DictReader(io.StringIO(tidy_table(table).to_csv())))
    assert [
        row[f"kept_rate_{part}"] for part in ("count", "denominator", "rate", "suppressed")
    ] == [
        "3",
        "4",
        "",
        "yes",
    ]
    assert "%" not in tidy_table(table).to_csv()


def test_rate_at_five_is_shown_with_its_interval() -> None:
    cell = rate(3, 5)
    assert (cell["suppressed"], cell["rate"]) == (False, 0.6)
    assert cell["ci_low"] < 0.6 < cell["ci_high"]


def _freeman_halton_by_hand(counts: list[tuple[int, int]]) -> float:
    """Sum of the hypergeometric probabilities of every table no more probable than the observed one."""
    from itertools import product

    from scipy.stats import multivariate_hypergeom

    sizes = [n for _, n in counts]
    successes = sum(k for k, _ in counts)
    observed = multivariate_hypergeom.pmf([k for k, _ in counts], sizes, successes)
    total = 0.0
    for cells in product(*(range(n + 1) for n in sizes)):
        if sum(cells) == successes:
            p = multivariate_hypergeom.pmf(list(cells), sizes, successes)
            if p <= observed * (1 + 1e-7):
                total += p
    return float(total)


def test_three_small_groups_use_the_freeman_halton_exact_test() -> None:
    counts = [(4, 5), (0, 5), (1, 5)]
    result = compare_rates(counts)
    assert result["method"].startswith("Freeman-Halton exact test")
    assert result["p_value"] == pytest.approx(_freeman_halton_by_hand(counts), abs=1e-9)


def test_large_counts_still_get_an_exact_test_when_the_tables_can_be_enumerated() -> None:
    result = compare_rates([(30, 100), (50, 100), (45, 100)])
    assert result["method"].startswith("Freeman-Halton exact test")
    assert result["p_value"] < 0.05


def test_two_groups_always_use_fisher_even_at_an_expected_count_of_exactly_five() -> None:
    # margins 10/10 and 10/10: every expected count is exactly 5.0
    result = compare_rates([(7, 10), (3, 10)])
    assert result["method"].startswith("Fisher exact")
    from scipy.stats import fisher_exact

    assert result["p_value"] == pytest.approx(fisher_exact([[7, 3], [3, 7]]).pvalue, abs=1e-12)


def test_tables_too_large_to_enumerate_with_large_expected_counts_use_pearson() -> None:
    counts = [(300 + 10 * i, 1000) for i in range(8)]
    result = compare_rates(counts)
    assert result["method"].startswith("Pearson chi-square (7 df")


def test_tables_too_large_to_enumerate_with_small_expected_counts_use_a_reproducible_monte_carlo() -> (
    None
):
    counts = [
        (30, 500),
        (10, 400),
        (40, 300),
        (0, 600),
        (3, 450),
        (1, 200),
        (50, 300),
        (2, 100),
        (1, 3),
    ]
    first, second = compare_rates(counts), compare_rates(counts)
    assert (
        first["method"].startswith("Monte Carlo Freeman-Halton")
        and "floor 1e-05" in first["method"]
    )
    assert first == second
    assert first["p_value"] == pytest.approx(1e-5)


def test_no_variation_or_one_group_is_not_testable() -> None:
    assert compare_rates([(0, 5), (0, 7)])["method"].startswith("not testable: no variation")
    assert (
        compare_rates([(3, 5), (0, 0)])["method"] == "not testable: fewer than two groups with data"
    )
    assert compare_rates([(3, 5), (0, 0)])["p_value"] is None


def test_log_rank_on_degenerate_data_is_not_testable_instead_of_crashing() -> None:
    # all arrests tied
    tied = logrank([5, 5, 5, 5], [True] * 4, ["a", "a", "b", "b"])
    assert tied["p_value"] is None and tied["method"].startswith("not testable")
    # every case still open
    open_ = logrank([1, 2, 3], [False] * 3, ["a", "b", "b"])
    assert open_["reason"] == "no event yet: every case is still open (censored)"
    # a group whose only case is recent and open: it carries no information and is left out
    recent = logrank(
        [10, 20, 30, 40, 1], [True, True, True, False, False], ["a", "a", "b", "b", "c"]
    )
    assert recent["testable"] and "left out" in recent["method"]


def test_p_values_are_never_printed_as_zero() -> None:
    from ledger.projections.statistics import format_p

    assert format_p(0.0) == "< 1e-12"
    assert format_p(3e-13) == "< 1e-12"
    assert format_p(2.5e-5) == "2.50e-05"
    assert format_p(0.04321) == "0.043"
    assert format_p(None) == "not testable"


def test_log_rank_separates_clearly_different_groups() -> None:
    durations = [1, 2, 3, 4, 5, 6, 40, 50, 60, 70, 80, 90]
    observed = [True] * 12
    groups = ["a"] * 6 + ["b"] * 6
    result = logrank(durations, observed, groups)
    assert result["method"].startswith("log-rank")
    assert result["p_value"] < 0.01


def _informative_by_definition(t: list[float], e: list[bool], g: list[str]) -> list[str]:
    """Every group at risk at an event time with some variance, found time by time."""
    found: set[str] = set()
    for time in sorted({d for d, o in zip(t, e, strict=True) if o}):
        at_risk = [i for i, d in enumerate(t) if d >= time]
        deaths = sum(1 for i in at_risk if t[i] == time and e[i])
        present = {g[i] for i in at_risk}
        if len(at_risk) > 1 and deaths < len(at_risk) and len(present) >= 2:
            found |= present
    return sorted(found)


def test_groups_left_out_of_the_log_rank_are_those_the_definition_leaves_out() -> None:
    import random

    import numpy as np

    from ledger.projections.statistics import _informative_groups

    rng = random.Random(3)
    left_out_seen = 0
    for _ in range(400):
        n = rng.randint(1, 12)
        t = [float(rng.randint(0, 6)) for _ in range(n)]
        e = [rng.random() < 0.6 for _ in range(n)]
        g = [rng.choice("abcd") for _ in range(n)]
        expected = _informative_by_definition(t, e, g)
        got = _informative_groups(np.asarray(t), np.asarray(e, dtype=int), np.asarray(g))
        assert got == expected, (t, e, g)
        left_out_seen += 0 < len(expected) < len(set(g))
    assert left_out_seen > 10


def test_results_kept_by_their_inputs_equal_results_computed_anew_and_no_caller_changes_them() -> (
    None
):
    """A test's result is copied for each caller; a curve's rows are handed out as kept,
    read-only (a caller that tries to change one is refused), in a list of the caller's own."""
    from ledger.projections import statistics

    durations = [1.0, 2.0, 2.0, 3.5, 4.0, 7.0, 9.0, 12.0]
    observed = [True, True, False, True, False, True, True, False]
    others = [not o for o in observed]
    groups = ["a", "b"] * 4
    asked: list[tuple[Any, tuple[Any, ...], Any]] = [
        (compare_rates, ([(3, 10), (7, 10), (5, 12)],), statistics._compare_rates),
        (kaplan_meier, (durations, observed), statistics._kaplan_meier),
        (kaplan_meier, (durations, others), statistics._kaplan_meier),
        (logrank, (durations, observed, groups), _logrank_anew),
        (logrank, (durations, others, groups), _logrank_anew),
        (km_median, (durations, observed), statistics._km_median),
        (km_median, (durations, others), statistics._km_median),
    ]
    for memo in statistics.MEMOS:
        memo.clear()
    before = sum(memo.computed for memo in statistics.MEMOS)
    for function, args, anew in asked:
        first = function(*args)
        if isinstance(first, dict):
            first["p_value"] = -1.0
        elif isinstance(first, list):
            with pytest.raises(TypeError, match="cannot be changed"):
                first[0]["survival"] = -1.0
            first.clear()
        assert function(*args) == anew(*args), function.__name__
    assert sum(memo.computed for memo in statistics.MEMOS) - before == len(asked)


def _logrank_anew(
    durations: list[float], observed: list[bool], groups: list[str]
) -> dict[str, Any]:
    """The log-rank test computed anew, each group given by its place among the labels."""
    from ledger.projections import statistics

    labels = sorted(set(groups))
    codes = np.array([labels.index(g) for g in groups], dtype=np.intp)
    return statistics._logrank(np.array(durations), np.array(observed), codes, labels)


def _median_by_loop(durations: list[float], observed: list[bool]) -> float | None:
    """The Kaplan–Meier median as the plain loop computes it: the product over the distinct
    times in order, the first time with events at which it is at or below one half."""
    pairs = sorted(zip(durations, observed, strict=True))
    at_risk, value, i = len(pairs), 1.0, 0
    while i < len(pairs):
        t, events, leaving = pairs[i][0], 0, 0
        while i < len(pairs) and pairs[i][0] == t:
            events += int(pairs[i][1])
            leaving += 1
            i += 1
        if events:
            value *= 1 - events / at_risk
            if value <= 0.5 + 1e-9:
                return float(t)
        at_risk -= leaving
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0, 7.0, 11.0]), st.booleans()),
        max_size=40,
    )
)
def test_the_median_equals_the_plain_loop_exactly(pairs: list[tuple[float, bool]]) -> None:
    """Ties, censoring at event times, no event at all and the empty group: the same float
    or the same None as the loop, compared exactly."""
    from ledger.projections import statistics

    durations = [d for d, _ in pairs]
    observed = [o for _, o in pairs]
    assert statistics._km_median(durations, observed) == _median_by_loop(durations, observed)


def test_the_median_falls_where_the_product_reaches_one_half_exactly() -> None:
    """Two of four at time 1 make the product exactly one half: the median is 1; one of
    three at 1 leaves two thirds, and the next event (1 of 2) takes it to one third."""
    from ledger.projections import statistics

    assert statistics._km_median([1.0, 1.0, 2.0, 3.0], [True, True, False, False]) == 1.0
    assert statistics._km_median([1.0, 2.0, 3.0], [True, True, False]) == 2.0
    assert statistics._km_median([1.0, 2.0], [False, False]) is None


def test_a_memo_drops_the_least_recently_used_past_its_limit() -> None:
    from ledger.projections.statistics import Memo

    memo: Memo[int] = Memo(4, lambda value: value)
    for key in ("a", "b", "a", "c"):
        assert memo.get(key, 2, partial(ord, key)) == ord(key)
    assert memo.computed == 3
    memo.get("a", 2, lambda: 0)
    assert memo.computed == 3
    memo.get("b", 2, lambda: ord("b"))
    assert memo.computed == 4


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=-5 * 86_400, max_value=800 * 86_400), max_size=60),
    st.integers(min_value=1_700_000_000, max_value=1_800_000_000),
    st.sampled_from([(86_400.0, 6), (3_600.0, 4)]),
)
def test_durations_counted_to_the_time_judged_at_are_python_s_rounding_exactly(
    ago: list[int], judged: int, unit_places: tuple[float, int]
) -> None:
    """A duration still running is counted to the time judged at over arrays
    (``equality.rounded_since``); each is the float ``round(max(0, judged - start) / unit,
    places)`` gives in Python, including the halves (27 seconds is 0.0003125 days) and the
    starts after the time judged at."""
    import numpy as np

    from ledger.projections.equality import rounded_since

    unit, places = unit_places
    ticks = [27 * k for k in range(1, 40)] + [5 * 36 * k for k in range(1, 40)]
    starts = [float(judged - a) for a in ago + ticks]
    got = rounded_since(np.array(starts), float(judged), unit, places).tolist()
    assert got == [round(max(0.0, judged - s) / unit, places) for s in starts]


def test_durations_over_arrays_find_the_halves_python_rounds_to_even() -> None:
    """The halves themselves: a naive ``rint(x * 1e6) / 1e6`` differs from Python's
    ``round`` on some of them, so the check above could fail."""
    import numpy as np

    from ledger.projections.equality import rounded_since

    judged = 1_780_000_000.0
    starts = np.array([judged - 27 * k for k in range(1, 2_000)])
    x = (judged - starts) / 86_400.0
    expected = [round(v, 6) for v in x.tolist()]
    naive = (np.rint(x * 1e6) / 1e6).tolist()
    assert naive != expected
    assert rounded_since(starts, judged, 86_400.0, 6).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 10_000), st.floats(0, 1e4, allow_nan=False)),
            st.integers(1_700_000_000, 1_800_000_000),
            st.booleans(),
        ),
        max_size=40,
    ),
    st.integers(1_700_000_000, 1_800_000_000),
    st.booleans(),
)
def test_a_column_of_durations_gives_each_record_s_duration_and_event(
    drawn: list[tuple[float | None, int, bool]], judged: int, known_is_event: bool
) -> None:
    """A time-to-event column (``equality.Column.over``), made in numpy's passes, gives
    each record its own duration, or counted to the time judged at while it runs, and
    its event: its own flag, or whether its duration is known."""
    from ledger.projections.equality import Column

    records = tuple({"d": d, "s": float(s), "e": e} for d, s, e in drawn)
    column = Column.over(records, "d", "s", None if known_is_event else "e", 3_600.0, 4)
    assert column.at(float(judged)).tolist() == [
        round(max(0.0, judged - r["s"]) / 3_600.0, 4) if r["d"] is None else float(r["d"])
        for r in records
    ]
    assert column.observed.tolist() == [
        r["d"] is not None if known_is_event else r["e"] for r in records
    ]
    assert column.running.tolist() == [i for i, r in enumerate(records) if r["d"] is None]


def _exposure_by_clipping(lo: float, hi: float, arrests: list[float]) -> float:
    """An officer's time in the 30 days after each arrest, the windows clipped to the
    observed period ``[lo, hi]`` first and then merged: the sum as the signals first
    computed it, at every time judged at."""
    from ledger.projections.officers import WINDOW_DAYS, _merge

    window = WINDOW_DAYS * 86_400.0
    clipped = [(max(lo, at), min(hi, at + window)) for at in arrests]
    return sum(b - a for a, b in _merge([c for c in clipped if c[1] > c[0]]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=400 * 86_400), max_size=30),
    st.integers(min_value=0, max_value=500 * 86_400),
    st.integers(min_value=0, max_value=20 * 86_400),
)
def test_exposure_kept_apart_from_the_time_equals_clipping_at_each_time(
    offsets: list[int], judged_offset: int, before: int
) -> None:
    """The windows merged once and summed in order (``officers._Exposure``), then cut at
    the end of the observed period, give the very float that clipping every window at that
    time and merging gives: windows that touch, overlap, end at the time judged at, start
    after it or before the officer was observed."""
    from ledger.projections.officers import _Exposure

    base = 1_750_000_000.0
    lo = base + before
    arrests = [base + o for o in offsets] + [base + o + 30 * 86_400 for o in offsets[:3]]
    found = [(at, f"e{i}") for i, at in enumerate(arrests)]
    exposure = _Exposure.of(lo, found)
    for hi in (max(lo, base + judged_offset), lo, *(at for at in arrests if at >= lo)):
        assert exposure.to(hi) == _exposure_by_clipping(lo, hi, arrests)


def _interval_by_math(survival: float, greenwood: float) -> tuple[float, float]:
    """The exponential Greenwood interval of one estimate, computed by ``math``."""
    from ledger.projections.statistics import Z95

    if survival >= 1.0:
        return 1.0, 1.0
    if survival <= 0.0:
        return 0.0, 0.0
    log_s = math.log(survival)
    spread = Z95 * math.sqrt(greenwood) / log_s
    centre = math.log(-log_s)
    return math.exp(-math.exp(centre - spread)), math.exp(-math.exp(centre + spread))


def _kaplan_meier_by_loop(durations: list[float], observed: list[bool]) -> list[dict[str, Any]]:
    """The Kaplan–Meier curve as the plain loop over the sorted pairs computes it."""
    from ledger.projections.statistics import _intervals

    pairs = sorted(zip(durations, observed, strict=True))
    at_risk, survival, greenwood, out, i = len(pairs), 1.0, 0.0, [], 0
    while i < len(pairs):
        t, events, censored = pairs[i][0], 0, 0
        while i < len(pairs) and pairs[i][0] == t:
            events, censored = events + int(pairs[i][1]), censored + int(not pairs[i][1])
            i += 1
        if events:
            survival *= 1 - events / at_risk
            if events < at_risk:
                greenwood += events / (at_risk * (at_risk - events))
        lows, highs = _intervals(np.array([survival]), np.array([greenwood]))
        low, high = float(lows[0]), float(highs[0])
        assert (low, high) == pytest.approx(_interval_by_math(survival, greenwood), rel=1e-12)
        out.append(
            {
                "time": round(float(t), 6),
                "at_risk": at_risk,
                "events": events,
                "censored": censored,
                "survival": round(survival, 6),
                "ci_low": round(low, 6),
                "ci_high": round(high, 6),
            }
        )
        at_risk -= events + censored
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0, 7.0, 11.0]),
                st.floats(min_value=0, max_value=10_000, allow_nan=False),
            ),
            st.booleans(),
        ),
        max_size=60,
    )
)
def test_the_curve_equals_the_plain_loop_exactly(pairs: list[tuple[float, bool]]) -> None:
    """Ties, censoring at event times, everyone having the event, no event at all and the
    empty group: every row the same, float for float, as the loop's."""
    from ledger.projections import statistics

    durations = [d for d, _ in pairs]
    observed = [o for _, o in pairs]
    assert statistics._kaplan_meier(durations, observed) == _kaplan_meier_by_loop(
        durations, observed
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0, 7.0, 11.0]),
            st.booleans(),
            st.sampled_from([0.0, 0.0, 0.25, 0.5, 1.0, 4.0]),
        ),
        max_size=60,
    )
)
def test_a_curve_made_from_the_earlier_one_is_the_curve_made_anew(
    records: list[tuple[float, bool, float]],
) -> None:
    """The time judged at moves: each open record's duration grows (some by nothing). The
    curve that takes the rows that stayed the same from the earlier curve equals the plain
    loop's, float for float, and each row whose values an earlier row holds is that row."""
    from ledger.projections import statistics

    observed = [o for _, o, _ in records]
    earlier = statistics._kaplan_meier([d for d, _, _ in records], observed)
    durations = [d if o else d + grown for d, o, grown in records]
    later = statistics._kaplan_meier(durations, observed, like=earlier)
    assert later == _kaplan_meier_by_loop(durations, observed)
    rows_alone = statistics.Curve(list(earlier))  # no values beside them: nothing is taken
    assert statistics._kaplan_meier(durations, observed, like=rows_alone) == later
    before = {repr(sorted(row.items())): row for row in earlier}
    for row in later:
        same = before.get(repr(sorted(row.items())))
        assert same is None or row is same


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0, 7.0, 11.0]),
            st.sampled_from(["closed", "event", "open"]),
            st.sampled_from(["a", "b", "c", "d"]),
        ),
        max_size=60,
    ),
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 4.0, 9.0]), min_size=1, max_size=4),
    st.sampled_from([1, 2, 3, 2048]),
    st.sampled_from([0, 1, 256]),
    st.sampled_from(["a", "b", "e"]),
)
def test_the_log_rank_test_of_open_records_at_each_time_is_the_test_computed_anew(
    records: list[tuple[float, str, str]],
    moves: list[float],
    block: int,
    followed: int,
    opened_since: str,
) -> None:
    """The time judged at moves, and the open records' durations grow with it. The test
    whose closed records were placed among the event times once gives, at each time, what
    the test of every duration computed anew gives, float for float: with ties, groups left
    out for carrying no information, one group, or no event; whatever the blocks of event
    times its sums are taken in, and whether its risk sets were changed in place for the
    records that moved or counted again. At a move that carries no open record past an
    event time the result is the one kept. A test made from it once a record opened since
    (of group ``opened_since``) gives what that test computed anew gives too."""
    from unittest import mock

    from ledger.projections import statistics

    labels = sorted({g for _, _, g in records} | {"a", opened_since})
    code = {g: n for n, g in enumerate(labels)}
    shut = [(d, kind == "event", code[g]) for d, kind, g in records if kind != "open"]
    still = [(d, code[g]) for d, kind, g in records if kind == "open"]
    closed = (
        np.array([d for d, _, _ in shut], dtype=float),
        np.array([o for _, o, _ in shut], dtype=bool),
        np.array([g for _, _, g in shut], dtype=np.intp),
    )

    def anew(opened: np.ndarray, groups: list[int]) -> dict[str, Any]:
        return statistics._logrank(
            np.array([d for d, _, _ in shut] + opened.tolist(), dtype=float),
            np.array([o for _, o, _ in shut] + [False] * len(groups), dtype=bool),
            np.array([g for _, _, g in shut] + groups, dtype=np.intp),
            labels,
        )

    with (
        mock.patch.object(statistics, "BLOCK", block),
        mock.patch.object(statistics, "MOVES_FOLLOWED", followed),
    ):
        split = statistics.OpenLogrank(closed, np.array([g for _, g in still], np.intp), labels)
        times = np.unique([d for d, o, _ in shut if o])
        testable = len({g for _, _, g in records}) > 1 and times.size > 0
        grown, placed = 0.0, None
        for move in moves:
            grown += move
            opened = np.array([d + grown for d, _ in still], dtype=float)
            before = split.computed
            got = split.at(opened)
            expected = anew(opened, [g for _, g in still])
            assert got == expected
            got["reason"] = "changed by its reader"
            assert split.at(opened) == expected
            reach = np.searchsorted(times, opened, side="right").tobytes()
            assert split.computed - before == int(testable and reach != placed)
            placed = reach if testable else None
        groups = [g for _, g in still] + [code[opened_since]]
        later = statistics.OpenLogrank(closed, np.array(groups, np.intp), labels, like=split)
        assert all(a is b for a, b in zip(later.tables(), split.tables(), strict=True))
        opened = np.array([d + grown for d, _ in still] + [0.0], dtype=float)
        assert later.at(opened) == anew(opened, groups)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0, 7.0, 11.0]),
            st.sampled_from(["closed", "event", "event", "open"]),
        ),
        max_size=60,
    ),
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 4.0, 9.0]), min_size=1, max_size=4),
)
def test_the_summary_of_open_records_at_each_time_is_the_summary_computed_anew(
    records: list[tuple[float, str]], moves: list[float]
) -> None:
    """As the open records' durations grow, the summary whose closed records were counted
    once gives what the plain loop gives over every duration: the same counts and the very
    same median (or none), with ties and every record open or none."""
    from ledger.projections import statistics

    shut = [(d, kind == "event") for d, kind in records if kind != "open"]
    still = [d for d, kind in records if kind == "open"]
    summary = statistics.OpenSummary(
        (np.array([d for d, _ in shut], dtype=float), np.array([o for _, o in shut], dtype=bool)),
        len(still),
    )
    grown = 0.0
    for move in moves:
        grown += move
        opened = [d + grown for d in still]
        events = sum(o for _, o in shut)
        assert summary.at(np.array(opened, dtype=float)) == {
            "n": len(records),
            "events": events,
            "censored": len(records) - events,
            "median": _median_by_loop(
                [d for d, _ in shut] + opened, [o for _, o in shut] + [False] * len(still)
            ),
        }


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e9, allow_nan=False), max_size=50),
    st.sampled_from([4, 6]),
)
def test_rounding_over_arrays_is_python_s_exactly(values: list[float], places: int) -> None:
    """``round_half_even`` gives the float ``round`` gives, the values written as halves
    included: Python decides from the exact binary value whether one lies below, on or
    above the half, and so must this."""
    import numpy as np

    from ledger.projections.statistics import round_half_even

    halves = [k / 10**places + 0.5 / 10**places for k in range(-20, 20)]
    every = values + halves + [k * 0.0003125 for k in range(40)]
    got = round_half_even(np.array(every, dtype=float), places).tolist()
    assert got == [round(v, places) for v in every]


def test_rounding_an_array_with_values_that_are_not_numbers_is_python_s_too() -> None:
    """A NaN or an infinity among the values is rounded as Python rounds it, and the values
    beside it are still held to their own bounds: the halves of every magnitude come out
    as Python's."""
    import warnings

    import numpy as np

    from ledger.projections.statistics import round_half_even

    halves = [m + k / 1e4 + 0.5e-4 for m in (0.0, 3e5, 2e7, 1e9) for k in range(-50, 50)]
    for odd in (math.nan, math.inf, -math.inf):
        every = [odd, *halves, odd]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # inf - inf, on the way
            got = round_half_even(np.array(every), 4).tolist()
        expected = [round(v, 4) for v in every]
        assert got[1:-1] == expected[1:-1]
        assert [str(v) for v in (got[0], got[-1])] == [str(odd)] * 2


def test_the_reports_load_without_scipy_stats_until_a_test_is_computed() -> None:
    """Importing scipy.stats takes most of a second; a command that computes no test (a case
    history, ``ledger report case``) should not pay it. It is imported on first use."""
    import subprocess
    import sys

    program = (
        "import sys\n"
        "import ledger.projections.service, ledger.projections.officers\n"
        "print('scipy.stats' in sys.modules)\n"
        "from ledger.projections.statistics import compare_rates, logrank\n"
        "pearson = compare_rates([(300 + 10 * i, 1000) for i in range(8)])\n"
        "assert pearson['method'].startswith('Pearson'), pearson\n"
        "ranked = logrank([1.0, 2.0, 3.0, 4.0], [True, True, True, False], list('abab'))\n"
        "assert ranked['p_value'] is not None, ranked\n"
        "print('scipy.stats' in sys.modules)\n"
        "compare_rates([(3, 10), (7, 10)])\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == ["False", "False", "True"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).filter(lambda row: sum(row) > 0),
        min_size=2,
        max_size=9,
    ).filter(lambda rows: all(sum(column) > 0 for column in zip(*rows, strict=True)))
)
def test_pearson_s_chi_square_is_scipy_s_exactly(rows: list[tuple[int, int]]) -> None:
    """The statistic, degrees of freedom and p-value ``compare_rates`` computes without
    ``scipy.stats`` are the very floats ``chi2_contingency`` gives."""
    from scipy.stats import chi2_contingency

    from ledger.projections.statistics import chi2_sf, pearson_statistic

    table = np.array(rows, dtype=np.int64)
    statistic, dof = pearson_statistic(table)
    expected = chi2_contingency(table.astype(float), correction=False)
    assert (statistic, dof) == (float(expected.statistic), expected.dof)
    assert chi2_sf(statistic, dof) == float(expected.pvalue)


@pytest.mark.parametrize("df", [1, 2, 3, 7])
@pytest.mark.parametrize(
    "statistic", [-1.0, -1e-16, 0.0, 1e-300, 0.5, 3.3, 17.2, 1e4, math.inf, math.nan]
)
def test_the_chi_square_tail_is_scipy_s_exactly(statistic: float, df: int) -> None:
    """Over the whole line, a log-rank statistic a rounding below 0 included (1), and
    where no p-value exists (nan)."""
    from scipy.stats import chi2

    from ledger.projections.statistics import chi2_sf

    expected = float(chi2.sf(statistic, df))
    found = chi2_sf(statistic, df)
    assert found == expected or (math.isnan(found) and math.isnan(expected))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=7), st.integers(0, 120))
def test_tables_counted_by_inclusion_and_exclusion_are_the_tables_counted_by_convolution(
    sizes: list[int], successes: int
) -> None:
    """Every count of r×2 tables with given margins is the convolution's, which is exact at
    these sizes, and both are the tables ``_allocations`` lists, wherever the exact test
    lists them (at most ``EXACT_LIMIT`` tables: seven groups of 30 can have billions, whose
    list would take more memory than the machine has)."""
    from ledger.projections import statistics

    successes = min(successes, sum(sizes))
    counted = statistics._table_count(sizes, successes)
    assert counted == statistics._table_count_by_convolution(sizes, successes)
    if counted <= statistics.EXACT_LIMIT:
        assert counted == len(statistics._allocations(sizes, successes))


def test_tables_beyond_the_exact_limit_are_counted_at_once_at_a_million_records() -> None:
    from ledger.projections import statistics

    sizes = [14_000, 16_000, 12_500, 15_000, 13_000, 17_000, 11_000]
    counted = statistics._table_count(sizes, 60_000)
    assert counted > statistics.EXACT_LIMIT
    assert math.isclose(
        counted, statistics._table_count_by_convolution(sizes, 60_000), rel_tol=1e-9
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0]),
                st.floats(min_value=0, max_value=1_000, allow_nan=False),
            ),
            st.booleans(),
            st.sampled_from("abcde"),
        ),
        min_size=2,
        max_size=80,
    )
)
def test_the_log_rank_test_equals_statsmodels_survdiff(
    records: list[tuple[float, bool, str]],
) -> None:
    """Ties, censoring at event times, groups without events and groups left out: the
    statistic and p-value statsmodels' ``survdiff`` gives over the groups tested, and "not
    testable" exactly where it cannot give one."""
    from statsmodels.duration.survfunc import survdiff

    durations = np.array([d for d, _, _ in records])
    observed = np.array([o for _, o, _ in records])
    groups = np.array([g for _, _, g in records])
    result = logrank(durations, observed, groups.tolist())
    if result["p_value"] is None:
        assert result["method"].startswith("not testable: ")
        return
    kept = np.isin(groups, result["groups_tested"])
    with np.errstate(all="ignore"):
        chi2, p = survdiff(durations[kept], observed[kept].astype(int), groups[kept])
    assert result["statistic"] == pytest.approx(chi2, rel=1e-6, abs=1e-6)
    assert result["p_value"] == pytest.approx(p, abs=1e-9)
