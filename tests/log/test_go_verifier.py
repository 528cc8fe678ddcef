"""Cross-checks against Go's golang.org/x/mod/sumdb/{note,tlog}.

The ledger promises that anyone can verify it with standard tooling; these
tests hold us to that by feeding our checkpoints, notes, cosignatures and
proofs to a Go program built on the reference implementation, and by
comparing our proofs and tiles byte-for-byte with Go's. They FAIL (not skip)
without a Go toolchain: CI installs golang-go.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.cosignature import CosignatureSigner
from ledger.log.merkle import MerkleTree, leaf_hash
from ledger.log.note import NoteSigner
from ledger.log.proof_format import format_proof

ORIGIN = "ledger.example/log"
N = 1000


def run_verify(
    binary: Path, payload: dict[str, Any], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(payload))
    return subprocess.run(
        [str(binary), "verify", str(path)], capture_output=True, text=True, timeout=60
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[-1] ^= 1
    return b64(bytes(raw))


DATA = [b"leaf %d" % i for i in range(N)]
LEAVES = [leaf_hash(d) for d in DATA]
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"L" * 32))
WITNESS = CosignatureSigner(
    "witness.example/w1", Ed25519PrivateKey.from_private_bytes(b"W" * 32), clock=lambda: 1751700000
)
INDICES = [0, 1, 2, 255, 256, 511, 512, 500, 998, 999]


def good_payload() -> dict[str, Any]:
    tree = MerkleTree(lambda s, e: LEAVES[s:e], N)
    note = sign_checkpoint(Checkpoint(ORIGIN, N, tree.root()), [LOG, WITNESS])
    old_note = sign_checkpoint(Checkpoint(ORIGIN, 37, tree.root(37)), [LOG, WITNESS])
    return {
        "log_vkey": LOG.vkey,
        "cosigner_vkeys": [WITNESS.vkey],
        "origin": ORIGIN,
        "checkpoint": note,
        "records": [
            {"data": b64(DATA[i]), "index": i, "proof": [b64(h) for h in tree.inclusion_proof(i)]}
            for i in INDICES
        ],
        "old_checkpoint": old_note,
        "consistency_proof": [b64(h) for h in tree.consistency_proof(37, N)],
        "tlog_proofs": [
            {"proof": format_proof(i, tree.inclusion_proof(i), note, extra), "data": b64(DATA[i])}
            for i, extra in ((0, None), (777, b"context"))
        ],
    }


def test_go_accepts_our_checkpoint_cosignature_and_proofs(
    go_verifier: Path, tmp_path: Path
) -> None:
    result = run_verify(go_verifier, good_payload(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_go_rejects_a_tampered_checkpoint(go_verifier: Path, tmp_path: Path) -> None:
    payload = good_payload()
    payload["checkpoint"] = payload["checkpoint"].replace(f"\n{N}\n", f"\n{N + 1}\n", 1)
    result = run_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "invalid signature" in result.stderr


def test_go_rejects_a_tampered_inclusion_proof(go_verifier: Path, tmp_path: Path) -> None:
    payload = good_payload()
    payload["records"][3]["proof"][2] = flip_b64(payload["records"][3]["proof"][2])
    result = run_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "inclusion of record 255" in result.stderr


def test_go_rejects_a_record_at_the_wrong_index(go_verifier: Path, tmp_path: Path) -> None:
    payload = good_payload()
    payload["records"][0]["index"] = 1
    result = run_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "inclusion" in result.stderr


def test_go_rejects_a_tampered_consistency_proof(go_verifier: Path, tmp_path: Path) -> None:
    payload = good_payload()
    payload["consistency_proof"][0] = flip_b64(payload["consistency_proof"][0])
    result = run_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "consistency 37 -> 1000" in result.stderr


def test_go_rejects_a_tampered_cosignature(go_verifier: Path, tmp_path: Path) -> None:
    payload = good_payload()
    lines = payload["checkpoint"].split("\n")
    cosig = next(i for i, line in enumerate(lines) if line.startswith("— witness.example/w1 "))
    name, sig = lines[cosig].rsplit(" ", 1)
    lines[cosig] = f"{name} {flip_b64(sig)}"
    payload["checkpoint"] = "\n".join(lines)
    result = run_verify(go_verifier, payload, tmp_path)
    assert (
        result.returncode == 1 and "invalid signature for key witness.example/w1" in result.stderr
    )


def test_go_requires_the_cosignature_when_given_the_cosigner_key(
    go_verifier: Path, tmp_path: Path
) -> None:
    payload = good_payload()
    tree = MerkleTree(lambda s, e: LEAVES[s:e], N)
    payload["checkpoint"] = sign_checkpoint(Checkpoint(ORIGIN, N, tree.root()), [LOG])
    result = run_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "no valid signature from witness.example/w1" in result.stderr


def test_go_rejects_a_tampered_tlog_proof(go_verifier: Path, tmp_path: Path) -> None:
    payload = good_payload()
    proof = payload["tlog_proofs"][1]["proof"]
    payload["tlog_proofs"][1]["proof"] = proof.replace("index 777", "index 776")
    result = run_verify(go_verifier, payload, tmp_path)
    assert result.returncode == 1 and "tlog-proof 1 inclusion" in result.stderr


VECTOR_N = 70_000  # more than 256**2 leaves: exercises level-2 tiles and memo


def test_proofs_roots_and_tiles_match_go_byte_for_byte(go_verifier: Path) -> None:
    result = subprocess.run(
        [str(go_verifier), "vectors", str(VECTOR_N)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    vectors = json.loads(result.stdout)
    leaves = [leaf_hash(b"leaf %d" % i) for i in range(VECTOR_N)]
    tree = MerkleTree(lambda s, e: leaves[s:e], VECTOR_N)

    assert len(vectors["roots"]) > 40
    for size, root in vectors["roots"].items():
        assert b64(tree.root(int(size))) == root, f"root of size {size}"
    assert len(vectors["inclusion"]) > 800
    for v in vectors["inclusion"]:
        ours = [b64(h) for h in tree.inclusion_proof(v["index"], v["size"])]
        assert ours == (v["proof"] or []), f"inclusion {v['index']} in {v['size']}"
    assert len(vectors["consistency"]) > 800
    for v in vectors["consistency"]:
        ours = [b64(h) for h in tree.consistency_proof(v["old"], v["new"])]
        assert ours == (v["proof"] or []), f"consistency {v['old']} -> {v['new']}"
    assert {t["level"] for t in vectors["tiles"]} == {0, 1, 2}
    for t in vectors["tiles"]:
        ours = b"".join(tree.tile_hashes(t["level"], t["index"], t["width"]))
        assert b64(ours) == t["data"], f"tile {t['level']}/{t['index']}.w{t['width']}"
