"""C2SP signed-note signing, parsing and verification (ledger.log.note)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.log.note import (
    NoteSigner,
    NoteVerifier,
    add_signatures,
    key_hash,
    open_note,
    parse_note,
    parse_vkey,
    public_key_bytes,
    sign_note,
)

SEED = bytes(range(32))


def signer(name: str = "ledger.example/log", seed: bytes = SEED) -> NoteSigner:
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(seed))


def test_key_hash_is_sha256_of_name_newline_type_and_key() -> None:
    s = signer()
    pub = public_key_bytes(Ed25519PrivateKey.from_private_bytes(SEED).public_key())
    expected = hashlib.sha256(b"ledger.example/log\n\x01" + pub).digest()[:4]
    assert s.key_hash == expected == key_hash("ledger.example/log", 1, pub)


def test_vkey_round_trips_to_an_equivalent_verifier() -> None:
    s = signer()
    name, kh, alg, key = parse_vkey(s.vkey)
    assert (name, kh, alg, len(key)) == ("ledger.example/log", s.key_hash, 1, 32)
    assert (
        s.vkey
        == f"ledger.example/log+{s.key_hash.hex()}+" + base64.b64encode(b"\x01" + key).decode()
    )
    v = NoteVerifier.from_vkey(s.vkey)
    assert v.vkey == s.vkey and v.key_hash == s.key_hash


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "name",
        "name+0000000+AQ==",
        "na me+00000000+AQ==",
        "name+zzzzzzzz+AQ==",
        "name+00000000+AQ==",  # wrong hash
    ],
)
def test_malformed_vkeys_are_refused(vkey: str) -> None:
    with pytest.raises(ProofError):
        NoteVerifier.from_vkey(vkey)


def test_vkey_with_wrong_hash_is_refused() -> None:
    name, kh, _, _ = parse_vkey(signer().vkey)
    bad = signer().vkey.replace(kh.hex(), (bytes([kh[0] ^ 1]) + kh[1:]).hex())
    with pytest.raises(ProofError, match="does not match"):
        NoteVerifier.from_vkey(bad)


def test_signed_note_opens_with_its_verifier() -> None:
    s = signer()
    note = sign_note("hello\nworld\n", [s])
    assert note.startswith("hello\nworld\n\n— ledger.example/log ")
    opened = open_note(note, [s.verifier()])
    assert opened.text == "hello\nworld\n"
    assert opened.verified_by(s.name, s.key_hash)
    assert len(opened.signatures) == 1 and len(opened.signatures[0].signature) == 64


def test_unknown_signatures_are_kept_but_not_verified() -> None:
    s, other = signer(), signer("other.example/key", bytes(32))
    note = sign_note("text\n", [other, s])
    opened = open_note(note, [s.verifier()])
    assert [sig.name for sig in opened.signatures] == ["other.example/key", "ledger.example/log"]
    assert [sig.name for sig in opened.verified] == ["ledger.example/log"]


def test_note_without_a_known_signature_is_refused() -> None:
    note = sign_note("text\n", [signer("other.example/key", bytes(32))])
    with pytest.raises(ProofError, match="no signature from a known key"):
        open_note(note, [signer().verifier()])


def test_same_name_but_other_key_is_not_a_known_key() -> None:
    impostor = signer("ledger.example/log", bytes(32))
    with pytest.raises(ProofError, match="no signature from a known key"):
        open_note(sign_note("text\n", [impostor]), [signer().verifier()])


def test_tampered_text_or_signature_is_refused() -> None:
    s = signer()
    note = sign_note("size 10\n", [s])
    with pytest.raises(ProofError, match="invalid signature"):
        open_note(note.replace("size 10", "size 11"), [s.verifier()])
    line = note.split("\n")[-2]
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    raw[-1] ^= 1
    tampered = note.replace(line.split(" ")[-1], base64.b64encode(bytes(raw)).decode())
    with pytest.raises(ProofError, match="invalid signature"):
        open_note(tampered, [s.verifier()])


def test_cosigned_note_keeps_both_signatures() -> None:
    s, w = signer(), signer("witness.example/w1", bytes(32))
    note = add_signatures(sign_note("t\n", [s]), [w])
    opened = open_note(note, [s.verifier(), w.verifier()])
    assert len(opened.verified) == 2


@pytest.mark.parametrize(
    "note",
    [
        "",
        "text\n",  # no signatures
        "text\n\n",  # empty signature block
        "text\n\n— a AAAAAA==\n",  # signature too short
        "text\n\n— a bm90IGJhc2U2NA\n",  # bad padding
        "text\n\n- a AAAAAAAAAAAAAAAAAAAA\n",  # hyphen, not em dash
        "text\n\n— a+b AAAAAAAAAAAAAAAAAAAA\n",  # plus in name
        "text\n\n— AAAAAAAAAAAAAAAAAAAA\n",  # no name
        "text\n\n— a AAAAAAAAAAAAAAAAAAAA",  # no final newline
        "te\tt\n\n— a AAAAAAAAAAAAAAAAAAAA\n",  # control character
        "text\n\n— a AAAAAAAAAAAAAAAAAAB=\n",  # non-canonical base64
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(ProofError):
        parse_note(note)


def test_note_text_must_end_with_newline_to_be_signed() -> None:
    with pytest.raises(ProofError, match="newline"):
        sign_note("no newline", [signer()])


@given(st.text(max_size=200))
def test_garbage_notes_raise_only_proof_error(text: str) -> None:
    try:
        open_note(text, [signer().verifier()])
    except ProofError:
        pass


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_any_clean_text_round_trips(body: str) -> None:
    text = body + "\n"
    s = signer()
    assert open_note(sign_note(text, [s]), [s.verifier()]).text == text
