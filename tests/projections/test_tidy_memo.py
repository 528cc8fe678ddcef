"""Tables cut with a memo kept across tree sizes equal tables cut anew.

The API cuts a report's tidy tables again after every new event, and takes the
cells of the rows a report keeps read-only (``SharedRow``, tuples,
``SharedList``) from the last cut (``ledger.projections.tidy.TidyMemo``). A
simulated city is folded one statement at a time, its reports kept current,
and at many sizes every table cut with the memo must equal the table cut anew
from a fresh fold. A row that may change (a plain dict, a plain list) must be
cut again whenever it is asked for, however often the same object comes back.
"""

from __future__ import annotations

import pickle
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.projections import tidy
from ledger.projections.analysis import Analysis
from ledger.projections.facts import Facts
from ledger.projections.maintained import Maintained
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.reuse import VariedRow, shared
from ledger.projections.tables import ReportTable
from ledger.projections.tidy import TidyMemo, tidy_tables


def cut(report: ReportTable, memo: TidyMemo | None = None) -> list[tuple[str, Any]]:
    return [(t.name, t.rows) for t in tidy_tables(report, memo)]


def test_tables_cut_with_a_memo_equal_tables_cut_anew_as_the_city_grows(
    statements: list[dict[str, Any]],
) -> None:
    facts = Facts()
    kept = Maintained()
    memo = TidyMemo()
    points = {len(statements) * k // 12 for k in range(1, 13)}
    compared = 0
    reused = 0
    before: dict[int, object] = {}
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        if n not in points:
            continue
        analysis = Analysis(facts, n, "00", records=kept)
        fresh_facts = Facts().apply_all(statements[:n])
        fresh = Analysis(fresh_facts, n, "00")
        now: dict[int, object] = {}
        for name in REPORT_NAMES:
            with_memo = cut(analysis.report(name), memo)
            assert with_memo == cut(fresh.report(name)), f"{name} differs at tree size {n}"
            for _, rows in with_memo:
                for row in rows:
                    now[id(row)] = row
                    reused += before.get(id(row)) is row
        before = now
        compared += 1
    assert compared == 12
    # the memo was used: rows cut at one size are the very rows at the next
    assert reused > 1000


def interruption(rows: list[dict[str, Any]]) -> ReportTable:
    return ReportTable("interruption", 1, "00", "2026-01-01T00:00:00Z", ["area"], rows)


def test_a_kept_row_is_cut_once_and_a_row_that_may_change_every_time() -> None:
    memo = TidyMemo()
    kept = shared({"area": "Lyari", "shootings": 2, "derived_from": ["e1", "e2"]})
    events = ["e3"]
    plain: dict[str, Any] = {"area": "Orangi", "shootings": 1, "derived_from": events}
    first = tidy_tables(interruption([kept, plain]), memo)
    assert first[0].rows == [
        {**dict.fromkeys(first[0].download.columns), "area": "Lyari", "shootings": 2},
        {**dict.fromkeys(first[0].download.columns), "area": "Orangi", "shootings": 1},
    ]
    plain["shootings"] = 3
    events.append("e4")
    second = tidy_tables(interruption([kept, plain]), memo)
    # the kept row's cells are the very ones cut before
    assert second[0].rows[0] is first[0].rows[0]
    assert second[1].rows[0] is first[1].rows[0]
    # the plain row, the same object changed in place, is cut again
    assert second[0].rows[1]["shootings"] == 3
    assert [r["derived_from_event"] for r in second[1].rows] == ["e1", "e2", "e3", "e4"]
    # a row equal to the kept one but another object is its own
    again = shared(dict(kept))
    third = tidy_tables(interruption([again]), memo)
    assert third[0].rows == [first[0].rows[0]]
    assert third[0].rows[0] is not first[0].rows[0]


def test_a_list_kept_outside_a_kept_row_is_cut_once_for_its_key_only() -> None:
    memo = TidyMemo()
    events = ("e1", "e2")
    first = tidy_tables(interruption([{"area": "Lyari", "derived_from": events}]), memo)
    second = tidy_tables(
        interruption(
            [{"area": "Lyari", "derived_from": events}, {"area": "Korangi", "derived_from": events}]
        ),
        memo,
    )
    assert second[1].rows[:2] == first[1].rows
    assert second[1].rows[0] is first[1].rows[0]
    assert [(r["area"], r["derived_from_event"]) for r in second[1].rows] == [
        ("Lyari", "e1"),
        ("Lyari", "e2"),
        ("Korangi", "e1"),
        ("Korangi", "e2"),
    ]


def test_a_kept_list_that_changed_under_its_key_is_cut_from_its_last_version() -> None:
    memo = TidyMemo()
    first = tidy_tables(interruption([{"area": "Lyari", "derived_from": ("e1", "e2", "e3")}]), memo)
    grown = ("e1", "e2", "e9", "e3")
    second = tidy_tables(interruption([{"area": "Lyari", "derived_from": grown}]), memo)
    assert (
        second[1].rows
        == tidy_tables(interruption([{"area": "Lyari", "derived_from": grown}]))[1].rows
    )
    # the rows of the items alike at both ends are the very rows cut before
    assert [second[1].rows[n] is first[1].rows[m] for n, m in ((0, 0), (1, 1), (3, 2))] == [
        True
    ] * 3
    assert all(second[1].rows[2] is not row for row in first[1].rows)


@settings(max_examples=300, deadline=None)
@given(
    cuts=st.lists(
        st.lists(
            st.tuples(st.sampled_from(["Lyari", "Orangi"]), st.lists(st.integers(0, 6), max_size=8))
        ),
        min_size=1,
        max_size=6,
    )
)
def test_kept_lists_cut_from_their_last_versions_are_cut_as_if_cut_anew(
    cuts: list[list[tuple[str, list[int]]]],
) -> None:
    """Each cut's rows hold tuples of event ids drawn from one pool of strings (so that
    the same id is the same object, as in a report); a key may repeat within a cut."""
    pool = [f"event-{n}" for n in range(7)]
    memo = TidyMemo()
    for rows in cuts:
        table = interruption(
            [{"area": area, "derived_from": tuple(pool[n] for n in ids)} for area, ids in rows]
        )
        assert cut(table, memo) == cut(table)


VARIATIONS = st.sampled_from(["same", "shootings", "killed", "area", "derived_from", "plain"])


def _varied(base: dict[str, Any], how: str, n: int) -> dict[str, Any]:
    """A row made from ``base`` as a report makes one at a new size."""
    if how == "same":
        return base
    if how == "plain":
        return {**base, "shootings": n}
    if how == "derived_from":
        return VariedRow(base, derived_from=shared({"d": [f"e{n}", "e0"]})["d"])
    return VariedRow(base, **{how: f"area-{n % 3}" if how == "area" else n % 4})


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.lists(st.tuples(st.integers(0, 5), VARIATIONS, st.booleans()), max_size=8),
        min_size=1,
        max_size=6,
    ),
    pieces=st.sampled_from([0, tidy.FEW_PIECES]),
)
def test_rows_varied_from_their_base_are_cut_as_if_cut_anew(
    steps: list[list[tuple[int, str, bool]]], pieces: int
) -> None:
    """Rows varied from a kept base (``VariedRow``: the people held, whose hours move with
    the time) are written from the row varied from the same base that the last cut wrote,
    with the varied values set. Whatever is varied (a value, a key, a list), kept, dropped
    or added between cuts, the tables equal those cut anew, whether the starts of the
    linked rows are laid a piece at a time or over arrays (``FEW_PIECES``)."""
    bases = [
        shared({"area": f"A{n}", "shootings": n, "killed": 0, "derived_from": [f"e{n}", "e9"]})
        for n in range(6)
    ]
    held: dict[int, dict[str, Any]] = {}
    memo = TidyMemo()
    original = tidy.FEW_PIECES
    tidy.FEW_PIECES = pieces
    try:
        for number, step in enumerate(steps):
            for slot, how, present in step:
                if present:
                    held[slot] = _varied(bases[slot], how, number + slot)
                else:
                    held.pop(slot, None)
            rows = [held[slot] for slot in sorted(held)]
            assert cut(interruption(rows), memo) == cut(interruption(rows))
    finally:
        tidy.FEW_PIECES = original


def test_a_varied_row_is_pickled_with_its_base_shared() -> None:
    base = shared({"area": "Lyari", "shootings": 2, "derived_from": ["e1"]})
    row = VariedRow(base, shootings=3)
    again_base, again = pickle.loads(pickle.dumps((base, row)))
    assert again == row == {"area": "Lyari", "shootings": 3, "derived_from": ["e1"]}
    assert type(again) is VariedRow and again.base is again_base and again.varied == ("shootings",)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(st.integers(0, 40), max_size=60, unique=True),
    after=st.lists(st.integers(0, 40), max_size=60, unique=True),
    step=st.sampled_from([1, 2, 3, 256]),
)
def test_runs_take_in_order_only_the_very_objects_there_were(
    before: list[int], after: list[int], step: int
) -> None:
    pool = [object() for _ in range(41)]
    old, new = [pool[i] for i in before], [pool[i] for i in after]
    original = tidy.RUN_STEP
    tidy.RUN_STEP = step
    try:
        runs = list(tidy._runs(old, new))
    finally:
        tidy.RUN_STEP = original
    position = 0
    for start, was, length in runs:
        assert start == position and length >= 1
        position += length
        if was < 0:
            assert length == 1
            assert new[start] not in old
        else:
            assert new[start : start + length] == old[was : was + length]
            assert all(a is b for a, b in zip(new[start:], old[was : was + length], strict=False))
    assert position == len(new)
    # a run ends only where the next row is not the next row there was
    for (start, was, length), _ in zip(runs, runs[1:], strict=False):
        end = start + length
        if was >= 0 and was + length < len(old):
            assert new[end] is not old[was + length]
