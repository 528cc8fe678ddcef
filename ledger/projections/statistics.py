"""Statistics for comparing groups, with small numbers handled honestly.

* rates with Wilson 95% intervals, suppressed (count shown, no percentage)
  when the denominator is below ``SUPPRESS_BELOW``;
* a test of "same rate in every group" on an r×2 table, exact wherever
  feasible (``compare_rates``: Fisher, Freeman–Halton by enumeration, then
  Pearson or a Monte Carlo Freeman–Halton with its floor stated); the method
  used is named;
* Kaplan–Meier estimates and medians and the log-rank test (computed here;
  the tests compare them with lifelines and statsmodels), with degenerate
  data reported "not testable: <reason>";
* Holm's step-down correction across a family of tests;
* rate ratios of one group against all others with Katz's log interval;
* p-values printed so that none reads 0 (``format_p``).

Every report is asked again after each new event, and most of the tables and
durations these functions read have not changed since they were last asked:
``compare_rates``, ``logrank``, ``kaplan_meier`` and ``km_median`` keep their
results by their exact inputs (``Memo``) and hand out copies, so a repeated
question costs a look-up and never changes an answer.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from operator import itemgetter
from typing import Any, Generic, TypeVar

import numpy as np

from ledger.projections.reuse import SharedRow

SUPPRESS_BELOW = 5
Z95 = 1.959963984540054

T = TypeVar("T")


class Memo(Generic[T]):
    """Results of a pure function kept by their exact inputs, least recently used dropped first.

    ``weight`` is what one entry's key holds (the number of durations, say);
    entries are dropped while the kept weight is above ``limit``, so that long
    keys cannot hold much memory. The results kept are never handed out:
    ``copy`` makes what the caller gets, so a caller that changes it changes
    nothing kept.
    """

    def __init__(self, limit: int, copy: Callable[[T], T]) -> None:
        self.limit = limit
        self._copy = copy
        self._kept: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        self._weight = 0
        self.computed = 0
        """How many results were computed rather than found (the tests read it)."""

    def get(self, key: Hashable, weight: int, compute: Callable[[], T]) -> T:
        found = self._kept.get(key)
        if found is None:
            self.computed += 1
            found = (compute(), weight)
            self._kept[key] = found
            self._weight += weight
            while self._weight > self.limit and len(self._kept) > 1:
                _, (_, dropped) = self._kept.popitem(last=False)
                self._weight -= dropped
        else:
            self._kept.move_to_end(key)
        return self._copy(found[0])

    def clear(self) -> None:
        self._kept.clear()
        self._weight = 0

    def contents(self) -> tuple[OrderedDict[Hashable, tuple[T, int]], int]:
        """What is kept and its weight, to be handed to another process (``adopt``)."""
        return self._kept, self._weight

    def adopt(self, contents: tuple[OrderedDict[Hashable, tuple[T, int]], int]) -> None:
        """Take what another process kept (``contents``), if nothing is kept here yet: the
        results are a pure function's, by their exact inputs, whoever computed them."""
        if not self._kept:
            self._kept, self._weight = contents


def _same(value: T) -> T:
    return value


def _test_copy(result: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else v for k, v in result.items()}


class Curve(list[dict[str, Any]]):
    """A Kaplan–Meier curve's rows (read-only, ``SharedRow``), with the values they hold as
    one array: ``columns``, one line each of time, at risk, events, censored, survival and
    the interval's two ends, as the rows hold them (counts as floats, exact). The next
    curve of the same records at a later time (``kaplan_meier``'s ``like``) takes from it
    every row whose values are the very same floats, instead of making it again: a move of
    the time judged at changes only the rows near the open records' durations."""

    def __init__(self, rows: Sequence[dict[str, Any]] = (), columns: np.ndarray | None = None):
        super().__init__(rows)
        self.columns = np.zeros((7, 0)) if columns is None else columns

    def copy(self) -> Curve:
        """The reader's list (of the same rows), with the same columns."""
        return Curve(self, self.columns)


DURATIONS_KEPT = 4_000_000
"""How many durations (summed over the kept keys) each memo of survival results may hold."""
_RATES: Memo[dict[str, Any]] = Memo(4096, _test_copy)
_LOGRANK: Memo[dict[str, Any]] = Memo(DURATIONS_KEPT, _test_copy)
_KAPLAN_MEIER: Memo[Curve] = Memo(DURATIONS_KEPT, lambda curve: curve.copy())
_MEDIANS: Memo[float | None] = Memo(DURATIONS_KEPT, _same)
MEMOS: tuple[Memo[Any], ...] = (_RATES, _LOGRANK, _KAPLAN_MEIER, _MEDIANS)
"""Every memo of this module (the tests clear them to compute from nothing)."""


Durations = Sequence[float] | np.ndarray
"""Durations (or whether each ended in the event): a list, or an array as ``Column.at``
gives them, read as they are without a Python object per duration."""


def _arrays(
    durations: Durations, observed: Durations | Sequence[bool]
) -> tuple[np.ndarray, np.ndarray]:
    """The durations as floats and whether each ended in the event as booleans."""
    return np.asarray(durations, dtype=float), np.asarray(observed, dtype=bool)


def _durations_key(durations: np.ndarray, observed: np.ndarray) -> tuple[bytes, bytes]:
    """The exact inputs as bytes: equal bytes are equal floats (a key that differs only by
    the sign of a zero is computed again, never wrongly found)."""
    return durations.tobytes(), observed.tobytes()


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


def not_testable(reason: str, **extra: Any) -> dict[str, Any]:
    """A test that cannot be computed on these data, and why: never a p-value, never "no signal"."""
    return {
        "method": f"not testable: {reason}",
        "statistic": None,
        "p_value": None,
        "p_text": format_p(None),
        "testable": False,
        "reason": reason,
        **extra,
    }


def tested(
    method: str, p_value: float, statistic: float | None = None, **extra: Any
) -> dict[str, Any]:
    """A computed test: its name, statistic and p-value (unrounded), and the p-value as printed."""
    p = min(1.0, max(0.0, float(p_value)))
    return {
        "method": method,
        "statistic": None if statistic is None else round(float(statistic), 6),
        "p_value": p,
        "p_text": format_p(p),
        "testable": True,
        "reason": None,
        **extra,
    }


P_FLOOR = 1e-12
"""Below this a p-value is printed as ``< 1e-12``: floating point says nothing finer, and 0.0 is false."""


def format_p(p: float | None) -> str:
    """A p-value as people read it: three decimals, scientific below 0.001, ``< 1e-12`` at the floor."""
    if p is None:
        return "not testable"
    if p < P_FLOOR:
        return "< 1e-12"
    if p < 0.001:
        return f"{p:.2e}"
    return f"{p:.3f}"


def compare_rates(counts: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Test whether k/n is the same in every row of [(k, n), …]; rows with n = 0 are left out.

    Exact wherever feasible: Fisher's exact test for two groups; for more, the
    Freeman–Halton test (every table with the observed margins, ordered by its
    hypergeometric probability) when there are at most ``EXACT_LIMIT`` such
    tables. Beyond that, Pearson's chi-square when every expected count is at
    least 5 (checked in integers: row total × column total ≥ 5 × grand total,
    so an expected count of exactly 5 is "at least 5"), else a Monte Carlo
    Freeman–Halton test whose p-value floor, 1/(resamples + 1), is stated.
    """
    key = tuple((int(k), int(n)) for k, n in counts)
    return _RATES.get(key, len(key), lambda: _compare_rates(key))


def _compare_rates(counts: Sequence[tuple[int, int]]) -> dict[str, Any]:
    rows = [(int(k), int(n) - int(k)) for k, n in counts if n > 0]
    if len(rows) < 2:
        return not_testable("fewer than two groups with data")
    successes = sum(r[0] for r in rows)
    failures = sum(r[1] for r in rows)
    if successes == 0 or failures == 0:
        return not_testable("no variation: every case has the same outcome")
    table = np.array(rows, dtype=np.int64)
    if len(rows) == 2:
        from scipy.stats import fisher_exact  # on first use: importing scipy.stats takes 0.7 s

        res = fisher_exact(table)
        return tested("Fisher exact test (two-sided, 2x2)", float(res.pvalue))
    sizes = [a + b for a, b in rows]
    if _table_count(sizes, successes) <= EXACT_LIMIT:
        return _freeman_halton_exact(sizes, [r[0] for r in rows])
    total = successes + failures
    if all(n * c >= 5 * total for n in sizes for c in (successes, failures)):
        chi2, dof = pearson_statistic(table)
        return tested(
            f"Pearson chi-square ({dof} df; every expected count >= 5; too many tables"
            " to enumerate)",
            chi2_sf(chi2, dof),
            chi2,
        )
    return _freeman_halton_monte_carlo(sizes, [r[0] for r in rows])


def pearson_statistic(table: np.ndarray) -> tuple[float, int]:
    """Pearson's chi-square of independence on an r×2 table of counts (every margin above
    zero), without a continuity correction, and its degrees of freedom: the statistic
    ``scipy.stats.chi2_contingency(table, correction=False)`` gives, by the same float
    operations (each expected count the product of its margins over the total; the sum of
    each cell's squared difference over its expected count, in row order), without
    importing ``scipy.stats``, which takes most of a second. A test compares the two."""
    observed = np.asarray(table, dtype=np.float64)
    expected = (
        observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True)
    ) / observed.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, (observed.shape[0] - 1) * (observed.shape[1] - 1)


def chi2_sf(statistic: float, df: int) -> float:
    """The chi-square distribution's upper tail beyond ``statistic`` with ``df`` degrees of
    freedom: what ``scipy.stats.chi2.sf`` gives (1 at or below 0), from the function it
    calls, ``scipy.special.chdtrc``, without importing ``scipy.stats``."""
    from scipy.special import chdtrc

    if statistic <= 0:
        return 1.0
    return float(chdtrc(df, statistic))


EXACT_LIMIT = 1_000_000
"""Largest number of tables with the observed margins the exact test enumerates (well under a second)."""
RESAMPLES = 99_999
SEED = 20260301


def _table_count(sizes: list[int], successes: int) -> float:
    """How many r×2 tables have these row totals and this many successes (a float: may be huge).

    With few rows, exactly and at once, by inclusion and exclusion over the rows held
    above their totals: ``sum over subsets S of (-1)^|S| C(s - sum_S (n_i + 1) + r - 1,
    r - 1)``, 2^r terms whatever the counts (``_table_count_by_convolution`` takes a
    pass as long as the successes per row, a second at a million records)."""
    if len(sizes) > INCLUSION_EXCLUSION_ROWS:
        return _table_count_by_convolution(sizes, successes)
    rows = len(sizes)
    count = 0
    for chosen in range(1 << rows):
        left = successes - sum(n + 1 for i, n in enumerate(sizes) if chosen >> i & 1)
        if left >= 0:
            sign = -1 if chosen.bit_count() % 2 else 1
            count += sign * math.comb(left + rows - 1, rows - 1)
    return float(count) if count < 2**1000 else math.inf


INCLUSION_EXCLUSION_ROWS = 14
"""Most rows whose tables are counted by inclusion and exclusion (2^14 terms)."""


def _table_count_by_convolution(sizes: list[int], successes: int) -> float:
    """``_table_count`` as the coefficient of x^successes in the product of each row's
    ``1 + x + … + x^n``, one convolution per row."""
    ways = np.zeros(successes + 1)
    ways[0] = 1.0
    for n in sizes:
        ways = np.convolve(ways, np.ones(min(n, successes) + 1))[: successes + 1]
    return float(ways[successes])


def _allocations(sizes: list[int], successes: int) -> np.ndarray:
    """Every way to share ``successes`` among groups of the given sizes, one row per table."""
    left = [sum(sizes[i:]) for i in range(len(sizes))] + [0]
    tables = np.zeros((1, 0), dtype=np.int64)
    used = np.zeros(1, dtype=np.int64)
    for i, n in enumerate(sizes):
        remaining = successes - used
        low = np.maximum(0, remaining - left[i + 1])
        high = np.minimum(n, remaining)
        if i == len(sizes) - 1:
            tables = np.column_stack([tables, remaining])
            break
        width = high - low + 1
        parent = np.repeat(np.arange(len(tables)), width)
        offset = np.arange(int(width.sum())) - np.repeat(np.cumsum(width) - width, width)
        k = low[parent] + offset
        tables = np.column_stack([tables[parent], k])
        used = used[parent] + k
    return tables


def _log_probability(sizes: np.ndarray, drawn: np.ndarray, successes: int) -> np.ndarray:
    """Log hypergeometric probability of each table (rows of success counts) given the margins."""
    from scipy.special import gammaln

    def log_comb(n: Any, k: Any) -> Any:
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    total = float(sizes.sum())
    return np.asarray(
        np.sum(log_comb(sizes[None, :], drawn), axis=1) - log_comb(total, float(successes))
    )


def _freeman_halton_exact(sizes: list[int], observed: list[int]) -> dict[str, Any]:
    successes = sum(observed)
    n = np.array(sizes, dtype=float)
    tables = _allocations(sizes, successes)
    logp = _log_probability(n, tables.astype(float), successes)
    logp_obs = float(_log_probability(n, np.array([observed], dtype=float), successes)[0])
    p = float(np.exp(logp[logp <= logp_obs + 1e-7]).sum())
    return tested(
        f"Freeman-Halton exact test (all {len(tables)} tables with these margins,"
        " ordered by probability)",
        p,
        tables=len(tables),
    )


def _freeman_halton_monte_carlo(sizes: list[int], observed: list[int]) -> dict[str, Any]:
    """Monte Carlo Freeman–Halton: tables drawn with the margins fixed (multivariate hypergeometric)."""
    successes = sum(observed)
    n = np.array(sizes, dtype=float)
    rng = np.random.default_rng(SEED)
    drawn = rng.multivariate_hypergeometric(
        np.array(sizes, dtype=np.int64), successes, size=RESAMPLES
    )
    logp = _log_probability(n, drawn.astype(float), successes)
    logp_obs = float(_log_probability(n, np.array([observed], dtype=float), successes)[0])
    at_most = int(np.count_nonzero(logp <= logp_obs + 1e-7))
    return tested(
        f"Monte Carlo Freeman-Halton test ({RESAMPLES} tables drawn with these margins, fixed"
        f" seed; too many tables to enumerate and some expected count < 5; p-value floor"
        f" {1 / (RESAMPLES + 1):.0e})",
        (at_most + 1) / (RESAMPLES + 1),
    )


def kaplan_meier(
    durations: Durations, observed: Durations | Sequence[bool], like: Curve | None = None
) -> Curve:
    """Kaplan–Meier survival estimate, one row per distinct time, with its 95% interval.

    Each row is ``{time, at_risk, events, censored, survival, ci_low, ci_high}``.
    ``survival`` is the probability of *not yet* having had the event (here: not
    yet arrested) just after ``time``. Censored observations at a time count as
    at risk at that time (the usual convention). The interval is Greenwood's
    variance on the log(-log) scale (the "exponential Greenwood" interval, as
    lifelines computes it), which stays between 0 and 1: (1, 1) before any
    event, (0, 0) once everyone had it.

    ``like``: an earlier curve, whose rows are taken wherever this one's are the same
    (a curve equals the one made without it; the rows are the same objects).
    """
    d, o = _arrays(durations, observed)
    return _KAPLAN_MEIER.get(_durations_key(d, o), len(d), lambda: _kaplan_meier(d, o, like))


def _kaplan_meier(durations: np.ndarray, observed: np.ndarray, like: Curve | None = None) -> Curve:
    """Over arrays, with the very floats of the loop over the sorted pairs it replaces
    (``tests/projections/test_statistics.py`` keeps that loop and compares): each factor
    ``1 - events / at_risk`` and Greenwood term ``events / (at_risk * (at_risk - events))``
    is the same IEEE division of the same integers, the running product and sum take them
    one after the other (a time without events multiplies by exactly 1 and adds exactly
    0), every rounding is Python's (``round_half_even``), and the interval is computed by
    the same ufuncs for one estimate as for many (``_intervals``)."""
    if len(durations) == 0:
        return Curve()
    times, leaving, events, at_risk, survival = _product_limit(durations, observed)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            (events > 0) & (events < at_risk), events / (at_risk * (at_risk - events)), 0.0
        )
    greenwood = np.cumsum(terms)
    low, high = _intervals(survival, greenwood)
    counts = (at_risk, events, leaving - events)
    rounded = [round_half_even(v, 6) for v in (times, survival, low, high)]
    values = (rounded[0], *counts, *rounded[1:])
    columns = np.vstack(values).astype(float, copy=False)  # float64 already: no second copy
    columns.flags.writeable = False
    if not like or like.columns.shape[1] != len(like):
        return Curve(_rows(values), columns)
    same, at = _same_rows(columns, like)
    rows = list(itemgetter(*at.tolist())(like)) if len(at) > 1 else [like[at[0]]]
    made = _rows(tuple(v[~same] for v in values))
    for i, row in zip(np.flatnonzero(~same).tolist(), made, strict=True):
        rows[i] = row  # in the place of the row of ``like`` found nearest its time
    return Curve(rows, columns)


def _rows(values: tuple[np.ndarray, ...]) -> list[dict[str, Any]]:
    """A read-only row for each place of the columns (time, at risk, events, censored,
    survival, the interval's two ends)."""
    return [
        SharedRow(time=t, at_risk=n, events=d, censored=c, survival=s, ci_low=lo, ci_high=hi)
        for t, n, d, c, s, lo, hi in zip(*(v.tolist() for v in values), strict=True)
    ]


def _same_rows(columns: np.ndarray, like: Curve) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``columns``: whether ``like`` holds a row of the same time and values,
    the very floats bit for bit, and where in ``like`` that row is."""
    earlier = like.columns
    at = np.minimum(np.searchsorted(earlier[0], columns[0]), earlier.shape[1] - 1)
    same = (earlier[:, at].view(np.int64) == columns.view(np.int64)).all(axis=0)
    return same, at


def _intervals(survival: np.ndarray, greenwood: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's 95% interval from Greenwood's sum, on the log(-log) scale, over arrays:
    (1, 1) before any event, (0, 0) once everyone had it; one estimate's interval is the
    same as among many (the same ufuncs, so the same floats)."""
    low = np.where(survival <= 0.0, 0.0, 1.0)
    high = low.copy()
    between = np.flatnonzero((survival > 0.0) & (survival < 1.0))
    if between.size:
        log_s = np.log(survival[between])
        spread = Z95 * np.sqrt(greenwood[between]) / log_s
        centre = np.log(-log_s)
        low[between] = np.exp(-np.exp(centre - spread))
        high[between] = np.exp(-np.exp(centre + spread))
    return low, high


def _product_limit(
    durations: Durations, observed: Durations | Sequence[bool]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan–Meier product over the distinct times in order, as arrays: the times, how
    many leave the risk set at each, how many of them had the event, how many were at risk
    just before, and the running product. Each factor ``1 - events / at_risk`` is the same
    IEEE division of the same integers as in a loop, and the product multiplies them one
    after the other (a time without events multiplies by exactly 1), so the values are the
    loop's. At least one duration."""
    times, where = np.unique(np.asarray(durations, dtype=float), return_inverse=True)
    leaving = np.bincount(where, minlength=len(times))
    events = np.bincount(where[np.asarray(observed, dtype=bool)], minlength=len(times))
    at_risk = len(durations) - (np.cumsum(leaving) - leaving)
    return times, leaving, events, at_risk, np.cumprod(1.0 - events / at_risk)


def round_half_even(values: np.ndarray, places: int) -> np.ndarray:
    """``round(v, places)`` for each ``v``, the very floats Python's ``round`` gives.

    Python rounds the exact value of ``v`` to ``places`` decimals (half to even) and gives
    the double nearest that decimal; ``rint(v * 10**places) / 10**places`` is that double
    too (an integer over an exact power of ten, divided once) except where ``v *
    10**places`` lies so near half an integer that its own rounding may have moved it
    across: those few are rounded by Python itself. "Near" is within one bound for the
    whole array, the largest of each value's own (``max(1e-6, 8 * spacing)``, the spacing
    growing with the magnitude), so that no value near a half is missed. A value that is
    not a finite number is rounded by Python too, and then each finite value is held to
    its own bound (the largest magnitude is not a number)."""
    scale = 10.0**places
    scaled = values * scale
    out = np.rint(scaled) / scale
    if not scaled.size:
        return out
    off = scaled - np.floor(scaled)
    off -= 0.5
    np.abs(off, out=off)
    top = max(float(scaled.max()), -float(scaled.min()))
    if math.isfinite(top):
        near = off <= max(1e-6, 8 * float(np.spacing(top)))
    else:
        near = ~np.isfinite(scaled) | (off <= np.maximum(1e-6, 8 * np.spacing(scaled)))
    for i in np.flatnonzero(near).tolist():
        out[i] = round(float(values[i]), places)
    return out


def logrank(
    durations: Durations, observed: Durations | Sequence[bool], groups: Sequence[str]
) -> dict[str, Any]:
    """Log-rank test that time-to-event is the same in every group (``_logrank_statistic``).

    Degenerate data (one group, no event yet, every time tied so no group's
    observed count can differ from its expected one) is "not testable" with
    the reason, never an exception: the test inverts the covariance matrix,
    which is singular on such data.
    """
    labels = sorted(set(groups))
    index = {label: n for n, label in enumerate(labels)}
    codes = np.fromiter(map(index.__getitem__, groups), dtype=np.intp, count=len(groups))
    return logrank_coded(durations, observed, codes, labels)


def logrank_coded(
    durations: Durations,
    observed: Durations | Sequence[bool],
    codes: np.ndarray,
    labels: Sequence[str],
) -> dict[str, Any]:
    """``logrank`` with each duration's group given as its place in ``labels`` (which are in
    order), so that no label is read per duration."""
    if list(labels) != sorted(labels):
        raise ValueError("the labels of a log-rank test must be in order")
    d, o = _arrays(durations, observed)
    codes = np.asarray(codes, dtype=np.intp)
    key = (*_durations_key(d, o), codes.tobytes(), tuple(labels))
    return _LOGRANK.get(key, len(d), lambda: _logrank(d, o, codes, list(labels)))


def _logrank(t: np.ndarray, o: np.ndarray, g: np.ndarray, labels: list[str]) -> dict[str, Any]:
    present = np.unique(g)
    if present.size < 2:
        return not_testable(_FEWER_THAN_TWO)
    if not o.any():
        return not_testable(_NO_EVENT)
    coded = _informative_groups(t, o.astype(int), g)
    keep = np.isin(g, coded)
    places = np.searchsorted(np.asarray(coded, dtype=np.intp), g[keep])
    return _logrank_result(
        lambda: _logrank_statistic(t[keep], o[keep], places, len(coded)),
        [labels[n] for n in coded],
        [labels[n] for n in present.tolist() if n not in coded],
    )


_FEWER_THAN_TWO = "fewer than two groups with cases"
_NO_EVENT = "no event yet: every case is still open (censored)"


def _logrank_result(
    statistic: Callable[[], float], informative: list[str], left_out: list[str]
) -> dict[str, Any]:
    """The test's result over the ``informative`` groups (``_informative_groups``; the others
    named as ``left_out``), its chi-square given by ``statistic``."""
    if len(informative) < 2:
        return not_testable(
            "no variation to compare: at every event time at most one group was at"
            " risk, or every case at risk had the event at once"
        )
    try:
        with np.errstate(all="ignore"):
            chi2 = statistic()
    except np.linalg.LinAlgError:
        return not_testable("the log-rank variance cannot be inverted on these data")
    p = chi2_sf(chi2, len(informative) - 1)
    if not np.isfinite(chi2) or not np.isfinite(p):
        return not_testable("the log-rank statistic is undefined on these data")
    note = (
        f"; left out, no one at risk when an event could differ: {', '.join(left_out)}"
        if left_out
        else ""
    )
    return tested(
        f"log-rank test ({len(informative) - 1} df{note})",
        p,
        chi2,
        groups_tested=informative,
    )


def _logrank_statistic(t: np.ndarray, o: np.ndarray, g: np.ndarray, k: int) -> float:
    """The log-rank chi-square over ``k`` groups (``g``: each duration's group, 0 to k-1),
    from their tables (``_statistic_of_tables``). Each duration is placed among the event
    times once (needles in order make the searches cheap)."""
    _, deaths, leaving, died = _tables(t, o, g, k)
    return _statistic_of_tables(_at_risk(leaving), died, deaths)


def _tables(
    t: np.ndarray, o: np.ndarray, g: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct event times in order and every group's events at each (``deaths``), and
    for each of ``k`` groups: ``leaving[g, j]``, how many of its durations reach the first j
    event times and no further (j from 0 to m), and ``died[g, j]``, its events at the j-th."""
    order = np.argsort(t)
    t, o, g = t[order], o[order], g[order]
    times, deaths = np.unique(t[o], return_counts=True)
    m = times.size
    reach = np.searchsorted(times, t, side="right")
    leaving = np.bincount(g * (m + 1) + reach, minlength=k * (m + 1)).reshape(k, m + 1)
    died = np.bincount(g[o] * m + reach[o] - 1, minlength=k * m).reshape(k, m)
    return times, deaths, leaving, died


def _at_risk(leaving: np.ndarray) -> np.ndarray:
    """Each group's risk set at each event time (``at_risk[g, j]``, its durations at or after
    the j-th) from ``leaving[g, j]``, how many of them reach the first j event times and no
    further (j from 0 to m): the counts summed from the last, as floats (``_at_risk_reversed``
    of a copy with the columns reversed)."""
    return _at_risk_reversed(leaving[:, ::-1].copy())


def _at_risk_reversed(reversed_leaving: np.ndarray) -> np.ndarray:
    """``_at_risk`` from ``leaving`` with its columns in reverse order (from the last event
    time to the first), an integer array of the caller's which this sums in place. Whole
    numbers summed in the order they lie in memory, then written as floats once (each sum
    below 2**53, so the integers' very values), C-contiguous: the statistic reads them
    without a copy. At a million events a table is megabytes; summed straight into floats
    over the columns reversed (numpy casts them in small buffers) it took about six times
    as long, and each new array of that size is pages the kernel must supply afresh."""
    np.cumsum(reversed_leaving, axis=1, out=reversed_leaving)
    return np.ascontiguousarray(reversed_leaving[:, ::-1][:, 1:], dtype=float)


def _statistic_of_tables(
    at_risk: np.ndarray,
    died: np.ndarray,
    deaths: np.ndarray,
    blocks: dict[int, tuple[int, np.ndarray, np.ndarray, np.ndarray]] | None = None,
) -> float:
    """The log-rank chi-square from tables of counts over the distinct event times in order:
    ``at_risk[g, j]``, group g's risk set at the j-th (``_at_risk``); ``died[g, j]``, its
    events there; ``deaths[j]``, every group's. At each event time with more than one at
    risk, each group's events observed less expected (its share of those at risk times the
    events) and the hypergeometric covariance of its count, summed over the times; the
    statistic is the quadratic form of the first k-1 groups' differences in the inverse of
    their covariance. Equal tables give the very same float, however they were counted.

    The risk sets only shrink as time goes on, so the times with more than one at risk are
    the first ``usable`` ones. They are summed in blocks of ``BLOCK`` times
    (``_block_terms``), and the blocks' sums added in order: ``blocks`` keeps each block's
    sums with the risk sets they came from, for the next tables of the same ``died`` and
    ``deaths`` (``OpenLogrank``), and a block whose risk sets are the very same is not
    summed again. The sums are the same floats either way."""
    at_risk = np.asarray(at_risk, dtype=float)  # read, never changed: no copy of floats
    total = at_risk.sum(axis=0)
    usable = int(np.count_nonzero(total > 1))
    differences, covariances = [], []
    for start in range(0, usable, BLOCK):
        end = min(start + BLOCK, usable)
        kept = None if blocks is None else blocks.get(start)
        if kept is not None and kept[0] == end and np.array_equal(kept[1], at_risk[:, start:end]):
            difference, covariance = kept[2], kept[3]
        else:
            difference, covariance = _block_terms(at_risk, died, deaths, total, start, end)
            if blocks is not None:
                blocks[start] = (end, at_risk[:, start:end].copy(), difference, covariance)
        differences.append(difference)
        covariances.append(covariance)
    k = at_risk.shape[0]
    difference = np.add.reduce(differences) if differences else np.zeros(k)
    covariance = np.add.reduce(covariances) if covariances else np.zeros((k, k))
    rest = difference[1:]
    return float(rest @ np.linalg.solve(covariance[1:, 1:], rest))


BLOCK = 2048
"""How many event times the log-rank sums take at once (``_statistic_of_tables``)."""


def _block_terms(
    at_risk: np.ndarray,
    died: np.ndarray,
    deaths: np.ndarray,
    total: np.ndarray,
    start: int,
    end: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's events observed less expected, and their covariance, summed over the
    event times from ``start`` to ``end`` (every group's risk set ``total``)."""
    share = at_risk[:, start:end] / total[start:end]
    d = deaths[start:end].astype(float)
    n = total[start:end]
    difference = died[:, start:end].sum(axis=1) - share @ d
    spread = d * (n - d) / (n - 1)
    covariance = np.diag(share @ spread) - (share * spread) @ share.T
    return difference, covariance


class OpenLogrank:
    """The log-rank test of fixed records, some still open, at any time judged at: the
    closed records' durations (ended, with or without the event) never change, and the
    open ones are censored at the time judged at, so that a move of that time changes only
    where the open ones fall among the event times, which are the closed records' own.
    The closed records are placed among the event times once, here; ``at`` places the open
    ones and gives what ``logrank_coded`` gives over all the durations, float for float
    (``_statistic_of_tables``): the same tables, counted in two parts. While no open
    record crossed an event time the tables are the same and so is the result, kept.

    ``closed`` are the closed records' durations, events and groups (places in
    ``labels``, which are in order), ``open_groups`` the open ones' groups, in the order
    ``at`` will be given their durations. An open record is never an event."""

    def __init__(
        self,
        closed: tuple[np.ndarray, np.ndarray, np.ndarray],
        open_groups: np.ndarray,
        labels: Sequence[str],
        like: OpenLogrank | None = None,
    ) -> None:
        """``like``: the test of the same closed records with other open ones (a record
        opened since, say), whose tables and sums are taken instead of counted again."""
        t, o, g = (np.asarray(closed[0], dtype=float), *closed[1:])
        o = np.asarray(o, dtype=bool)
        g = np.asarray(g, dtype=np.intp)
        self.labels = list(labels)
        self.closed = (t, o, g)
        self.open_groups = np.asarray(open_groups, dtype=np.intp)
        self.present = np.unique(np.concatenate([g, self.open_groups]))
        self._blocks: dict[int, tuple[int, np.ndarray, np.ndarray, np.ndarray]] = {}
        if (
            like is not None
            and like.labels == self.labels
            and _same_arrays(like.closed, self.closed)
        ):
            self.times, self.deaths, self._leaving, self._died = like.tables()
            if np.array_equal(like.present, self.present):
                self._blocks = like._blocks  # the same rows of the same tables
        else:
            self.times, self.deaths, self._leaving, self._died = _tables(t, o, g, len(labels))
        self._closed_reversed: np.ndarray | None = None
        """The closed records' ``leaving`` with its columns reversed, contiguous
        (``_risk_sets``), made at the first count."""
        self._open_rows = np.searchsorted(self.present, self.open_groups)
        self._reach: np.ndarray | None = None
        self._risk: np.ndarray | None = None
        self._last: tuple[bytes, dict[str, Any]] | None = None
        self.computed = 0
        """How many results were computed rather than kept (the tests read it)."""

    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The closed records' tables: the event times, the events at each, and each
        group's ``leaving`` and ``died`` (``_tables``); read, never changed."""
        return self.times, self.deaths, self._leaving, self._died

    def __getstate__(self) -> dict[str, Any]:
        # what is kept between two calls is made again by the next one: it is not kept
        # with the maintained state (``ledger.projections.kept``)
        return {
            **self.__dict__,
            "_blocks": {},
            "_reach": None,
            "_risk": None,
            "_closed_reversed": None,
        }

    def at(self, open_durations: np.ndarray) -> dict[str, Any]:
        """The test with the open records' durations ``open_durations`` (their order as
        their groups were given)."""
        if self.present.size < 2:
            return not_testable(_FEWER_THAN_TWO)
        if not self.times.size:
            return not_testable(_NO_EVENT)
        durations = np.asarray(open_durations, dtype=float)
        reach = np.searchsorted(self.times, durations, "right")
        key = reach.tobytes()
        if self._last is not None and self._last[0] == key:
            return _test_copy(self._last[1])
        self.computed += 1
        result = self._at(durations, reach)
        self._last = (key, result)
        return _test_copy(result)

    def _at(self, open_durations: np.ndarray, open_reach: np.ndarray) -> dict[str, Any]:
        m = self.times.size
        k = len(self.labels)
        rows = slice(None) if self.present.size == k else self.present  # no copy when all are
        at_risk = self._risk_sets(open_reach, m, k, rows)
        died = self._died[rows]
        total = at_risk.sum(axis=0)
        # every group is informative (``_informative_groups``) when every group is at risk
        # at the first event time whose variance term is not zero (the groups at risk only
        # shrink as time goes on)
        usable = np.flatnonzero((total > 1) & (self.deaths < total))
        if usable.size and bool(np.all(at_risk[:, usable[0]] > 0)):
            return _logrank_result(
                lambda: _statistic_of_tables(at_risk, died, self.deaths, self._blocks),
                [self.labels[n] for n in self.present.tolist()],
                [],
            )
        # some group carries no information (or none does): the test is over the others
        # alone, with their own event times (rare; computed from every duration)
        t, o, g = self.closed
        return _logrank(
            np.concatenate([t, open_durations]),
            np.concatenate([o, np.zeros(open_durations.size, dtype=bool)]),
            np.concatenate([g, self.open_groups]),
            self.labels,
        )

    def _risk_sets(self, open_reach: np.ndarray, m: int, k: int, rows: Any) -> np.ndarray:
        """The present groups' risk sets at each event time (``_at_risk``) with the open
        records placed at ``open_reach``. They are kept for the next call and changed in
        place: an open record whose place moved from r to s is at risk at the event times
        between the two, one more or one fewer (whole numbers, exact as floats), so a few
        records moved change a few columns instead of every count."""
        before, risk = self._reach, self._risk
        if before is not None and risk is not None:
            moved = np.flatnonzero(before != open_reach)
            if moved.size <= MOVES_FOLLOWED:
                for i in moved.tolist():
                    was, now, row = int(before[i]), int(open_reach[i]), self._open_rows[i]
                    if now > was:
                        risk[row, was:now] += 1.0
                    else:
                        risk[row, now:was] -= 1.0
                self._reach = open_reach
                return risk
        if self._closed_reversed is None:
            self._closed_reversed = np.ascontiguousarray(self._leaving[:, ::-1])
        # each group's ``leaving`` counted with its columns reversed (an open record that
        # reaches the first r event times at column m - r), to be summed in place
        reversed_leaving = np.bincount(
            self.open_groups * (m + 1) + (m - open_reach), minlength=k * (m + 1)
        ).reshape(k, m + 1)
        reversed_leaving += self._closed_reversed
        self._risk = _at_risk_reversed(reversed_leaving[rows])
        self._reach = open_reach
        return self._risk


MOVES_FOLLOWED = 256
"""Up to how many open records moved among the event times the risk sets are changed in
place (``OpenLogrank._risk_sets``); beyond, they are counted again."""


def _same_arrays(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _informative_groups(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> list[Any]:
    """Groups at risk at some event time where the log-rank variance is not zero.

    At an event time with n at risk and d events the variance term is zero when
    n <= 1 or d == n; a group never at risk at any other event time carries no
    information, and keeping it makes the variance matrix singular.

    A group is at risk at a time up to its latest duration, so the groups at
    risk shrink as time goes on: the union over the event times that carry
    information is the set at risk at the earliest of them, where at least
    two groups are (the second latest group's latest duration is not before
    it). Sorting once makes this linear in the records, not in records times
    event times.
    """
    labels, inverse = np.unique(g, return_inverse=True)
    if len(labels) < 2:
        return []
    latest = np.full(len(labels), -np.inf)
    np.maximum.at(latest, inverse, t)
    times, deaths = np.unique(t[e == 1], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), times, side="left")
    usable = (at_risk > 1) & (deaths < at_risk) & (times <= np.sort(latest)[-2])
    if not usable.any():
        return []
    return sorted(labels[latest >= times[usable][0]].tolist())


def survival_summary(durations: Durations, observed: Durations | Sequence[bool]) -> dict[str, Any]:
    """Kaplan–Meier summary of one group: n, events, censored (still open) and the median.

    The median is the first time the curve falls to 0.5 or below, or None
    ("not reached") while more than half are still without the event.
    """
    d, o = _arrays(durations, observed)
    return _summary_of(len(d), int(np.count_nonzero(o)), km_median(d, o))


_HALF = 0.5 + 1e-9
"""At or below this the curve has reached one half (``km_median``)."""


def _summary_of(n: int, events: int, median: float | None) -> dict[str, Any]:
    return {"n": n, "events": events, "censored": n - events, "median": median}


class OpenSummary:
    """``survival_summary`` of fixed records, some still open, at any time judged at (as
    ``OpenLogrank``): the closed records' durations never change and the event times are
    theirs, so the closed ones are counted at each event time once, here, and ``at``
    counts only where the open ones fall. The median is the same float as ``km_median``'s:
    each factor of the product is the same division of the same counts, and the factors
    of the times without events, which this leaves out, are exactly 1. While no open
    record crossed an event time the median is the one kept."""

    def __init__(self, closed: tuple[np.ndarray, np.ndarray], opened: int) -> None:
        t, o = _arrays(*closed)
        self.times, self.events = np.unique(t[o], return_counts=True)
        self._n, self._events = t.size + opened, int(np.count_nonzero(o))
        # how many closed durations are at or after each event time (at risk just before)
        self._closed_at_risk = t.size - np.searchsorted(np.sort(t), self.times, side="left")
        self._last: tuple[bytes, float | None] | None = None

    def at(self, open_durations: np.ndarray) -> dict[str, Any]:
        """The summary with the open records' durations ``open_durations``."""
        return _summary_of(self._n, self._events, self._median(open_durations))

    def _median(self, open_durations: np.ndarray) -> float | None:
        if not self.times.size:
            return None
        reach = np.searchsorted(self.times, np.asarray(open_durations, dtype=float), "right")
        key = reach.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        # an open duration is at risk at the event times before its ``reach``; counted with
        # the event times reversed (``_at_risk_reversed``)
        m = self.times.size
        reaching = np.bincount(m - reach, minlength=m + 1)
        at_risk = self._closed_at_risk + _at_risk_reversed(reaching[np.newaxis])[0]
        value = np.cumprod(1.0 - self.events / at_risk)
        reached = np.flatnonzero(value <= _HALF)
        median = float(self.times[reached[0]]) if reached.size else None
        self._last = (key, median)
        return median


def km_median(durations: Durations, observed: Durations | Sequence[bool]) -> float | None:
    """The first time the Kaplan–Meier curve is at or below one half (lifelines' convention).

    Computed from the unrounded product, with a tolerance of 1e-9 so that a
    curve that is exactly one half in exact arithmetic counts as reaching it
    whatever the floating-point order of the factors.
    """
    d, o = _arrays(durations, observed)
    return _MEDIANS.get(_durations_key(d, o), len(d), lambda: _km_median(d, o))


def _km_median(durations: np.ndarray, observed: np.ndarray) -> float | None:
    """The first time with events at which the product (``_product_limit``) is at or below
    one half."""
    if len(durations) == 0:
        return None
    times, _, events, _, value = _product_limit(durations, observed)
    reached = np.flatnonzero((events > 0) & (value <= _HALF))
    return float(times[reached[0]]) if reached.size else None
