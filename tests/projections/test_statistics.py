"""Statistics against known values, and small numbers shown honestly."""

from __future__ import annotations

import pytest

from ledger.projections.statistics import (
    compare_rates,
    holm,
    kaplan_meier,
    logrank,
    rate,
    rate_ratio,
    wilson,
)
from ledger.projections.tables import ReportTable


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
    table = ReportTable("t", 1, "00", "2026-01-01T00:00:00Z", ["g", "r"], [{"g": "a", "r": cell}])
    assert table.to_csv().splitlines()[1] == "a,suppressed (3/4),"
    assert "%" not in table.to_csv()


def test_rate_at_five_is_shown_with_its_interval() -> None:
    cell = rate(3, 5)
    assert (cell["suppressed"], cell["rate"]) == (False, 0.6)
    assert cell["ci_low"] < 0.6 < cell["ci_high"]


def test_large_counts_use_chi_square_and_say_so() -> None:
    result = compare_rates([(30, 100), (50, 100), (45, 100)])
    assert result["method"].startswith("Pearson chi-square")
    assert result["p_value"] < 0.05


def test_small_two_by_two_uses_fisher_exact() -> None:
    result = compare_rates([(3, 4), (0, 6)])
    assert result["method"].startswith("Fisher exact")
    assert result["p_value"] == pytest.approx(1 / 30, abs=1e-9)


def test_small_larger_tables_use_an_exact_test_over_every_table_with_the_margins() -> None:
    # 3x2 table, 5 successes among 15: the exact conditional p-value is the
    # hypergeometric probability of every allocation at least as extreme.
    from math import comb

    counts = [(4, 5), (0, 5), (1, 5)]
    result = compare_rates(counts)
    assert result["method"].startswith("exact test")

    def chi2(a: int, b: int, c: int) -> float:
        expected = 5 * 5 / 15
        return sum((x - expected) ** 2 / expected + ((5 - x) - (5 - expected)) ** 2 / (5 - expected)
                   for x in (a, b, c))

    observed = chi2(4, 0, 1)
    p = sum(comb(5, a) * comb(5, b) * comb(5, 5 - a - b) / comb(15, 5)
            for a in range(6) for b in range(6) if 0 <= 5 - a - b <= 5 and chi2(a, b, 5 - a - b) >= observed - 1e-9)
    assert result["p_value"] == pytest.approx(p, rel=1e-9)
    assert result["p_value"] == pytest.approx(0.050949, abs=1e-6)


def test_tables_too_large_to_enumerate_use_a_reproducible_permutation_test() -> None:
    counts = [(30, 500), (10, 400), (40, 300), (0, 600), (3, 450), (1, 200), (50, 300), (2, 100)]
    counts = [(k, n) for k, n in counts] + [(1, 3)]
    first, second = compare_rates(counts), compare_rates(counts)
    assert first["method"].startswith("permutation test")
    assert first == second
    assert first["p_value"] < 0.001


def test_log_rank_separates_clearly_different_groups() -> None:
    durations = [1, 2, 3, 4, 5, 6, 40, 50, 60, 70, 80, 90]
    observed = [True] * 12
    groups = ["a"] * 6 + ["b"] * 6
    result = logrank(durations, observed, groups)
    assert result["method"].startswith("log-rank")
    assert result["p_value"] < 0.01
