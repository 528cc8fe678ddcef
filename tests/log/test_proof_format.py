"""C2SP tlog-proof files (ledger.log.proof_format)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.cosignature import CosignatureSigner
from ledger.log.merkle import MerkleTree, leaf_hash
from ledger.log.note import NoteSigner
from ledger.log.proof_format import HEADER, format_proof, parse_proof, verify_tlog_proof

ORIGIN = "ledger.example/log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(32)))
WITNESS = CosignatureSigner(
    "witness.example/w1", Ed25519PrivateKey.from_private_bytes(b"w" * 32), clock=lambda: 1
)
LEAVES = [leaf_hash(b"entry %d" % i) for i in range(21)]
TREE = MerkleTree(lambda s, e: LEAVES[s:e], len(LEAVES))
NOTE = sign_checkpoint(Checkpoint(ORIGIN, TREE.size, TREE.root()), [LOG, WITNESS])


def proof_for(index: int, extra: bytes | None = None) -> str:
    return format_proof(index, TREE.inclusion_proof(index), NOTE, extra)


def test_format_matches_the_spec_layout() -> None:
    text = proof_for(5, b"ctx")
    lines = text.split("\n")
    assert lines[0] == HEADER
    assert lines[1] == "extra Y3R4"
    assert lines[2] == "index 5"
    assert text.endswith("\n\n" + NOTE)
    assert "extra" not in proof_for(5)


@pytest.mark.parametrize("index", [0, 1, 7, 20])
def test_round_trip_and_verify(index: int) -> None:
    parsed = parse_proof(proof_for(index, b"\x00\x01"))
    assert parsed.index == index and parsed.extra == b"\x00\x01"
    assert list(parsed.proof) == TREE.inclusion_proof(index)
    cp = verify_tlog_proof(
        parsed, LEAVES[index], [LOG.verifier(), WITNESS.verifier()], origin=ORIGIN
    )
    assert cp.size == 21 and cp.root_hash == TREE.root()


def test_wrong_leaf_index_or_hash_is_refused() -> None:
    parsed = parse_proof(proof_for(3))
    with pytest.raises(ProofError, match="does not lead"):
        verify_tlog_proof(parsed, LEAVES[4], [LOG.verifier()])
    moved = parse_proof(proof_for(3).replace("index 3", "index 2"))
    with pytest.raises(ProofError):
        verify_tlog_proof(moved, LEAVES[3], [LOG.verifier()])


def test_tampered_proof_hash_is_refused() -> None:
    text = proof_for(9)
    first_hash = text.split("\n")[2]
    swapped = text.replace(first_hash, "A" * 43 + "=", 1)
    with pytest.raises(ProofError):
        verify_tlog_proof(parse_proof(swapped), LEAVES[9], [LOG.verifier()])


def test_policy_requires_every_given_key_by_default() -> None:
    only_log = format_proof(
        2, TREE.inclusion_proof(2), sign_checkpoint(Checkpoint(ORIGIN, 21, TREE.root()), [LOG])
    )
    parsed = parse_proof(only_log)
    with pytest.raises(ProofError, match="1 verified signatures of trusted keys, 2 required"):
        verify_tlog_proof(parsed, LEAVES[2], [LOG.verifier(), WITNESS.verifier()])
    verify_tlog_proof(parsed, LEAVES[2], [LOG.verifier(), WITNESS.verifier()], required=1)
    with pytest.raises(ProofError, match="expected"):
        verify_tlog_proof(parsed, LEAVES[2], [LOG.verifier()], origin="other.example")


def test_checkpoint_signed_by_someone_else_is_refused() -> None:
    other = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"o" * 32))
    forged = sign_checkpoint(Checkpoint(ORIGIN, 21, TREE.root()), [other])
    with pytest.raises(ProofError, match="no signature from a known key"):
        verify_tlog_proof(
            parse_proof(format_proof(1, TREE.inclusion_proof(1), forged)),
            LEAVES[1],
            [LOG.verifier()],
        )


GOOD = proof_for(4)


@pytest.mark.parametrize(
    "text",
    [
        "",
        GOOD.replace(HEADER, "c2sp.org/tlog-proof@v2"),
        GOOD.replace("index 4", "index 04"),
        GOOD.replace("index 4", "index -4"),
        GOOD.replace("index 4", "index  4"),
        GOOD.replace("index 4\n", ""),
        GOOD.replace("index 4", "extra \nindex 4"),
        GOOD.replace("index 4", "index 4\nAAAA"),  # short hash
        GOOD.replace("index 4", "index 4\nnot base64!"),
        GOOD.replace(HEADER + "\n", HEADER + "\n\n"),
        GOOD.replace("\n— ", "\n- "),  # broken note
        GOOD.replace(f"{ORIGIN}\n21\n", f"{ORIGIN}\n021\n"),  # broken checkpoint
        GOOD[: GOOD.index("\n\n")],  # no checkpoint
    ],
)
def test_malformed_proofs_are_refused(text: str) -> None:
    with pytest.raises(ProofError):
        parse_proof(text)


def test_format_refuses_bad_inputs() -> None:
    with pytest.raises(ProofError):
        format_proof(-1, [], NOTE)
    with pytest.raises(ProofError):
        format_proof(0, [b"short"], NOTE)
    with pytest.raises(ProofError):
        format_proof(0, [], NOTE, extra=b"")
    with pytest.raises(ProofError):
        format_proof(0, [], "not a note")


@given(st.text(max_size=300))
def test_garbage_raises_only_proof_error(text: str) -> None:
    try:
        parse_proof(text)
    except ProofError:
        pass


@given(st.sampled_from(GOOD.split("\n")), st.text(max_size=20))
def test_mutated_proofs_raise_only_proof_error(line: str, junk: str) -> None:
    text = GOOD.replace(line, junk, 1) if line else GOOD + junk
    try:
        tp = parse_proof(text)
        verify_tlog_proof(tp, LEAVES[4], [LOG.verifier()])
    except ProofError:
        pass


@given(st.integers(0, 20), st.none() | st.binary(min_size=1, max_size=40))
def test_any_index_and_extra_round_trip(index: int, extra: bytes | None) -> None:
    parsed = parse_proof(proof_for(index, extra))
    assert (parsed.index, parsed.extra) == (index, extra)
    verify_tlog_proof(parsed, LEAVES[index], [LOG.verifier()])
