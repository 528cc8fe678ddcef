"""The road through court: arrest → charge → first hearing → verdict, by group.

Durations are in days, per case (the first arrest, the first charge, the first
hearing, the verdict), summarised per group as n, median and interquartile
range; only cases that reached a step count for it (open cases are listed in
``extra`` as still waiting, not dropped silently). Adjournment reasons are
counted per group; conviction rates carry Wilson intervals.
"""

from __future__ import annotations

from typing import Any

from ledger.projections.casework import CaseFile
from ledger.projections.equality import NO_GROUP
from ledger.projections.facts import DAY, Facts, seconds
from ledger.projections.statistics import quartiles, rate

STAGES = (
    "arrest_to_charge",
    "charge_to_first_hearing",
    "first_hearing_to_verdict",
    "arrest_to_verdict",
)


def _days(a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    return (seconds(b) - seconds(a)) / DAY


def case_durations(facts: Facts, files: dict[str, CaseFile]) -> list[dict[str, Any]]:
    out = []
    for case in files.values():
        arrest = case.first_arrest
        if arrest is None:
            continue
        arrested = arrest["occurred_at"]
        charged = case.charges[0]["occurred_at"] if case.charges else None
        heard = case.hearings[0]["occurred_at"] if case.hearings else None
        decided = case.verdict["occurred_at"] if case.verdict else None
        out.append(
            {
                "case": case.case,
                "groups": facts.groups_of(case.person, arrested) or [NO_GROUP],
                "arrest_to_charge": _days(arrested, charged),
                "charge_to_first_hearing": _days(charged, heard),
                "first_hearing_to_verdict": _days(heard, decided),
                "arrest_to_verdict": _days(arrested, decided),
                "verdict": case.verdict["data"].get("verdict") if case.verdict else None,
                "adjournments": [
                    h["data"].get("adjournment_reason") or "other"
                    for h in case.hearings
                    if h["data"].get("outcome") == "adjourned"
                ],
                "derived_from": [
                    e["id"]
                    for e in (
                        arrest,
                        *case.charges[:1],
                        *case.hearings[:1],
                        *([case.verdict] if case.verdict else []),
                    )
                ],
            }
        )
    return out


def court_rows(durations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: list[str] = []
    for d in durations:
        for g in d["groups"]:
            if g not in groups:
                groups.append(g)
    rows = []
    for group in groups:
        mine = [d for d in durations if group in d["groups"]]
        decided = [d for d in mine if d["verdict"] is not None]
        reasons: dict[str, int] = {}
        for d in mine:
            for r in d["adjournments"]:
                reasons[r] = reasons.get(r, 0) + 1
        row: dict[str, Any] = {"group": group, "cases": len(mine)}
        for stage in STAGES:
            row[stage] = quartiles([d[stage] for d in mine if d[stage] is not None])
        row["awaiting_charge"] = sum(1 for d in mine if d["arrest_to_charge"] is None)
        row["awaiting_verdict"] = sum(1 for d in mine if d["verdict"] is None)
        row["conviction_rate"] = rate(
            sum(1 for d in decided if d["verdict"] == "convicted"), len(decided)
        )
        row["adjournments"] = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
        row["derived_from"] = sorted({e for d in mine for e in d["derived_from"]})
        rows.append(row)
    return rows
