"""Steps for features/tamper_evidence.feature."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from features.steps.heads import record_heads
from ledger.service import Ledger
from ledger.verification.replay import VerifyReport, verify_store

scenarios("tamper_evidence.feature")


@pytest.fixture
def tampered() -> dict[str, Any]:
    return {}


@given("a ledger holding a charter and eight appointments and removals of heads")
def eight(ledger: Ledger, recorder: Any, clock: Any) -> None:
    record_heads(ledger, recorder, clock, 4, checkpoint_each=True)
    assert ledger.size == 9


@given("a checkpoint was signed at every step")
def checkpoints_signed(ledger: Ledger) -> None:
    assert ledger.latest_checkpoint() is not None and ledger.latest_checkpoint().size == ledger.size  # type: ignore[union-attr]


def notification_at(ledger: Ledger, position: int) -> tuple[int, dict[str, Any]]:
    for stored in ledger.events():
        if stored.leaf_index == position:
            with ledger.store.engine.connect() as conn:
                state = conn.execute(
                    text("SELECT state FROM ledger_events WHERE id = :i"),
                    {"i": stored.notification_id},
                ).scalar_one()
            return stored.notification_id, json.loads(bytes(state))
    raise AssertionError(f"no event at position {position}")


@when(
    parsers.parse(
        "the operator edits the reason of the event at position {position:d} directly in the database"
    )
)
def edit_reason(ledger: Ledger, position: int, tampered: dict[str, Any]) -> None:
    nid, state = notification_at(ledger, position)
    statement = json.loads(state["leaf"])
    statement["data"]["reason"] = "nothing to see here"
    state["leaf"] = json.dumps(statement, separators=(",", ":"), sort_keys=True)
    with ledger.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_events SET state = :s WHERE id = :i"),
            {"s": json.dumps(state).encode(), "i": nid},
        )
    tampered["event_id"] = state["event_id"]


@when(
    parsers.parse(
        "the operator deletes the record at position {position:d} directly in the database"
    )
)
def delete_record(ledger: Ledger, position: int) -> None:
    nid, _ = notification_at(ledger, position)
    with ledger.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_events WHERE id = :i"), {"i": nid})


@then("verifying the ledger fails", target_fixture="report")
def verifying_fails(ledger: Ledger) -> VerifyReport:
    report = verify_store(ledger.store)
    assert not report.ok
    return report


@then(parsers.parse("the report names the event at position {position:d}"))
def names_event(report: VerifyReport, tampered: dict[str, Any], position: int) -> None:
    assert any(
        p.event_id == tampered["event_id"] and p.leaf_index == position for p in report.problems
    )


@then(parsers.parse("the report says positions are missing from position {position:d}"))
def says_missing(report: VerifyReport, position: int) -> None:
    assert any(p.kind == "missing" and p.leaf_index == position for p in report.problems)


@then("the verify command exits with a non-zero code and names the event")
def cli_fails(ledger: Ledger, tampered: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["verify", "--db", ledger.store.url])
    assert result.exit_code == 5
    assert tampered["event_id"] in result.output.replace("\n", "")
