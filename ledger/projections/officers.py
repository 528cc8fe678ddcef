"""Officers: who authorises releases, and transfers that follow arrests (a retaliation *signal*).

The essay's officers who refuse to release a party's men are transferred. The
ledger cannot know why a transfer was ordered; it can show when transfers of
arresting officers cluster after arrests of one group's members.

The unit is the *transfer* (one ``officer.transferred``), never the arrest: one
transfer after five arrests is one transfer. For each group: of all transfers
of officers under observation, how many came within 30 days after the
transferred officer arrested a member of the group (k of n); the base rate p0
is the share of all officer-time (each officer from registration to the time
judged at) that lies within 30 days after such an arrest. If transfers fell
regardless of arrests, k would follow Binomial(n, p0); the exact one-sided
binomial test asks whether k is larger. The groups form one family, corrected
by Holm's step-down method (family-wise error: a signal names officers to the
committee, so a false alarm has a cost; Holm holds under any dependence
between the groups' tests, which share officers and transfers, where
Benjamini–Hochberg needs positive dependence). With no transfer, no arrest of
the group's members, or no officer-time outside such windows, the test is
"not testable" with the reason. A signal is a question for the committee, not
a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from scipy import stats as sps

from ledger.projections.facts import DAY, Event, Facts, seconds
from ledger.projections.reuse import Reused
from ledger.projections.statistics import format_p, holm, not_testable, rate, tested

WINDOW_DAYS = 30
ALPHA = 0.05


def release_authorisations(spells: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
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


def _observation(
    facts: Facts, spells: Sequence[dict[str, Any]], judged: float
) -> dict[str, tuple[float, float]]:
    """Each officer's observed period: from registration (or first appearance) to the time judged at."""
    start: dict[str, float] = {}
    for officer, event_id in facts.officers.items():
        if facts.counts(event_id):
            start[officer] = seconds(facts.events[event_id]["occurred_at"])
    for s in spells:
        officer = s["officer"] or ""
        at = seconds(facts.events[s["arrest"]]["occurred_at"])
        start[officer] = min(start.get(officer, at), at)
    for tid in facts.transfers:
        if facts.counts(tid):
            t = facts.events[tid]
            officer = t["data"].get("officer", "")
            start[officer] = min(
                start.get(officer, seconds(t["occurred_at"])), seconds(t["occurred_at"])
            )
    return {o: (a, max(a, judged)) for o, a in start.items() if o}


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _transfers(facts: Facts, observed: dict[str, tuple[float, float]]) -> list[Event]:
    out = []
    for tid in facts.transfers:
        if not facts.counts(tid):
            continue
        t = facts.events[tid]
        window = observed.get(t["data"].get("officer", ""))
        if window is not None and window[0] <= seconds(t["occurred_at"]) <= window[1]:
            out.append(t)
    return out


def retaliation_signals(
    facts: Facts, spells: Sequence[dict[str, Any]], as_of: str, reused: Reused | None = None
) -> list[dict[str, Any]]:
    """Per group: transfers within 30 days after arrests of its members vs the base rate (exact binomial).

    With ``reused``, the signals are computed again only when the spells are not
    the very records they were computed from, or the time judged at, an
    officer's registration or a transfer (its time, its officer, whether it
    counts) changed: nothing else is read."""
    if reused is None:
        return _retaliation_signals(facts, spells, as_of)
    officers = tuple((o, e, facts.counts(e)) for o, e in facts.officers.items())
    transfers = tuple(
        (t, facts.counts(t), facts.events[t]["occurred_at"], facts.events[t]["data"].get("officer"))
        for t in facts.transfers
    )
    return reused.get(
        "retaliation_signals",
        (spells,),
        (as_of, officers, transfers),
        partial(_retaliation_signals, facts, spells, as_of),
    )


def _retaliation_signals(
    facts: Facts, spells: Sequence[dict[str, Any]], as_of: str
) -> list[dict[str, Any]]:
    judged = seconds(as_of) if as_of else 0.0
    observed = _observation(facts, spells, judged)
    transfers = _transfers(facts, observed)
    total_time = sum(b - a for a, b in observed.values())
    window = WINDOW_DAYS * DAY
    # each group's arrests by officer, in spell order: one pass over the spells
    by_group: dict[str, dict[str, list[tuple[float, str]]]] = {}
    for s in spells:
        officer = s["officer"]
        observing = officer in observed
        at = seconds(facts.events[s["arrest"]]["occurred_at"]) if observing else 0.0
        for g in dict.fromkeys(s["groups"]):
            mine = by_group.setdefault(g, {})
            if observing:
                mine.setdefault(officer, []).append((at, s["arrest"]))
    rows = []
    for group, arrests in by_group.items():
        exposed_time = 0.0
        for officer, found in arrests.items():
            lo, hi = observed[officer]
            clipped = [(max(lo, at), min(hi, at + window)) for at, _ in found]
            exposed_time += sum(b - a for a, b in _merge([c for c in clipped if c[1] > c[0]]))
        pairs = []
        for t in transfers:
            officer = t["data"].get("officer", "")
            at = seconds(t["occurred_at"])
            before = [(a, e) for a, e in arrests.get(officer, []) if a <= at <= a + window]
            if before:
                pairs.append(
                    {
                        "officer": officer,
                        "transfer_event": t["id"],
                        "transferred_at": t["occurred_at"],
                        "arrest_event": max(before)[1],
                    }
                )
        n, k = len(transfers), len(pairs)
        base = exposed_time / total_time if total_time > 0 else 0.0
        if n == 0:
            result = not_testable("no transfer of an officer is recorded")
        elif base <= 0.0:
            result = not_testable("no officer time follows an arrest of this group's members")
        elif base >= 1.0:
            result = not_testable(
                "all officer time follows an arrest of this group's members: no base to compare"
            )
        else:
            result = tested(
                "exact binomial test, one-sided (more transfers within 30 days after this group's"
                " arrests than the share of officer time those 30 days take)",
                float(sps.binomtest(k, n, base, alternative="greater").pvalue),
            )
        rows.append(
            {
                "group": group,
                "transfers": n,
                "transfers_after_arrests": k,
                "share": rate(k, n),
                "base_rate": base,
                "test": result["method"],
                "testable": result["testable"],
                "reason": result["reason"],
                "p_value": result["p_value"],
                "officers": sorted({p["officer"] for p in pairs}),
                "pairs": pairs,
                "derived_from": sorted(
                    {p["arrest_event"] for p in pairs} | {p["transfer_event"] for p in pairs}
                ),
            }
        )
    adjusted = iter(holm([r["p_value"] for r in rows if r["p_value"] is not None]))
    for r in rows:
        r["p_holm"] = next(adjusted) if r["p_value"] is not None else None
        r["p_text"] = format_p(r["p_value"])
        r["p_holm_text"] = format_p(r["p_holm"])
        r["correction"] = "Holm"
        r["signal"] = bool(
            r["p_holm"] is not None and r["transfers_after_arrests"] and r["p_holm"] < ALPHA
        )
    return rows
