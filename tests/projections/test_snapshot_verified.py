"""The reports' snapshot is a cache of the leaves: an edit to it is named and refused.

Each case runs without and with a verified-through mark left after the
snapshot was saved (the mark names the snapshot row it compared; an edit
made after it must still be refolded, named and refused).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from ledger.errors import TamperDetected
from ledger.keyring import Keyring
from ledger.projections.service import Reports
from ledger.service import Ledger
from ledger.verification.mark import check_with_mark
from ledger.verification.replay import verify_store
from tests.conftest import Clock, Recorder

MARKED = pytest.mark.parametrize("marked", [False, True], ids=["no-mark", "marked"])


def snapshot_of(
    ledger: Ledger, recorder: Recorder, clock: Clock, keyring: Keyring, marked: bool
) -> None:
    for n in range(3):
        clock.advance(minutes=1)
        ledger.append(
            [
                recorder.sign(
                    "group.registered",
                    "police",
                    {"group": f"g-{n}", "name": f"G {n}", "kind": "other", "area": "Lyari"},
                )
            ]
        )
    reports = Reports(ledger)
    reports._runner.projection.snapshot()  # noqa: SLF001  (persist what was folded)
    with ledger.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports_facts_snapshot")).scalar() == 1
    if marked:
        checking = Ledger.open(ledger.store.url, log_key=keyring.log_key(), clock=clock)
        try:
            checking.verify_before_acting()
            assert check_with_mark(checking.store, keyring.log_key()) is not None  # it holds
        finally:
            checking.close()


def refused_before_acting(ledger: Ledger, keyring: Keyring, clock: Clock, column: str) -> None:
    """The check before acting of the log key's holder refuses, naming ``column``."""
    fresh = Ledger.open(ledger.store.url, log_key=keyring.log_key(), clock=clock)
    try:
        with pytest.raises(TamperDetected) as refused:
            fresh.verify_before_acting()
        assert column in str(refused.value)
    finally:
        fresh.close()


def edit_snapshot(ledger: Ledger, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change the stored snapshot behind the program's back."""
    with ledger.store.engine.begin() as conn:
        blob = conn.execute(text("SELECT state FROM reports_facts_snapshot")).scalar()
        state = json.loads(zlib.decompress(bytes(blob)))
        edit(state)
        conn.execute(
            text("UPDATE reports_facts_snapshot SET state = :s"),
            {"s": zlib.compress(json.dumps(state).encode())},
        )


def only_the_snapshot_state_is_named(ledger: Ledger) -> None:
    report = verify_store(ledger.store)
    assert [p.column for p in report.problems] == ["reports_facts_snapshot.state"], [
        str(p) for p in report.problems
    ]


@pytest.mark.postgres
@MARKED
def test_an_untouched_report_snapshot_verifies(
    ledger: Ledger, recorder: Recorder, clock: Clock, keyring: Keyring, marked: bool
) -> None:
    snapshot_of(ledger, recorder, clock, keyring, marked)
    assert verify_store(ledger.store).ok


@pytest.mark.postgres
@MARKED
def test_an_edited_report_snapshot_is_named_and_the_server_refuses_to_start(
    ledger: Ledger, recorder: Recorder, clock: Clock, keyring: Keyring, marked: bool
) -> None:
    snapshot_of(ledger, recorder, clock, keyring, marked)

    def drop_a_statement(state: dict[str, Any]) -> None:
        events = state["events"]  # drop one folded statement: a group disappears from the reports
        events.pop(next(reversed(list(events))))

    edit_snapshot(ledger, drop_a_statement)
    report = verify_store(ledger.store)
    assert any((p.column or "").startswith("reports_facts_snapshot") for p in report.problems), [
        str(p) for p in report.problems
    ]
    refused_before_acting(ledger, keyring, clock, "reports_facts_snapshot")


@pytest.mark.postgres
@MARKED
def test_a_snapshot_edited_into_nonsense_is_refused_in_words(
    ledger: Ledger, recorder: Recorder, clock: Clock, keyring: Keyring, marked: bool
) -> None:
    snapshot_of(ledger, recorder, clock, keyring, marked)

    def data_that_is_no_object(state: dict[str, Any]) -> None:
        next(iter(state["events"].values()))["data"] = "nonsense"

    edit_snapshot(ledger, data_that_is_no_object)
    only_the_snapshot_state_is_named(ledger)
    refused_before_acting(ledger, keyring, clock, "reports_facts_snapshot.state")
    with pytest.raises(TamperDetected) as refused:
        Reports(ledger)
    assert "report snapshot" in str(refused.value)


@pytest.mark.postgres
@MARKED
def test_a_moved_tracking_position_is_named(
    ledger: Ledger, recorder: Recorder, clock: Clock, keyring: Keyring, marked: bool
) -> None:
    snapshot_of(ledger, recorder, clock, keyring, marked)
    with ledger.store.engine.begin() as conn:
        conn.execute(text("UPDATE reports_tracking SET notification_id = notification_id + 100"))
    report = verify_store(ledger.store)
    assert any(p.column == "reports_tracking.notification_id" for p in report.problems), [
        str(p) for p in report.problems
    ]
    refused_before_acting(ledger, keyring, clock, "reports_tracking.notification_id")
