"""Tampering with the database behind the program's back is detected and named.

Each test edits the stored rows directly with SQL (as an operator with database
access could), then runs the full verification, which must fail and name the
affected event. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ledger.errors import TamperDetected
from ledger.export_layout import LOG_FILE, export_ledger
from ledger.service import Ledger
from ledger.verification.replay import VerifyReport, verify_store
from tests.conftest import Clock, Recorder


@pytest.fixture
def filled(ledger: Ledger, recorder: Recorder, clock: Clock) -> Ledger:
    """A ledger of 9 events with checkpoints at sizes 1, 5 and 9."""
    ledger.sign_checkpoint()
    for n in range(3):
        clock.advance(minutes=1)
        ledger.append(
            [
                recorder.sign(
                    "head.appointed",
                    "committee",
                    {"head": f"H-{n}", "term_start": clock.stamp(), "reason": "appointed"},
                )
            ]
        )
        clock.advance(minutes=1)
        ledger.append(
            [recorder.sign("head.removed", "committee", {"head": f"H-{n}", "reason": "term ended"})]
        )
        if n == 0:
            clock.advance(minutes=1)
            ledger.append(
                [
                    recorder.sign(
                        "head.appointed",
                        "committee",
                        {"head": "H-x", "term_start": clock.stamp(), "reason": "interim"},
                    )
                ]
            )
            ledger.append(
                [
                    recorder.sign(
                        "head.removed", "committee", {"head": "H-x", "reason": "interim over"}
                    )
                ]
            )
            ledger.sign_checkpoint()
    ledger.sign_checkpoint()
    assert verify_store(ledger.store).ok
    return ledger


def rows(ledger: Ledger) -> list[tuple[int, bytes]]:
    with ledger.store.engine.connect() as conn:
        return [
            (int(r[0]), bytes(r[1]))
            for r in conn.execute(text("SELECT id, state FROM ledger_events ORDER BY id"))
        ]


def execute(ledger: Ledger, sql: str, **params: Any) -> None:
    with ledger.store.engine.begin() as conn:
        conn.execute(text(sql), params)


def edit_state(
    ledger: Ledger, notification_id: int, change: Callable[[dict[str, Any]], None]
) -> str:
    """Rewrite one stored event's serialized state; return the event id it held."""
    state = json.loads(dict(rows(ledger))[notification_id])
    event_id = state["event_id"]
    change(state)
    execute(
        ledger,
        "UPDATE ledger_events SET state = :s WHERE id = :i",
        s=json.dumps(state).encode(),
        i=notification_id,
    )
    return str(event_id)


def reason_rewritten(state: dict[str, Any]) -> None:
    """A stored statement's reason changed, its signature left as it was."""
    statement = json.loads(state["leaf"])
    statement["data"]["reason"] = "resigned voluntarily"
    state["leaf"] = json.dumps(statement, separators=(",", ":"), sort_keys=True)


def verify(ledger: Ledger) -> VerifyReport:
    return verify_store(ledger.store)


def kinds(report: VerifyReport) -> set[str]:
    return {p.kind for p in report.problems}


def named(report: VerifyReport, event_id: str) -> bool:
    return any(p.event_id == event_id for p in report.problems)


def test_an_edited_field_is_detected_and_the_event_named(filled: Ledger) -> None:
    event_id = edit_state(filled, 3, reason_rewritten)
    report = verify(filled)
    assert not report.ok
    assert {"content-id", "invalid_signature", "checkpoint"} <= kinds(report)
    assert named(report, event_id)


def test_an_export_of_an_edited_ledger_is_refused_naming_the_event_and_writes_no_log(
    filled: Ledger, tmp_path: Path
) -> None:
    event_id = edit_state(filled, 3, reason_rewritten)
    fresh = Ledger.open(filled.store.url)  # as `ledger export` opens it, in a new process
    try:
        with pytest.raises(TamperDetected) as refused:
            export_ledger(fresh, tmp_path / "export")
    finally:
        fresh.close()
    assert refused.value.event_id == event_id
    assert not (tmp_path / "export" / LOG_FILE).exists()


def test_a_row_edited_after_the_check_before_an_export_leaves_no_log(
    filled: Ledger, tmp_path: Path
) -> None:
    fresh = Ledger.open(filled.store.url)
    try:
        fresh.verify_before_acting()

        edit_state(filled, 7, reason_rewritten)
        with pytest.raises(TamperDetected, match="log position 6"):
            export_ledger(fresh, tmp_path / "export")
    finally:
        fresh.close()
    assert not (tmp_path / "export" / LOG_FILE).exists()


def test_an_edited_signature_is_detected(filled: Ledger) -> None:
    def change(state: dict[str, Any]) -> None:
        statement = json.loads(state["leaf"])
        sig = bytearray(statement["signature"].encode())
        sig[5] = ord("A") if sig[5] != ord("A") else ord("B")
        statement["signature"] = sig.decode()
        state["leaf"] = json.dumps(statement, separators=(",", ":"), sort_keys=True)

    event_id = edit_state(filled, 5, change)
    report = verify(filled)
    assert "invalid_signature" in kinds(report) or "malformed" in kinds(report)
    assert named(report, event_id)


def test_a_deleted_row_is_detected_with_its_position(filled: Ledger) -> None:
    execute(filled, "DELETE FROM ledger_events WHERE id = 4")
    report = verify(filled)
    assert "missing" in kinds(report)
    missing = next(p for p in report.problems if p.kind == "missing")
    assert missing.leaf_index == 3
    assert "checkpoint" in kinds(report)


def test_reordered_rows_are_detected(filled: Ledger) -> None:
    (_, a), (_, b) = rows(filled)[2:4]
    execute(filled, "UPDATE ledger_events SET state = :s WHERE id = 3", s=b)
    execute(filled, "UPDATE ledger_events SET state = :s WHERE id = 4", s=a)
    report = verify(filled)
    assert "out-of-order" in kinds(report) or "missing" in kinds(report)
    assert "checkpoint" in kinds(report)


def test_an_inserted_forged_row_is_detected(filled: Ledger) -> None:
    with filled.store.engine.connect() as conn:
        originator, version, topic, state = conn.execute(
            text(
                "SELECT originator_id, originator_version, topic, state FROM ledger_events WHERE id = 2"
            )
        ).one()
        top = conn.execute(
            text("SELECT max(originator_version) FROM ledger_events WHERE originator_id = :o"),
            {"o": originator},
        ).scalar()
    forged = json.loads(bytes(state))
    statement = json.loads(forged["leaf"])
    statement["data"]["head"] = "H-forged"
    forged["leaf"] = json.dumps(statement, separators=(",", ":"), sort_keys=True)
    forged["leaf_index"] = 9
    forged["event_id"] = "f" * 64
    execute(
        filled,
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) VALUES (:o, :v, :t, :s)",
        o=originator,
        v=int(top) + 1,
        t=topic,
        s=json.dumps(forged).encode(),
    )
    report = verify(filled)
    assert not report.ok
    assert named(report, "f" * 64)
    assert {"content-id", "invalid_signature"} & kinds(report)


def test_an_edited_leaf_index_row_is_detected(filled: Ledger) -> None:
    execute(filled, "UPDATE ledger_leaves SET leaf_hash = :h WHERE leaf_index = 2", h=b"\x00" * 32)
    report = verify(filled)
    assert kinds(report) == {"leaf-table"}
    assert report.problems[0].leaf_index == 2


def test_a_truncated_leaf_index_is_detected(filled: Ledger) -> None:
    execute(filled, "DELETE FROM ledger_leaves WHERE leaf_index >= 5")
    report = verify(filled)
    assert "leaf-table" in kinds(report)


def test_an_edited_checkpoint_is_detected(filled: Ledger) -> None:
    execute(
        filled,
        "UPDATE ledger_checkpoints SET note = replace(note, '\n5\n', '\n6\n') WHERE tree_size = 5",
    )
    report = verify(filled)
    assert "checkpoint" in kinds(report)


def test_an_untouched_ledger_verifies(filled: Ledger) -> None:
    report = verify(filled)
    assert report.ok, [str(p) for p in report.problems]
    assert report.events == 9 and report.checkpoints == 3 and report.latest_checkpoint_size == 9
    assert report.root == filled.root()
