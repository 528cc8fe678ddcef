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
from ledger.projections.equality import (
    NO_GROUP,
    Clocks,
    by_group,
    case_moments,
    days_between,
    days_since,
)
from ledger.projections.facts import Facts, seconds
from ledger.projections.reuse import Reused, row_copy
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


def case_durations(facts: Facts, files: dict[str, CaseFile], as_of: str) -> list[dict[str, Any]]:
    """Per case: when it reached each step (or None) and each stage's days, censored at ``as_of``."""
    judged = seconds(as_of) if as_of else 0.0
    return [r for case in files.values() if (r := case_duration(facts, case, judged)) is not None]


def case_duration(facts: Facts, case: CaseFile, judged: float) -> dict[str, Any] | None:
    """One case's record (``case_durations``) judged at ``judged`` (seconds); None
    without an arrest."""
    arrest = case.first_arrest
    if arrest is None:
        return None
    moments = _moments(case)
    record: dict[str, Any] = {
        "case": case.case,
        "groups": facts.groups_of(case.person, arrest["occurred_at"]) or [NO_GROUP],
        "verdict": case.verdict["data"].get("verdict") if case.verdict else None,
        **_stages(moments, judged),
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


def stage_clocks(case: CaseFile) -> Clocks:
    """The case's stages still running: (stage, when it began in seconds); none without an
    arrest."""
    if case.first_arrest is None:
        return ()
    moments = _moments(case)
    return tuple(
        (stage, seconds(began))
        for stage, (start, end) in STAGE_ENDS.items()
        if (began := moments[start]) is not None and moments[end] is None
    )


def retimed_duration(
    record: dict[str, Any] | None, clocks: Clocks, judged: float
) -> dict[str, Any] | None:
    """``case_duration`` of the same case judged at ``judged``, from its ``record`` judged at
    another time and its ``stage_clocks``: the stages still running count their days to
    ``judged``."""
    if record is None or not clocks:
        return record
    running = {
        stage: {"days": days_since(start, judged), "reached": False} for stage, start in clocks
    }
    return {**record, **running}


def _moments(case: CaseFile) -> dict[str, str | None]:
    """When a case (with an arrest) reached each step, None for a step not reached."""
    arrested, charged, decided = case_moments(case)
    heard = case.hearings[0]["occurred_at"] if case.hearings else None
    return {"arrested": arrested, "charged": charged, "heard": heard, "decided": decided}


def _stages(moments: dict[str, str | None], judged: float) -> dict[str, Any]:
    """Each stage's days (to its end, or while it runs to ``judged``) and whether its end was
    reached; None for a stage not begun."""
    out: dict[str, Any] = {}
    for stage, (start, end) in STAGE_ENDS.items():
        began, ended = moments[start], moments[end]
        if began is None:
            out[stage] = None
            continue
        out[stage] = {"days": days_between(began, ended, judged), "reached": ended is not None}
    return out


def stage_summary(records: Sequence[dict[str, Any]], stage: str) -> dict[str, Any]:
    """Kaplan–Meier summary of one stage over the cases that reached its start."""
    started = [r[stage] for r in records if r[stage] is not None]
    return survival_summary([s["days"] for s in started], [s["reached"] for s in started])


def court_rows(
    durations: Sequence[dict[str, Any]], reused: Reused | None = None
) -> list[dict[str, Any]]:
    """One row per group, in the order the groups first appear; with ``reused``, a group's
    row is computed again only when its records are not the very records it was computed
    from."""
    rows = []
    for group, mine in by_group(durations, reused, "durations").items():
        compute = partial(_court_row, group, mine)
        if reused is None:
            rows.append(compute())
        else:
            rows.append(reused.get(("court_row", group), (mine,), None, compute, row_copy))
    return rows


def _court_row(group: str, mine: Sequence[dict[str, Any]]) -> dict[str, Any]:
    decided = [d for d in mine if d["verdict"] is not None]
    reasons: dict[str, int] = {}
    for d in mine:
        for r in d["adjournments"]:
            reasons[r] = reasons.get(r, 0) + 1
    row: dict[str, Any] = {"group": group, "cases": len(mine)}
    for stage in STAGES:
        row[stage] = stage_summary(mine, stage)
    row["awaiting_charge"] = sum(1 for d in mine if not d["arrest_to_charge"]["reached"])
    row["awaiting_verdict"] = len(mine) - len(decided)
    row["conviction_rate"] = {
        **rate(sum(1 for d in decided if d["verdict"] == "convicted"), len(decided)),
        "pending": len(mine) - len(decided),
    }
    row["adjournments"] = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    row["derived_from"] = tuple(sorted({e for d in mine for e in d["derived_from"]}))
    return row
