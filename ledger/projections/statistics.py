"""Statistics for comparing groups, with small numbers handled honestly.

* rates with Wilson 95% intervals, suppressed (count shown, no percentage)
  when the denominator is below ``SUPPRESS_BELOW``;
* a test of "same rate in every group" on an r×2 table: Pearson's chi-square
  when every expected count is at least 5, otherwise Fisher's exact test for a
  2×2 table or a permutation test of the chi-square statistic (fixed seed, so
  results are reproducible) for larger tables; the method used is reported;
* Kaplan–Meier estimates (computed here) and the log-rank test (statsmodels);
* Holm's step-down correction across a family of tests;
* rate ratios of one group against all others with Katz's log interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats as sps

SUPPRESS_BELOW = 5
Z95 = 1.959963984540054
PERMUTATIONS = 9999
SEED = 20260301


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (n > 0)."""
    if n <= 0:
        raise ValueError("a rate needs a denominator above zero")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k: int, n: int) -> dict[str, Any]:
    """A rate as reports show it: suppressed below the threshold, else with its Wilson interval."""
    if n < SUPPRESS_BELOW:
        return {
            "count": k,
            "denominator": n,
            "suppressed": True,
            "rate": None,
            "ci_low": None,
            "ci_high": None,
        }
    low, high = wilson(k, n)
    return {
        "count": k,
        "denominator": n,
        "suppressed": False,
        "rate": round(k / n, 6),
        "ci_low": round(low, 6),
        "ci_high": round(high, 6),
    }


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values (same order as given): p_(i) * (m - i + 1), made monotone, capped at 1."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def rate_ratio(a: int, n1: int, c: int, n2: int) -> dict[str, Any]:
    """Rate ratio (a/n1)/(c/n2) with Katz's log 95% interval.

    With a zero count, 0.5 is added to each of the four cells (a, n1-a, c, n2-c),
    so n1 and n2 grow by 1 (the Haldane–Anscombe correction); ``corrected`` says so.
    Suppressed (no ratio, counts shown) when either denominator is below ``SUPPRESS_BELOW``.
    """
    counts = {"count": a, "denominator": n1, "others_count": c, "others_denominator": n2}
    if n1 < SUPPRESS_BELOW or n2 < SUPPRESS_BELOW:
        return {
            "ratio": None,
            "ci_low": None,
            "ci_high": None,
            "corrected": False,
            "suppressed": True,
            **counts,
        }
    corrected = a == 0 or c == 0 or a == n1 or c == n2
    if corrected:
        a_, n1_, c_, n2_ = a + 0.5, n1 + 1.0, c + 0.5, n2 + 1.0
    else:
        a_, n1_, c_, n2_ = float(a), float(n1), float(c), float(n2)
    ratio = (a_ / n1_) / (c_ / n2_)
    se = math.sqrt(1 / a_ - 1 / n1_ + 1 / c_ - 1 / n2_)
    return {
        "ratio": round(ratio, 6),
        "ci_low": round(ratio * math.exp(-Z95 * se), 6),
        "ci_high": round(ratio * math.exp(Z95 * se), 6),
        "corrected": corrected,
        "suppressed": False,
        **counts,
    }


def compare_rates(counts: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Test whether k/n is the same in every row of [(k, n), …]; rows with n = 0 are left out."""
    rows = [(k, n - k) for k, n in counts if n > 0]
    if len(rows) < 2:
        return {
            "method": "not tested (fewer than two groups with data)",
            "statistic": None,
            "p_value": None,
        }
    table = np.array(rows, dtype=float)
    if table[:, 0].sum() == 0 or table[:, 1].sum() == 0:
        return {
            "method": "not tested (no variation: every case has the same outcome)",
            "statistic": None,
            "p_value": 1.0,
        }
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if expected.min() >= 5:
        chi2, p, dof, _ = sps.chi2_contingency(table, correction=False)
        return {
            "method": f"Pearson chi-square ({dof} df; every expected count >= 5)",
            "statistic": round(float(chi2), 6),
            "p_value": float(p),
        }
    if table.shape[0] == 2:
        res = sps.fisher_exact(table.astype(int))
        return {
            "method": "Fisher exact (2x2, some expected count < 5)",
            "statistic": None,
            "p_value": float(res.pvalue),
        }
    exact = _exact_chi2(table)
    return exact if exact is not None else _permutation_chi2(table)


EXACT_LIMIT = 200_000
"""Largest number of tables with the observed margins that the exact test enumerates."""


def _allocations(rows: list[int], successes: int) -> list[tuple[int, ...]]:
    """Every way to share ``successes`` among groups of the given sizes."""
    out: list[tuple[int, ...]] = []
    capacity = [sum(rows[i:]) for i in range(len(rows))]

    def walk(i: int, left: int, prefix: tuple[int, ...]) -> None:
        if i == len(rows) - 1:
            out.append((*prefix, left))
            return
        for k in range(max(0, left - capacity[i + 1]), min(rows[i], left) + 1):
            walk(i + 1, left - k, (*prefix, k))

    walk(0, successes, ())
    return out


def _exact_chi2(table: np.ndarray) -> dict[str, Any] | None:
    """Exact conditional test for an r×2 table (Freeman–Halton style, chi-square ordering).

    Enumerates every table with the observed margins, weights each by its
    multivariate hypergeometric probability and sums those at least as extreme
    as observed. None when there are too many tables to enumerate.
    """
    rows = [int(r) for r in table.sum(axis=1)]
    successes = int(table[:, 0].sum())
    failures = sum(rows) - successes
    smaller = min(successes, failures)  # the tables are as many as ways to place the rarer outcome
    if math.comb(smaller + len(rows) - 1, len(rows) - 1) > EXACT_LIMIT:
        return None
    tables = _allocations(rows, successes)
    if len(tables) > EXACT_LIMIT:
        return None
    drawn = np.array(tables, dtype=float)
    sizes = np.array(rows, dtype=float)
    log_weight = (
        np.sum(_log_comb(sizes[None, :], drawn), axis=1)
        - _log_comb(np.array(sum(rows), dtype=float), np.array(successes, dtype=float))
    )
    stats = _chi2_rows(drawn, sizes, successes)
    observed = _chi2_stat(table)
    p = float(np.exp(log_weight)[stats >= observed * (1 - 1e-9)].sum())
    return {
        "method": f"exact test of the chi-square statistic over all {len(tables)} tables with these"
        " margins (some expected count < 5)",
        "statistic": round(observed, 6),
        "p_value": min(1.0, p),
    }


def _log_comb(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    from scipy.special import gammaln

    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def _chi2_rows(drawn: np.ndarray, sizes: np.ndarray, successes: int) -> np.ndarray:
    """Chi-square statistic of many r×2 tables given as success counts per group."""
    expected = sizes[None, :] * (successes / sizes.sum())
    expected_fail = sizes[None, :] - expected
    with np.errstate(divide="ignore", invalid="ignore"):
        hit = np.where(expected > 0, (drawn - expected) ** 2 / expected, 0.0)
        miss = np.where(expected_fail > 0, ((sizes[None, :] - drawn) - expected_fail) ** 2 / expected_fail, 0.0)
    return np.asarray((hit + miss).sum(axis=1))


def _chi2_stat(table: np.ndarray) -> float:
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    return float(cells.sum())


def _permutation_chi2(table: np.ndarray) -> dict[str, Any]:
    """Exact-in-spirit test for r×2 tables with small counts: permute outcomes across groups.

    Permuting the outcomes among the observations (margins fixed) allocates the
    successes to the groups by a multivariate hypergeometric draw, so the null
    distribution is sampled from that directly: the cost depends on the number
    of groups and resamples, not on how many observations there are.
    """
    rows = table.sum(axis=1).astype(np.int64)
    successes = int(table[:, 0].sum())
    rng = np.random.default_rng(SEED)
    drawn = rng.multivariate_hypergeometric(rows, successes, size=PERMUTATIONS).astype(float)
    sim = _chi2_rows(drawn, rows.astype(float), successes)
    observed = _chi2_stat(table)
    exceed = int(np.count_nonzero(sim >= observed * (1 - 1e-12)))
    return {
        "method": f"permutation test of the chi-square statistic ({PERMUTATIONS} resamples, fixed seed;"
        " some expected count < 5)",
        "statistic": round(observed, 6),
        "p_value": (exceed + 1) / (PERMUTATIONS + 1),
    }


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> list[dict[str, Any]]:
    """Kaplan–Meier survival estimate: [{time, at_risk, events, censored, survival}], one row per distinct time.

    ``survival`` is the probability of *not yet* having had the event (here: not
    yet arrested) just after ``time``. Censored observations at a time count as
    at risk at that time (the usual convention).
    """
    pairs = sorted(zip(durations, observed, strict=True))
    at_risk = len(pairs)
    survival = 1.0
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(pairs):
        t = pairs[i][0]
        events = censored = 0
        while i < len(pairs) and pairs[i][0] == t:
            if pairs[i][1]:
                events += 1
            else:
                censored += 1
            i += 1
        if events:
            survival *= 1 - events / at_risk
        out.append(
            {
                "time": round(float(t), 6),
                "at_risk": at_risk,
                "events": events,
                "censored": censored,
                "survival": round(survival, 6),
            }
        )
        at_risk -= events + censored
    return out


def median_from_curve(curve: list[dict[str, Any]]) -> float | None:
    for point in curve:
        if point["survival"] <= 0.5:
            return float(point["time"])
    return None


def logrank(
    durations: Sequence[float], observed: Sequence[bool], groups: Sequence[str]
) -> dict[str, Any]:
    """Log-rank test that time-to-event is the same in every group (statsmodels ``survdiff``)."""
    from statsmodels.duration.survfunc import survdiff

    if len(set(groups)) < 2 or not any(observed):
        return {
            "method": "log-rank (not tested: fewer than two groups or no events)",
            "statistic": None,
            "p_value": None,
        }
    chi2, p = survdiff(
        np.asarray(durations, dtype=float), np.asarray(observed, dtype=int), np.asarray(groups)
    )
    return {
        "method": "log-rank (statsmodels survdiff)",
        "statistic": round(float(chi2), 6),
        "p_value": float(p),
    }


def quartiles(values: Sequence[float]) -> dict[str, Any]:
    """n, median and interquartile range (linear interpolation), or n only when empty."""
    if not values:
        return {"n": 0, "median": None, "q1": None, "q3": None}
    arr = np.asarray(values, dtype=float)
    q1, med, q3 = np.percentile(arr, [25, 50, 75])
    return {
        "n": len(values),
        "median": round(float(med), 4),
        "q1": round(float(q1), 4),
        "q3": round(float(q3), 4),
    }
