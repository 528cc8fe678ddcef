"""Per-case records kept current as statements arrive, not recomputed from every fact.

``CaseRecords`` holds, for every case, its ``CaseFile`` and the release and
custody flags it raises (before the committee's status is attached). After new
statements it recomputes only the cases they touched: ``Facts`` journals the
subjects each statement names (``Facts.touched_since``), and each case
remembers what it read beyond its own steps (``releases.reads_beyond_case``:
the orders its releases cite, later arrests of the same person and their
shootings). Cases whose flags depend on the time of the latest event (someone
still held, an s.169 bond in its grace) are recomputed whenever that time moves;
a statement about the ledger itself (its policy) recomputes everything.

The records are a function of the facts alone, so the reports read from them
equal the reports computed from nothing at the same tree size
(tests/projections/test_maintained.py checks this one statement at a time).
"""

from __future__ import annotations

from dataclasses import replace

from ledger.projections.casework import CaseFile, case_file
from ledger.projections.custody import case_custody_flags
from ledger.projections.facts import REGISTRY, Facts
from ledger.projections.flagging import Flag
from ledger.projections.releases import case_release_flags, reads_beyond_case, waits_on_time

CASE = "case:"


class CaseRecords:
    """Case files and raised flags of every case, brought up to date by ``sync``."""

    def __init__(self) -> None:
        self._facts: Facts | None = None
        self._count = 0
        self._as_of = ""
        self.files: dict[str, CaseFile] = {}
        self._release: dict[str, list[Flag]] = {}
        self._custody: dict[str, list[Flag]] = {}
        self._reads: dict[str, set[str]] = {}
        self._readers: dict[str, set[str]] = {}
        self._timed: set[str] = set()
        self.recomputed = 0
        """How many cases the last ``sync`` recomputed (the benchmark and tests read it)."""

    def sync(self, facts: Facts) -> None:
        """Recompute the cases the statements since the last sync touched."""
        if facts is self._facts and facts.count == self._count and facts.as_of == self._as_of:
            self.recomputed = 0
            return
        touched = facts.touched_since(self._count) if facts is self._facts else None
        if touched is None or REGISTRY in touched:
            self._reset()
            stale = set(facts.cases)
        else:
            stale = {key[len(CASE) :] for key in touched if key.startswith(CASE)}
        changed_files = stale & (set(self.files) | set(facts.cases))
        for case in changed_files:
            found = case_file(facts, case) if case in facts.cases else None
            if found is None:
                self.files.pop(case, None)
            else:
                self.files[case] = found
        self.files = {case: self.files[case] for case in facts.cases if case in self.files}
        redo = set(changed_files)
        for key in touched or ():
            redo |= self._readers.get(key, set())
        if facts.as_of != self._as_of:
            redo |= self._timed
        for case in redo:
            self._forget(case)
            found = self.files.get(case)
            if found is not None:
                self._compute(facts, found)
        self.recomputed = len(redo)
        self._facts, self._count, self._as_of = facts, facts.count, facts.as_of

    def raised(self) -> list[Flag]:
        """Every flag raised, release flags then custody flags, in case order; fresh copies
        (the committee's status is attached to them, never to the kept ones)."""
        return [replace(f) for case in self.files for f in self._release[case]] + [
            replace(f) for case in self.files for f in self._custody[case]
        ]

    def _reset(self) -> None:
        self.files = {}
        self._release, self._custody, self._reads, self._readers = {}, {}, {}, {}
        self._timed = set()

    def _forget(self, case: str) -> None:
        for key in self._reads.pop(case, set()):
            readers = self._readers.get(key)
            if readers is not None:
                readers.discard(case)
                if not readers:
                    del self._readers[key]
        self._release.pop(case, None)
        self._custody.pop(case, None)
        self._timed.discard(case)

    def _compute(self, facts: Facts, found: CaseFile) -> None:
        case = found.case
        self._release[case] = case_release_flags(facts, self.files, found)
        self._custody[case] = case_custody_flags(facts, found)
        reads = reads_beyond_case(facts, self.files, found)
        self._reads[case] = reads
        for key in reads:
            self._readers.setdefault(key, set()).add(case)
        if any(s.release is None for s in found.spells) or waits_on_time(facts, found):
            self._timed.add(case)
