"""Go's x/mod/sumdb verifier accepts our cosigned checkpoints and proofs, and rejects tampering.

The checkpoint is a real ledger's, cosigned by two real witnesses over HTTP
through ``publish``; the Go program requires the log's and every witness's
signature on each checkpoint it reads.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.witnessing.cosigning import publish
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy
from ledger.witnessing.published import published_checkpoints, published_tlog_proof
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.conftest import Clock
from tests.witnessing.conftest import Served, new_witness, record_heads


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def go_verify(
    binary: Path, payload: dict[str, Any], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(payload))
    return subprocess.run(
        [str(binary), "verify", str(path)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def cosigned(
    sqlite_ledger: Ledger,
    keyring: Keyring,
    recorder: object,
    clock: Clock,
    tmp_path: Path,
    servers: Callable[[Any], Served],
) -> tuple[dict[str, Any], list[Witness]]:
    ledger = sqlite_ledger
    witnesses = [
        new_witness(tmp_path / n, f"{n}.example/witness", keyring) for n in ("committee", "press")
    ]
    urls = [servers(WitnessApp(w)).url for w in witnesses]
    policy = WitnessPolicy(
        tuple(WitnessEntry(w.name, u, w.vkey) for w, u in zip(witnesses, urls, strict=True)), 2
    )
    publish(ledger, policy)
    record_heads(ledger, recorder, clock, 9)
    publish(ledger, policy)
    (old_size, old_note, _), (size, note, _) = published_checkpoints(ledger.store)
    events = list(ledger.events())
    payload = {
        "log_vkey": keyring.log_vkey(),
        "cosigner_vkeys": [w.vkey for w in witnesses],
        "origin": ledger.origin,
        "checkpoint": note,
        "records": [
            {
                "data": b64(events[i].leaf.encode()),
                "index": i,
                "proof": [b64(h) for h in ledger.tree.inclusion_proof(i, size)],
            }
            for i in (0, 4, 9)
        ],
        "old_checkpoint": old_note,
        "consistency_proof": [b64(h) for h in ledger.consistency_proof(old_size, size)],
        "tlog_proofs": [
            {
                "proof": published_tlog_proof(ledger, events[i].event_id or ""),
                "data": b64(events[i].leaf.encode()),
            }
            for i in (3, 7)
        ],
    }
    return payload, witnesses


def test_go_accepts_a_real_checkpoint_cosigned_by_real_witnesses(
    go_verifier: Path, cosigned: tuple[dict[str, Any], list[Witness]], tmp_path: Path
) -> None:
    result = go_verify(go_verifier, cosigned[0], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_go_rejects_a_tampered_witness_cosignature(
    go_verifier: Path, cosigned: tuple[dict[str, Any], list[Witness]], tmp_path: Path
) -> None:
    payload, witnesses = cosigned
    lines = payload["checkpoint"].split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"— {witnesses[1].name} "))
    name, sig = lines[at].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    lines[at] = f"{name} {b64(bytes(raw))}"
    payload["checkpoint"] = "\n".join(lines)
    result = go_verify(go_verifier, payload, tmp_path)
    assert (
        result.returncode == 1 and f"invalid signature for key {witnesses[1].name}" in result.stderr
    )


def test_go_rejects_a_checkpoint_missing_a_required_witness(
    go_verifier: Path, cosigned: tuple[dict[str, Any], list[Witness]], tmp_path: Path
) -> None:
    payload, witnesses = cosigned
    payload["checkpoint"] = "".join(
        line
        for line in payload["checkpoint"].splitlines(keepends=True)
        if not line.startswith(f"— {witnesses[0].name} ")
    )
    result = go_verify(go_verifier, payload, tmp_path)
    assert (
        result.returncode == 1 and f"no valid signature from {witnesses[0].name}" in result.stderr
    )


def test_go_rejects_a_tampered_entry_in_a_cosigned_tlog_proof(
    go_verifier: Path, cosigned: tuple[dict[str, Any], list[Witness]], tmp_path: Path
) -> None:
    payload, _ = cosigned
    data = json.loads(base64.b64decode(payload["tlog_proofs"][0]["data"]))
    data["data"]["reason"] = "changed afterwards"
    payload["tlog_proofs"][0]["data"] = b64(json.dumps(data).encode())
    result = go_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "tlog-proof 0 inclusion" in result.stderr
