"""Per-case and per-shooting records kept current as statements arrive, not recomputed
from every fact.

``CaseRecords`` holds, for every case, its ``CaseFile`` and the release and
custody flags it raises (before the committee's status is attached). After new
statements it recomputes only the cases they touched: ``Facts`` journals the
subjects each statement names (``Facts.touched_since``), and each case
remembers what it read beyond its own steps (``releases.reads_beyond_case``:
the orders its releases cite, later arrests of the same person and their
shootings). Cases whose flags depend on the time of the latest event (someone
held unproduced or on a police remand, an s.169 bond in its grace) are
recomputed when that time reaches the moment one of their flags could be raised
(``flagging.Waits``, found while the flags are raised: a limit crossed); a flag
that counts the hours of a spell still running has only that count set again at
each move of the time (``CaseRecords._recount``, ``flagging.Count``), since
nothing else of the case changed. A statement about the ledger itself (its
policy) recomputes everything. The
flags are kept with the committee's status attached (``flagging.statused``),
in order (``flagging.flag_order``): a case's flags are statused again when
they were recomputed or a statement about an inquiry moved the inquiry into
one of their subjects.

``TriggerRecords`` holds each reported shooting's triggers before they are
judged at a time (``promises.incident_triggers``): what they read is the
shooting's incident (its report, attributions, the arrests and actions citing
it), the suspects' memberships, the cases of those arrests (their charges and
whether a release ended one unexplained) and the general actions under their
warnings; a change to a warning recomputes every shooting. Each shooting's
triggers judged at a time (``promises.judge``) are kept with that time and
their rows of the promises table, and judged again only when the shooting's
triggers were recomputed or the time moved past one of their open deadlines
(``promises.judged_alike``, ``TriggerRecords.judged``): a trigger awaiting its
arrest does not carry its open hours, which are counted where they are
summarised (``equality.Column``). When the time moved, the triggers
judged again are put in place in the list of every trigger and its buckets by
group and by warning; after new statements those are changed only from the
first shooting that changed on.

``CaseRows`` holds each case's spell, case and court records and the people
it holds (``equality.case_spell_records``, ``equality.case_record``,
``court.case_duration``, ``custody.case_held``): what they read is the
case file, the groups its people were members of when arrested (a membership
statement names the person) and whether each of its releases is unexplained.
They do not read the time judged at: a duration still running is None in the
record, with the time it began, and is counted to the time judged at where it
is summarised (``equality.Column``), so a move of that time leaves every
record as it was. Nor do they read the time of the latest event: the people
held are counted to it where the custody report lists them
(``CaseTables.holdings_at``), so a new statement about no case reads no case
again.

``InterruptionRows`` holds the interruption table, read again only after a
statement about an incident or a mediation (or the ledger itself): the
shootings, responses and sessions it counts are folded into those
lifecycles, their corrections and retractions too.

The records are a function of the facts alone, so the reports read from them
equal the reports computed from nothing at the same tree size
(tests/projections/test_maintained.py checks this one statement at a time).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from operator import is_
from typing import Any

import numpy as np

from ledger.aggregates.incident import Incident
from ledger.aggregates.inquiry import Inquiry
from ledger.aggregates.mediation import Mediation
from ledger.aggregates.warning import Warning
from ledger.projections import court, custody, equality, promises
from ledger.projections.casework import CaseFile, case_file
from ledger.projections.custody import case_custody_flags
from ledger.projections.facts import Event, Facts, seconds
from ledger.projections.flagging import BASIS_RULES, Count, Flag, Waits, flag_order, statused
from ledger.projections.indexes import LIFECYCLE, REGISTRY
from ledger.projections.interruption import Areas, interruption_areas
from ledger.projections.promises import (
    BY_MEMBER,
    ActionIndex,
    incident_triggers,
    reported_shootings,
)
from ledger.projections.releases import (
    case_release_flags,
    reads_beyond_case,
    unexplained_releases,
)
from ledger.projections.reuse import Reused, shared
from ledger.vocabulary.base import spec_for

CASE = "case:"
EVENT = "event:"
PERSON = "person:"
INCIDENT = "incident:"
INCIDENTS = f"{LIFECYCLE}{Incident.__name__}"
MEDIATION = f"{LIFECYCLE}{Mediation.__name__}"
INQUIRIES = f"{LIFECYCLE}{Inquiry.__name__}"


class Maintained:
    """Everything kept current for one ``Facts``: case records, their spell, case and court
    records, and shooting records."""

    def __init__(self) -> None:
        self.cases = CaseRecords()
        self.rows = CaseRows()
        self.triggers = TriggerRecords()
        self.reused = Reused()
        """Each group's rows of the tables, kept while its records are the same
        (``ledger.projections.reuse``)."""
        self.interruption = InterruptionRows()


class Readers:
    """Which records read which subjects (``kind:id``), both ways."""

    def __init__(self) -> None:
        self._reads: dict[str, set[str]] = {}
        self._readers: dict[str, set[str]] = {}

    def record(self, reader: str, reads: set[str]) -> None:
        self._reads[reader] = reads
        for key in reads:
            self._readers.setdefault(key, set()).add(reader)

    def forget(self, reader: str) -> None:
        for key in self._reads.pop(reader, set()):
            readers = self._readers.get(key)
            if readers is not None:
                readers.discard(reader)
                if not readers:
                    del self._readers[key]

    def of(self, keys: set[str]) -> set[str]:
        """Every record that read one of ``keys``."""
        out: set[str] = set()
        for key in keys:
            out |= self._readers.get(key, set())
        return out


class CaseRecords:
    """Case files and raised flags of every case, brought up to date by ``sync``."""

    def __init__(self) -> None:
        self._facts: Facts | None = None
        self._count = 0
        self._as_of = ""
        self.files: dict[str, CaseFile] = {}
        self._release: dict[str, list[Flag]] = {}
        self._custody: dict[str, list[Flag]] = {}
        self._readers = Readers()
        self._timed: dict[str, float] = {}
        """Each case whose flags wait on the time of the latest event, with the moment
        (seconds) from which they may change otherwise than in their counts of hours
        (``flagging.Waits``)."""
        self._counting: dict[str, list[tuple[int, Count]]] = {}
        """Each case with a flag counting the hours of a spell still running: the flag's
        place among the case's custody flags, and what it counts (``flagging.Count``)."""
        self._statused: dict[str, list[Flag]] = {}
        self._flags: list[Flag] = []
        self._keys: list[tuple[str, int, str, str]] = []
        """Each flag's ``flag_order``, in the places of ``_flags`` (searched in place of
        calling it at each step of a search)."""
        self._ties = False
        self._unexplained: tuple[int, dict[str, list[str]]] = (-1, {})
        self.recomputed = 0
        """How many cases the last ``sync`` recomputed (the benchmark and tests read it)."""
        self.generation = 0
        """Counts the syncs that replaced, added or removed a case file."""
        self._basis_generation = 0
        """Counts the syncs that may have changed a flag saying a release's basis is missing
        (``BASIS_RULES``) or its status: the unexplained releases are read from those."""

    def sync(self, facts: Facts) -> None:
        """Recompute the cases the statements since the last sync touched."""
        if facts is self._facts and facts.count == self._count and facts.as_of == self._as_of:
            self.recomputed = 0
            return
        touched = facts.touched_since(self._count) if facts is self._facts else None
        if touched is None or REGISTRY in touched:
            self.files, self._release, self._custody = {}, {}, {}
            self._readers, self._timed, self._counting = Readers(), {}, {}
            stale = set(facts.cases)
        else:
            stale = {key[len(CASE) :] for key in touched if key.startswith(CASE)}
        changed_files = {case for case in stale if case in self.files or case in facts.cases}
        if changed_files:
            self.generation += 1
            for case in changed_files:
                found = case_file(facts, case) if case in facts.cases else None
                if found is None:
                    self.files.pop(case, None)
                else:
                    self.files[case] = found
            self.files = {case: self.files[case] for case in facts.cases if case in self.files}
        redo = changed_files | self._readers.of(touched or set())
        moved = facts.as_of != self._as_of
        if moved:
            redo |= self._time_passed(facts.as_of)
        for case in redo:
            self._forget(case)
            found = self.files.get(case)
            if found is not None:
                self._compute(facts, found)
        self.recomputed = len(redo)
        every = touched is None or REGISTRY in touched or self._ties
        restatus = set() if every else redo | self._inquired(facts, touched or set())
        if moved:
            self._recount(seconds(facts.as_of), self._counting.keys() - redo, every, restatus)
        if every:
            self._status_all(facts)
        else:
            self._status_cases(facts, restatus)
        self._facts, self._count, self._as_of = facts, facts.count, facts.as_of

    def _recount(self, now: float, cases: Iterable[str], every: bool, restatus: set[str]) -> None:
        """The hours the flags of ``cases`` count, to ``now`` (seconds, later than the time
        they were counted to): nothing else of those cases changed. A flag whose count is
        the same stays the very flag. The flags with their status are changed in their
        places in the sorted list (their order does not read the count), unless every
        flag, or the case's, is statused again. The unexplained releases stay: they read
        which flags are raised and their status, never a count."""
        for case in cases:
            custody = self._custody[case]
            first = len(self._release[case])
            statused = None if every or case in restatus else self._statused[case]
            for at, count in self._counting[case]:
                hours = count.evidence(now)
                raw = custody[at]
                if raw.evidence[count.field] == hours:
                    continue
                if custody is self._custody[case]:
                    custody = self._custody[case] = list(custody)
                evidence = {**raw.evidence, count.field: hours}
                custody[at] = replace(raw, evidence=evidence)
                if statused is None:
                    continue
                if statused is self._statused[case]:
                    statused = self._statused[case] = list(statused)
                old = statused[first + at]
                statused[first + at] = new = replace(old, evidence=evidence)
                place = bisect_left(self._keys, flag_order(old))
                while self._flags[place] is not old:
                    place += 1
                self._flags[place] = new

    def _time_passed(self, as_of: str) -> set[str]:
        """The cases whose flags may differ at ``as_of`` from the flags raised at the time
        they were computed: every waiting one if the time went back."""
        if as_of < self._as_of:
            return set(self._timed) | set(self._counting)  # a count may fall below its limit
        now = seconds(as_of)
        return {case for case, moment in self._timed.items() if now >= moment}

    def flags(self) -> list[Flag]:
        """Every flag with the committee's status attached, in ``flag_order`` (the list is
        the caller's; the flags are the ones kept, not to be changed)."""
        return list(self._flags)

    def unexplained(self) -> dict[str, list[str]]:
        """``releases.unexplained_releases`` of the flags, read again only after a flag saying
        a release's basis is missing, or its status, may have changed (the caller may not
        change it): the custody flags counting the hours of someone still held change at
        every new event, and leave it as it was."""
        if self._unexplained[0] != self._basis_generation:
            self._unexplained = (self._basis_generation, unexplained_releases(self._flags))
        return self._unexplained[1]

    def _status_all(self, facts: Facts) -> None:
        """Every flag's status read again, and the flags sorted anew (in ``raised`` order
        where two sort alike, as ``with_status`` leaves them)."""
        self._statused = {
            case: [statused(facts, f) for f in self._release[case] + self._custody[case]]
            for case in self.files
        }
        cut = {case: len(self._release[case]) for case in self.files}
        raised = [f for case, n in cut.items() for f in self._statused[case][:n]]
        raised += [f for case, n in cut.items() for f in self._statused[case][n:]]
        self._flags = sorted(raised, key=flag_order)
        self._keys = keys = [flag_order(f) for f in self._flags]
        self._ties = any(a == b for a, b in zip(keys, keys[1:], strict=False))
        self._basis_generation += 1

    def _inquired(self, facts: Facts, touched: set[str]) -> set[str]:
        """The cases with a flag whose inquiry the statements since moved: only read when
        they touched an inquiry (the flags' own status is compared with the facts')."""
        if INQUIRIES not in touched:
            return set()
        return {
            case
            for case, flags in self._statused.items()
            if any(
                facts.inquiries.get(f.subject, []) != f.inquiry
                or f"{EVENT}{f.subject}" in touched
                or not touched.isdisjoint(f"{EVENT}{i}" for i in f.inquiry)
                for f in flags
            )
        }

    def _status_cases(self, facts: Facts, cases: set[str]) -> None:
        """The flags of ``cases`` taken out of the sorted list and put back with their status
        read again; every flag sorted anew if two would sort alike. A flag equal to the one
        taken out is put back as that very flag, so that what was made from it (a row of
        the flags' tables) is known to still hold: a case's flags are computed again after
        any statement that names the case or what it read, or once a limit is crossed, and
        most of them come out the same. The unexplained releases are read again only when a flag saying a
        release's basis is missing was not put back as it was."""
        if not cases:
            return
        out: dict[str, Flag] = {}
        for case in cases:
            for flag in self._statused.pop(case, []):
                at = bisect_left(self._keys, flag_order(flag))
                while self._flags[at] is not flag:
                    at += 1
                del self._flags[at]
                del self._keys[at]
                out[flag.flag_id] = flag
        for case in cases:
            if case not in self.files:
                continue
            mine = [
                _as_before(statused(facts, f), out)
                for f in self._release[case] + self._custody[case]
            ]
            self._statused[case] = mine
            for flag in mine:
                if out.get(flag.flag_id) is flag:
                    del out[flag.flag_id]  # put back as it was
                elif flag.rule in BASIS_RULES:
                    self._basis_generation += 1
                key = flag_order(flag)
                at = bisect_left(self._keys, key)
                if at < len(self._keys) and self._keys[at] == key:
                    self._status_all(facts)
                    return
                self._flags.insert(at, flag)
                self._keys.insert(at, key)
        if any(flag.rule in BASIS_RULES for flag in out.values()):
            self._basis_generation += 1  # one taken out and not put back as it was

    def raised(self) -> list[Flag]:
        """Every flag raised, release flags then custody flags, in case order; fresh copies
        (the committee's status is attached to them, never to the kept ones)."""
        return [replace(f) for case in self.files for f in self._release[case]] + [
            replace(f) for case in self.files for f in self._custody[case]
        ]

    def _forget(self, case: str) -> None:
        self._readers.forget(case)
        self._release.pop(case, None)
        self._custody.pop(case, None)
        self._timed.pop(case, None)
        self._counting.pop(case, None)

    def _compute(self, facts: Facts, found: CaseFile) -> None:
        case = found.case
        waits = Waits()
        self._release[case] = case_release_flags(facts, self.files, found, waits)
        self._custody[case] = custody = case_custody_flags(facts, found, waits)
        self._readers.record(case, reads_beyond_case(facts, self.files, found))
        if waits.moment < math.inf:
            self._timed[case] = waits.moment
        if waits.counts:
            places = {id(flag): at for at, flag in enumerate(custody)}
            self._counting[case] = [
                (places[id(count.flag)], count._replace(flag=None)) for count in waits.counts
            ]


def _as_before(flag: Flag, before: dict[str, Flag]) -> Flag:
    """The flag taken out under the same id if it is equal to ``flag``, else ``flag``."""
    earlier = before.get(flag.flag_id)
    return earlier if earlier is not None and earlier == flag else flag


@dataclass
class _Rows:
    """One case's records, with what they were computed from."""

    file: CaseFile
    people: set[str]
    spells: list[dict[str, Any]]
    case: dict[str, Any] | None
    duration: dict[str, Any] | None
    held: list[custody.Held]


@dataclass
class CaseTables:
    """Every case's records of each kind, in case order: tuples, the same objects while no
    case's records changed (``reuse.Reused`` then knows them at once). The spells still in
    custody are kept apart from the time of the latest event; ``holdings_at`` counts them
    to a time, once per time."""

    spells: tuple[dict[str, Any], ...]
    cases: tuple[dict[str, Any], ...]
    durations: tuple[dict[str, Any], ...]
    held: tuple[custody.Held, ...]
    _counted: custody.Counted | None = field(default=None, compare=False, repr=False)

    def holdings_at(self, as_of: str, limit_h: float) -> tuple[dict[str, Any], ...]:
        """Everyone in custody, counted to ``as_of`` under the limit ``limit_h`` (hours): once
        per time, and a row whose hours and flag stayed is the row counted before."""
        if self._counted is None or self._counted.at != (as_of, limit_h):
            self._counted = custody.Counted.of(self.held, as_of, limit_h, self._counted)
        return self._counted.rows


class CaseRows:
    """Every case's spell, case and court records, brought up to date by ``sync``."""

    def __init__(self) -> None:
        self._facts: Facts | None = None
        self._count = 0
        self._unexplained: set[str] = set()
        self._kept: dict[str, _Rows] = {}
        self._out: CaseTables | None = None
        self._seen = -1
        self.recomputed = 0
        """How many cases the last ``sync`` recomputed."""

    def sync(
        self,
        facts: Facts,
        files: dict[str, CaseFile],
        unexplained: dict[str, list[str]],
        generation: int,
    ) -> CaseTables:
        """Every case's records, after recomputing the cases whose inputs changed.
        ``generation`` is the case files' (``CaseRecords.generation``): while it, the people
        named, the releases unexplained and (while someone is held) the latest event stay,
        the records are the ones kept. They do not depend on the time judged at: a duration
        still running is counted to it where it is summarised."""
        touched = facts.touched_since(self._count) if facts is self._facts else None
        if touched is None or REGISTRY in touched:
            self._kept, self._out = {}, None
            people: set[str] = set()
        else:
            people = {key[len(PERSON) :] for key in touched if key.startswith(PERSON)}
        released = self._released(facts, unexplained)
        if self._out is not None and not people and not released and generation == self._seen:
            self.recomputed = 0
            self._facts, self._count = facts, facts.count
            return self._out
        kept: dict[str, _Rows] = {}
        spells: list[dict[str, Any]] = []
        cases: list[dict[str, Any]] = []
        durations: list[dict[str, Any]] = []
        held: list[custody.Held] = []
        self.recomputed = 0
        for name, found in files.items():
            rows = self._kept.get(name)
            if (
                rows is None
                or rows.file is not found
                or name in released
                or (people and not rows.people.isdisjoint(people))
            ):
                rows = _case_rows(facts, found, unexplained)
                self.recomputed += 1
            kept[name] = rows
            spells += rows.spells
            if rows.case is not None:
                cases.append(rows.case)
            if rows.duration is not None:
                durations.append(rows.duration)
            held += rows.held
        out = CaseTables(tuple(spells), tuple(cases), tuple(durations), tuple(held))
        self._kept = kept
        self._facts, self._count, self._unexplained = facts, facts.count, set(unexplained)
        self._out = out
        self._seen = generation
        return out

    def _released(self, facts: Facts, unexplained: dict[str, list[str]]) -> set[str]:
        """The cases with a release that became unexplained, or stopped being so, since the
        last sync."""
        moved = set(unexplained).symmetric_difference(self._unexplained)
        return {facts.events[r]["data"].get("case") for r in moved if r in facts.events}


def _case_rows(facts: Facts, found: CaseFile, unexplained: dict[str, list[str]]) -> _Rows:
    return _Rows(
        file=found,
        people={found.person, *(spell.person for spell in found.spells)},
        spells=equality.case_spell_records(facts, found, unexplained),
        case=equality.case_record(facts, found),
        duration=court.case_duration(facts, found),
        held=custody.case_held(facts, found),
    )


@dataclass
class _Judged:
    """One shooting's triggers judged at a time, with their rows of the promises table and
    the bases they were judged from."""

    bases: list[dict[str, Any]]
    judged: float
    triggers: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    alike: tuple[float, float]
    """The times judged the same as ``judged`` (``promises.judged_alike`` of every basis)."""


def _alike(bases: list[dict[str, Any]], judged: float) -> tuple[float, float]:
    """The times ``t``, ``lo < t <= hi``, at which every one of ``bases`` is judged as at
    ``judged``."""
    lo, hi = -math.inf, math.inf
    for basis in bases:
        window = promises.judged_alike(basis, judged)
        lo, hi = max(lo, window[0]), min(hi, window[1])
    return lo, hi


Bucket = tuple[dict[str, Any], ...]


@dataclass
class JudgedTriggers:
    """Every trigger judged at one time, in shooting order, each one's row of the promises
    table, the same triggers by group (``equality.by_group``) and by warning (in the order
    of each trigger's ``warnings``), and how many have each outcome, in all and under each
    warning. The lists and dicts are the caller's; the triggers, the rows and the tuples
    are kept, not to be changed: a group's or a warning's tuple is the very same object
    while its triggers are, and the rows are read-only (``reuse.SharedRow``), handed to
    every reader as they are."""

    triggers: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    by_group: dict[str, Bucket]
    by_warning: dict[str, Bucket]
    outcomes: dict[str, int]
    warning_outcomes: dict[str, dict[str, int]]
    """How many of each warning's triggers have each outcome."""


class TriggerRecords:
    """Each reported shooting's triggers, not yet judged at a time, brought up to date by
    ``sync``, and judged by ``judged``."""

    def __init__(self) -> None:
        self._facts: Facts | None = None
        self._count = 0
        self._unexplained: dict[str, list[str]] = {}
        self._bases: dict[str, list[dict[str, Any]]] = {}
        self._readers = Readers()
        self._shootings: list[tuple[str, Event]] = []
        self._appended_from: int | None = None
        """Where the shootings appended since the last ``judged`` begin (None: the list was
        read anew)."""
        self._reported: dict[str, Event] = {}
        self._actions: tuple[list[str], ActionIndex] | None = None
        self._judged: dict[str, _Judged] = {}
        self._time: float | None = None
        self._position: dict[str, int] = {}
        self._lows: list[float] = []
        self._highs: list[float] = []
        self._sizes: list[int] = []
        """Each kept shooting's window of times judged alike and its number of triggers, in
        shooting order (``_Judged.alike``)."""
        self._flat: list[dict[str, Any]] = []
        self._rows: list[dict[str, Any]] = []
        self._by_group: dict[str, Bucket] = {}
        self._by_warning: dict[str, Bucket] = {}
        self._outcomes: dict[str | None, Counter[str]] = {}
        """How many triggers have each outcome, in all (None) and under each warning."""
        self.recomputed = 0
        """How many shootings the last ``sync`` recomputed."""
        self.rejudged = 0
        """How many triggers the last ``judged`` judged anew."""

    def sync(
        self, facts: Facts, files: dict[str, CaseFile], unexplained: dict[str, list[str]]
    ) -> set[str]:
        """Recompute the stale shootings' triggers; the shootings recomputed."""
        touched = facts.touched_since(self._count) if facts is self._facts else None
        stale = self._stale(facts, touched, unexplained)
        shootings = self._shootings_now(facts, touched)
        if stale is None:
            self._bases, self._readers = {}, Readers()
            stale = {incident for incident, _ in shootings}
        self.recomputed = len(stale)
        if stale:
            actions = self._action_index(facts)
            counted = self._reported
            for incident in stale:
                self._readers.forget(incident)
                self._bases.pop(incident, None)
                shooting = counted.get(incident)
                if shooting is None:
                    continue
                bases = incident_triggers(facts, files, actions, unexplained, incident, shooting)
                self._bases[incident] = bases
                self._readers.record(incident, _trigger_reads(facts, incident, bases))
        self._facts, self._count, self._unexplained = facts, facts.count, dict(unexplained)
        return stale

    def judged(
        self,
        facts: Facts,
        files: dict[str, CaseFile],
        unexplained: dict[str, list[str]],
        judged: float,
        row: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> JudgedTriggers:
        """Every trigger judged at ``judged`` (seconds) after ``sync``, with its ``row``.

        A shooting is judged again when its triggers were recomputed or the time moved
        past one of its open deadlines. When the time moved, the shootings judged again
        for it alone have their triggers put in place in the lists and buckets kept; when
        only the last shootings changed, their triggers are cut from the end of the lists
        and buckets kept and put back, else everything is put together again (a bucket
        whose triggers are the same is kept as the same tuple)."""
        stale = self.sync(facts, files, unexplained)
        self.rejudged = 0
        if self._time is not None and self._time != judged and self._appended_from is not None:
            if self._retime(judged, row):
                self._time = judged
        start = self._suffix(stale, judged)
        if start is None:
            self._rebuild(judged, row)
        else:
            self._replace_from(start, judged, row)
        self._time, self._appended_from = judged, len(self._shootings)
        return JudgedTriggers(
            list(self._flat),
            list(self._rows),
            dict(self._by_group),
            dict(self._by_warning),
            dict(+self._outcomes.get(None, Counter())),
            {key: dict(+found) for key, found in self._outcomes.items() if key is not None},
        )

    def _suffix(self, stale: set[str], judged: float) -> int | None:
        """Where in the shootings the changes begin (the shootings appended since, or the
        first one recomputed), or None when everything is put together again."""
        appended = self._appended_from
        if self._time is None or self._time != judged or appended is None:
            return None
        start = appended
        for incident in stale:
            at = self._position.get(incident)
            if at is not None:
                start = min(start, at)
            elif incident in self._judged:
                return None
        return start

    def _entry(
        self, incident: str, judged: float, row: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> _Judged:
        """The shooting's judged triggers: the ones kept while current, else judged anew."""
        bases = self._bases.get(incident, [])
        entry = self._judged.get(incident)
        if entry is None or not self._current(entry, bases, judged):
            triggers = [promises.judge(basis, judged) for basis in bases]
            rows: list[dict[str, Any]] = [shared(row(t)) for t in triggers]
            entry = _Judged(bases, judged, triggers, rows, _alike(bases, judged))
            self.rejudged += len(triggers)
            self._judged[incident] = entry
        return entry

    def _current(self, entry: _Judged, bases: list[dict[str, Any]], judged: float) -> bool:
        """Whether a shooting's kept judgement is of these very bases, at this time or at one
        that judges them alike (no open deadline of theirs passed between the two)."""
        if entry.bases is not bases:
            return False
        lo, hi = entry.alike
        return entry.judged == judged or lo < judged <= hi

    def _retime(self, judged: float, row: Callable[[dict[str, Any]], dict[str, Any]]) -> bool:
        """Judge again, at the new time ``judged``, the shootings kept in the lists whose
        judgement it changes (an open deadline passed), and put their triggers in place in
        the lists and the buckets: their bases are the same, so they are as many and name the
        same groups and warnings. False, changing nothing, when the lists are not as kept."""
        kept = self._shootings[: self._appended_from]
        if not len(kept) == len(self._lows) == len(self._highs) == len(self._sizes):
            return False
        lows, highs = np.array(self._lows, dtype=float), np.array(self._highs, dtype=float)
        outside = np.flatnonzero(~((lows < judged) & (judged <= highs))).tolist()
        moved = [
            (at, incident)
            for at in outside
            if (entry := self._judged.get(incident := kept[at][0])) is not None
            and entry.bases is self._bases.get(incident)
        ]
        if not moved:
            return True
        offsets = np.concatenate(([0], np.cumsum(self._sizes, dtype=np.int64))).tolist()
        if offsets[-1] != len(self._flat):
            return False
        swaps: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for at, incident in moved:
            old = self._judged[incident].triggers
            start, end = offsets[at], offsets[at + 1]
            if len(old) != end - start or not all(map(is_, self._flat[start:end], old)):
                return False
            new = self._entry(incident, judged, row)
            self._flat[start:end] = new.triggers
            self._rows[start:end] = new.rows
            self._lows[at], self._highs[at] = new.alike
            swaps += zip(old, new.triggers, strict=True)
        _tally(self._outcomes, (old for old, _ in swaps), -1)
        _tally(self._outcomes, (new for _, new in swaps), 1)
        self._by_group = _swapped(self._by_group, swaps, _groups_of)
        self._by_warning = _swapped(self._by_warning, swaps, _warnings_of)
        return True

    def _rebuild(self, judged: float, row: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        incidents = [incident for incident, _ in self._shootings]
        entries = [self._entry(incident, judged, row) for incident in incidents]
        self._judged = {incident: e for incident, e in zip(incidents, entries, strict=True)}
        self._position = {incident: at for at, incident in enumerate(incidents)}
        self._lows = [e.alike[0] for e in entries]
        self._highs = [e.alike[1] for e in entries]
        self._sizes = [len(e.triggers) for e in entries]
        self._flat = [t for e in entries for t in e.triggers]
        self._rows = [r for e in entries for r in e.rows]
        self._outcomes = {}
        _tally(self._outcomes, self._flat, 1)
        self._by_group = _kept_buckets(self._by_group, _buckets(self._flat, _groups_of))
        self._by_warning = _kept_buckets(self._by_warning, _buckets(self._flat, _warnings_of))

    def _replace_from(
        self, start: int, judged: float, row: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        """Cut the triggers of the shootings from ``start`` on and put them back judged."""
        incidents = [incident for incident, _ in self._shootings[start:]]
        old = [
            t
            for incident in incidents
            if incident in self._judged
            for t in self._judged[incident].triggers
        ]
        entries = [self._entry(incident, judged, row) for incident in incidents]
        new = [t for e in entries for t in e.triggers]
        cut = len(self._flat) - len(old)
        del self._flat[cut:]
        del self._rows[cut:]
        self._flat += new
        self._rows += [r for e in entries for r in e.rows]
        for at, incident in enumerate(incidents, start=start):
            self._position[incident] = at
        for kept in (self._lows, self._highs, self._sizes):
            del kept[start:]
        self._lows += [e.alike[0] for e in entries]
        self._highs += [e.alike[1] for e in entries]
        self._sizes += [len(e.triggers) for e in entries]
        _tally(self._outcomes, old, -1)
        _tally(self._outcomes, new, 1)
        self._by_group = _replace_tail(self._by_group, old, new, _groups_of)
        self._by_warning = _replace_tail(self._by_warning, old, new, _warnings_of)

    def _shootings_now(self, facts: Facts, touched: set[str] | None) -> list[tuple[str, Event]]:
        """``promises.reported_shootings``: the list kept, with the shootings first reported
        since appended when they come after it, else read anew."""
        if touched is not None and REGISTRY not in touched:
            appended: list[tuple[str, Event]] = []
            for key in touched:
                if not key.startswith(INCIDENT):
                    continue
                incident = key[len(INCIDENT) :]
                reported = facts.incidents.get(incident, {}).get("reported")
                now = facts.events[reported] if reported and facts.counts(reported) else None
                before = self._reported.get(incident)
                if now is before:
                    continue
                if before is not None or now is None:
                    break
                appended.append((incident, now))
            else:
                appended.sort(key=lambda pair: pair[1]["i"])
                if (
                    not appended
                    or not self._shootings
                    or (appended[0][1]["i"] > self._shootings[-1][1]["i"])
                ):
                    self._shootings += appended
                    self._reported.update(appended)
                    return self._shootings
        self._shootings = reported_shootings(facts)
        self._reported = dict(self._shootings)
        self._appended_from = None
        return self._shootings

    def _action_index(self, facts: Facts) -> ActionIndex:
        """The actions by incident and warning: kept while the facts' list of actions is the
        same (it is read anew whenever a statement touches a group, which every action,
        its correction and its retraction do)."""
        if self._actions is None or self._actions[0] is not facts.actions:
            self._actions = (facts.actions, ActionIndex(facts))
        return self._actions[1]

    def _stale(
        self, facts: Facts, touched: set[str] | None, unexplained: dict[str, list[str]]
    ) -> set[str] | None:
        """The shootings to recompute, or None for all of them."""
        if touched is None or REGISTRY in touched:
            return None
        keys = set(touched)
        for key in touched:
            event = facts.events.get(key[len(EVENT) :]) if key.startswith(EVENT) else None
            if event is None:
                continue
            if spec_for(event["type"]).lifecycle is Warning:
                return None
            data = event["data"]
            if data.get("warning") and not data.get("incidents"):
                keys.add(f"general:{data['warning']}:{data.get('group', '')}")
        for release in set(unexplained) ^ set(self._unexplained):
            case = facts.events[release]["data"].get("case") if release in facts.events else None
            keys.add(f"{CASE}{case}")
        found = {key[len(INCIDENT) :] for key in keys if key.startswith(INCIDENT)}
        return found | self._readers.of(keys)


class InterruptionRows:
    """The interruption table, read again only after a statement about what it counts; a
    shooting reported after every one counted is added to its area's row. Each area's row
    is handed out read-only (``reuse.SharedRow``) and kept while nothing was added to the
    area: every addition lists one more event in its ``derived_from``."""

    def __init__(self) -> None:
        self._facts: Facts | None = None
        self._count = 0
        self._areas: Areas | None = None
        self._interruption: list[str] = []
        self._shared: dict[str, tuple[int, dict[str, Any]]] = {}
        """Each area's read-only row, with the number of events it was derived from."""
        self.recomputed = False
        """Whether the last ``rows`` read every incident and response again."""

    def rows(self, facts: Facts) -> list[dict[str, Any]]:
        """The table's rows, read-only (``reuse.SharedRow``), in a list of the caller's."""
        touched = facts.touched_since(self._count) if facts is self._facts else None
        self.recomputed = False
        if (
            self._areas is None
            or touched is None
            or REGISTRY in touched
            or MEDIATION in touched
            or (INCIDENTS in touched and not self._add_shootings(facts, self._areas, touched))
        ):
            self._areas = interruption_areas(facts)
            self._interruption = list(facts.interruption)
            self._shared = {}
            self.recomputed = True
        self._facts, self._count = facts, facts.count
        rows = []
        for row in self._areas.table():
            events = len(row["derived_from"])
            held = self._shared.get(row["area"])
            if held is None or held[0] != events:
                held = self._shared[row["area"]] = (events, shared(row))
            rows.append(held[1])
        return rows

    def _add_shootings(self, facts: Facts, areas: Areas, touched: set[str]) -> bool:
        """Count the shootings first reported since, when that is all that changed and they
        come after every shooting counted; False (nothing counted) for anything else."""
        if facts.interruption != self._interruption:
            return False
        new: set[str] = set()
        for key in touched:
            if not key.startswith(INCIDENT):
                continue
            incident = key[len(INCIDENT) :]
            reported = facts.incidents.get(incident, {}).get("reported")
            now = reported if reported and facts.counts(reported) else None
            before = areas.counted.get(incident)
            if now == before:
                if now is not None and f"{EVENT}{now}" in touched:
                    return False
            elif before is None and incident not in areas.responded:
                new.add(incident)
            else:
                return False
        tail: list[str] = []
        for incident in reversed(facts.incidents):
            if len(tail) == len(new):
                break
            if incident in new:
                tail.append(incident)
            elif incident in areas.counted:
                return False
        for incident in reversed(tail):
            areas.add_shooting(incident, facts.events[facts.incidents[incident]["reported"]])
        return True


def _trigger_reads(facts: Facts, incident: str, bases: list[dict[str, Any]]) -> set[str]:
    """What a shooting's triggers read beyond the incident itself."""
    reads = {f"incident:{incident}"}
    for basis in bases:
        reads.add(f"event:{basis['attribution']}")
        reads.update(f"{CASE}{case}" for case in basis["cases"])
        row = basis["row"]
        attribution = facts.events[basis["attribution"]]["data"]
        reads.update(f"person:{p}" for p in attribution.get("suspects", []))
        against = [row["group"]] if row["trigger"] == BY_MEMBER else row["shooter_groups"]
        reads.update(f"general:{w}:{g}" for w in row["warnings"] for g in against)
    return reads


def _groups_of(trigger: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(trigger["groups"]))


def _warnings_of(trigger: dict[str, Any]) -> list[str]:
    return list(trigger["warnings"])


def _tally(
    counts: dict[str | None, Counter[str]], triggers: Iterable[dict[str, Any]], sign: int
) -> None:
    """Each trigger's outcome counted (``sign`` 1) or taken back (-1), in all (None) and
    under each of its warnings."""
    for trigger in triggers:
        outcome = trigger["outcome"]
        for key in (None, *trigger["warnings"]):
            found = counts.get(key)
            if found is None:
                found = counts[key] = Counter()
            found[outcome] += sign


def _buckets(
    triggers: list[dict[str, Any]], keys: Callable[[dict[str, Any]], list[str]]
) -> dict[str, list[dict[str, Any]]]:
    """Each key's triggers, in order, the keys in the order the triggers first name them."""
    out: dict[str, list[dict[str, Any]]] = {}
    for trigger in triggers:
        for key in keys(trigger):
            out.setdefault(key, []).append(trigger)
    return out


def _kept_buckets(
    kept: dict[str, Bucket], found: dict[str, list[dict[str, Any]]]
) -> dict[str, Bucket]:
    """``found`` as tuples, each the tuple kept for its key when it holds the same triggers."""
    out: dict[str, Bucket] = {}
    for key, triggers in found.items():
        before = kept.get(key, ())
        same = len(before) == len(triggers) and all(map(is_, before, triggers))
        out[key] = before if same and key in kept else tuple(triggers)
    return out


def _swapped(
    kept: dict[str, Bucket],
    swaps: list[tuple[dict[str, Any], dict[str, Any]]],
    keys: Callable[[dict[str, Any]], list[str]],
) -> dict[str, Bucket]:
    """The buckets with each old trigger of ``swaps`` replaced by its new one, in its place;
    a bucket that holds none of them is kept as the same tuple."""
    new = {id(old): trigger for old, trigger in swaps}
    out = dict(kept)
    for key in {key for old, _ in swaps for key in keys(old)}:
        out[key] = tuple(new.get(id(t), t) for t in out[key])
    return out


def _replace_tail(
    kept: dict[str, Bucket],
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    keys: Callable[[dict[str, Any]], list[str]],
) -> dict[str, Bucket]:
    """The buckets with ``old`` (the last triggers) taken from their ends and ``new`` put
    there: a key only ``old`` named leaves, and the keys first named by ``new`` come last
    in the order it names them (as ``_buckets`` of the whole list would have them)."""
    removed: dict[str, int] = {}
    for trigger in old:
        for key in keys(trigger):
            removed[key] = removed.get(key, 0) + 1
    added = _buckets(new, keys)
    out = dict(kept)
    for key, n in removed.items():
        bucket = out[key]
        if len(bucket) == n:
            del out[key]
        else:
            out[key] = bucket[: len(bucket) - n]
    for key, triggers in added.items():
        out[key] = out.get(key, ()) + tuple(triggers)
    return out
