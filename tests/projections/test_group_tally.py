"""A group's counts kept by the records that came and went equal the counts of its records.

``equality.GroupTally`` is changed in place by ``Reused.evolve`` for the records a
list no longer holds and the ones it holds anew; these tests follow random histories
of a group's triggers, spells and cases and compare, after every change, with the
counts taken over the records themselves by the passes the row was first written with.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.projections.equality import RATES, GroupTally, _group_counts
from ledger.projections.reuse import Reused, changed

IDS = [f"{n:064x}" for n in range(12)]
OUTCOMES = ("kept", "kept_late", "broken", "pending")

triggers = st.fixed_dictionaries(
    {
        "outcome": st.sampled_from(OUTCOMES),
        "trigger": st.sampled_from(("shooting_by_group", "attack_on_group")),
        "arrest_due": st.booleans(),
        "arrest_on_time": st.booleans(),
        "arrest_late": st.booleans(),
        "derived_from": st.lists(st.sampled_from(IDS), max_size=4),
    }
)
spells = st.fixed_dictionaries(
    {
        "release_decided": st.booleans(),
        "released": st.booleans(),
        "unexplained_release": st.booleans(),
        "arrest": st.sampled_from(IDS),
        "release": st.one_of(st.none(), st.sampled_from(IDS)),
    }
)
cases = st.fixed_dictionaries(
    {
        "charge_decided": st.booleans(),
        "charged": st.booleans(),
        "decided": st.booleans(),
        "convicted": st.booleans(),
    }
)
KINDS = (triggers, spells, cases)


def counted(mine: list[Any], my_spells: list[Any], my_cases: list[Any]) -> dict[str, Any]:
    """The row's counts taken over the records, pass by pass."""

    def pending_rate(records: list[Any], key: str, decided: str) -> tuple[int, int, int]:
        done = [r for r in records if r[decided]]
        return sum(1 for r in done if r[key]), len(done), len(records) - len(done)

    due = [t for t in mine if t["arrest_due"]]
    return {
        **{o: sum(1 for t in mine if t["outcome"] == o) for o in OUTCOMES},
        "triggers": len(mine),
        "protection": sum(1 for t in mine if t["trigger"] == "attack_on_group"),
        "on_time": (sum(1 for t in due if t["arrest_on_time"]), len(due)),
        "late": sum(1 for t in mine if t["arrest_late"]),
        "released": pending_rate(my_spells, "released", "release_decided"),
        "unexplained": pending_rate(my_spells, "unexplained_release", "release_decided"),
        "charged": pending_rate(my_cases, "charged", "charge_decided"),
        "convicted": pending_rate(my_cases, "convicted", "decided"),
        "derived_from": tuple(
            sorted(
                {e for t in mine for e in t["derived_from"]}
                | {s["arrest"] for s in my_spells}
                | {s["release"] for s in my_spells if s["release"]}
            )
        ),
    }


def of_row(row: dict[str, Any]) -> dict[str, Any]:
    """The same counts read off a row of ``_group_counts``."""

    def pending_rate(cell: dict[str, Any]) -> tuple[int, int, int]:
        return cell["count"], cell["denominator"], cell["pending"]

    return {
        **{o: row[o] for o in OUTCOMES},
        "triggers": row["triggers"],
        "protection": row["protection_triggers"],
        "on_time": pending_rate(row["arrest_on_time_rate"])[:2],
        "late": row["arrests_late"],
        "released": pending_rate(row["release_rate"]),
        "unexplained": pending_rate(row["unexplained_release_rate"]),
        "charged": pending_rate(row["charge_rate"]),
        "convicted": pending_rate(row["conviction_rate"]),
        "derived_from": row["derived_from"],
    }


TOTALS = {"unexplained_release": (0, 0), "released": (0, 0)}


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[list[Any], ...]]:
    """Lists of a group's records one after the other: each keeps some records of the one
    before (the same objects), drops some, changes some (new objects) and adds some."""
    lists = tuple(draw(st.lists(kind, max_size=6)) for kind in KINDS)
    out = [lists]
    for _ in range(draw(st.integers(1, 6))):
        step = []
        for kind, records in zip(KINDS, out[-1], strict=True):
            kept = [r for r in records if draw(st.booleans()) or draw(st.booleans())]
            changed_ = [dict(r, **draw(kind)) if draw(st.booleans()) else r for r in kept]
            step.append(changed_ + draw(st.lists(kind, max_size=3)))
        out.append(tuple(step))
    return out


@settings(max_examples=300, deadline=None)
@given(histories())
def test_a_tally_kept_by_what_came_and_went_counts_as_the_records_do(
    history: list[tuple[list[Any], ...]],
) -> None:
    reused = Reused()
    for records in history:
        tally = reused.evolve("group", records, GroupTally, GroupTally.step)
        assert of_row(_group_counts("g", "G", tally, TOTALS)) == counted(*records)
        assert tally.order == sorted(tally.events)


def test_a_tally_follows_the_records_without_counting_them_again() -> None:
    reused = Reused()
    first = [
        {
            "outcome": "pending",
            "trigger": "x",
            "arrest_due": False,
            "arrest_on_time": False,
            "arrest_late": False,
            "derived_from": [IDS[0], IDS[0], IDS[1]],
        }
        for _ in range(3)
    ]
    tally = reused.evolve("group", (first, [], []), GroupTally, GroupTally.step)
    judged = dict(first[0], outcome="kept", derived_from=[IDS[0]])
    again = reused.evolve("group", ([judged, *first[1:]], [], []), GroupTally, GroupTally.step)
    assert again is tally and reused.computed == 1
    assert tally.counts["outcome:kept"] == 1 and tally.counts["outcome:pending"] == 2
    assert tally.order == [IDS[0], IDS[1]]


def test_lists_that_cannot_be_followed_are_counted_again() -> None:
    record, other = {"a": 1}, {"a": 2}
    assert changed([record, other, record], [other]) is None
    assert changed([record], [{"a": 1}, {"a": 2}, {"a": 3}]) is None
    assert changed([record], [record, {"a": 2}]) == ([], [{"a": 2}])
    # the same record at both ends is left out before the rest is compared
    assert changed([record, record], [record]) == ([record], [])


POOL = [{"n": n} for n in range(6)]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(POOL))), max_size=12),
    st.lists(st.sampled_from(range(len(POOL))), max_size=12),
)
def test_what_came_and_went_turns_the_records_before_into_the_records_now(
    before_at: list[int], now_at: list[int]
) -> None:
    """By identity and with each record counted as many times as a list holds it, the
    records before, less the ones gone, with the new ones, are the records now."""
    before, now = [POOL[n] for n in before_at], [POOL[n] for n in now_at]
    found = changed(before, now)
    if found is None:
        return
    gone, new = found
    held = Counter(map(id, before))
    held.subtract(map(id, gone))
    assert min(held.values(), default=0) >= 0
    held.update(map(id, new))
    assert +held == Counter(map(id, now))


def rates_counted(records: tuple[list[Any], ...]) -> dict[str, tuple[int, int]]:
    """Each rate the groups are tested on, (count, denominator), from the counts taken over
    the records (``counted``)."""
    c = counted(*records)
    return {
        "promise_kept": (c["kept"] + c["kept_late"], c["kept"] + c["kept_late"] + c["broken"]),
        "arrest_on_time": c["on_time"],
        "release": c["released"][:2],
        "unexplained_release": c["unexplained"][:2],
        "charge": c["charged"][:2],
        "conviction": c["convicted"][:2],
    }


@settings(max_examples=300, deadline=None)
@given(st.tuples(*(st.lists(kind, max_size=8) for kind in KINDS)))
def test_each_rate_tested_across_groups_reads_from_the_tally_what_the_records_count(
    records: tuple[list[Any], ...],
) -> None:
    tally = GroupTally(records)
    assert {metric: count(tally.counts) for metric, _, count in RATES} == rates_counted(records)
