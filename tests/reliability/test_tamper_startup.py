"""Tampering the full verification missed so far, and the server's refusal to start on it.

Adds to ``tests/core/test_tamper.py``: the Merkle state (the leaf index) wiped,
a forged statement written consistently into both the events and the leaf
index (as a careful operator would), and the last events deleted from both.
``ledger verify`` and the fast start-up check (``ledger.verification.before_acting``) must each
detect them and name the event; ``create_app`` and ``ledger serve`` must refuse
to serve a tampered database with a message naming it.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ledger.crypto import generate_signing_key
from ledger.errors import TamperDetected
from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash
from ledger.service import Ledger
from ledger.statements import parse_statement
from ledger.verification.before_acting import check_store, require_intact
from ledger.verification.replay import verify_store
from tests.core.test_tamper import execute, filled, rows  # noqa: F401  (fixture)
from tests.reliability.conftest import FaultLog
from tests.reliability.support import LEDGER_CMD, free_port


def forge_consistently(ledger: Ledger, notification_id: int) -> str:
    """Rewrite one statement, re-sign it with a key of the forger's, fix the leaf index to match."""
    state = json.loads(dict(rows(ledger))[notification_id])
    statement = json.loads(state["leaf"])
    statement["data"]["reason"] = "forged: resigned voluntarily"
    body = {k: v for k, v in statement.items() if k != "signature"}
    from ledger.crypto import sign
    from ledger.statements import canonical_json

    statement["signature"] = sign(generate_signing_key(), canonical_json(body))
    forged = parse_statement(statement)
    state["leaf"] = forged.leaf_bytes().decode()
    state["event_id"] = forged.event_id
    execute(
        ledger,
        "UPDATE ledger_events SET state = :s WHERE id = :i",
        s=json.dumps(state).encode(),
        i=notification_id,
    )
    execute(
        ledger,
        "UPDATE ledger_leaves SET event_id = :e, leaf_hash = :h WHERE leaf_index = :p",
        e=forged.event_id,
        h=leaf_hash(forged.leaf_bytes()),
        p=state["leaf_index"],
    )
    return forged.event_id


def named(problems: list[Any], event_id: str) -> bool:
    return any(p.event_id == event_id for p in problems)


@pytest.mark.postgres
def test_a_wiped_merkle_state_is_detected_by_verify_and_at_start_up(
    filled: Ledger,
    backend_name: str,
    faults: FaultLog,  # noqa: F811
) -> None:
    execute(filled, "DELETE FROM ledger_leaves")
    assert "leaf-table" in {p.kind for p in verify_store(filled.store).problems}
    report = check_store(filled.store)
    assert not report.ok and report.problems[0].leaf_index == 0
    faults.record(
        "leaf index (Merkle state) wiped",
        backend_name,
        1,
        "ledger verify and the start-up check both report leaf-table from position 0",
    )


@pytest.mark.postgres
def test_a_consistently_forged_statement_is_named_by_verify_and_at_start_up(
    filled: Ledger,
    backend_name: str,
    faults: FaultLog,  # noqa: F811
) -> None:
    forged_id = forge_consistently(filled, 4)
    full = verify_store(filled.store)
    assert not full.ok and named(full.problems, forged_id)
    fast = check_store(filled.store)
    assert not fast.ok and named(fast.problems, forged_id), [str(p) for p in fast.problems]
    with pytest.raises(TamperDetected) as refused:
        require_intact(filled.store)
    assert forged_id in str(refused.value) and refused.value.event_id == forged_id
    faults.record(
        "statement forged in both events and leaf index (re-signed by an unknown key)",
        backend_name,
        1,
        "verify and the start-up check name the forged event; writes refused",
    )


@pytest.mark.postgres
def test_the_last_events_deleted_from_events_and_index_are_detected(
    filled: Ledger,
    backend_name: str,
    faults: FaultLog,  # noqa: F811
) -> None:
    execute(filled, "DELETE FROM ledger_leaves WHERE leaf_index >= 7")
    execute(filled, "DELETE FROM ledger_events WHERE id >= 8")
    fast = check_store(filled.store)
    assert any("events were deleted" in p.message for p in fast.problems)
    assert not verify_store(filled.store).ok
    faults.record(
        "last events deleted from events and leaf index alike",
        backend_name,
        1,
        "the latest checkpoint covers more events than remain: detected by both checks",
    )


@pytest.mark.postgres
def test_an_untouched_ledger_passes_the_start_up_check(filled: Ledger) -> None:  # noqa: F811
    report = require_intact(filled.store)
    assert report.events == 9 and report.latest_checkpoint_size == 9


@pytest.mark.postgres
def test_the_api_refuses_to_start_on_a_tampered_database_naming_the_event(
    filled: Ledger,
    keyring: Keyring,
    backend_name: str,
    faults: FaultLog,  # noqa: F811
) -> None:
    forged_id = forge_consistently(filled, 4)
    app = create_app(Settings(db=filled.store.url, keys_dir=keyring.directory))
    with pytest.raises(TamperDetected) as refused:
        with TestClient(app):
            pass
    assert forged_id in str(refused.value)
    port = free_port()
    served = subprocess.run(
        [
            LEDGER_CMD,
            "serve",
            "--db",
            filled.store.url,
            "--keys",
            str(keyring.directory),
            "--port",
            str(port),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0
    assert forged_id in served.stderr and "tamper" in served.stderr.lower()
    faults.record(
        "server started on a database with a forged statement",
        backend_name,
        2,
        "create_app and `ledger serve` refuse to start; the message names the forged event",
    )
