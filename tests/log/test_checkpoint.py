"""C2SP tlog-checkpoint formatting and strict parsing (ledger.log.checkpoint)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ledger.log.note import NoteSigner

ROOT = bytes(range(32))
ROOT_B64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def test_text_has_origin_size_root_and_final_newline() -> None:
    cp = Checkpoint("ledger.example/log", 42, ROOT)
    assert cp.to_text() == f"ledger.example/log\n42\n{ROOT_B64}\n"
    assert Checkpoint.parse(cp.to_text()) == cp


def test_extension_lines_round_trip() -> None:
    cp = Checkpoint("o", 0, ROOT, ("ext one", "two"))
    assert cp.to_text().endswith(f"{ROOT_B64}\next one\ntwo\n")
    assert Checkpoint.parse(cp.to_text()) == cp


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
    st.integers(0, 2**63 - 1),
    st.binary(min_size=32, max_size=32),
)
def test_any_valid_checkpoint_round_trips(origin: str, size: int, root: bytes) -> None:
    cp = Checkpoint(origin, size, root)
    assert Checkpoint.parse(cp.to_text()) == cp


@pytest.mark.parametrize(
    "text",
    [
        f"o\n42\n{ROOT_B64}",  # no final newline
        "o\n42\n",  # no root
        f"\n42\n{ROOT_B64}\n",  # empty origin
        f"o\n042\n{ROOT_B64}\n",  # leading zero
        f"o\n-1\n{ROOT_B64}\n",
        f"o\n+1\n{ROOT_B64}\n",
        f"o\n 1\n{ROOT_B64}\n",
        f"o\n١\n{ROOT_B64}\n",  # non-ASCII digit
        f"o\n9223372036854775808\n{ROOT_B64}\n",  # 2^63
        "o\n1\nAAEC\n",  # short root
        f"o\n1\n{ROOT_B64[:-1]}\n",  # bad padding
        f"o\n1\n{ROOT_B64}\n\n",  # empty extension line
        f"o\n1\n{ROOT_B64}\next\x01\n",  # control char
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(ProofError):
        Checkpoint.parse(text)


def test_invalid_fields_are_refused_at_construction() -> None:
    for args in (
        ("", 1, ROOT),
        ("o\nx", 1, ROOT),
        ("o", -1, ROOT),
        ("o", 1, b"x"),
        ("o", True, ROOT),
    ):
        with pytest.raises(ProofError):
            Checkpoint(*args)  # type: ignore[arg-type]
    with pytest.raises(ProofError):
        Checkpoint("o", 1, ROOT, ("",))


@given(st.text(max_size=120))
def test_garbage_raises_only_proof_error(text: str) -> None:
    try:
        Checkpoint.parse(text)
    except ProofError:
        pass


def test_signed_checkpoint_opens_and_checks_origin() -> None:
    signer = NoteSigner("ledger.example/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    cp = Checkpoint("ledger.example/log", 7, ROOT)
    note = sign_checkpoint(cp, [signer])
    assert open_checkpoint(note, [signer.verifier()], origin="ledger.example/log") == cp
    with pytest.raises(ProofError, match="expected"):
        open_checkpoint(note, [signer.verifier()], origin="other.example/log")
    with pytest.raises(ProofError):
        open_checkpoint(note.replace("\n7\n", "\n8\n"), [signer.verifier()])
