"""Any valid ledger, however small or odd, gives every report, the site and the API without a crash.

A hypothesis state machine records random statements through the real
signed path (real keys, rules and store on a SQLite file): groups (with and
without their optional affiliation), people and memberships, warnings (with
and without protection), shootings by members and at groups, arrests,
releases, charges, verdicts, transfers, and clock steps of zero (ties) or
more. Statements the ledger refuses are simply not recorded: the subject is
what the ledger holds. At the end of each example it signs a checkpoint and
runs every report (JSON and CSV), builds the site into a scratch directory,
and asks the API for every report; nothing may raise and nothing may answer
5xx. Degenerate cases (one group, no arrest, everything censored, all ties,
zero counts) are where the rules start, so the machine reaches them early.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from ledger.errors import LedgerError
from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.tidy import tidy_tables
from tests.conftest import Clock, Recorder, chartered_ledger

_KEYRING: Keyring | None = None


def keyring() -> Keyring:
    global _KEYRING
    if _KEYRING is None:
        _KEYRING = Keyring.create(Path(tempfile.mkdtemp(prefix="ledger-keys-")) / "keys")
    return _KEYRING


GROUPS = ("lyari-wing", "kalakot-gang", "old-city")
PERSONS = ("P-1", "P-2", "P-3", "P-4")


class AnyValidLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.scratch = Path(tempfile.mkdtemp(prefix="ledger-any-"))
        self.db = f"sqlite:///{self.scratch / 'ledger.db'}"
        self.clock = Clock()
        self.recorder = Recorder(keyring(), self.clock)
        self.ledger = chartered_ledger(self.db, keyring(), self.clock)
        self.groups: list[str] = []
        self.persons: list[str] = []
        self.incidents: list[str] = []
        self.cases: dict[str, str] = {}
        self.released: set[str] = set()
        self.decided: set[str] = set()
        self.numbers = 0

    def next_number(self) -> int:
        self.numbers += 1
        return self.numbers

    def record(
        self, type: str, recorder: str, data: dict[str, Any], sealed: dict[str, Any] | None = None
    ) -> bool:
        try:
            self.ledger.append([self.recorder.sign(type, recorder, data, sealed=sealed)])
        except LedgerError:
            return False
        return True

    @initialize(group=st.sampled_from(GROUPS), affiliation=st.booleans())
    def first_group(self, group: str, affiliation: bool) -> None:
        self.register_group(group, affiliation)

    @rule(group=st.sampled_from(GROUPS), affiliation=st.booleans())
    def register_group(self, group: str, affiliation: bool) -> None:
        if group in self.groups:
            return
        data: dict[str, Any] = {
            "group": group,
            "name": group.title(),
            "kind": "criminal_gang",
            "area": "Lyari",
        }
        if affiliation:
            data["affiliation"] = "A Party"
        if self.record("group.registered", "police", data):
            self.groups.append(group)

    @rule(person=st.sampled_from(PERSONS), member=st.integers(0, 3))
    def register_person(self, person: str, member: int) -> None:
        if person in self.persons:
            return
        if not self.record(
            "person.registered",
            "police",
            {"person": person, "area": "Lyari", "birth_year": 1990},
            sealed={"name": "N", "id_number": "42201-0000000-1", "address": "A"},
        ):
            return
        self.persons.append(person)
        if member < len(self.groups):
            self.record(
                "membership.asserted",
                "police",
                {
                    "person": person,
                    "group": self.groups[member],
                    "role_in_group": "member",
                    "basis": "named",
                },
            )

    @rule(
        covered=st.sets(st.integers(0, 2), min_size=1),
        attacks=st.booleans(),
        hours=st.sampled_from([1, 24, 48]),
    )
    def warn(self, covered: set[int], attacks: bool, hours: int) -> None:
        groups = [self.groups[i] for i in sorted(covered) if i < len(self.groups)]
        if not groups:
            return
        self.record(
            "warning.issued",
            "police",
            {
                "warning": f"W-{self.next_number()}",
                "kind": "call_in",
                "groups": groups,
                "effective_from": self.clock.stamp(days=-1),
                "effective_until": self.clock.stamp(days=60),
                "covered_acts": ["shooting", "killing"],
                "covers_attacks_on_groups": attacks,
                "deadlines": {"arrest_hours": hours, "enforcement_days": 2, "charge_days": 3},
                "terms": "t",
            },
        )

    @rule(suspect=st.integers(0, 4), by=st.sets(st.integers(0, 2)), at=st.sets(st.integers(0, 2)))
    def shoot(self, suspect: int, by: set[int], at: set[int]) -> None:
        incident = f"INC-{len(self.incidents) + 1}"
        if not self.record(
            "shooting.reported",
            "police",
            {
                "incident": incident,
                "area": "Lyari",
                "killed": 1,
                "injured": 0,
                "source": "police",
                "description": "d",
            },
        ):
            return
        self.incidents.append(incident)
        self.record(
            "shooting.attributed",
            "police",
            {
                "incident": incident,
                "suspects": [self.persons[suspect]] if suspect < len(self.persons) else [],
                "groups": [self.groups[i] for i in sorted(by) if i < len(self.groups)],
                "target_groups": [self.groups[i] for i in sorted(at) if i < len(self.groups)],
                "basis": "witnesses",
                "confidence": "probable",
            },
        )

    @rule(
        person=st.integers(0, 3),
        incident=st.integers(0, 5),
        officer=st.sampled_from(["OFF-1", "OFF-2"]),
    )
    def arrest(self, person: int, incident: int, officer: str) -> None:
        if person >= len(self.persons):
            return
        case = f"FIR-{len(self.cases) + 1}"
        incidents = [self.incidents[incident]] if incident < len(self.incidents) else []
        if self.record(
            "arrest.made",
            "police",
            {
                "case": case,
                "person": self.persons[person],
                "incidents": incidents,
                "grounds": "g",
                "officer": officer,
                "station": "Kalakot",
            },
        ):
            self.cases[case] = self.persons[person]

    @rule(case=st.integers(0, 5), basis=st.sampled_from(["none", "on_instructions"]))
    def release(self, case: int, basis: str) -> None:
        names = sorted(self.cases)
        if case >= len(names) or names[case] in self.released:
            return
        name = names[case]
        if self.record(
            "release.recorded",
            "police",
            {
                "case": name,
                "person": self.cases[name],
                "authorising_officer": "OFF-1",
                "legal_basis": basis,
                "order_event": None,
                "order_number": None,
                "reasons": "r",
                "instructions_from": "MPA" if basis == "on_instructions" else None,
            },
        ):
            self.released.add(name)

    @rule(case=st.integers(0, 5))
    def charge(self, case: int) -> None:
        names = sorted(self.cases)
        if case < len(names):
            self.record(
                "charge.filed",
                "prosecution",
                {
                    "case": names[case],
                    "person": self.cases[names[case]],
                    "charges": ["PPC 302"],
                    "prosecutor": "PR-1",
                },
            )

    @rule(case=st.integers(0, 5), verdict=st.sampled_from(["convicted", "acquitted"]))
    def decide(self, case: int, verdict: str) -> None:
        names = sorted(self.cases)
        if case < len(names) and names[case] not in self.decided:
            if self.record(
                "verdict.delivered",
                "court",
                {
                    "case": names[case],
                    "person": self.cases[names[case]],
                    "verdict": verdict,
                    "section": "trial",
                    "judge": "J-1",
                },
            ):
                self.decided.add(names[case])

    @rule(officer=st.sampled_from(["OFF-1", "OFF-2"]))
    def transfer(self, officer: str) -> None:
        self.record(
            "officer.transferred",
            "police",
            {
                "officer": officer,
                "from_station": "Kalakot",
                "to_station": "Thatta",
                "order_ref": f"T-{self.next_number()}",
                "ordered_by": "DIG South",
                "reason": "exigencies",
            },
        )

    @rule(hours=st.sampled_from([0, 0, 1, 30, 24 * 20]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    def teardown(self) -> None:
        try:
            self.check_everything()
        finally:
            self.ledger.close()
            shutil.rmtree(self.scratch, ignore_errors=True)

    def check_everything(self) -> None:
        from fastapi.testclient import TestClient

        from api.app import create_app
        from ledger.projections.service import Reports
        from public_site.build import build_site
        from public_site.source import open_ledger_source
        from tests.api.conftest import api_settings

        self.clock.advance(days=3)
        self.ledger.sign_checkpoint()
        reports = Reports(self.ledger)
        assert reports.evaluation.source == "checkpoint" and reports.tree_size >= 2
        for name in REPORT_NAMES:
            table = reports.report(name)
            for tidy in tidy_tables(table):
                tidy.to_csv()
            assert table.as_of == reports.as_of
        for group in self.groups:
            reports.group_detail(group)
        source = open_ledger_source(self.ledger)
        try:
            build_site(source, self.scratch / "site")
        finally:
            source.close()
        assert (self.scratch / "site" / "ur" / "groups.html").exists()
        app = create_app(api_settings(self.db, keyring(), self.clock))
        with TestClient(app) as client:
            for name in REPORT_NAMES:
                for query in ("", f"?as_of={self.clock.stamp(days=400)}"):
                    answer = client.get(f"/v1/reports/{name}{query}")
                    assert answer.status_code == 200, (name, answer.text)
                assert (
                    client.get(f"/v1/reports/{name}", headers={"Accept": "text/csv"}).status_code
                    == 200
                )


AnyValidLedger.TestCase.settings = settings(
    max_examples=6,
    stateful_step_count=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_any_valid_ledger_gives_every_report_the_site_and_the_api = AnyValidLedger.TestCase
