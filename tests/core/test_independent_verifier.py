"""A program built on Go's sumdb/note and sumdb/tlog verifies a real ledger's output.

The checkpoint note, inclusion proofs, a consistency proof and a tlog-proof file
all come from a ledger recorded through the signed path; Go must accept them
and reject tampered copies.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ledger.service import Ledger
from tests.conftest import Clock, Recorder


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def payload(sqlite_ledger: Ledger, recorder: Recorder, clock: Clock) -> dict[str, Any]:
    ledger = sqlite_ledger
    for i in range(20):
        clock.advance(minutes=1)
        ledger.append(
            [
                recorder.sign(
                    "head.appointed",
                    "committee",
                    {"head": f"H-{i}", "term_start": clock.stamp(), "reason": "appointed"},
                )
            ]
        )
        ledger.append(
            [recorder.sign("head.removed", "committee", {"head": f"H-{i}", "reason": "rotation"})]
        )
        if i == 6:
            old = ledger.sign_checkpoint()
    new = ledger.sign_checkpoint()
    events = list(ledger.events())
    picks = [0, 1, 14, 40]
    records = []
    for i in picks:
        index, size, proof = ledger.inclusion_proof(events[i].event_id or "")
        records.append(
            {"data": b64(events[i].leaf.encode()), "index": index, "proof": [b64(h) for h in proof]}
        )
    registry = ledger.registry()
    assert registry is not None
    return {
        "log_vkey": registry.log_key,
        "cosigner_vkeys": [],
        "origin": registry.origin,
        "checkpoint": new.note,
        "records": records,
        "old_checkpoint": old.note,
        "consistency_proof": [b64(h) for h in ledger.consistency_proof(old.size, new.size)],
        "tlog_proofs": [
            {
                "proof": ledger.tlog_proof(events[14].event_id or ""),
                "data": b64(events[14].leaf.encode()),
            }
        ],
    }


def run(binary: Path, payload: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(payload))
    return subprocess.run(
        [str(binary), "verify", str(path)], capture_output=True, text=True, timeout=60
    )


def test_go_verifies_a_real_ledgers_checkpoint_and_proofs(
    go_verifier: Path, payload: dict[str, Any], tmp_path: Path
) -> None:
    result = run(go_verifier, payload, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_go_rejects_a_statement_edited_after_it_was_proved(
    go_verifier: Path, payload: dict[str, Any], tmp_path: Path
) -> None:
    leaf = base64.b64decode(payload["records"][2]["data"]).replace(b"rotation", b"scandal!")
    payload["records"][2]["data"] = b64(leaf)
    result = run(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "inclusion" in result.stderr


def test_go_rejects_a_checkpoint_signed_by_another_key(
    go_verifier: Path, payload: dict[str, Any], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.log.note import NoteSigner

    impostor = NoteSigner(payload["origin"], Ed25519PrivateKey.generate())
    payload["log_vkey"] = impostor.vkey
    result = run(go_verifier, payload, tmp_path)
    assert result.returncode == 1
