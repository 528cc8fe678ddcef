"""Promises kept: for every warning and every trigger, was the promise kept?

A *trigger* of a warning is a reported shooting that happened within the
warning's effective period, is a covered act, and is attributed (latest counted
``shooting.attributed``) to a member of a covered group (the attribution's
groups, or a suspect's membership at the time of the shooting), or, when the
warning ``covers_attacks_on_groups``, was aimed at a covered group.

For each trigger three consequences are due, counted from the shooting:
an arrest citing the incident within ``arrest_hours``; an enforcement action
against the shooters' group citing the incident (or citing the warning and no
incident: a general enforcement of the warning) within ``enforcement_days`` (due only when the shooters' group is known); a charge on
a case opened by such an arrest within ``charge_days``. The outcome is

* ``broken`` if any consequence is missing after its deadline, or an arrest for
  the incident ended in an unexplained release (the promise was undone);
* ``pending`` if not broken and some deadline is still ahead of ``as_of``;
* ``kept_late`` if every consequence happened but some after its deadline;
* ``kept`` if every consequence happened by its deadline.

``as_of`` is the latest ``occurred_at`` in the log, never the wall clock, so the
same log always gives the same outcomes.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC
from typing import Any

from ledger.projections.casework import CaseFile
from ledger.projections.facts import DAY, HOUR, Event, Facts, seconds
from ledger.projections.statistics import rate

OUTCOMES = ("kept", "kept_late", "broken", "pending")
UNATTRIBUTED = "(unattributed)"


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


def _requirement(due: float, happened: Event | None, as_of: float) -> dict[str, Any]:
    from datetime import datetime

    deadline = datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
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


def evaluate_triggers(
    facts: Facts, files: dict[str, CaseFile], unexplained: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """One row per (warning, triggering shooting), in warning then shooting order."""
    as_of = seconds(facts.as_of) if facts.as_of else 0.0
    shootings = []
    for incident, entry in facts.incidents.items():
        reported = entry.get("reported")
        if reported and facts.counts(reported):
            shootings.append((incident, facts.events[reported]))
    shootings.sort(key=lambda pair: pair[1]["i"])
    actions = _ActionIndex(facts)
    rows: list[dict[str, Any]] = []
    for warning_key, warning_id in facts.warnings.items():
        warning = facts.events[warning_id]
        w = warning["data"]
        covered = set(w.get("groups", []))
        for incident, shooting in shootings:
            at = shooting["occurred_at"]
            if not (w["effective_from"] <= at <= w["effective_until"]):
                continue
            if not acts_of(shooting) & set(w.get("covered_acts", [])):
                continue
            attribution = latest_attribution(facts, incident)
            if attribution is None:
                continue
            shooters = shooter_groups(facts, attribution, at)
            by_member = [g for g in shooters if g in covered]
            attacked = [g for g in attribution["data"].get("target_groups", []) if g in covered]
            if not by_member and not (w.get("covers_attacks_on_groups") and attacked):
                continue
            rows.append(
                _trigger_row(
                    facts,
                    files,
                    actions,
                    unexplained,
                    warning_key,
                    warning,
                    incident,
                    shooting,
                    attribution,
                    shooters,
                    by_member,
                    attacked,
                    as_of,
                )
            )
    return rows


class _ActionIndex:
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

    def first(self, incident: str, warning: str, groups: list[str], since: str) -> Event | None:
        """The earliest action against one of ``groups`` at or after ``since`` for this incident or warning."""
        candidates = [
            a for a in self.by_incident.get(incident, []) if a["data"].get("group") in groups
        ]
        for group in groups:
            general = self.general.get((warning, group), [])
            times = [a["occurred_at"] for a in general]
            at = bisect_left(times, since)
            if at < len(general):
                candidates.append(general[at])
        candidates = [a for a in candidates if a["occurred_at"] >= since]
        return min(candidates, key=lambda a: (a["occurred_at"], a["i"])) if candidates else None


def _trigger_row(
    facts: Facts,
    files: dict[str, CaseFile],
    actions: _ActionIndex,
    unexplained: dict[str, list[str]],
    warning_key: str,
    warning: Event,
    incident: str,
    shooting: Event,
    attribution: Event,
    shooters: list[str],
    by_member: list[str],
    attacked: list[str],
    as_of: float,
) -> dict[str, Any]:
    deadlines = warning["data"]["deadlines"]
    shot = seconds(shooting["occurred_at"])
    arrests = [
        facts.events[a] for a in facts.arrests_by_incident.get(incident, []) if facts.counts(a)
    ]
    arrests = [a for a in arrests if a["occurred_at"] >= shooting["occurred_at"]]
    first_arrest = arrests[0] if arrests else None
    action = actions.first(incident, warning_key, shooters, shooting["occurred_at"])
    charges = sorted(
        (
            c
            for a in arrests
            for c in files[a["data"]["case"]].charges
            if a["data"]["case"] in files
        ),
        key=lambda c: (c["occurred_at"], c["i"]),
    )
    requirements = {
        "arrest": _requirement(shot + deadlines["arrest_hours"] * HOUR, first_arrest, as_of),
        "charge": _requirement(
            shot + deadlines["charge_days"] * DAY, charges[0] if charges else None, as_of
        ),
    }
    if shooters:
        requirements["enforcement"] = _requirement(
            shot + deadlines["enforcement_days"] * DAY, action, as_of
        )
    undone_by = None
    for arrest in arrests:
        case = files.get(arrest["data"]["case"])
        spell = (
            next((s for s in case.spells if s.arrest["id"] == arrest["id"]), None) if case else None
        )
        if spell is not None and spell.release is not None and spell.release["id"] in unexplained:
            undone_by = spell.release["id"]
            break
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
    hours = (seconds(first_arrest["occurred_at"]) - shot) / HOUR if first_arrest else None
    return {
        "warning": warning_key,
        "incident": incident,
        "trigger_event": shooting["id"],
        "shot_at": shooting["occurred_at"],
        "trigger": "by_member" if by_member else "attack_on_group",
        "groups": by_member or shooters or [UNATTRIBUTED],
        "shooter_groups": shooters,
        "attacked_groups": attacked,
        "outcome": outcome,
        "arrest": requirements["arrest"],
        "enforcement": requirements.get("enforcement"),
        "charge": requirements["charge"],
        "undone_by": undone_by,
        "hours_to_arrest": round(hours, 4) if hours is not None else None,
        "hours_open": round((as_of - shot) / HOUR, 4),
        "derived_from": [
            warning["id"],
            shooting["id"],
            attribution["id"],
            *consequence_ids,
            *([undone_by] if undone_by else []),
        ],
    }


def promise_summary(triggers: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of each outcome and the kept share of decided triggers (kept + kept_late over decided)."""
    counts = {o: sum(1 for t in triggers if t["outcome"] == o) for o in OUTCOMES}
    decided = counts["kept"] + counts["kept_late"] + counts["broken"]
    return {
        **counts,
        "triggers": len(triggers),
        "kept_rate": rate(counts["kept"] + counts["kept_late"], decided),
    }
