"""C2SP tlog-cosignature/v1 Ed25519 cosignatures (ledger.log.cosignature)."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
    verify_cosignature,
)
from ledger.log.note import NoteSigner, NoteVerifier, add_signatures, open_note, public_key_bytes

CHECKPOINT = Checkpoint("ledger.example/log", 20852163, bytes(range(32))).to_text()
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(b"w" * 32)


def witness(clock: int = 1679315147) -> CosignatureSigner:
    return CosignatureSigner("witness.example/w1", WITNESS_KEY, clock=lambda: clock)


def test_key_hash_uses_cosignature_type_byte_4() -> None:
    pub = public_key_bytes(WITNESS_KEY.public_key())
    assert witness().key_hash == hashlib.sha256(b"witness.example/w1\n\x04" + pub).digest()[:4]
    name, hash_hex, key_b64 = witness().vkey.split("+", 2)
    assert (name, hash_hex) == ("witness.example/w1", witness().key_hash.hex())
    assert base64.b64decode(key_b64) == b"\x04" + pub


def test_signed_message_is_header_time_line_and_checkpoint() -> None:
    assert cosigned_message(CHECKPOINT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + CHECKPOINT.encode()
    )


def test_cosignature_is_timestamp_then_ed25519_signature() -> None:
    line = witness().cosign(CHECKPOINT, 1679315147)
    assert line.startswith("— witness.example/w1 ") and line.endswith("\n")
    raw = base64.b64decode(line.split(" ")[-1])
    assert len(raw) == 4 + 8 + 64
    assert raw[:4] == witness().key_hash
    assert struct.unpack(">Q", raw[4:12]) == (1679315147,)
    WITNESS_KEY.public_key().verify(raw[12:], cosigned_message(CHECKPOINT, 1679315147))


def test_verify_cosignature_returns_the_timestamp() -> None:
    line = witness().cosign(CHECKPOINT, 1700000000)
    verifier = CosignatureVerifier.from_vkey(witness().vkey)
    assert verify_cosignature(CHECKPOINT, line, verifier) == 1700000000


def test_tampered_cosignatures_are_refused() -> None:
    verifier = CosignatureVerifier.from_vkey(witness().vkey)
    line = witness().cosign(CHECKPOINT, 1700000000)
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    with pytest.raises(ProofError, match="invalid cosignature"):
        verify_cosignature(CHECKPOINT.replace("20852163", "20852164"), line, verifier)
    raw[11] ^= 1  # timestamp
    with pytest.raises(ProofError, match="invalid cosignature"):
        verify_cosignature(
            CHECKPOINT, f"— witness.example/w1 {base64.b64encode(bytes(raw)).decode()}\n", verifier
        )
    with pytest.raises(ProofError, match="not from"):
        verify_cosignature(CHECKPOINT, line.replace("w1", "w2"), verifier)


def test_cosigner_vkey_is_not_a_plain_note_key_and_vice_versa() -> None:
    note_signer = NoteSigner("witness.example/w1", WITNESS_KEY)
    with pytest.raises(ProofError, match="0x04"):
        NoteVerifier.from_vkey(witness().vkey)
    with pytest.raises(ProofError, match="0x01"):
        CosignatureVerifier.from_vkey(note_signer.vkey)
    assert note_signer.key_hash != witness().key_hash


def test_cosigner_works_as_an_extra_note_signer() -> None:
    log = NoteSigner("ledger.example/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    note = sign_checkpoint(Checkpoint.parse(CHECKPOINT), [log, witness()])
    opened = open_note(note, [log.verifier(), witness().verifier()])
    assert len(opened.verified) == 2
    later = add_signatures(sign_checkpoint(Checkpoint.parse(CHECKPOINT), [log]), [witness(5)])
    assert len(open_note(later, [log.verifier(), witness().verifier()]).verified) == 2


def test_a_forged_cosignature_rejects_the_whole_note() -> None:
    log = NoteSigner("ledger.example/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    forger = CosignatureSigner(
        "witness.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(32))
    )
    line = forger.cosign(CHECKPOINT, 1)
    raw = base64.b64decode(line.split(" ")[-1])
    forged_line = (
        "— witness.example/w1 " + base64.b64encode(witness().key_hash + raw[4:]).decode() + "\n"
    )
    note = sign_checkpoint(Checkpoint.parse(CHECKPOINT), [log]) + forged_line
    with pytest.raises(ProofError, match="invalid signature"):
        open_note(note, [log.verifier(), witness().verifier()])


def test_only_checkpoints_are_cosigned() -> None:
    with pytest.raises(ProofError):
        witness().cosign("not a checkpoint\n", 1)
    with pytest.raises(ProofError):
        witness().cosign(CHECKPOINT, 2**63)


@given(st.text(max_size=100))
def test_garbage_cosignature_lines_raise_only_proof_error(line: str) -> None:
    try:
        verify_cosignature(CHECKPOINT, line, witness().verifier())
    except ProofError:
        pass
