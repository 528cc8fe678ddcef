"""Kept current exactly once; rebuilt identically; recomputed identically from an export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger.errors import TamperDetected
from ledger.export_layout import export_ledger, require_export
from ledger.projections.facts import Facts
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.runner import FactsRunner
from ledger.projections.service import Reports
from ledger.projections.tidy import tidy_tables
from ledger.service import Ledger
from tests.conftest import Clock, Recorder
from tests.projections.builders import CityLog, at
from tests.projections.signed_city import SignedCity, record_city


def everything(reports: Reports) -> dict[str, object]:
    out: dict[str, object] = {name: reports.report(name).to_json() for name in REPORT_NAMES}
    out["flags"] = reports.flags()
    out["case"] = reports.case_history("FIR-2")
    out["person"] = reports.person_history("P-1")
    out["group"] = reports.group_detail("lyari-wing")
    out["csv"] = [t.to_csv() for name in REPORT_NAMES for t in tidy_tables(reports.report(name))]
    return json.loads(json.dumps(out))


def test_restart_resumes_after_the_last_snapshot_exactly_once(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    record_city(SignedCity(ledger, recorder, clock))
    first = FactsRunner(ledger.store)
    assert first.catch_up(limit=12) == 12
    assert first.view.max_tracking_id("ledger") == first.projection.position

    restarted = FactsRunner(ledger.store)
    assert restarted.facts.count == 12
    assert restarted.catch_up() == ledger.size - 12
    assert restarted.catch_up() == 0  # nothing is processed twice

    rebuilt = Facts().apply_all(
        dict(json.loads(e.leaf), event_id=e.event_id, leaf_index=e.leaf_index)
        for e in ledger.events()
    )
    assert restarted.facts.to_state() == rebuilt.to_state()
    with ledger.store.engine.connect() as conn:
        stored = conn.execute(select(restarted.view.snapshots.c.tree_size)).scalars().all()
    assert stored == [ledger.size]


def test_reports_after_restart_equal_reports_rebuilt_from_zero(
    ledger: Ledger, recorder: Recorder, clock: Clock, tmp_path: Path
) -> None:
    city = record_city(SignedCity(ledger, recorder, clock))
    FactsRunner(ledger.store).catch_up(limit=20)
    resumed = everything(Reports(ledger))
    with ledger.store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM reports_facts_snapshot")
        conn.exec_driver_sql("DELETE FROM reports_tracking")
    rebuilt = everything(Reports(ledger))
    assert resumed == rebuilt
    assert city.ids["release2"] in {f["subject_event"] for f in rebuilt["flags"]}  # type: ignore[union-attr]


def test_report_from_export_is_identical_to_the_live_report(
    ledger: Ledger, recorder: Recorder, clock: Clock, tmp_path: Path
) -> None:
    record_city(SignedCity(ledger, recorder, clock))
    export_ledger(ledger, tmp_path / "export")
    live = Reports(ledger)
    exported = Reports.from_export(tmp_path / "export")
    assert (
        (exported.tree_size, exported.root_hex)
        == (live.tree_size, live.root_hex)
        == (ledger.size, ledger.root().hex())
    )
    assert everything(exported) == everything(live)


def test_report_from_a_checked_export_equals_the_report_that_parses_every_line(
    ledger: Ledger, recorder: Recorder, clock: Clock, tmp_path: Path
) -> None:
    """Reading content ids from the leaves a complete check verified gives the facts and
    reports that checking and canonicalising every line again gives; a line that is not
    the verified one is refused."""
    record_city(SignedCity(ledger, recorder, clock))
    export_ledger(ledger, tmp_path / "export")
    checked = require_export(tmp_path / "export", doing="nothing was read")
    assert len(checked.verified_hashes) == 32 * ledger.size
    parsed = Reports.from_export(tmp_path / "export")
    trusted = Reports.from_export(tmp_path / "export", verified=checked.verified_hashes)
    assert trusted.facts.to_state() == parsed.facts.to_state()
    assert (trusted.tree_size, trusted.root_hex) == (parsed.tree_size, parsed.root_hex)
    assert everything(trusted) == everything(parsed)

    log = tmp_path / "export" / "log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"occurred_at":"20', b'"occurred_at":"19', 1)
    log.write_bytes(b"".join(lines))
    with pytest.raises(TamperDetected, match="line 4 is not the line the export's check verified"):
        Reports.from_export(tmp_path / "export", verified=checked.verified_hashes)


def test_live_reports_follow_new_events_after_refresh(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    city = record_city(SignedCity(ledger, recorder, clock))
    reports = Reports(ledger)
    before = reports.tree_size
    city.record(
        "finding",
        "audit.finding_recorded",
        "committee",
        {"subject": city.ids["release2"], "finding": "unlawful", "summary": "released on a call"},
    )
    reports.refresh()
    assert reports.tree_size == before + 1
    (flag,) = reports.flags(rule="release.on_instructions")
    assert (flag["status"], flag["finding"]) == ("finding_recorded", "unlawful")


def test_incremental_facts_equal_facts_rebuilt_at_every_step() -> None:
    log = CityLog()
    log.group("g")
    log.person("P-1", "g")
    log.warning("W-1", ["g"])
    log.shooting("INC-1", at(days=1), suspects=["P-1"])
    arrest = log.arrest("FIR-1", "P-1", at(days=2), incidents=["INC-1"])
    log.add(
        "event.corrected",
        "police",
        {
            "original": arrest,
            "reason": "time",
            "corrected_data": {**log.statements[-1]["data"], "station": "Lyari"},
            "corrected_occurred_at": at(days=1, hours=20),
        },
        at(days=3),
    )
    log.release("FIR-1", "P-1", at(days=4), "none")
    log.add(
        "event.retracted",
        "police",
        {"original": log.statements[-1]["event_id"], "reason": "wrong"},
        at(days=5),
    )
    incremental = Facts()
    for n, statement in enumerate(log.statements, start=1):
        incremental.apply(statement)
        assert incremental.to_state() == Facts().apply_all(log.statements[:n]).to_state()
        assert (
            Facts.from_state(json.loads(json.dumps(incremental.to_state()))).cases
            == incremental.cases
        )
    assert incremental.events[arrest]["data"]["station"] == "Lyari"
    assert incremental.events[arrest]["occurred_at"] == at(days=1, hours=20)
    assert [
        e["type"] for e in [incremental.events[i] for i in incremental.cases["FIR-1"]["events"]]
    ] == ["arrest.made"]


def test_two_processes_catching_up_together_store_each_position_once(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    record_city(SignedCity(ledger, recorder, clock))
    first, second = FactsRunner(ledger.store), FactsRunner(ledger.store)
    assert first.catch_up() == second.catch_up() == ledger.size
    assert first.facts.to_state() == second.facts.to_state()
    with ledger.store.engine.connect() as conn:
        rows = conn.execute(select(first.view.tracking_table)).all()
    assert len(rows) == 1
    assert FactsRunner(ledger.store).facts.count == ledger.size
