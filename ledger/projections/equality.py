"""Equal treatment across groups: outcomes, time to arrest, release, charge and conviction.

Units (what one record is) and who counts for a group:

* a *trigger* (``promises``): one (shooting, group) pair, under the group the
  promise was made to: the shooters' group, or the group attacked;
* a *custody spell*: one arrest to the release that ends it, under each group
  the arrested person belonged to when arrested;
* a *case*: one accused in one FIR, under the groups of the person at the
  first arrest on it (charge and verdict are facts of the case, counted once
  however many times the person was re-arrested on it).

A person in no group is shown as ``(no group)`` but left out of the tests
across groups. "All others" in a rate ratio means every record not counted
for that group.

Nothing still open is counted as finished. Every rate has a *decided*
denominator and shows its pending count beside it (a spell still in custody,
a case not yet charged or not yet decided); every "time to X" is a
Kaplan–Meier estimate with the open records censored at the time judged at,
compared across groups by the log-rank test. A disparity is a question, not
proof: see docs/methodology.md.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np

from ledger.projections.casework import CaseFile, Spell
from ledger.projections.facts import DAY, HOUR, Facts, seconds
from ledger.projections.reuse import (
    Reused,
    per_records,
    shared_rows,
    unchanged,
    with_times,
)
from ledger.projections.statistics import (
    Curve,
    OpenLogrank,
    OpenSummary,
    compare_rates,
    format_p,
    holm,
    kaplan_meier,
    logrank_coded,
    rate,
    rate_ratio,
    round_half_even,
    survival_summary,
)

T = TypeVar("T")
NO_GROUP = "(no group)"
Record = dict[str, Any]


def days_since(start: float, judged: float) -> float:
    """Days from ``start`` to ``judged`` (seconds since the epoch), rounded as every
    duration in days is."""
    return round(max(0.0, judged - start) / DAY, 6)


def days_to(start: str, end: str | None) -> float | None:
    """Days from ``start`` to ``end``; None while there is no end (the duration then runs
    to the time judged at, and is counted where it is summarised: ``Column``)."""
    return None if end is None else days_since(seconds(start), seconds(end))


def case_spell_records(
    facts: Facts, case: CaseFile, unexplained: dict[str, list[str]]
) -> list[Record]:
    """One record per custody spell of one case: groups at arrest, how it ended (or that it
    is still open).

    ``release_decided`` is true when the spell ended in a release or the case
    reached a verdict while the person was held (custody is then settled by the
    court); otherwise the spell is pending. Time to release runs from the
    arrest (``arrested_seconds``) to the release, censored at the verdict; while
    neither came, ``days_to_release`` is None and the time runs to the time
    judged at. The records do not depend on that time.
    """
    verdict = case.verdict["data"].get("verdict") if case.verdict else None
    out: list[Record] = []
    for spell in case.spells:
        release = spell.release
        held_to_verdict = release is None and case.verdict is not None
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
                "release_decided": release is not None or held_to_verdict,
                "days_to_release": days_to(spell.start, _spell_end(spell, case)),
                "arrested_seconds": seconds(spell.start),
                "charged": bool(case.charges),
                "decided": verdict is not None,
                "convicted": verdict == "convicted",
            }
        )
    return out


def _spell_end(spell: Spell, case: CaseFile) -> str | None:
    """When a spell's time to release stops: its release, else the case's verdict, else
    None (it runs to the time judged at)."""
    if spell.release is not None:
        return str(spell.release["occurred_at"])
    return str(case.verdict["occurred_at"]) if case.verdict else None


def case_record(facts: Facts, case: CaseFile) -> Record | None:
    """One case's record: charge and verdict, each decided or pending, with times; None
    without an arrest.

    A case's charge is *decided* when it was charged, or when the person was
    released uncharged (not charged as of the time judged at; a later charge
    moves it); it is pending while the person is held uncharged. Times run
    from the first arrest (``arrested_seconds``); a time still running (None)
    is censored at the time judged at, where it is summarised.
    """
    arrest = case.first_arrest
    if arrest is None:
        return None
    start, charged_at, decided_at = case_moments(case)
    released = case.spells[-1].release is not None
    verdict = case.verdict["data"].get("verdict") if case.verdict else None
    return {
        "case": case.case,
        "person": case.person,
        "groups": facts.groups_of(case.person, start) or [NO_GROUP],
        "arrest": arrest["id"],
        "arrested_at": start,
        "arrested_seconds": seconds(start),
        "charged": charged_at is not None,
        "charge_decided": charged_at is not None or released,
        "days_to_charge": days_to(start, charged_at),
        "decided": verdict is not None,
        "convicted": verdict == "convicted",
        "days_to_verdict": days_to(start, decided_at),
        "verdict": verdict,
    }


def case_moments(case: CaseFile) -> tuple[str, str | None, str | None]:
    """A case's first arrest, first charge and verdict (None while there is none)."""
    assert case.first_arrest is not None
    return (
        case.first_arrest["occurred_at"],
        case.charges[0]["occurred_at"] if case.charges else None,
        case.verdict["occurred_at"] if case.verdict else None,
    )


def by_group(
    records: Sequence[Record], reused: Reused | None = None, kind: str = ""
) -> Mapping[str, Sequence[Record]]:
    """Each group's records, in record order, each record once under every group it names
    (the groups in the order the records first name them). With ``reused``, the split
    kept under ``kind`` is reused while ``records`` are the same."""
    if reused is not None:
        return reused.get(("by_group", kind), (records,), None, partial(_kept_split, records), dict)
    out: dict[str, list[Record]] = {}
    for record in records:
        for group in dict.fromkeys(record["groups"]):
            out.setdefault(group, []).append(record)
    return out


Families = dict[str, Mapping[str, Sequence[Record]]]
"""Each kind of record ("triggers", "spells", "cases") by group (``by_group``)."""


def families_by_group(
    triggers: list[Record],
    spells: Sequence[Record],
    cases: Sequence[Record],
    reused: Reused | None = None,
) -> Families:
    """The three kinds of record by group, computed once for every table and test that reads
    them; with ``reused``, a kind is split again only when its records changed."""
    return {
        "triggers": by_group(triggers, reused, "triggers"),
        "spells": by_group(spells, reused, "spells"),
        "cases": by_group(cases, reused, "cases"),
    }


def _kept_split(records: Sequence[Record]) -> Mapping[str, Sequence[Record]]:
    """``by_group`` as tuples, so that a group's records kept are known as the same at once."""
    return {group: tuple(mine) for group, mine in by_group(records).items()}


def rounded_since(since: np.ndarray, judged: float, unit: float, places: int) -> np.ndarray:
    """``round(max(0.0, judged - s) / unit, places)`` for each ``s`` of ``since``, the very
    floats Python gives, as an array: the subtraction and the division are the same IEEE
    operations, and ``round_half_even`` rounds as Python does."""
    return round_half_even(np.maximum(0.0, judged - since) / unit, places)


@dataclass(frozen=True)
class Column:
    """One time-to-event over some records, kept apart from the time judged at: each
    record's duration if it ended (0 where it still runs), where the running ones are and
    when each began (seconds), whether the event ended each, and the unit and decimals
    every duration is rounded to. ``at(judged)`` gives every duration, the running ones
    censored at ``judged``. Never changed once made."""

    ended: np.ndarray
    running: np.ndarray
    since: np.ndarray
    observed: np.ndarray
    unit: float
    places: int

    @classmethod
    def over(
        cls,
        records: Sequence[Record],
        duration: str,
        since: str,
        happened: str | None,
        unit: float,
        places: int,
    ) -> Column:
        """From each record's ``duration`` (None while it runs), its start ``since`` (in
        seconds) and whether the event ended it: its ``happened``, or with None, whether its
        duration is known. The passes over the records are numpy's and ``map``'s, since a
        group's column is made again whenever one of its records changed: None becomes
        NaN in a float array (a duration is never NaN), which marks the running ones."""
        ended = np.array(list(map(itemgetter(duration), records)), dtype=float)
        runs = np.isnan(ended)
        running = np.flatnonzero(runs)
        ended[runs] = 0.0
        start = itemgetter(since)
        return cls(
            ended,
            running,
            np.array([start(records[i]) for i in running.tolist()], dtype=float),
            ~runs
            if happened is None
            else np.fromiter(map(itemgetter(happened), records), dtype=bool, count=len(records)),
            unit,
            places,
        )

    def at(self, judged: float) -> np.ndarray:
        """Every duration, the ones still running counted to ``judged`` (seconds)."""
        out = self.ended.copy()
        if self.running.size:
            out[self.running] = rounded_since(self.since, judged, self.unit, self.places)
        return out

    def running_at(self, judged: float) -> np.ndarray:
        """The durations of the ones still running, counted to ``judged`` (seconds), in the
        order of ``running`` (what ``at`` puts in their places)."""
        return rounded_since(self.since, judged, self.unit, self.places)

    def closed(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The ended records' durations and events, apart from the running ones (for
        ``OpenLogrank`` and ``OpenSummary``); None if a running record is an event, whose
        time would then move with the time judged at."""
        if self.observed[self.running].any():
            return None
        stays = np.ones(self.ended.size, dtype=bool)
        stays[self.running] = False
        return self.ended[stays], self.observed[stays]


def arrest_durations(triggers: Sequence[Record], judged: float) -> tuple[list[float], list[bool]]:
    """Hours from shooting to the first arrest; open triggers censored at ``judged`` (the
    time judged at, in seconds)."""
    column = _column("arrest", triggers)
    return column.at(judged).tolist(), column.observed.tolist()


def _column(name: str, records: Sequence[Record]) -> Column:
    """The time to ``name`` over ``records`` (``TIME_TO``), apart from the time judged at:
    hours to an arrest from each shooting, rounded to 4 decimals as ``hours_to_arrest`` is,
    days to a charge, verdict or release from each first arrest (``days_since``)."""
    if name == "arrest":
        return Column.over(records, "hours_to_arrest", "shot_seconds", None, HOUR, 4)
    _, _, days, happened = TIME_TO[name]
    assert days is not None and happened is not None
    return Column.over(records, days, "arrested_seconds", happened, DAY, 6)


TIME_TO = {
    "arrest": ("triggers", "hours from shooting to the first arrest", None, None),
    "charge": ("cases", "days from first arrest to the first charge", "days_to_charge", "charged"),
    "verdict": ("cases", "days from first arrest to the verdict", "days_to_verdict", "decided"),
    "release": (
        "spells",
        "days from arrest to release (censored at a verdict)",
        "days_to_release",
        "released",
    ),
}
"""Each time-to-event: its records, what it measures, the duration and event fields."""


def _time_to(
    name: str,
    records: Sequence[Record],
    judged: float,
    reused: Reused | None = None,
    group: str = "",
) -> tuple[np.ndarray, np.ndarray]:
    """The durations of ``name`` over a group's ``records`` censored at ``judged``, and
    whether each ended in the event; with ``reused``, the column is made again only when
    the records changed (``Column``: it does not depend on the time)."""
    column = _column_of(name, records, reused, group)
    return column.at(judged), column.observed


def _column_of(name: str, records: Sequence[Record], reused: Reused | None, group: str) -> Column:
    """The group's column of ``name`` (``_column``), made again only when its records
    changed."""
    return per_records(
        reused, ("column", name, group), records, partial(_column, name, records), unchanged
    )


def _summary(
    name: str, records: Sequence[Record], judged: float, reused: Reused | None, group: str
) -> dict[str, Any]:
    """The group's ``survival_summary`` of ``name``; with ``reused``, the closed records are
    counted once while the group's records stay the same (``OpenSummary``), and each time
    judged at places only the open ones."""
    if reused is not None:
        column = _column_of(name, records, reused, group)
        split = per_records(
            reused, ("summary", name, group), records, partial(_open_summary, column), unchanged
        )
        if split is not None:
            return split.at(column.running_at(judged))
    return survival_summary(*_time_to(name, records, judged, reused, group))


def _open_summary(column: Column) -> OpenSummary | None:
    ended = column.closed()
    return None if ended is None else OpenSummary(ended, column.running.size)


def _groups_in(facts: Facts, families: Families) -> list[str]:
    """The registered groups, then the others in the order the records first name them
    (triggers, then spells, then cases): ``by_group`` keeps that order."""
    groups = dict.fromkeys(facts.groups)
    for kind in KINDS:
        groups.update(dict.fromkeys(families[kind]))
    return list(groups)


def group_rows(
    facts: Facts,
    triggers: list[Record],
    spells: Sequence[Record],
    cases: Sequence[Record],
    judged: float,
    families: Families | None = None,
    reused: Reused | None = None,
) -> list[Record]:
    """One row per group: outcomes, rates of decided records with pending counts, times to
    events (the open records censored at ``judged``, the time judged at in seconds).

    ``families`` are the same records by group, when already at hand; with
    ``reused``, a group's counts are computed again only when its records are not
    the very records they were computed from (or its name, or the totals its
    ratios compare it with, changed), and its times also when the time judged at
    moved."""
    if families is None:
        families = families_by_group(triggers, spells, cases)
    totals = per_records(reused, ("spell_totals",), spells, partial(_spell_totals, spells))
    rows: list[Record] = []
    for group in _groups_in(facts, families):
        mine = families["triggers"].get(group, [])
        my_spells = families["spells"].get(group, [])
        my_cases = families["cases"].get(group, [])
        name = (
            facts.events[facts.groups[group]]["data"].get("name")
            if group in facts.groups
            else group
        )
        records = (mine, my_spells, my_cases)
        tally = group_tally(group, records, reused)
        row = with_times(
            reused,
            (("group_row", group), ("group_times", group)),
            records,
            (name, tuple(totals.items())),
            partial(_group_counts, group, name, tally, totals),
            partial(_group_times, group, mine, my_spells, my_cases, judged, reused),
            judged,
        )
        row["median_hours_to_arrest"] = row["time_to_arrest"]["median"]
        rows.append(row)
    return rows


def _spell_totals(spells: Sequence[Record]) -> dict[str, tuple[int, int]]:
    """Each ratio's count and denominator over every spell."""
    return {
        key: _decided_count(spells, key, "release_decided")
        for key in ("unexplained_release", "released")
    }


def _decided_count(records: Sequence[Record], key: str, decided: str) -> tuple[int, int]:
    """(records where ``decided`` and ``key`` hold, records where ``decided`` holds)."""
    done = [r for r in records if r[decided]]
    return sum(1 for r in done if r[key]), len(done)


def _group_times(
    group: str,
    mine: Sequence[Record],
    my_spells: Sequence[Record],
    my_cases: Sequence[Record],
    judged: float,
    reused: Reused | None,
) -> Record:
    """A group's times to arrest, charge, verdict and release, judged at ``judged``."""
    families = {"triggers": mine, "spells": my_spells, "cases": my_cases}
    return {
        f"time_to_{n}": _summary(n, families[TIME_TO[n][0]], judged, reused, group) for n in TIME_TO
    }


def _trigger_marks(trigger: Record) -> tuple[list[str], Sequence[str]]:
    """What one trigger adds to its group's counts (``GroupTally``), and the events behind it."""
    marks = ["triggers", f"outcome:{trigger['outcome']}"]
    if trigger["trigger"] == "attack_on_group":
        marks.append("protection_triggers")
    if trigger["arrest_due"]:
        marks.append("arrest_due")
        if trigger["arrest_on_time"]:
            marks.append("arrest_on_time")
    if trigger["arrest_late"]:
        marks.append("arrests_late")
    return marks, trigger["derived_from"]


def _decided_marks(record: Record, decided: str, keys: tuple[str, ...]) -> list[str]:
    """``decided`` when it holds, and each of ``keys`` that holds with it."""
    if not record[decided]:
        return []
    return [decided, *(f"{decided}:{key}" for key in keys if record[key])]


def _spell_marks(spell: Record) -> tuple[list[str], Sequence[str]]:
    """What one custody spell adds to its group's counts, and the events behind it: its
    arrest and its release."""
    marks = ["spells", *_decided_marks(spell, "release_decided", RELEASE_KEYS)]
    return marks, [spell["arrest"], spell["release"]] if spell["release"] else [spell["arrest"]]


def _case_marks(case: Record) -> tuple[list[str], Sequence[str]]:
    """What one case adds to its group's counts (its events are its spells')."""
    marks = ["cases", *_decided_marks(case, "charge_decided", ("charged",))]
    return marks + _decided_marks(case, "decided", ("convicted",)), ()


RELEASE_KEYS = ("released", "unexplained_release")
MARKS = (_trigger_marks, _spell_marks, _case_marks)
"""What a trigger, a custody spell and a case each add to their group's ``GroupTally``."""


def group_tally(
    group: str, records: tuple[Sequence[Record], ...], reused: Reused | None
) -> GroupTally:
    """The group's ``GroupTally`` over its triggers, spells and cases (``records``); with
    ``reused``, the one kept changed by the records that came and went, shared by the
    group's row and the tests across groups."""
    if reused is None:
        return GroupTally(records)
    return reused.evolve(("group_tally", group), records, GroupTally, GroupTally.step)


KINDS = ("triggers", "spells", "cases")
"""The kinds of record a group's tally counts, in the order of ``MARKS``."""


class GroupTally:
    """The counts a group's row reads (``_group_counts``), over its triggers, custody
    spells and cases, and every event behind them in order. Kept across tree sizes, it is
    changed by the records that came and went (``Reused.evolve``), not counted again:
    each record adds its marks (``MARKS``) and its events, each event with how many
    records name it, so that one named by two stays while either does."""

    __slots__ = ("counts", "events", "order")

    def __init__(self, records: tuple[Sequence[Record], ...]) -> None:
        self.counts: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        for marks, mine in zip(MARKS, records, strict=True):
            for record in mine:
                counted, events = marks(record)
                self.counts.update(counted)
                self.events.update(events)
        self.order = sorted(self.events)
        """The events behind the row, in order (each once)."""

    def step(self, kind: int, gone: list[Record], new: list[Record]) -> None:
        """Take away the records of ``kind`` (0 triggers, 1 spells, 2 cases) that went, add
        the ones that came."""
        for records, sign in ((gone, -1), (new, 1)):
            for record in records:
                counted, events = MARKS[kind](record)
                for mark in counted:
                    self.counts[mark] += sign
                for event in events:
                    self._event(event, sign)

    def _event(self, event: str, sign: int) -> None:
        held = self.events[event] + sign
        if held == 0:
            del self.events[event]
            del self.order[bisect_left(self.order, event)]
        else:
            self.events[event] = held
            if held == sign == 1:
                insort(self.order, event)


def _pending_rate(counts: Counter[str], total: str, decided: str, key: str) -> dict[str, Any]:
    """``key`` among the records where ``decided`` holds, with how many of ``total`` are
    still pending."""
    done = counts[decided]
    return {**rate(counts[f"{decided}:{key}"], done), "pending": counts[total] - done}


def _counted_ratio(
    counts: Counter[str], decided: str, key: str, total: tuple[int, int]
) -> dict[str, Any]:
    """``key`` among a group's decided records against all other decided ones (``total``:
    the count and denominator over every record)."""
    k, n = counts[f"{decided}:{key}"], counts[decided]
    all_k, all_n = total
    return rate_ratio(k, n, all_k - k, all_n - n)


def _group_counts(
    group: str, name: Any, tally: GroupTally, totals: dict[str, tuple[int, int]]
) -> Record:
    """One group's row of ``group_rows`` but for its times, which do not depend on the time
    judged at, from its ``tally`` (``totals``: each ratio's count and denominator over
    every spell). The times and the median time to arrest are left None, in their places,
    for ``_group_times``."""
    counts = tally.counts
    outcomes = {o: counts[f"outcome:{o}"] for o in ("kept", "kept_late", "broken", "pending")}
    return {
        "group": group,
        "name": name,
        "triggers": counts["triggers"],
        "protection_triggers": counts["protection_triggers"],
        **outcomes,
        "kept_rate": rate(*_kept_count(counts)),
        "arrest_on_time_rate": {
            **rate(counts["arrest_on_time"], counts["arrest_due"]),
            "pending": counts["triggers"] - counts["arrest_due"],
        },
        "arrests_late": counts["arrests_late"],
        "median_hours_to_arrest": None,
        "spells": counts["spells"],
        "release_rate": _pending_rate(counts, "spells", "release_decided", "released"),
        "unexplained_release_rate": _pending_rate(
            counts, "spells", "release_decided", "unexplained_release"
        ),
        "unexplained_release_rate_ratio": _counted_ratio(
            counts, "release_decided", "unexplained_release", totals["unexplained_release"]
        ),
        "release_rate_ratio": _counted_ratio(
            counts, "release_decided", "released", totals["released"]
        ),
        "cases": counts["cases"],
        "charge_rate": _pending_rate(counts, "cases", "charge_decided", "charged"),
        "conviction_rate": _pending_rate(counts, "cases", "decided", "convicted"),
        **dict.fromkeys(f"time_to_{n}" for n in TIME_TO),
        "derived_from": tuple(tally.order),
    }


def km_curves(
    triggers: list[Record],
    groups: list[str],
    judged: float,
    mine: Mapping[str, Sequence[Record]] | None = None,
    reused: Reused | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each group's Kaplan–Meier curve of time to arrest, the open triggers censored at
    ``judged`` (``mine``: the triggers by group; with ``reused``, a curve is computed again
    only when the group's triggers changed or the time judged at moved)."""
    if mine is None:
        mine = by_group(triggers)
    return {
        g: per_records(
            reused,
            ("km", g),
            mine[g],
            partial(_km_of_arrests, mine[g], judged, reused, g),
            shared_rows,
            judged,
        )
        for g in groups
        if mine.get(g)
    }


def _km_of_arrests(
    triggers: Sequence[Record], judged: float, reused: Reused | None, group: str
) -> list[dict[str, Any]]:
    """The curve, taking the rows that stayed the same from the group's curve kept (most
    of them when only the time judged at moved: the open triggers' durations grow)."""
    earlier = None if reused is None else reused.kept(("km", group))
    like = earlier if isinstance(earlier, Curve) else None
    return kaplan_meier(*_time_to("arrest", triggers, judged, reused, group), like)


def _kept_count(counts: Counter[str]) -> tuple[int, int]:
    """(triggers kept or kept late, triggers decided: not pending) in a group's tally."""
    kept = counts["outcome:kept"] + counts["outcome:kept_late"]
    return kept, counts["triggers"] - counts["outcome:pending"]


def _marked(decided: str, key: str) -> Callable[[Counter[str]], tuple[int, int]]:
    """(records where ``decided`` and ``key`` hold, records where ``decided`` holds), read
    from the marks a group's tally counts (``MARKS``)."""
    return lambda counts: (counts[key], counts[decided])


def _rate_test(
    tallies: Mapping[str, GroupTally],
    groups: list[str],
    count: Callable[[Counter[str]], tuple[int, int]],
) -> dict[str, Any]:
    """The test across ``groups`` of one rate, its counts read from each group's tally."""
    return compare_rates([count(tallies[g].counts) for g in groups])


RATES: tuple[tuple[str, str, Callable[[Counter[str]], tuple[int, int]]], ...] = (
    (
        "promise_kept",
        "kept or kept late, of decided triggers (pending left out)",
        _kept_count,
    ),
    (
        "arrest_on_time",
        "arrested by the deadline, of triggers whose arrest deadline passed or were arrested",
        _marked("arrest_due", "arrest_on_time"),
    ),
    (
        "release",
        "released, of custody spells released or held to a verdict (in custody left out)",
        _marked("release_decided", "release_decided:released"),
    ),
    (
        "unexplained_release",
        "ended by an unexplained release, of custody spells released or held to a verdict",
        _marked("release_decided", "release_decided:unexplained_release"),
    ),
    (
        "charge",
        "charged, of cases charged or released uncharged (held uncharged left out)",
        _marked("charge_decided", "charge_decided:charged"),
    ),
    (
        "conviction",
        "convicted, of cases with a verdict",
        _marked("decided", "decided:convicted"),
    ),
)
"""Each rate tested across groups: its name, what it counts, and its (count, denominator)
read from a group's tally."""


def _logrank_across(
    name: str,
    buckets: Mapping[str, Sequence[Record]],
    groups: list[str],
    judged: float,
    reused: Reused | None,
) -> dict[str, Any]:
    """The log-rank test of ``name`` across ``groups``: their durations one after the other,
    each group given by its place among the groups in order (``logrank_coded``). With
    ``reused``, the closed records are placed among the event times once while the groups'
    records stay the same (``OpenLogrank``), and each time judged at places only the open
    ones."""
    labels = sorted(groups)
    mine = tuple(buckets.get(g, ()) for g in groups)
    if reused is not None:
        split = reused.get(
            ("logrank", name),
            mine,
            tuple(groups),
            partial(_open_logrank, name, mine, groups, reused),
            unchanged,
        )
        if split is not None:
            columns = [
                _column_of(name, records, reused, g)
                for g, records in zip(groups, mine, strict=True)
            ]
            return split.at(np.concatenate([c.running_at(judged) for c in columns]))
    parts = [
        _time_to(name, records, judged, reused, g) for g, records in zip(groups, mine, strict=True)
    ]
    codes = np.repeat([labels.index(g) for g in groups], [len(d) for d, _ in parts])
    return logrank_coded(
        np.concatenate([d for d, _ in parts]) if parts else np.empty(0),
        np.concatenate([o for _, o in parts]) if parts else np.empty(0, dtype=bool),
        codes,
        labels,
    )


def _open_logrank(
    name: str, mine: tuple[Sequence[Record], ...], groups: list[str], reused: Reused
) -> OpenLogrank | None:
    """The groups' records of ``name`` split into the closed and the open ones for
    ``OpenLogrank``; None if an open record is an event (then its time would move). The
    tables of the test kept are taken when its closed records are the same (after a
    new shooting, say, whose trigger is open)."""
    labels = sorted(groups)
    closed: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    open_groups = []
    for g, records in zip(groups, mine, strict=True):
        column = _column_of(name, records, reused, g)
        ended = column.closed()
        if ended is None:
            return None
        code = labels.index(g)
        closed.append((*ended, np.full(ended[0].size, code, np.intp)))
        open_groups.append(np.full(column.running.size, code, np.intp))
    if not closed:
        return None
    earlier = reused.kept(("logrank", name))
    return OpenLogrank(
        (
            np.concatenate([t for t, _, _ in closed]),
            np.concatenate([o for _, o, _ in closed]),
            np.concatenate([c for _, _, c in closed]),
        ),
        np.concatenate(open_groups),
        labels,
        earlier if isinstance(earlier, OpenLogrank) else None,
    )


def group_tests(
    triggers: list[Record],
    spells: Sequence[Record],
    cases: Sequence[Record],
    groups: list[str],
    judged: float,
    families: Families | None = None,
    reused: Reused | None = None,
) -> list[Record]:
    """The family of tests across groups, each named, with its p-value and Holm-adjusted p-value.

    Holm's step-down correction runs over the tests that could be computed
    (those "not testable" are listed and take no part): it controls the chance
    of any false alarm in the family without assuming the tests independent,
    which they are not (the same cases feed several of them). ``families`` are
    the same records by group, when already at hand; with ``reused``, a group's
    counts and durations are read again only when its records changed.
    """
    tested = [g for g in groups if g != NO_GROUP]
    if families is None:
        families = families_by_group(triggers, spells, cases)
    tallies = {
        g: group_tally(g, tuple(families[kind].get(g, []) for kind in KINDS), reused)
        for g in tested
    }
    family: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
        (metric, what, partial(_rate_test, tallies, tested, count)) for metric, what, count in RATES
    ]
    for name, (unit, what, _, _) in TIME_TO.items():
        records = families[unit]
        family.append(
            (
                f"time_to_{name}",
                f"{what}; open records censored",
                partial(_logrank_across, name, records, tested, judged, reused),
            )
        )
    results = [(metric, what, run()) for metric, what, run in family]
    pvalues = [r["p_value"] for _, _, r in results if r["p_value"] is not None]
    adjusted = iter(holm(pvalues))
    out = []
    for metric, what, result in results:
        p_holm = next(adjusted) if result["p_value"] is not None else None
        out.append(
            {
                "metric": metric,
                "compares": what,
                **result,
                "p_holm": p_holm,
                "p_text": format_p(result["p_value"]),
                "p_holm_text": format_p(p_holm),
                "correction": "Holm",
                "groups": tested,
            }
        )
    return out
