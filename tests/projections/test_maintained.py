"""Records kept current one statement at a time equal records computed from nothing.

A simulated city (with its corrections, retractions, re-arrests, s.169 bonds
and people still held) is folded one statement at a time; after each one the
maintained case records and shooting records are compared with records
computed from nothing over the same facts, and the facts' indexes with indexes
read anew from the lifecycle states, and at several points every report, the flags, a case's and a
person's history and a group's page are compared as JSON with a fresh fold
(its statistics computed anew, none taken from the results kept by their
inputs). The same comparison run with the invalidation broken (a kind of
subject left out of the journal, the time of the latest event ignored by the
case records or the judged triggers, a judgement kept past a deadline, a
trigger judged again but left out of its buckets, a time summary kept when the
time judged at moved, or a release's change of explanation ignored) must find
a difference, so the check can fail.
"""

from __future__ import annotations

import json
import math
import operator
import pickle
from collections.abc import Callable
from dataclasses import fields
from functools import partial
from typing import Any

import numpy as np
import pytest

from ledger.aggregates.incident import Incident
from ledger.projections import equality, indexes, maintained, officers, promises, reuse
from ledger.projections.analysis import Analysis, group_detail
from ledger.projections.cases import case_history, person_history
from ledger.projections.evaluation import choose
from ledger.projections.facts import Facts
from ledger.projections.flagging import Flag
from ledger.projections.indexes import LIFECYCLE, Indexes, read_indexes
from ledger.projections.maintained import (
    CaseRecords,
    CaseRows,
    InterruptionRows,
    Maintained,
    TriggerRecords,
)
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.statistics import MEMOS
from tests.projections.builders import CityLog, at, public_key_of


def _records(analysis: Analysis) -> Any:
    """The case files in order, the flags, the triggers and the spell, case, court and
    holding records (dataclasses compare field by field)."""
    return (
        list(analysis.files.items()),
        analysis.flags,
        analysis.triggers,
        analysis.spells,
        analysis.cases,
        analysis.durations,
        analysis.holdings,
    )


def first_difference(statements: list[dict[str, Any]], judged_at: str | None = None) -> int | None:
    """The first log position where the maintained records differ from fresh ones (or
    where records left stale no longer fit the facts); deadlines judged at the latest
    event, or at ``judged_at`` when given (a time requested: it stays while the latest
    event moves)."""
    facts = Facts()
    kept = Maintained()
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        evaluation = None if judged_at is None else choose(facts.as_of, requested=judged_at)
        try:
            if _records(Analysis(facts, n, "00", evaluation, kept)) != _records(
                Analysis(facts, n, "00", evaluation)
            ):
                return n
        except LookupError:
            return n
    return None


def test_city_exercises_what_the_records_depend_on(statements: list[dict[str, Any]]) -> None:
    types = {s["type"] for s in statements}
    bases = {s["data"].get("legal_basis") for s in statements if s["type"] == "release.recorded"}
    assert {"event.corrected", "event.retracted", "release.recorded", "custody.produced"} <= types
    assert {"s169_bond", "none"} <= bases
    assert len(statements) > 400


def test_maintained_records_equal_records_from_nothing_after_every_statement(
    statements: list[dict[str, Any]],
) -> None:
    assert first_difference(statements) is None


def _in_order(value: Any) -> Any:
    """Dicts as lists of pairs, so that equal means equal in the same order too."""
    if isinstance(value, dict):
        return [(k, _in_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_in_order(v) for v in value]
    return value


UNORDERED = {"responses"}
"""Indexes only looked up by key, whose order means nothing."""


def first_stale_index(statements: list[dict[str, Any]]) -> int | None:
    """The first log position where the indexes kept current differ from indexes read anew."""
    facts = Facts()
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        kept, fresh = facts.indexes, read_indexes(facts.states, facts.events)
        if kept.responses != fresh.responses or any(
            _in_order(getattr(kept, f.name)) != _in_order(getattr(fresh, f.name))
            for f in fields(Indexes)
            if f.name not in UNORDERED
        ):
            return n
    return None


def test_indexes_kept_current_equal_indexes_read_anew_after_every_statement(
    statements: list[dict[str, Any]],
) -> None:
    assert first_stale_index(statements) is None


@pytest.mark.parametrize("kind", ["case:", "incident:"])
def test_indexes_blind_to_a_subject_are_found(
    statements: list[dict[str, Any]], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Facts, "_journal_since", _blind(kind))
    assert first_stale_index(statements) is not None


def _blind(kind: str) -> Callable[[Facts, int], set[str] | None]:
    original = Facts._journal_since

    def touched_since(self: Facts, count: int) -> set[str] | None:
        found = original(self, count)
        return None if found is None else {k for k in found if not k.startswith(kind)}

    return touched_since


@pytest.mark.parametrize("kind", ["case:", "person:", "incident:"])
def test_a_subject_left_out_of_the_journal_is_found(
    statements: list[dict[str, Any]], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Facts, "touched_since", _blind(kind))
    assert first_difference(statements) is not None


def test_ignoring_the_time_of_the_latest_event_is_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CaseRecords, "_compute", _untimed(CaseRecords._compute))
    assert first_difference(statements) is not None


def _explained_story() -> list[dict[str, Any]]:
    """A release with no legal basis that the committee later finds explained: the finding
    names the release, not its case, and turns the spell's release from unexplained to
    explained at the time of the statement before it (so nothing but the finding moves)."""
    log = CityLog()
    log.group("g1")
    log.person("P-1", "g1")
    log.arrest("FIR-1", "P-1", at(hours=0))
    release = log.release("FIR-1", "P-1", at(hours=5), "none")
    log.tick(at(hours=6))
    log.add(
        "audit.finding_recorded",
        "committee",
        {"subject": release, "finding": "explained", "summary": "The order was produced."},
        at(hours=6),
    )
    return log.statements


def test_a_release_found_explained_is_followed() -> None:
    statements = _explained_story()
    before, after = (
        Analysis(Facts().apply_all(statements[:n]), n, "00").spells[0]["unexplained_release"]
        for n in (len(statements) - 1, len(statements))
    )
    assert before and not after
    assert first_difference(statements) is None


def _finding_retracted_story() -> list[dict[str, Any]]:
    """``_explained_story`` with the finding then retracted: only the inquiry moves, and the
    retraction names the finding, not the release its flags are about."""
    log = CityLog()
    log.statements = _explained_story()
    finding = log.statements[-1]["event_id"]
    log.add(
        "event.retracted", "committee", {"original": finding, "reason": "wrong order"}, at(hours=7)
    )
    return log.statements


def test_a_finding_retracted_is_followed() -> None:
    statements = _finding_retracted_story()
    statuses = [
        Analysis(Facts().apply_all(statements[:n]), n, "00").flags[0].status
        for n in (len(statements) - 1, len(statements))
    ]
    assert statuses == ["finding_recorded", "open"]
    assert first_difference(statements) is None


def test_the_unexplained_releases_follow_a_release_retracted() -> None:
    """A release with no legal basis, then retracted: its flag is taken out of the case's
    flags and not put back, and the unexplained releases kept across statements lose it as
    those read anew do."""
    log = CityLog()
    log.statements = _explained_story()[:-1]  # the release, before any finding
    (release,) = [s["event_id"] for s in log.statements if s["type"] == "release.recorded"]
    log.add(
        "event.retracted", "police", {"original": release, "reason": "entered twice"}, at(hours=7)
    )
    facts, kept = Facts(), Maintained()
    unexplained = []
    for n, statement in enumerate(log.statements, start=1):
        facts.apply(statement)
        mine = Analysis(facts, n, "00", records=kept).unexplained
        assert mine == Analysis(Facts().apply_all(log.statements[:n]), n, "00").unexplained, n
        unexplained.append(bool(mine))
    assert unexplained[-2:] == [True, False]


@pytest.mark.parametrize("story", [_explained_story, _finding_retracted_story])
def test_flags_blind_to_the_committee_are_found(
    story: Callable[[], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CaseRecords, "_inquired", lambda self, facts, touched: set())
    assert first_difference(story()) is not None


def _heard_story() -> list[dict[str, Any]]:
    """A charged case, its person released, then heard: a hearing names the case and not
    the person, so only the case file says the court record changed."""
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.release("FIR-1", "P-1", at(hours=5), "none")
    log.charge("FIR-1", "P-1", at(hours=6))
    log.add(
        "hearing.held",
        "court",
        {"case": "FIR-1", "judge": "J-1", "outcome": "evidence_recorded"},
        at(hours=7),
    )
    log.tick(at(hours=8))
    return log.statements


def test_a_hearing_is_followed_at_a_time_requested() -> None:
    statements = _heard_story()
    facts = Facts().apply_all(statements)
    assert Analysis(facts, 1, "00").durations[0]["charge_to_first_hearing"]["reached"]
    assert first_difference(statements, LATER) is None


def test_case_rows_blind_to_new_case_files_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = property(lambda self: 0, lambda self, value: None)
    monkeypatch.setattr(CaseRecords, "generation", frozen, raising=False)
    assert first_difference(_heard_story(), LATER) is not None


def test_case_rows_blind_to_a_release_explained_are_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(CaseRows, "_released", lambda self, facts, unexplained: set())
    assert first_difference(_explained_story()) is not None


def test_triggers_judged_once_and_kept_whatever_the_time_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def judged_once(self: TriggerRecords, entry: Any, bases: Any, judged: float) -> bool:
        return bool(entry.bases is bases)

    monkeypatch.setattr(TriggerRecords, "_current", judged_once)
    assert first_difference(statements) is not None


@pytest.mark.parametrize("wide", ["every time", "past open deadlines"])
def test_triggers_judged_alike_too_widely_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, wide: str
) -> None:
    """A kept judgement taken for another time's: whatever the time, or whatever deadline
    passed since."""
    judged_alike = promises.judged_alike

    def too_wide(basis: dict[str, Any], judged: float) -> tuple[float, float]:
        if wide == "past open deadlines":
            return judged_alike(basis, judged)[0], math.inf
        return -math.inf, math.inf

    monkeypatch.setattr(promises, "judged_alike", too_wide)
    assert first_difference(statements) is not None


def test_triggers_judged_again_but_left_out_of_their_buckets_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the time moved past a deadline, the triggers judged again are put in place in
    the list and in their buckets by group and by warning: buckets left as they were show."""
    monkeypatch.setattr(maintained, "_swapped", lambda kept, swaps, keys: kept)
    assert first_table_difference(statements) is not None


@pytest.mark.parametrize("summary", ["group_times", "court_stages", "km", "retaliation_signals"])
def test_time_summaries_kept_when_the_time_moved_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, summary: str
) -> None:
    """The records carry no duration still running; each is counted to the time judged at
    where it is summarised, and a summary is kept only while that time stays. One kept
    whatever the time (its key blind to it) must show."""
    get = reuse.Reused.get

    def blind(self: reuse.Reused, name: Any, inputs: Any, also: Any, *rest: Any) -> Any:
        if (name[0] if isinstance(name, tuple) else name) == summary:
            also = None
        return get(self, name, inputs, also, *rest)

    monkeypatch.setattr(reuse.Reused, "get", blind)
    assert first_table_difference(statements) is not None


@pytest.mark.parametrize("durations", ["at", "running_at"])
def test_durations_counted_to_the_first_time_asked_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, durations: str
) -> None:
    """A column of durations kept with its records (``equality.Column``) counts the ones
    still running to each time asked, both where every duration is read (the curves) and
    where only the running ones are (the log-rank tests and the survival summaries, whose
    closed records are counted once): one that gives the durations of the first time it
    was asked must show."""
    at = getattr(equality.Column, durations)
    first: dict[int, tuple[equality.Column, np.ndarray]] = {}

    def at_first(self: equality.Column, judged: float) -> np.ndarray:
        return first.setdefault(id(self), (self, at(self, judged)))[1].copy()

    monkeypatch.setattr(equality.Column, durations, at_first)
    assert first_table_difference(statements) is not None


def test_an_action_index_kept_forever_is_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def kept_forever(self: TriggerRecords, facts: Facts) -> promises.ActionIndex:
        if self._actions is None:
            self._actions = (facts.actions, promises.ActionIndex(facts))
        return self._actions[1]

    monkeypatch.setattr(TriggerRecords, "_action_index", kept_forever)
    assert first_difference(statements) is not None


def _retracted_story() -> list[dict[str, Any]]:
    """Two shootings under a warning, the first one's report then retracted: the list of
    shootings loses one that is not its last."""
    log = CityLog()
    log.group("g1")
    log.warning("W-1", ["g1"])
    first = log.shooting("INC-1", at(hours=1), groups=["g1"])
    log.shooting("INC-2", at(hours=2), groups=["g1"])
    log.add("event.retracted", "police", {"original": first, "reason": "fireworks"}, at(hours=3))
    log.tick(at(hours=4))
    return log.statements


def test_a_shooting_retracted_before_the_last_is_followed() -> None:
    statements = _retracted_story()
    incidents = {t["incident"] for t in Analysis(Facts().apply_all(statements), 1, "00").triggers}
    assert incidents == {"INC-2"}
    assert first_difference(statements) is None
    assert first_stale_index(statements) is None


def test_shootings_only_ever_appended_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def appended_only(
        self: TriggerRecords, facts: Facts, touched: set[str] | None
    ) -> list[tuple[str, Any]]:
        new = [pair for pair in promises.reported_shootings(facts) if pair[0] not in self._reported]
        self._shootings += new
        self._reported.update(new)
        return self._shootings

    monkeypatch.setattr(TriggerRecords, "_shootings_now", appended_only)
    assert first_difference(_retracted_story()) is not None


def _untimed(compute: Callable[..., None]) -> Callable[..., None]:
    def without_timing(self: CaseRecords, facts: Facts, found: Any) -> None:
        compute(self, facts, found)
        self._timed.pop(found.case, None)

    return without_timing


def everything(analysis: Analysis, facts: Facts) -> Any:
    """Every report, the flags, the last cases' and people's histories and every group's
    page, as JSON."""
    out: dict[str, Any] = {name: analysis.report(name).to_json() for name in REPORT_NAMES}
    out["flags"] = analysis.flag_rows()
    cases = list(facts.cases)
    people = list(facts.person_cases)
    groups = list(facts.groups)
    out["cases"] = [
        case_history(facts, c, _NoProofs(), analysis.flags_by_subject) for c in cases[-3:]
    ]
    out["people"] = [
        person_history(facts, p, _NoProofs(), analysis.flags_by_subject) for p in people[-3:]
    ]
    out["groups"] = [group_detail(analysis, g) for g in groups]
    return json.loads(json.dumps(out))


class _NoProofs:
    def inclusion(self, event_id: str, leaf_index: int) -> dict[str, Any] | None:
        return None


def from_nothing(analysis: Analysis, facts: Facts) -> Any:
    """``everything`` with every statistic computed anew (the results kept by their inputs
    forgotten first)."""
    for memo in MEMOS:
        memo.clear()
    return everything(analysis, facts)


TABLES_REUSED = ("promises", "groups", "releases", "custody", "officers", "court", "interruption")
"""The reports whose rows, counts and curves are kept while the records they come from are
the same (``ledger.projections.reuse``)."""


def first_table_difference(
    statements: list[dict[str, Any]], judged_at: str | None = None
) -> int | None:
    """The first log position where a report built from rows kept across statements differs
    from the same report computed from nothing (judged as in ``first_difference``)."""
    facts = Facts()
    kept = Maintained()
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        evaluation = None if judged_at is None else choose(facts.as_of, requested=judged_at)
        current = Analysis(facts, n, "00", evaluation, kept)
        fresh = Analysis(facts, n, "00", evaluation)
        for name in TABLES_REUSED:
            if current.report(name).to_json() != fresh.report(name).to_json():
                return n
    return None


@pytest.mark.parametrize("judged_at", [None, "2027-01-01T00:00:00Z"])
def test_tables_kept_current_equal_tables_from_nothing_after_every_statement(
    statements: list[dict[str, Any]], judged_at: str | None
) -> None:
    assert first_table_difference(statements, judged_at) is None


@pytest.mark.parametrize("judged_at", [None, "2027-01-01T00:00:00Z"])
def test_group_times_and_tests_kept_across_times_equal_those_from_every_duration(
    statements: list[dict[str, Any]], judged_at: str | None
) -> None:
    """Every report counts a time-to-event's closed records once and places only the open
    ones at each time judged at (``statistics.OpenSummary``, ``statistics.OpenLogrank``).
    After every statement (the time judged at moving with the latest event, or fixed), the
    groups' survival summaries and log-rank tests equal, float for float, the ones computed
    from every duration with nothing kept."""
    facts = Facts()
    kept = Maintained()
    tested = 0
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        evaluation = None if judged_at is None else choose(facts.as_of, requested=judged_at)
        a = Analysis(facts, n, "00", evaluation, kept)
        rows = a.group_rows
        groups = [r["group"] for r in rows]
        args = (a.triggers, a.spells, a.cases, groups, a.judged_seconds)
        tests = equality.group_tests(*args, a.families, kept.reused)
        plain = equality.group_rows(facts, a.triggers, a.spells, a.cases, a.judged_seconds)
        assert [{k: r[k] for k in r if k.startswith("time_to_")} for r in rows] == [
            {k: r[k] for k in r if k.startswith("time_to_")} for r in plain
        ], n
        assert tests == equality.group_tests(*args), n
        tested += sum(t["p_value"] is not None for t in tests if t["metric"].startswith("time_"))
    assert tested > len(statements)  # the log-rank tests were computed, not "not testable"


def test_an_interruption_table_blind_to_incidents_is_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maintained, "INCIDENTS", f"{LIFECYCLE}Nothing")
    assert first_table_difference(statements) is not None


def _responded_story() -> list[dict[str, Any]]:
    """A hospital's response to a shooting recorded before the shooting's report: its area
    is the incident's, known only once the shooting is reported."""
    log = CityLog()
    log.add(
        "hospital.response",
        "interrupters",
        {
            "response": "R-1",
            "incident": "INC-9",
            "hospital": "Civil Hospital",
            "victims_reached": 1,
            "outcome": "counselled",
        },
        at(hours=1),
    )
    log.shooting("INC-8", at(hours=2))
    log.shooting("INC-9", at(hours=3))
    log.tick(at(hours=4))
    return log.statements


def test_a_response_before_its_shooting_is_counted_in_the_shooting_s_area() -> None:
    statements = _responded_story()
    rows = Analysis(Facts().apply_all(statements), 1, "00").report("interruption").rows
    assert [(r["area"], r["hospital_responses"]) for r in rows] == [("Lyari", 1)]
    assert first_table_difference(statements) is None
    assert first_table_difference(_retracted_story()) is None


def _moved_responses_story() -> list[dict[str, Any]]:
    """Responses to two shootings: one corrected to name the other shooting, one retracted,
    one added after both (each a change to the interruption index that is not an append
    but the last)."""
    log = CityLog()
    log.shooting("INC-1", at(hours=1))
    log.shooting("INC-2", at(hours=2))

    def response(name: str, incident: str) -> dict[str, Any]:
        return {
            "response": name,
            "incident": incident,
            "hospital": "Civil Hospital",
            "victims_reached": 1,
            "outcome": "counselled",
        }

    first = log.add("hospital.response", "interrupters", response("R-1", "INC-1"), at(hours=3))
    second = log.add("hospital.response", "interrupters", response("R-2", "INC-2"), at(hours=4))
    log.add(
        "event.corrected",
        "interrupters",
        {"original": first, "reason": "wrong ward", "corrected_data": response("R-1", "INC-2")},
        at(hours=5),
    )
    log.add("event.retracted", "interrupters", {"original": second, "reason": "twice"}, at(hours=6))
    log.add("hospital.response", "interrupters", response("R-3", "INC-1"), at(hours=7))
    log.tick(at(hours=8))
    return log.statements


def test_responses_moved_between_shootings_are_followed() -> None:
    statements = _moved_responses_story()
    rows = Analysis(Facts().apply_all(statements), 1, "00").report("interruption").rows
    assert [(r["area"], r["hospital_responses"]) for r in rows] == [("Lyari", 2)]
    assert first_stale_index(statements) is None
    assert first_table_difference(statements) is None


def test_responses_only_ever_appended_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def appended_only(
        previous: Indexes, states: Any, changed: set[str], at: Callable[[str], int]
    ) -> dict[str, Any]:
        found = states.of(Incident)
        now = {
            r["event_id"] for key in changed if key in found for r in found[key].responses.values()
        }
        new = sorted(now - set(previous.interruption), key=at)
        return {
            "responses": indexes._responses(found.items()),
            "interruption": previous.interruption + new,
        }

    monkeypatch.setattr(indexes, "_update_responses", appended_only)
    assert first_stale_index(_moved_responses_story()) is not None


def test_shootings_added_whatever_the_responses_before_them_are_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_shootings = InterruptionRows._add_shootings

    def forgetting_responses(
        self: InterruptionRows, facts: Facts, areas: Any, touched: set[str]
    ) -> bool:
        areas.responded.clear()
        return add_shootings(self, facts, areas, touched)

    monkeypatch.setattr(InterruptionRows, "_add_shootings", forgetting_responses)
    assert first_table_difference(_responded_story()) is not None


def test_signals_blind_to_transfers_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def blind(
        facts: Facts, spells: list[dict[str, Any]], as_of: str, reused: reuse.Reused | None = None
    ) -> list[dict[str, Any]]:
        assert reused is not None
        basis = reused.get(
            "retaliation_basis", (spells,), None, partial(officers._basis, facts, spells)
        )
        compute = partial(officers._retaliation_signals, facts, basis, as_of)
        return reused.get("retaliation_signals", (spells,), as_of, compute)

    monkeypatch.setattr(officers, "retaliation_signals", blind)
    assert first_table_difference(statements, "2027-01-01T00:00:00Z") is not None


def test_triggers_and_promise_rows_kept_after_their_shooting_changed_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def at_the_same_time(self: TriggerRecords, entry: Any, bases: Any, judged: float) -> bool:
        return bool(entry.judged == judged)

    monkeypatch.setattr(TriggerRecords, "_current", at_the_same_time)
    assert first_table_difference(statements, LATER) is not None


def test_rows_reused_for_lists_that_only_look_alike_are_found(
    statements: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        reuse,
        "_same",
        lambda kept, inputs: [len(k) for k in kept] == [len(i) for i in inputs],
    )
    assert first_table_difference(statements) is not None


def test_every_report_kept_current_equals_a_fresh_fold_at_several_sizes(
    statements: list[dict[str, Any]],
) -> None:
    facts = Facts()
    kept = Maintained()
    points = {len(statements) * k // 6 for k in range(1, 7)}
    compared = 0
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        if n % 7 == 0:
            kept.cases.sync(facts)
        if n in points:
            fresh_facts = Facts().apply_all(statements[:n])
            assert everything(Analysis(facts, n, "00", records=kept), facts) == from_nothing(
                Analysis(fresh_facts, n, "00"), fresh_facts
            ), f"reports differ at tree size {n}"
            compared += 1
    assert compared == 6


def _held_stories() -> list[dict[str, Any]]:
    """People held while time passes with no statement on their case: held unproduced,
    on a police remand that expires, on a judicial remand, after a refused remand, and
    released on an s.169 bond with no magistrate's order in the grace."""
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.arrest("FIR-2", "P-2", at(hours=1))
    log.produce("FIR-2", "P-2", at(hours=10), remand_days=3)
    log.arrest("FIR-3", "P-3", at(hours=2))
    log.produce("FIR-3", "P-3", at(hours=11), remand_days=10, custody="judicial")
    log.arrest("FIR-4", "P-4", at(hours=3))
    log.produce("FIR-4", "P-4", at(hours=12), remand_days=0)
    log.arrest("FIR-5", "P-5", at(hours=4))
    log.produce("FIR-5", "P-5", at(hours=13), remand_days=2)
    log.release("FIR-5", "P-5", at(hours=20), "s169_bond")
    for hours in range(12, 24 * 12, 6):
        log.tick(at(hours=hours))
    return log.statements


def test_flags_that_wait_on_time_alone_follow_it() -> None:
    statements = _held_stories()
    rules = {f.rule for f in Analysis(Facts().apply_all(statements), 1, "00").flags}
    assert {
        "custody.past_24h",
        "custody.held_past_remand",
        "release.s169_no_magistrate_order",
    } <= rules
    assert first_difference(statements) is None


def test_a_flag_computed_again_and_found_the_same_is_the_flag_kept() -> None:
    """While someone's custody hours run, their case's flags are computed again at each
    time of the latest event: here P-1 is held unproduced, and P-2, of the same case, was
    released on an s.169 bond with no magistrate's order. A flag that comes out equal to
    the one kept is the one kept, so the rows made from it are known to hold; one that
    changed is a new flag."""
    log = CityLog()
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.arrest("FIR-1", "P-2", at(hours=1))
    log.produce("FIR-1", "P-2", at(hours=10), remand_days=2)
    log.release("FIR-1", "P-2", at(hours=20), "s169_bond")
    for hours in range(30, 24 * 12, 6):
        log.tick(at(hours=hours))
    facts, kept = Facts(), Maintained()
    before: dict[str, Any] = {}
    kept_beside_a_change = 0
    for n, statement in enumerate(log.statements, start=1):
        facts.apply(statement)
        flags = Analysis(facts, n, "00", records=kept).flags
        moved = set()
        for flag in flags:
            earlier = before.get(flag.flag_id)
            if earlier is not None:
                assert (flag is earlier) == (flag == earlier), (n, flag.flag_id)
                if flag is not earlier:
                    moved.add(flag.case)
        kept_beside_a_change += sum(
            flag.case in moved and flag is before.get(flag.flag_id) for flag in flags
        )
        before = {flag.flag_id: flag for flag in flags}
    assert {"custody.past_24h", "release.s169_no_magistrate_order"} <= {f.rule for f in flags}
    assert kept_beside_a_change > 0
    assert first_difference(log.statements) is None


LATER = "2027-01-01T00:00:00Z"
"""A time requested after every statement of the stories here."""


def test_records_judged_at_a_time_requested_follow_the_latest_event() -> None:
    assert first_difference(_held_stories(), LATER) is None


def test_holdings_blind_to_the_latest_event_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    counted = maintained.CaseTables.holdings_at

    def first_time_only(tables: maintained.CaseTables, as_of: str, limit_h: float) -> Any:
        first = tables._counted.at[0] if tables._counted is not None else as_of
        return counted(tables, first, limit_h)

    monkeypatch.setattr(maintained.CaseTables, "holdings_at", first_time_only)
    assert first_difference(_held_stories(), LATER) is not None


def test_a_statement_about_no_case_reads_no_case_again_and_the_holdings_follow_its_time() -> None:
    statements = _held_stories()
    ticks = [n for n, s in enumerate(statements) if s["type"] == "community.response"]
    facts, kept = Facts().apply_all(statements[: ticks[-2]]), Maintained()
    before = Analysis(facts, facts.count, "00", records=kept).holdings
    facts.apply_all(statements[ticks[-2] : ticks[-2] + 1])
    analysis = Analysis(facts, facts.count, "00", records=kept)
    after = analysis.holdings
    assert analysis.case_tables is not None and kept.rows.recomputed == 0
    assert after == Analysis(facts, facts.count, "00").holdings
    assert len(after) == len(before) >= 3
    assert all(
        a["hours_in_custody"] > b["hours_in_custody"] for a, b in zip(after, before, strict=True)
    )


def _about_the_ledger(statements: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bool]]:
    """Statements about the ledger after the city, each with whether it changes what the
    reports read of the registry (the policy, an institution or its role)."""
    last = statements[-1]["occurred_at"]

    def statement(type: str, data: dict[str, Any]) -> dict[str, Any]:
        index = len(statements) + len(made)
        return {
            "type": type,
            "recorder": "committee",
            "key_id": "key-committee",
            "occurred_at": last,
            "recorded_at": last,
            "data": data,
            "refs": [],
            "event_id": f"{index:064x}",
            "leaf_index": index,
        }

    made: list[tuple[dict[str, Any], bool]] = []
    key = {"purpose": "signing", "reason": "a second key"}
    for type, data, changes in (
        (
            "key.registered",
            {"institution": "police", "public_key": public_key_of("p2"), **key},
            False,
        ),
        (
            "head.appointed",
            {
                "head": "H-02",
                "term_start": last,
                "term_end": "2030-01-01T00:00:00Z",
                "reason": "The term of the first head ended.",
            },
            False,
        ),
        (
            "key.registered",
            {
                "institution": "ombudsman",
                "public_key": public_key_of("o"),
                "role": "committee",
                "institution_name": "Ombudsman",
                **key,
            },
            True,
        ),
    ):
        made.append((statement(type, data), changes))
    return made


def test_a_statement_about_the_ledger_recomputes_every_case_only_if_reports_read_what_it_changed(
    statements: list[dict[str, Any]],
) -> None:
    facts = Facts().apply_all(statements)
    kept = Maintained()
    kept.cases.sync(facts)  # every case computed once
    cases = len(kept.cases.files)
    assert cases > 20
    for n, (statement, changes) in enumerate(_about_the_ledger(statements), len(statements) + 1):
        facts.apply(statement)
        kept.cases.sync(facts)
        assert kept.cases.recomputed == (cases if changes else 0), statement["data"]
        analysis = Analysis(facts, n, "00", None, kept)
        assert _records(analysis) == _records(Analysis(facts, n, "00", None)), statement["type"]
        fresh = Analysis(facts, n, "00", None)
        for name in REPORT_NAMES:
            assert json.dumps(analysis.report(name).to_json(), sort_keys=True) == json.dumps(
                fresh.report(name).to_json(), sort_keys=True
            ), (name, statement["type"])


def test_records_further_behind_than_the_journal_are_recomputed_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ledger.projections.facts as facts_module

    monkeypatch.setattr(facts_module, "JOURNAL_KEEP", 5)
    statements = _held_stories()
    facts = Facts()
    kept = Maintained()
    facts.apply_all(statements[:20])
    kept.cases.sync(facts)
    facts.apply_all(statements[20:])
    assert facts.touched_since(20) is None
    assert facts.touched_since(facts.count - 1) == {f"event:{statements[-1]['event_id']}"} | {
        "lifecycle:Incident",
        "incident:none",
    }
    assert _records(Analysis(facts, facts.count, "00", records=kept)) == _records(
        Analysis(facts, facts.count, "00")
    )


def _lifecycles(facts: Facts) -> list[Any]:
    """Every subject's state attribute by attribute (a tuple is not a list, nor a set a list)."""
    return [vars(facts.states.registry)] + [
        (cls.__name__, key, vars(state))
        for cls, of_kind in facts.states.lifecycles.items()
        for key, state in of_kind.items()
    ]


def _reloaded(facts: Facts) -> Facts:
    return Facts.from_state(json.loads(json.dumps(facts.to_state())))


def test_a_loaded_snapshot_holds_the_states_a_fold_gives_and_reports_the_same_bytes(
    statements: list[dict[str, Any]],
) -> None:
    for n in (len(statements) // 3, len(statements)):
        fresh = Facts().apply_all(statements[:n])
        loaded = _reloaded(fresh)
        assert _lifecycles(loaded) == _lifecycles(fresh), f"states differ at tree size {n}"
        assert json.dumps(everything(Analysis(loaded, n, "00"), loaded)) == json.dumps(
            everything(Analysis(fresh, n, "00"), fresh)
        ), f"reports differ at tree size {n}"
    # Loaded states keep evolving as folded ones do.
    third = len(statements) // 3
    resumed = _reloaded(Facts().apply_all(statements[:third])).apply_all(statements[third:])
    whole = Facts().apply_all(statements)
    assert _lifecycles(resumed) == _lifecycles(whole)
    assert resumed.to_state() == whole.to_state()


def test_rows_kept_are_handed_to_every_reader_as_they_are_and_no_reader_changes_them(
    statements: list[dict[str, Any]],
) -> None:
    """The promises table, the custody holdings, the release and custody flags and the
    curves of time to arrest are handed out without a copy: a second reader gets the
    very rows, and a reader that
    tries to change one (or a list in it) is refused, so what later readers get and what
    a fresh fold computes stay the same."""
    facts = Facts().apply_all(statements)
    kept = Maintained()
    n = len(statements)
    first = {name: Analysis(facts, n, "00", records=kept).report(name) for name in REPORT_NAMES}
    again = {name: Analysis(facts, n, "00", records=kept).report(name) for name in REPORT_NAMES}
    handed = {
        "promises": (first["promises"].rows, again["promises"].rows),
        "holdings": (first["custody"].extra["holdings"], again["custody"].extra["holdings"]),
        "release flags": (first["releases"].rows, again["releases"].rows),
        "custody flags": (first["custody"].rows, again["custody"].rows),
    }
    unexplained = first["releases"].extra["unexplained_releases"]
    assert unexplained is again["releases"].extra["unexplained_releases"]
    with pytest.raises(TypeError, match="cannot be changed"):
        unexplained.clear()
    curves = first["groups"].extra["km_time_to_arrest_hours"]
    for group, curve in curves.items():
        handed[group] = (curve, again["groups"].extra["km_time_to_arrest_hours"][group])
    assert all(rows for rows, _ in handed.values()), "the city has rows of every kind"
    for what, (rows, later) in handed.items():
        assert rows is not later and all(map(operator.is_, rows, later)), what
        row = rows[0]
        with pytest.raises(TypeError, match="cannot be changed"):
            row[next(iter(row))] = None
        with pytest.raises(TypeError, match="cannot be changed"):
            row.update({})
        listed = next((v for v in row.values() if isinstance(v, list)), None)
        if listed is not None:
            with pytest.raises(TypeError, match="cannot be changed"):
                listed.append("x")
        rows.clear()  # the reader's own list
    assert any(isinstance(v, list) for row in again["promises"].rows for v in row.values()), (
        "a promise row holds lists (its groups, warnings, derived_from)"
    )
    fresh_facts = Facts().apply_all(statements)
    assert everything(Analysis(facts, n, "00", records=kept), facts) == from_nothing(
        Analysis(fresh_facts, n, "00"), fresh_facts
    )


def test_a_shared_row_reads_as_a_dict_and_survives_pickling_shared() -> None:
    """JSON, ``==`` and a copy see a plain dict; the kept state (pickled) keeps the rows
    read-only and one object where two readers shared it."""
    row = reuse.shared({"case": "FIR-1", "groups": ["a", "b"], "evidence": {"ids": ["x"]}})
    assert json.dumps(row) == json.dumps(
        {"case": "FIR-1", "groups": ["a", "b"], "evidence": {"ids": ["x"]}}
    )
    assert row == {"case": "FIR-1", "groups": ["a", "b"], "evidence": {"ids": ["x"]}}
    copy = dict(row)
    copy["case"] = "FIR-2"
    assert row["case"] == "FIR-1"
    with pytest.raises(TypeError, match="cannot be changed"):
        row["evidence"]["ids"].append("y")
    both = pickle.loads(pickle.dumps([row, row], protocol=5))
    assert both[0] is both[1] and both[0] == row
    with pytest.raises(TypeError, match="cannot be changed"):
        both[0]["groups"].append("c")


def _waiting_story() -> tuple[list[dict[str, Any]], list[str]]:
    """Three cases whose flags wait on the time of the latest event, and statements about
    none of them that move it up to each limit, a second past it and on: someone held
    unproduced (24 hours), someone held after a police remand expired (its 2 days and the
    24 hours of grace), a release on an s.169 bond (7 days for the magistrate's order).
    Also the times of the ticks, in order."""
    log = CityLog()
    log.group("g1")
    for person in ("P-1", "P-2", "P-3"):
        log.person(person, "g1")
    log.arrest("FIR-1", "P-1", at(hours=0))
    log.arrest("FIR-2", "P-2", at(hours=0))
    log.produce("FIR-2", "P-2", at(hours=5), remand_days=2)
    log.arrest("FIR-3", "P-3", at(hours=0))
    log.produce("FIR-3", "P-3", at(hours=2), remand_days=1)
    log.release("FIR-3", "P-3", at(hours=10), "s169_bond")
    ticks = [
        at(hours=hours, seconds=extra) for hours in (12, 24, 77, 178) for extra in (-1, 0, 1, 3600)
    ]
    for when in ticks:
        log.tick(when)
    return log.statements, ticks


def test_a_case_waiting_on_the_time_is_computed_again_once_a_limit_is_crossed() -> None:
    """Equal to the records from nothing at every statement, each flag raised the second
    after its limit, and a tick before every limit recomputes no case (every waiting case
    was computed again at every move of the time before)."""
    statements, ticks = _waiting_story()
    assert first_difference(statements) is None
    facts, kept = Facts(), Maintained()
    ticked = len(statements) - len(ticks)
    raised: dict[str, str] = {}
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        analysis = Analysis(facts, n, "00", None, kept)
        for flag in analysis.flags:
            raised.setdefault(flag.rule, facts.as_of)
        if n == ticked + 1:
            assert kept.cases.recomputed == 0
    assert raised == {
        "custody.past_24h": at(hours=24, seconds=1),
        "custody.held_past_remand": at(hours=77, seconds=1),
        "release.s169_no_magistrate_order": at(hours=178, seconds=1),
    }


def _counting_story() -> list[dict[str, Any]]:
    """Two people held and flagged while their spells run: one unproduced past the 24
    hours, one past a police remand of a day and its 24 hours of grace (and unproduced
    nowhere else); then statements about neither that move the time of the latest event on,
    by less than a hundredth of an hour too. Between them the committee asks about the
    first arrest, then records its finding, so that flag counts on with its inquiry."""
    log = CityLog()
    log.group("g1")
    for person in ("P-1", "P-2"):
        log.person(person, "g1")
    arrest = log.arrest("FIR-1", "P-1", at(hours=0))
    log.arrest("FIR-2", "P-2", at(hours=0))
    log.produce("FIR-2", "P-2", at(hours=5), remand_days=1)
    for hours, extra in ((30, 0), (30, 10), (31, 0), (40, 0), (54, 0)):
        log.tick(at(hours=hours, seconds=extra))
    log.add(
        "explanation.requested",
        "committee",
        {
            "subject": arrest,
            "addressed_to": "police",
            "questions": "Why was P-1 not produced within 24 hours?",
            "due": at(hours=200),
        },
        at(hours=55),
    )
    for hours in (56, 57, 80):
        log.tick(at(hours=hours))
    log.add(
        "audit.finding_recorded",
        "committee",
        {"subject": arrest, "finding": "unlawful", "summary": "Held unproduced."},
        at(hours=81),
    )
    for hours in (82, 90):
        log.tick(at(hours=hours))
    return log.statements


def test_a_flag_counting_the_hours_of_someone_held_counts_them_to_each_new_time() -> None:
    """The flags equal the flags raised from nothing after every statement, their hours
    counted to each new time with no case computed again (but where a flag is raised),
    and a flag whose count did not move (ten seconds later) stays the very flag."""
    statements = _counting_story()
    assert first_difference(statements) is None
    facts, kept = Facts(), Maintained()
    counted: list[tuple[str, float, float, str]] = []
    before: list[Flag] = []
    for n, statement in enumerate(statements, start=1):
        facts.apply(statement)
        flags = Analysis(facts, n, "00", None, kept).flags
        if statement["type"] == "community.response" and len(flags) == len(before) > 0:
            assert kept.cases.recomputed == 0, statement["occurred_at"]
        by_rule = {f.rule: f for f in flags}
        if "custody.held_past_remand" in by_rule:
            unproduced = by_rule["custody.past_24h"]
            counted.append(
                (
                    facts.as_of,
                    unproduced.evidence["hours_without_production"],
                    by_rule["custody.held_past_remand"].evidence["hours_past_authority"],
                    unproduced.status,
                )
            )
        if statement["occurred_at"] == at(hours=30, seconds=10):
            assert [a is b for a, b in zip(flags, before, strict=True)] == [True]
        before = flags
    assert counted == [
        (at(hours=54), 54.0, 25.0, "open"),
        (at(hours=55), 55.0, 26.0, "explanation_requested"),
        (at(hours=56), 56.0, 27.0, "explanation_requested"),
        (at(hours=57), 57.0, 28.0, "explanation_requested"),
        (at(hours=80), 80.0, 51.0, "explanation_requested"),
        (at(hours=81), 81.0, 52.0, "finding_recorded"),
        (at(hours=82), 82.0, 53.0, "finding_recorded"),
        (at(hours=90), 90.0, 61.0, "finding_recorded"),
    ]


def test_records_kept_for_other_facts_keep_no_count_from_them() -> None:
    """Records kept while a flag counted someone's hours, then brought to the facts of
    another log (where that case is not, and someone else is held past the limit): whole,
    equal to the records from nothing, with no count left from the first log."""
    kept = Maintained()
    story = _counting_story()
    thirty = next(n for n, s in enumerate(story, start=1) if s["occurred_at"] == at(hours=30))
    first = Facts().apply_all(story[:thirty])  # P-1 held 30 hours, unproduced
    assert [f.case for f in Analysis(first, first.count, "00", records=kept).flags] == ["FIR-1"]
    other = CityLog()
    other.group("g1")
    other.person("P-9", "g1")
    other.arrest("FIR-9", "P-9", at(hours=0))
    other.tick(at(hours=100))
    later = Facts().apply_all(other.statements)
    assert _records(Analysis(later, later.count, "00", records=kept)) == _records(
        Analysis(later, later.count, "00")
    )


@pytest.mark.parametrize("mistake", ["no count", "the statused flags left", "the list left"])
def test_flags_whose_counts_are_not_followed_are_found(
    mistake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts left as they were, counted only in the flags before the committee's status is
    attached (which the next inquiry would read), or in the flags with their status but
    not in the sorted list the reports read: each is found."""
    original = CaseRecords._recount

    def recount(self: CaseRecords, now: float, cases: Any, every: bool, restatus: set[str]) -> None:
        if mistake == "no count":
            return
        if mistake == "the statused flags left":
            original(self, now, cases, True, restatus)
            return
        listed = list(self._flags)
        original(self, now, cases, every, restatus)
        self._flags[:] = listed

    monkeypatch.setattr(CaseRecords, "_recount", recount)
    assert first_difference(_counting_story()) is not None


def test_a_case_waiting_past_the_moment_its_flag_changes_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ledger.projections.flagging import Waits

    original = Waits.until
    monkeypatch.setattr(Waits, "until", lambda self, crossed: original(self, crossed + 60))
    assert first_difference(_waiting_story()[0]) is not None


def test_unexplained_releases_kept_past_a_change_to_a_basis_flag_are_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The unexplained releases are read again only when a flag saying a release's basis is
    missing may have changed: a finding that explains one must reach them."""
    assert first_difference(_explained_story()) is None
    monkeypatch.setattr(maintained, "BASIS_RULES", frozenset())
    assert first_difference(_explained_story()) is not None


def test_a_flag_put_back_that_sorts_alike_another_is_sorted_as_from_nothing() -> None:
    """Two people held on one arrest are flagged alike (the same time, rule and subject):
    when a case's flags are put back in place and one of them sorts alike a flag already
    in the list, every flag is sorted anew, in the order the flags raised from nothing
    have (release flags, then custody flags, in case order), not at the place found."""
    facts: Any = type("NoInquiries", (), {"inquiries": {}})()

    def held_past_limit(case: str, person: str, subject: str) -> Flag:
        return Flag(
            rule="custody.past_24h",
            subject=subject,
            case=case,
            person=person,
            occurred_at="2026-03-01T10:00:00Z",
            evidence={},
            derived_from=[subject],
        )

    records = CaseRecords()
    records.files = dict.fromkeys(["A", "B"])  # type: ignore[arg-type]
    records._release = {"A": [], "B": []}
    records._custody = {
        "A": [held_past_limit("A", "P-1", "arrest-1")],
        "B": [held_past_limit("B", "P-3", "arrest-2")],
    }
    records._status_all(facts)
    assert not records._ties
    records._custody["B"] = [held_past_limit("B", "P-2", "arrest-1")]  # now alike A's
    records._status_cases(facts, {"B"})
    assert [(f.case, f.person) for f in records.flags()] == [("A", "P-1"), ("B", "P-2")]
    assert records._ties
    again = CaseRecords()
    again.files, again._release, again._custody = records.files, records._release, records._custody
    again._status_all(facts)
    assert [(f.case, f.person) for f in again.flags()] == [("A", "P-1"), ("B", "P-2")]
