"""Every published statistic, recomputed from the JSON downloads with scipy, statsmodels and lifelines.

The reports are written to JSON exactly as the site's downloads and
``ledger report --json`` write them, read back, and each figure is recomputed
from what the downloads themselves say (counts, durations, as-of time) with
reference libraries; every one must agree within 1e-6.
"""

from __future__ import annotations

import json
import random
from itertools import product
from typing import Any

import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from scipy.stats import binomtest, fisher_exact, multivariate_hypergeom
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from ledger.projections.analysis import Analysis
from ledger.projections.facts import seconds
from tests.projections.builders import CityLog, at

GROUPS = ("lyari-wing", "kalakot-gang", "old-city")


def city(seed: int) -> CityLog:
    rng = random.Random(seed)
    log = CityLog()
    for g in GROUPS:
        log.group(g)
    log.officer("OFF-1")
    log.officer("OFF-2")
    people = [(f"P-{i}", GROUPS[i % 3]) for i in range(18)]
    for person, group in people:
        log.person(person, group)
    log.warning("W-1", list(GROUPS), arrest_hours=48, attacks=True)
    day = 1.0
    for i in range(40):
        day += rng.uniform(0.5, 4)
        person, group = rng.choice(people)
        target = rng.choice([[], [g for g in GROUPS if g != group][:1]])
        log.shooting(f"INC-{i}", at(days=day), suspects=[person], targets=target)
        if rng.random() < 0.7:
            case = f"FIR-{i}"
            log.arrest(
                case,
                person,
                at(days=day + rng.choice([0.5, 1, 1, 3, 6])),
                incidents=[f"INC-{i}"],
                officer=rng.choice(["OFF-1", "OFF-2"]),
            )
            if rng.random() < 0.5:
                log.charge(case, person, at(days=day + 8))
            if rng.random() < 0.4:
                log.release(
                    case,
                    person,
                    at(days=day + 9),
                    rng.choice(["none", "on_instructions"]),
                    instructions_from="MPA",
                )
            elif rng.random() < 0.4:
                log.add(
                    "verdict.delivered",
                    "court",
                    {
                        "case": case,
                        "person": person,
                        "verdict": rng.choice(["convicted", "acquitted"]),
                        "section": "trial",
                        "judge": "J",
                    },
                    at(days=day + 20),
                )
        if rng.random() < 0.2:
            log.transfer(rng.choice(["OFF-1", "OFF-2"]), at(days=day + 2))
    log.tick(at(days=day + 30))
    return log


def download(log: CityLog, name: str) -> dict[str, Any]:
    a = Analysis(log.facts(), len(log.statements), "00")
    return dict(json.loads(json.dumps(a.report(name).to_json())))


def rate_cells(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        v
        for r in rows
        for v in r.values()
        if isinstance(v, dict) and "suppressed" in v and "rate" in v
    ]


def freeman_halton(counts: list[tuple[int, int]]) -> float:
    sizes = [n for _, n in counts]
    k = sum(c for c, _ in counts)
    observed = multivariate_hypergeom.pmf([c for c, _ in counts], sizes, k)
    return float(
        sum(
            p
            for cells in product(*(range(n + 1) for n in sizes))
            if sum(cells) == k
            for p in [multivariate_hypergeom.pmf(list(cells), sizes, k)]
            if p <= observed * (1 + 1e-7)
        )
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_every_published_statistic_agrees_with_reference_libraries(seed: int) -> None:
    log = city(seed)
    groups = download(log, "groups")
    promises = download(log, "promises")
    officers = download(log, "officers")
    checked = 0
    for cell in rate_cells(groups["rows"]):
        if not cell["suppressed"]:
            low, high = proportion_confint(cell["count"], cell["denominator"], method="wilson")
            assert (cell["rate"], cell["ci_low"], cell["ci_high"]) == pytest.approx(
                (cell["count"] / cell["denominator"], low, high), abs=1e-6
            )
            checked += 1
    rows = {r["group"]: r for r in groups["rows"]}
    as_of = seconds(promises["as_of"])
    by_group: dict[str, tuple[list[float], list[bool]]] = {g: ([], []) for g in GROUPS}
    for t in promises["rows"]:
        d, o = by_group[t["group"]]
        arrested = t["hours_to_arrest"] is not None
        d.append(t["hours_to_arrest"] if arrested else (as_of - seconds(t["shot_at"])) / 3600)
        o.append(arrested)
    for g, (d, o) in by_group.items():
        summary = rows[g]["time_to_arrest"]
        assert (summary["n"], summary["events"]) == (len(d), sum(o))
        if d:
            # lifelines computes the curve; the median is its first time at or below one half (an exact
            # half included: the documented convention, which float rounding would otherwise decide)
            curve = KaplanMeierFitter().fit(d, o).survival_function_["KM_estimate"]
            reached = [float(t) for t, value in curve.items() if value <= 0.5 + 1e-9]
            assert summary["median"] == (pytest.approx(reached[0], abs=1e-6) if reached else None)
            checked += 1
    tests = {t["metric"]: t for t in groups["extra"]["tests"]}
    durations = [x for g in GROUPS for x in by_group[g][0]]
    observed = [x for g in GROUPS for x in by_group[g][1]]
    labels = [g for g in GROUPS for _ in by_group[g][0]]
    reference = multivariate_logrank_test(durations, labels, observed)
    assert tests["time_to_arrest"]["p_value"] == pytest.approx(reference.p_value, abs=1e-6)
    for metric, key in (
        ("release", "release_rate"),
        ("charge", "charge_rate"),
        ("conviction", "conviction_rate"),
        ("arrest_on_time", "arrest_on_time_rate"),
    ):
        counts = [
            (rows[g][key]["count"], rows[g][key]["denominator"])
            for g in GROUPS
            if rows[g][key]["denominator"]
        ]
        result = tests[metric]
        if result["p_value"] is None:
            continue
        if len(counts) == 2:
            reference_p = fisher_exact([[k, n - k] for k, n in counts]).pvalue
        else:
            reference_p = freeman_halton(counts)
        assert result["p_value"] == pytest.approx(reference_p, abs=1e-6), metric
        checked += 1
    testable = [t for t in groups["extra"]["tests"] if t["p_value"] is not None]
    adjusted = multipletests([t["p_value"] for t in testable], method="holm")[1]
    assert [t["p_holm"] for t in testable] == pytest.approx(list(adjusted), abs=1e-6)
    signals = officers["extra"]["retaliation_signals"]
    for s in signals:
        if s["p_value"] is not None:
            expected = binomtest(
                s["transfers_after_arrests"], s["transfers"], s["base_rate"], alternative="greater"
            )
            assert s["p_value"] == pytest.approx(expected.pvalue, abs=1e-6)
            checked += 1
    held = [s for s in signals if s["p_value"] is not None]
    if held:
        assert [s["p_holm"] for s in held] == pytest.approx(
            list(multipletests([s["p_value"] for s in held], method="holm")[1]), abs=1e-6
        )
    assert checked >= 10
