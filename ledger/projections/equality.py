"""Equal treatment across groups: outcomes, time to arrest, release, charge and conviction.

Who counts for a group: a trigger counts for each group it is attributed to
(``promises``); a custody spell counts for each group the arrested person was a
member of when arrested; a person in no group is shown as ``(no group)`` but
left out of the tests across groups. "All others" in a rate ratio means every
spell or trigger not counted for that group. A disparity is a question, not
proof: see docs/methodology.md.
"""

from __future__ import annotations

from typing import Any

from ledger.projections.casework import CaseFile
from ledger.projections.facts import Facts
from ledger.projections.promises import UNATTRIBUTED
from ledger.projections.statistics import (
    compare_rates,
    holm,
    kaplan_meier,
    logrank,
    median_from_curve,
    rate,
    rate_ratio,
)

NO_GROUP = "(no group)"
SPELL_METRICS = ("released", "unexplained_release", "charged", "convicted")


def spell_records(
    facts: Facts, files: dict[str, CaseFile], unexplained: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """One record per custody spell: groups at arrest, released, unexplained, charged, verdict."""
    out: list[dict[str, Any]] = []
    for case in files.values():
        verdict = case.verdict["data"].get("verdict") if case.verdict else None
        for spell in case.spells:
            release = spell.release
            out.append(
                {
                    "case": case.case,
                    "person": spell.person,
                    "groups": facts.groups_of(spell.person, spell.start) or [NO_GROUP],
                    "arrest": spell.arrest["id"],
                    "officer": spell.arrest["data"].get("officer"),
                    "released": release is not None,
                    "release": release["id"] if release else None,
                    "authorising_officer": release["data"].get("authorising_officer")
                    if release
                    else None,
                    "unexplained_release": bool(release and release["id"] in unexplained),
                    "charged": bool(case.charges),
                    "decided": verdict is not None,
                    "convicted": verdict == "convicted",
                }
            )
    return out


def _groups_in(
    facts: Facts, triggers: list[dict[str, Any]], spells: list[dict[str, Any]]
) -> list[str]:
    groups = list(facts.groups)
    for record in [*triggers, *spells]:
        for g in record["groups"]:
            if g not in groups:
                groups.append(g)
    return groups


def _count(
    records: list[dict[str, Any]], group: str, key: str, base: str | None = None
) -> tuple[int, int]:
    """(how many have ``key``, how many) among the records counted for ``group`` (and having ``base``)."""
    mine = _by_group(records).get(group, [])
    mine = [r for r in mine if base is None or r[base]]
    return sum(1 for r in mine if r[key]), len(mine)


def _count_others(
    records: list[dict[str, Any]], group: str, key: str, base: str | None = None
) -> tuple[int, int]:
    """The same among every record *not* counted for ``group`` (all minus the group's own)."""
    everyone = [r for r in records if base is None or r[base]]
    k, n = _count(records, group, key, base)
    return sum(1 for r in everyone if r[key]) - k, len(everyone) - n


_GROUP_INDEX: dict[int, tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]] = {}


def _by_group(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Records indexed by group, remembered for the list being counted (the last few lists)."""
    cached = _GROUP_INDEX.get(id(records))
    if cached is not None and cached[0] is records:
        return cached[1]
    index: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        for g in r["groups"]:
            index.setdefault(g, []).append(r)
    if len(_GROUP_INDEX) > 16:
        _GROUP_INDEX.clear()
    _GROUP_INDEX[id(records)] = (records, index)
    return index


def group_rows(
    facts: Facts, triggers: list[dict[str, Any]], spells: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per group with its outcomes, rates (Wilson), and rate ratios against all others."""
    for t in triggers:
        t.setdefault("arrested", t["arrest"]["status"] in ("met", "met_late"))
        t.setdefault("arrest_due", t["arrest"]["status"] != "awaiting")
    rows: list[dict[str, Any]] = []
    for group in _groups_in(facts, triggers, spells):
        mine = [t for t in triggers if group in t["groups"]]
        curve = kaplan_meier(*durations_of(mine)) if mine else []
        name = (
            facts.events[facts.groups[group]]["data"].get("name")
            if group in facts.groups
            else group
        )
        outcomes = {
            o: sum(1 for t in mine if t["outcome"] == o)
            for o in ("kept", "kept_late", "broken", "pending")
        }
        decided = outcomes["kept"] + outcomes["kept_late"] + outcomes["broken"]
        k_rel, n_sp = _count(spells, group, "released")
        k_unx, _ = _count(spells, group, "unexplained_release")
        k_chg, _ = _count(spells, group, "charged")
        k_conv, n_dec = _count(spells, group, "convicted", base="decided")
        k_arr, n_due = _count(mine, group, "arrested", base="arrest_due")
        rows.append(
            {
                "group": group,
                "name": name,
                "triggers": len(mine),
                **outcomes,
                "kept_rate": rate(outcomes["kept"] + outcomes["kept_late"], decided),
                "arrest_rate": rate(k_arr, n_due),
                "median_hours_to_arrest": median_from_curve(curve) if len(mine) >= 5 else None,
                "spells": n_sp,
                "release_rate": rate(k_rel, n_sp),
                "unexplained_release_rate": rate(k_unx, n_sp),
                "unexplained_release_rate_ratio": rate_ratio(
                    k_unx, n_sp, *_count_others(spells, group, "unexplained_release")
                ),
                "release_rate_ratio": rate_ratio(
                    k_rel, n_sp, *_count_others(spells, group, "released")
                ),
                "charge_rate": rate(k_chg, n_sp),
                "conviction_rate": rate(k_conv, n_dec),
                "derived_from": sorted(
                    {e for t in mine for e in t["derived_from"]}
                    | {s["arrest"] for s in spells if group in s["groups"]}
                    | {s["release"] for s in spells if group in s["groups"] and s["release"]}
                ),
            }
        )
    return rows


def durations_of(triggers: list[dict[str, Any]]) -> tuple[list[float], list[bool]]:
    durations = [
        t["hours_to_arrest"] if t["hours_to_arrest"] is not None else t["hours_open"]
        for t in triggers
    ]
    observed = [t["hours_to_arrest"] is not None for t in triggers]
    return durations, observed


def km_curves(triggers: list[dict[str, Any]], groups: list[str]) -> dict[str, list[dict[str, Any]]]:
    return {
        g: kaplan_meier(*durations_of([t for t in triggers if g in t["groups"]]))
        for g in groups
        if any(g in t["groups"] for t in triggers)
    }


def group_tests(
    triggers: list[dict[str, Any]], spells: list[dict[str, Any]], groups: list[str]
) -> list[dict[str, Any]]:
    """The family of tests across groups, each with its method, p-value and Holm-adjusted p-value."""
    tested = [g for g in groups if g not in (NO_GROUP, UNATTRIBUTED)]
    decided = [
        dict(t, kept_any=t["outcome"] in ("kept", "kept_late"))
        for t in triggers
        if t["outcome"] != "pending"
    ]
    family: list[tuple[str, str, dict[str, Any]]] = []
    family.append(
        (
            "promise_kept",
            "kept or kept late, of decided triggers",
            compare_rates([_count(decided, g, "kept_any") for g in tested]),
        )
    )
    family.append(
        (
            "arrest",
            "arrested, of triggers whose arrest deadline passed or were arrested",
            compare_rates([_count(triggers, g, "arrested", base="arrest_due") for g in tested]),
        )
    )
    family.append(
        (
            "release",
            "released, of custody spells",
            compare_rates([_count(spells, g, "released") for g in tested]),
        )
    )
    family.append(
        (
            "unexplained_release",
            "ended by an unexplained release, of custody spells",
            compare_rates([_count(spells, g, "unexplained_release") for g in tested]),
        )
    )
    family.append(
        (
            "charge",
            "charged, of custody spells",
            compare_rates([_count(spells, g, "charged") for g in tested]),
        )
    )
    family.append(
        (
            "conviction",
            "convicted, of decided cases",
            compare_rates([_count(spells, g, "convicted", base="decided") for g in tested]),
        )
    )
    durations: list[float] = []
    observed: list[bool] = []
    labels: list[str] = []
    for g in tested:
        d, o = durations_of([t for t in triggers if g in t["groups"]])
        durations += d
        observed += o
        labels += [g] * len(d)
    family.append(
        (
            "time_to_arrest",
            "hours from shooting to arrest (open triggers censored)",
            logrank(durations, observed, labels),
        )
    )
    pvalues = [r["p_value"] for _, _, r in family if r["p_value"] is not None]
    adjusted = iter(holm(pvalues))
    out = []
    for metric, what, result in family:
        p_holm = next(adjusted) if result["p_value"] is not None else None
        out.append(
            {
                "metric": metric,
                "compares": what,
                **result,
                "p_value": None if result["p_value"] is None else round(result["p_value"], 8),
                "p_holm": None if p_holm is None else round(p_holm, 8),
                "groups": tested,
            }
        )
    return out
