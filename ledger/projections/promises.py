"""Promises kept: for every trigger, was the promise kept?

A *trigger* is one (shooting, group) pair, counted once however many warnings
cover it:

* ``by_member``: the shooting is attributed (latest counted
  ``shooting.attributed``) to a group, or to a suspect who was a member of it
  at the time, and a warning in force covers that group and the act: the
  promised crackdown is on this group, and the row counts under it;
* ``attack_on_group``: the shooting was aimed at a group that a warning in
  force protects (``covers_attacks_on_groups``): the promise that its
  attackers are pursued the same way was made to the group attacked, and the
  row counts under the group attacked, never under the attackers (who may
  never have been warned).

For each trigger three consequences are due, counted from the shooting: an
arrest citing the incident within ``arrest_hours``; an enforcement action
citing the incident (or citing one of the warnings and no incident: a general
enforcement) within ``enforcement_days``, against the group for ``by_member``
and against the attackers' groups for ``attack_on_group`` (due only when they
are known); a charge on a case opened by such an arrest within
``charge_days``. When several warnings cover the pair, the strictest deadline
of each kind applies. The outcome is

* ``broken`` if any consequence is missing after its deadline, or an arrest for
  the incident ended in an unexplained release (the promise was undone);
* ``pending`` if not broken and some deadline is still ahead of the time
  judged at;
* ``kept_late`` if every consequence happened but some after its deadline;
* ``kept`` if every consequence happened by its deadline.

Deadlines are judged at a signed time (``ledger.projections.evaluation``),
never the wall clock, so the same log and checkpoint always give the same
outcomes.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ledger.projections.casework import CaseFile
from ledger.projections.facts import DAY, HOUR, Event, Facts, seconds
from ledger.projections.statistics import rate

OUTCOMES = ("kept", "kept_late", "broken", "pending")
UNATTRIBUTED = "(unattributed)"
BY_MEMBER = "by_member"
ATTACK = "attack_on_group"


def acts_of(shooting: Event) -> set[str]:
    acts = {"shooting", "armed_attack"}
    if int(shooting["data"].get("killed", 0) or 0) > 0:
        acts.add("killing")
    return acts


def latest_attribution(facts: Facts, incident: str) -> Event | None:
    found = facts.incidents.get(incident, {}).get("attributions", [])
    counted = [facts.events[e] for e in found if facts.counts(e)]
    return counted[-1] if counted else None


def shooter_groups(facts: Facts, attribution: Event, at: str) -> list[str]:
    groups = list(attribution["data"].get("groups", []))
    for suspect in attribution["data"].get("suspects", []):
        for group in facts.groups_of(suspect, at):
            if group not in groups:
                groups.append(group)
    return groups


@lru_cache(maxsize=65536)
def _deadline_text(due: float) -> str:
    """A deadline as the ledger writes times (each trigger's deadlines are judged again
    whenever the time judged at moves; the text of one does not)."""
    return datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _requirement(due: float, happened: Event | None, as_of: float) -> dict[str, Any]:
    deadline = _deadline_text(due)
    if happened is not None:
        late = seconds(happened["occurred_at"]) > due
        return {
            "status": "met_late" if late else "met",
            "deadline": deadline,
            "event": happened["id"],
            "at": happened["occurred_at"],
        }
    return {
        "status": "missed" if as_of > due else "awaiting",
        "deadline": deadline,
        "event": None,
        "at": None,
    }


def covering_warnings(facts: Facts, group: str, shooting: Event, *, attack: bool) -> list[str]:
    """Warnings in force at the shooting, covering its act and ``group`` (for attacks: with protection)."""
    at = shooting["occurred_at"]
    acts = acts_of(shooting)
    out = []
    for key, event_id in facts.warnings.items():
        w = facts.events[event_id]["data"]
        if group not in w.get("groups", []) or not (
            w["effective_from"] <= at <= w["effective_until"]
        ):
            continue
        if not acts & set(w.get("covered_acts", [])):
            continue
        if attack and not w.get("covers_attacks_on_groups"):
            continue
        out.append(key)
    return out


def evaluate_triggers(
    facts: Facts, files: dict[str, CaseFile], unexplained: dict[str, list[str]], as_of: str
) -> list[dict[str, Any]]:
    """One row per trigger, in shooting order: (shooting, shooter group) or (shooting, group attacked).

    A shooting covered by two warnings is still one trigger per group: the
    warnings are listed on the row and the strictest of their deadlines
    applies (each warning promised at least that). ``as_of`` is the time the
    deadlines are judged at (see ``ledger.projections.evaluation``).
    """
    judged = seconds(as_of) if as_of else 0.0
    actions = ActionIndex(facts)
    return [
        judge(basis, judged)
        for incident, shooting in reported_shootings(facts)
        for basis in incident_triggers(facts, files, actions, unexplained, incident, shooting)
    ]


def reported_shootings(facts: Facts) -> list[tuple[str, Event]]:
    """(incident, its counted report), in log order of the reports."""
    shootings = []
    for incident, entry in facts.incidents.items():
        reported = entry.get("reported")
        if reported and facts.counts(reported):
            shootings.append((incident, facts.events[reported]))
    shootings.sort(key=lambda pair: pair[1]["i"])
    return shootings


def incident_triggers(
    facts: Facts,
    files: dict[str, CaseFile],
    actions: ActionIndex,
    unexplained: dict[str, list[str]],
    incident: str,
    shooting: Event,
) -> list[dict[str, Any]]:
    """The triggers of one shooting, before they are judged at a time (``judge``)."""
    attribution = latest_attribution(facts, incident)
    if attribution is None:
        return []
    shooters = shooter_groups(facts, attribution, shooting["occurred_at"])
    pairs = [(g, BY_MEMBER, covering_warnings(facts, g, shooting, attack=False)) for g in shooters]
    targets = list(dict.fromkeys(attribution["data"].get("target_groups", [])))
    pairs += [(g, ATTACK, covering_warnings(facts, g, shooting, attack=True)) for g in targets]
    return [
        _trigger_basis(
            facts,
            files,
            actions,
            unexplained,
            warnings,
            group,
            kind,
            incident,
            shooting,
            attribution,
            shooters,
        )
        for group, kind, warnings in pairs
        if warnings
    ]


class ActionIndex:
    """Enforcement actions by incident cited, and general ones (no incident) by (warning, group)."""

    def __init__(self, facts: Facts) -> None:
        self.by_incident: dict[str, list[Event]] = {}
        self.general: dict[tuple[str, str], list[Event]] = {}
        for action_id in facts.actions:
            if not facts.counts(action_id):
                continue
            action = facts.events[action_id]
            data = action["data"]
            for incident in data.get("incidents", []):
                self.by_incident.setdefault(incident, []).append(action)
            if not data.get("incidents") and data.get("warning"):
                self.general.setdefault((data["warning"], data.get("group", "")), []).append(action)
        for found in [*self.by_incident.values(), *self.general.values()]:
            found.sort(key=lambda a: (a["occurred_at"], a["i"]))

    def first(
        self, incident: str, warnings: list[str], groups: list[str], since: str
    ) -> Event | None:
        """The earliest action against one of ``groups`` at or after ``since`` for this incident or warnings."""
        candidates = [
            a for a in self.by_incident.get(incident, []) if a["data"].get("group") in groups
        ]
        for warning in warnings:
            for group in groups:
                general = self.general.get((warning, group), [])
                times = [a["occurred_at"] for a in general]
                at = bisect_left(times, since)
                if at < len(general):
                    candidates.append(general[at])
        candidates = [a for a in candidates if a["occurred_at"] >= since]
        return min(candidates, key=lambda a: (a["occurred_at"], a["i"])) if candidates else None


def _trigger_basis(
    facts: Facts,
    files: dict[str, CaseFile],
    actions: ActionIndex,
    unexplained: dict[str, list[str]],
    warnings: list[str],
    group: str,
    kind: str,
    incident: str,
    shooting: Event,
    attribution: Event,
    shooters: list[str],
) -> dict[str, Any]:
    """Everything about a trigger that does not depend on the time judged at: each
    consequence's due time and the event that met it, if any (``judge`` finishes it)."""
    issued = [facts.events[facts.warnings[w]] for w in warnings]
    deadlines = {
        step: min(w["data"]["deadlines"][step] for w in issued)
        for step in ("arrest_hours", "enforcement_days", "charge_days")
    }
    shot = seconds(shooting["occurred_at"])
    arrests = [
        facts.events[a] for a in facts.arrests_by_incident.get(incident, []) if facts.counts(a)
    ]
    arrests = [a for a in arrests if a["occurred_at"] >= shooting["occurred_at"]]
    first_arrest = arrests[0] if arrests else None
    against = [group] if kind == BY_MEMBER else shooters
    action = actions.first(incident, warnings, against, shooting["occurred_at"])
    charges = sorted(
        (
            c
            for a in arrests
            for c in files[a["data"]["case"]].charges
            if a["data"]["case"] in files
        ),
        key=lambda c: (c["occurred_at"], c["i"]),
    )
    due: dict[str, tuple[float, Event | None]] = {
        "arrest": (shot + deadlines["arrest_hours"] * HOUR, first_arrest),
        "charge": (shot + deadlines["charge_days"] * DAY, charges[0] if charges else None),
    }
    if against:
        due["enforcement"] = (shot + deadlines["enforcement_days"] * DAY, action)
    undone_by = None
    for arrest in arrests:
        case = files.get(arrest["data"]["case"])
        spell = (
            next((s for s in case.spells if s.arrest["id"] == arrest["id"]), None) if case else None
        )
        if spell is not None and spell.release is not None and spell.release["id"] in unexplained:
            undone_by = spell.release["id"]
            break
    hours = (seconds(first_arrest["occurred_at"]) - shot) / HOUR if first_arrest else None
    return {
        "due": due,
        "shot": shot,
        "issued": [w["id"] for w in issued],
        "attribution": attribution["id"],
        "cases": sorted({a["data"]["case"] for a in arrests}),
        "undone_by": undone_by,
        "hours_to_arrest": round(hours, 4) if hours is not None else None,
        "row": {
            "warning": warnings[0],
            "warnings": warnings,
            "incident": incident,
            "trigger_event": shooting["id"],
            "shot_at": shooting["occurred_at"],
            "trigger": kind,
            "group": group,
            "groups": [group],
            "shooter_groups": shooters,
            "attacked_groups": [group] if kind == ATTACK else [],
        },
    }


def judge(basis: dict[str, Any], judged: float) -> dict[str, Any]:
    """A trigger's row judged at ``judged`` (seconds): each consequence met, met late,
    awaiting or missed, and the outcome."""
    requirements = {
        step: _requirement(due, happened, judged) for step, (due, happened) in basis["due"].items()
    }
    row = basis["row"]
    undone_by = basis["undone_by"]
    statuses = {r["status"] for r in requirements.values()}
    if undone_by or "missed" in statuses:
        outcome = "broken"
    elif "awaiting" in statuses:
        outcome = "pending"
    elif "met_late" in statuses:
        outcome = "kept_late"
    else:
        outcome = "kept"
    consequence_ids = [r["event"] for r in requirements.values() if r["event"]]
    return {
        **row,
        "outcome": outcome,
        "arrest": requirements["arrest"],
        "enforcement": requirements.get("enforcement"),
        "charge": requirements["charge"],
        "undone_by": undone_by,
        "hours_to_arrest": basis["hours_to_arrest"],
        "shot_seconds": basis["shot"],
        "derived_from": [
            *basis["issued"],
            row["trigger_event"],
            basis["attribution"],
            *consequence_ids,
            *([undone_by] if undone_by else []),
        ],
        "arrest_on_time": requirements["arrest"]["status"] == "met",
        "arrest_late": requirements["arrest"]["status"] == "met_late",
        "arrest_due": requirements["arrest"]["status"] != "awaiting",
    }


def judged_alike(basis: dict[str, Any], judged: float) -> tuple[float, float]:
    """The times ``t`` with ``lo < t <= hi`` at which ``judge(basis, t)`` equals
    ``judge(basis, judged)``, as ``(lo, hi)``: between the open deadlines that ``judged``
    lies between (a deadline met is met at every time)."""
    lo, hi = -math.inf, math.inf
    for due, happened in basis["due"].values():
        if happened is not None:
            continue
        if judged > due:  # missed at every later time
            lo = max(lo, due)
        else:  # awaiting until the deadline passes
            hi = min(hi, due)
    return lo, hi


def promise_summary(triggers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts of each outcome and the kept share of decided triggers (kept + kept_late over decided)."""
    return outcome_summary(Counter(t["outcome"] for t in triggers), len(triggers))


def outcome_summary(found: Mapping[str, int], triggers: int) -> dict[str, Any]:
    """``promise_summary`` of ``triggers`` triggers whose outcomes were counted in ``found``."""
    counts = {o: found.get(o, 0) for o in OUTCOMES}
    decided = counts["kept"] + counts["kept_late"] + counts["broken"]
    return {
        **counts,
        "triggers": triggers,
        "kept_rate": rate(counts["kept"] + counts["kept_late"], decided),
    }
