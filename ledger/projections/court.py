"""The road through court: arrest → charge → first hearing → verdict, by group.

One record per case (one accused in one FIR), counted under the groups of the
person at the first arrest. Each stage is a time-to-event in days over the
cases that reached the stage's start (every arrested case for arrest → charge
and arrest → verdict; charged cases for charge → first hearing; heard cases for
first hearing → verdict): a case that has not yet reached the stage's end is
*censored* at the time judged at, not dropped, so a group whose few decided
cases were quick but whose many waiting cases are slow is not shown as fast.
Each stage shows the Kaplan–Meier median (None while more than half still
wait), how many reached the end and how many still wait. Adjournment reasons
are counted per group; conviction rates are over cases with a verdict, with
the cases still awaiting one beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from ledger.projections.casework import CaseFile
from ledger.projections.equality import NO_GROUP, Column, by_group, case_moments, days_to
from ledger.projections.facts import DAY, Facts, seconds
from ledger.projections.reuse import Reused, per_records, unchanged, with_times
from ledger.projections.statistics import rate, survival_summary

STAGES = (
    "arrest_to_charge",
    "charge_to_first_hearing",
    "first_hearing_to_verdict",
    "arrest_to_verdict",
)
STAGE_ENDS = {
    "arrest_to_charge": ("arrested", "charged"),
    "charge_to_first_hearing": ("charged", "heard"),
    "first_hearing_to_verdict": ("heard", "decided"),
    "arrest_to_verdict": ("arrested", "decided"),
}


def case_duration(facts: Facts, case: CaseFile) -> dict[str, Any] | None:
    """One case's record: when it reached each step and each stage's days (None while the
    stage runs: it is censored at the time judged at where it is summarised); None without
    an arrest."""
    arrest = case.first_arrest
    if arrest is None:
        return None
    moments = _moments(case)
    record: dict[str, Any] = {
        "case": case.case,
        "groups": facts.groups_of(case.person, arrest["occurred_at"]) or [NO_GROUP],
        "verdict": case.verdict["data"].get("verdict") if case.verdict else None,
        **_stages(moments),
    }
    record["adjournments"] = [
        h["data"].get("adjournment_reason") or "other"
        for h in case.hearings
        if h["data"].get("outcome") == "adjourned"
    ]
    record["derived_from"] = [
        e["id"]
        for e in (
            arrest,
            *case.charges[:1],
            *case.hearings[:1],
            *([case.verdict] if case.verdict else []),
        )
    ]
    return record


def _moments(case: CaseFile) -> dict[str, str | None]:
    """When a case (with an arrest) reached each step, None for a step not reached."""
    arrested, charged, decided = case_moments(case)
    heard = case.hearings[0]["occurred_at"] if case.hearings else None
    return {"arrested": arrested, "charged": charged, "heard": heard, "decided": decided}


def _stages(moments: dict[str, str | None]) -> dict[str, Any]:
    """Each stage's days to its end (None while it runs), whether its end was reached, and
    when it began (``since``, seconds); None for a stage not begun."""
    out: dict[str, Any] = {}
    for stage, (start, end) in STAGE_ENDS.items():
        began, ended = moments[start], moments[end]
        if began is None:
            out[stage] = None
            continue
        out[stage] = {
            "days": days_to(began, ended),
            "reached": ended is not None,
            "since": seconds(began),
        }
    return out


def stage_column(records: Sequence[dict[str, Any]], stage: str) -> Column:
    """One stage's days over the cases that reached its start, apart from the time judged
    at (``equality.Column``)."""
    started = [r[stage] for r in records if r[stage] is not None]
    return Column.over(started, "days", "since", "reached", DAY, 6)


def court_rows(
    durations: Sequence[dict[str, Any]], judged: float, reused: Reused | None = None
) -> list[dict[str, Any]]:
    """One row per group, in the order the groups first appear, the stages judged at
    ``judged``; with ``reused``, a group's counts are computed again only when its records
    are not the very records they were computed from, and its stages also when the time
    judged at moved."""
    rows = []
    for group, mine in by_group(durations, reused, "durations").items():
        names = (("court_row", group), ("court_stages", group))
        counts = partial(_court_counts, group, mine)
        stages = partial(_court_stages, group, mine, judged, reused)
        rows.append(with_times(reused, names, (mine,), None, counts, stages, judged))
    return rows


def _court_stages(
    group: str, mine: Sequence[dict[str, Any]], judged: float, reused: Reused | None
) -> dict[str, Any]:
    """A group's stages, each a Kaplan–Meier summary over the cases that reached its start,
    the cases still waiting censored at ``judged``; with ``reused``, a stage's column is
    made again only when the group's records changed."""
    out = {}
    for stage in STAGES:
        name = ("stage_column", stage, group)
        column = per_records(reused, name, mine, partial(stage_column, mine, stage), unchanged)
        out[stage] = survival_summary(column.at(judged), column.observed)
    return out


def _court_counts(group: str, mine: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A group's court row but for its stages, left None in their places (``_court_stages``)."""
    decided = [d for d in mine if d["verdict"] is not None]
    reasons: dict[str, int] = {}
    for d in mine:
        for r in d["adjournments"]:
            reasons[r] = reasons.get(r, 0) + 1
    row: dict[str, Any] = {"group": group, "cases": len(mine), **dict.fromkeys(STAGES)}
    row["awaiting_charge"] = sum(1 for d in mine if not d["arrest_to_charge"]["reached"])
    row["awaiting_verdict"] = len(mine) - len(decided)
    row["conviction_rate"] = {
        **rate(sum(1 for d in decided if d["verdict"] == "convicted"), len(decided)),
        "pending": len(mine) - len(decided),
    }
    row["adjournments"] = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    row["derived_from"] = tuple(sorted({e for d in mine for e in d["derived_from"]}))
    return row
