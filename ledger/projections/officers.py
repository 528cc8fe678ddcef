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

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ledger.projections.facts import DAY, Event, Facts, seconds
from ledger.projections.reuse import Reused, unchanged
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


def _starts(facts: Facts, spells: Sequence[dict[str, Any]]) -> dict[str, float]:
    """When each officer's observed period begins: registration, or first appearance (an
    arrest or a transfer), whichever is first."""
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
    return start


def _observation(starts: dict[str, float], judged: float) -> dict[str, tuple[float, float]]:
    """Each officer's observed period: from its start (``_starts``) to the time judged at."""
    return {o: (a, max(a, judged)) for o, a in starts.items() if o}


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class _Exposure:
    """One officer's windows after arrests of one group's members, from the start of its
    observed period on, merged: their starts and ends in order, and the running sum of
    their lengths (``prefix[k]``: the first ``k``, added one after the other from 0)."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]
    prefix: tuple[float, ...]

    @classmethod
    def of(cls, lo: float, arrests: list[tuple[float, str]]) -> _Exposure:
        window = WINDOW_DAYS * DAY
        clipped = [(max(lo, at), at + window) for at, _ in arrests]
        pieces = _merge([c for c in clipped if c[1] > c[0]])
        prefix: list[float] = [0]
        for a, b in pieces:
            prefix.append(prefix[-1] + (b - a))
        return cls(tuple(a for a, _ in pieces), tuple(b for _, b in pieces), tuple(prefix))

    def to(self, hi: float) -> float:
        """The officer time in the windows up to ``hi``, the end of the observed period:
        the sum of the windows clipped there and merged, in the same order and the same
        floats (a window is clipped by taking ``hi`` as its end: the windows that end by
        then are summed already, one at most runs past it, and the ones after start
        past it)."""
        k = bisect_right(self.ends, hi)
        total = self.prefix[k]
        if k < len(self.starts) and self.starts[k] < hi:
            total = total + (hi - self.starts[k])
        return total


@dataclass(frozen=True)
class _Basis:
    """What the signals read that does not depend on the time judged at: each officer's
    start, each group's exposures by officer, and each group's pairs: a transfer that
    counts with the latest arrest of the group's members by the officer transferred in
    the 30 days before it, by the transfer's id."""

    starts: dict[str, float]
    exposures: dict[str, dict[str, _Exposure]]
    pairs: dict[str, dict[str, dict[str, Any]]]


def _basis(facts: Facts, spells: Sequence[dict[str, Any]]) -> _Basis:
    starts = _starts(facts, spells)
    # each group's arrests by officer, in spell order: one pass over the spells
    by_group: dict[str, dict[str, list[tuple[float, str]]]] = {}
    for s in spells:
        officer = s["officer"]
        observing = bool(officer) and officer in starts
        at = seconds(facts.events[s["arrest"]]["occurred_at"]) if observing else 0.0
        for g in dict.fromkeys(s["groups"]):
            mine = by_group.setdefault(g, {})
            if observing:
                mine.setdefault(officer, []).append((at, s["arrest"]))
    exposures = {
        group: {officer: _Exposure.of(starts[officer], found) for officer, found in arrests.items()}
        for group, arrests in by_group.items()
    }
    window = WINDOW_DAYS * DAY
    counted = [facts.events[tid] for tid in facts.transfers if facts.counts(tid)]
    pairs: dict[str, dict[str, dict[str, Any]]] = {}
    for group, arrests in by_group.items():
        of_group = pairs[group] = {}
        for t in counted:
            officer = t["data"].get("officer", "")
            at = seconds(t["occurred_at"])
            before = [(a, e) for a, e in arrests.get(officer, []) if a <= at <= a + window]
            if before:
                of_group[t["id"]] = {
                    "officer": officer,
                    "transfer_event": t["id"],
                    "transferred_at": t["occurred_at"],
                    "arrest_event": max(before)[1],
                }
    return _Basis(starts, exposures, pairs)


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

    With ``reused``, what does not depend on the time judged at (``_Basis``) is computed
    again only when the spells are not the very records it was computed from, or an
    officer's registration or a transfer (its time, its officer, whether it counts)
    changed: nothing else is read; the signals also when the time judged at moved."""
    if reused is None:
        return _retaliation_signals(facts, _basis(facts, spells), as_of)
    officers = tuple((o, e, facts.counts(e)) for o, e in facts.officers.items())
    transfers = tuple(
        (t, facts.counts(t), facts.events[t]["occurred_at"], facts.events[t]["data"].get("officer"))
        for t in facts.transfers
    )
    basis = reused.get(
        "retaliation_basis",
        (spells,),
        (officers, transfers),
        partial(_basis, facts, spells),
        unchanged,
    )
    return reused.get(
        "retaliation_signals",
        (spells,),
        (as_of, officers, transfers),
        partial(_retaliation_signals, facts, basis, as_of),
    )


def _retaliation_signals(facts: Facts, basis: _Basis, as_of: str) -> list[dict[str, Any]]:
    judged = seconds(as_of) if as_of else 0.0
    observed = _observation(basis.starts, judged)
    transfers = _transfers(facts, observed)
    total_time = sum(b - a for a, b in observed.values())
    rows = []
    for group, exposures in basis.exposures.items():
        exposed_time = 0.0
        for officer, exposure in exposures.items():
            exposed_time += exposure.to(observed[officer][1])
        mine = basis.pairs[group]
        pairs = [mine[t["id"]] for t in transfers if t["id"] in mine]
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
            from scipy.stats import binomtest  # on first use: importing scipy.stats takes 0.7 s

            result = tested(
                "exact binomial test, one-sided (more transfers within 30 days after this group's"
                " arrests than the share of officer time those 30 days take)",
                float(binomtest(k, n, base, alternative="greater").pvalue),
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
