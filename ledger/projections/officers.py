"""Officers: who authorises releases, and transfers that follow arrests (a retaliation *signal*).

The essay's officers who refuse to release a party's men are transferred. The
ledger cannot know why a transfer was ordered; it can show when transfers of
arresting officers cluster after arrests of one group's members. For each
group: of the arrests of its members, how many were followed within 30 days by
a transfer of the arresting officer, against the same share for every other
arrest (the base rate), with Fisher's exact test (one-sided: more often after
this group's arrests). A signal is a question for the committee, not a finding.
"""

from __future__ import annotations

from typing import Any

from scipy import stats as sps

from ledger.projections.facts import DAY, Event, Facts, seconds
from ledger.projections.statistics import rate

WINDOW_DAYS = 30


def release_authorisations(spells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Releases authorised per officer, per group, with how many were unexplained."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for s in spells:
        if not s["released"]:
            continue
        for group in s["groups"]:
            key = (s["authorising_officer"] or "", group)
            row = table.setdefault(
                key,
                {
                    "officer": key[0],
                    "group": group,
                    "releases": 0,
                    "unexplained_releases": 0,
                    "derived_from": [],
                },
            )
            row["releases"] += 1
            row["unexplained_releases"] += int(s["unexplained_release"])
            row["derived_from"].append(s["release"])
    return sorted(
        table.values(),
        key=lambda r: (-r["unexplained_releases"], -r["releases"], r["officer"], r["group"]),
    )


def _transfers_by_officer(facts: Facts) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for tid in facts.transfers:
        if facts.counts(tid):
            event = facts.events[tid]
            out.setdefault(event["data"].get("officer", ""), []).append(event)
    return out


def arrest_transfer_pairs(facts: Facts, spells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each arrest with the first transfer of its arresting officer within the window (or none)."""
    transfers = _transfers_by_officer(facts)
    out = []
    for s in spells:
        arrest = facts.events[s["arrest"]]
        at = seconds(arrest["occurred_at"])
        follow = next(
            (
                t
                for t in transfers.get(s["officer"] or "", [])
                if at <= seconds(t["occurred_at"]) <= at + WINDOW_DAYS * DAY
            ),
            None,
        )
        out.append(
            {
                "arrest": s["arrest"],
                "officer": s["officer"],
                "groups": s["groups"],
                "transfer": follow["id"] if follow else None,
                "transferred_at": follow["occurred_at"] if follow else None,
                "followed": follow is not None,
            }
        )
    return out


def retaliation_signals(facts: Facts, spells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per group: transfers within 30 days after arrests of its members vs the base rate (Fisher exact)."""
    pairs = arrest_transfer_pairs(facts, spells)
    groups: list[str] = []
    for p in pairs:
        for g in p["groups"]:
            if g not in groups:
                groups.append(g)
    rows = []
    for group in groups:
        mine = [p for p in pairs if group in p["groups"]]
        others = [p for p in pairs if group not in p["groups"]]
        k, n = sum(p["followed"] for p in mine), len(mine)
        k0, n0 = sum(p["followed"] for p in others), len(others)
        p_value = None
        if n and n0:
            p_value = float(
                sps.fisher_exact([[k, n - k], [k0, n0 - k0]], alternative="greater").pvalue
            )
        followed = [p for p in mine if p["followed"]]
        officers = sorted({p["officer"] for p in followed if p["officer"]})
        rows.append(
            {
                "group": group,
                "arrests": n,
                "followed_by_transfer": k,
                "share": rate(k, n),
                "base_share": rate(k0, n0),
                "p_value": None if p_value is None else round(p_value, 8),
                "test": "Fisher exact, one-sided (more transfers after this group's arrests than after others)",
                "signal": bool(k and p_value is not None and p_value < 0.05),
                "officers": officers,
                "pairs": [
                    {
                        "officer": p["officer"],
                        "arrest_event": p["arrest"],
                        "transfer_event": p["transfer"],
                        "transferred_at": p["transferred_at"],
                    }
                    for p in followed
                ],
                "derived_from": sorted(
                    {p["arrest"] for p in followed} | {p["transfer"] for p in followed}
                ),
            }
        )
    return rows
