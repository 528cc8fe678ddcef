"""Behaviour of ledger.sealing: who can open sealed details, and what is refused."""

from __future__ import annotations

import base64
import copy
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ledger import sealing
from ledger.errors import SealingError
from ledger.sealing import (
    ALG,
    ALG_UNPADDED,
    HPKE_INFO,
    HPKE_INFO_UNPADDED,
    PAD_BUCKETS,
    generate_sealing_key,
    load_sealing_key,
    save_sealing_key,
    seal,
    sealed_recipients,
    sealing_key_id,
    unseal,
    validate_envelope,
)

COURT = generate_sealing_key()
COMMITTEE = generate_sealing_key()
RECORDER = generate_sealing_key()
OUTSIDER = generate_sealing_key()
KEYS = {"court": COURT, "committee": COMMITTEE, "recorder": RECORDER}
PUBLIC = {name: key.public_key() for name, key in KEYS.items()}
CONTEXT = b"detention_recorded|recorder:ab12cd34"
DETAILS: dict[str, Any] = {
    "name": "Amal Haddad",
    "place": "Facility 7, north wing",
    "age": 34,
    "contacts": ["+000 555 0101"],
}
ENVELOPE = seal(DETAILS, PUBLIC, CONTEXT)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def entry_for(envelope: dict[str, Any], name: str) -> dict[str, str]:
    kid = sealing_key_id(PUBLIC[name])
    return next(e for e in envelope["recipients"] if e["kid"] == kid)


# --- who can open --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["court", "committee", "recorder"])
def test_each_recipient_recovers_the_sealed_details(name: str) -> None:
    assert unseal(ENVELOPE, KEYS[name], CONTEXT) == DETAILS


def test_envelope_names_every_recipient_by_key_id_in_order() -> None:
    assert sealed_recipients(ENVELOPE) == [sealing_key_id(PUBLIC[n]) for n in PUBLIC]


def test_a_key_that_is_not_a_recipient_cannot_unseal() -> None:
    with pytest.raises(SealingError, match="this key is not a recipient of the sealed data"):
        unseal(ENVELOPE, OUTSIDER, CONTEXT)


def test_a_recipient_entry_relabelled_with_another_key_id_does_not_open() -> None:
    """The outsider copies the court's enc/wrapped_key under its own kid: still refused."""
    forged = copy.deepcopy(ENVELOPE)
    court = entry_for(forged, "court")
    forged["recipients"].append(
        {
            "kid": sealing_key_id(OUTSIDER.public_key()),
            "enc": court["enc"],
            "wrapped_key": court["wrapped_key"],
        }
    )
    with pytest.raises(SealingError, match="wrapped key does not open"):
        unseal(forged, OUTSIDER, CONTEXT)


def test_a_different_context_is_refused() -> None:
    with pytest.raises(SealingError, match="another context") as info:
        unseal(ENVELOPE, COURT, b"release_recorded|recorder:ab12cd34")
    assert info.value.field == "ciphertext"


def test_an_empty_context_is_refused_when_sealed_with_one() -> None:
    with pytest.raises(SealingError):
        unseal(ENVELOPE, COURT, b"")


def test_sealing_twice_gives_unrelated_envelopes() -> None:
    again = seal(DETAILS, PUBLIC, CONTEXT)
    assert again["ciphertext"] != ENVELOPE["ciphertext"]
    assert again["nonce"] != ENVELOPE["nonce"]
    encs = [e["enc"] for e in ENVELOPE["recipients"] + again["recipients"]]
    assert len(set(encs)) == len(encs), "each wrap must use a fresh ephemeral key"


def test_envelope_is_json_safe_and_has_the_documented_shape() -> None:
    assert json.loads(json.dumps(ENVELOPE)) == ENVELOPE
    assert set(ENVELOPE) == {"alg", "recipients", "nonce", "ciphertext"}
    assert ENVELOPE["alg"] == ALG
    assert len(unb64(ENVELOPE["ciphertext"])) == 256 + 16
    for entry in ENVELOPE["recipients"]:
        assert set(entry) == {"kid", "enc", "wrapped_key"}
        assert len(unb64(entry["enc"])) == 32
        assert len(unb64(entry["wrapped_key"])) == 48
    assert len(unb64(ENVELOPE["nonce"])) == 12


# --- tampering ---------------------------------------------------------------------------

PARTS = ["ciphertext", "nonce", "enc", "wrapped_key"]


def flip(envelope: dict[str, Any], part: str, index: int, mask: int) -> dict[str, Any]:
    """``envelope`` with one byte of ``part`` xored (enc/wrapped_key: the court's entry)."""
    tampered = copy.deepcopy(envelope)
    holder = tampered if part in ("ciphertext", "nonce") else entry_for(tampered, "court")
    raw = bytearray(unb64(holder[part]))
    raw[index % len(raw)] ^= mask
    holder[part] = b64(bytes(raw))
    return tampered


@pytest.mark.parametrize("part", PARTS)
def test_flipping_any_single_byte_of_a_sealed_part_is_refused(part: str) -> None:
    holder = ENVELOPE if part in ("ciphertext", "nonce") else entry_for(ENVELOPE, "court")
    length = len(unb64(holder[part]))
    for index in range(length):
        with pytest.raises(SealingError):
            unseal(flip(ENVELOPE, part, index, 0x01), COURT, CONTEXT)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    part=st.sampled_from(PARTS),
    index=st.integers(min_value=0, max_value=10_000),
    mask=st.integers(min_value=1, max_value=255),
)
def test_any_flipped_byte_pattern_is_refused(part: str, index: int, mask: int) -> None:
    with pytest.raises(SealingError):
        unseal(flip(ENVELOPE, part, index, mask), COURT, CONTEXT)


def test_an_all_zero_encapsulated_key_is_refused() -> None:
    tampered = copy.deepcopy(ENVELOPE)
    entry_for(tampered, "court")["enc"] = b64(bytes(32))
    with pytest.raises(SealingError, match="not a usable X25519 key"):
        unseal(tampered, COURT, CONTEXT)


def test_truncated_ciphertext_is_refused() -> None:
    tampered = copy.deepcopy(ENVELOPE)
    tampered["ciphertext"] = b64(unb64(ENVELOPE["ciphertext"])[:-1])
    with pytest.raises(SealingError):
        unseal(tampered, COURT, CONTEXT)


def _envelope_with_content(plaintext: bytes, alg: str = ALG) -> dict[str, Any]:
    """A correctly encrypted envelope whose content is exactly ``plaintext`` (not from seal()).

    ``plaintext`` is encrypted as given: for the padded format the caller pads it.
    """
    dek = os.urandom(32)
    nonce = os.urandom(12)
    kid = sealing_key_id(PUBLIC["court"])
    info = HPKE_INFO if alg == ALG else HPKE_INFO_UNPADDED
    enc, wrapped = sealing._hpke_seal_base(PUBLIC["court"], info, kid.encode(), dek)
    return {
        "alg": alg,
        "recipients": [{"kid": kid, "enc": b64(enc), "wrapped_key": b64(wrapped)}],
        "nonce": b64(nonce),
        "ciphertext": b64(AESGCM(dek).encrypt(nonce, plaintext, CONTEXT)),
    }


@pytest.mark.parametrize(
    "plaintext",
    [b"[1,2]", b'{"b":1,"a":2}', b'{"a": 1}', b"\xff\xfe", b"not json", b'"text"'],
)
def test_content_that_is_not_a_canonical_json_object_is_refused(plaintext: bytes) -> None:
    for envelope in (
        _envelope_with_content(sealing.pad(plaintext)),
        _envelope_with_content(plaintext, ALG_UNPADDED),
    ):
        with pytest.raises(SealingError) as info:
            unseal(envelope, COURT, CONTEXT)
        assert info.value.field == "ciphertext"


def test_handmade_canonical_content_opens() -> None:
    """Control for the test above: the same construction with canonical content is accepted."""
    content = b'{"a":2,"b":1}'
    assert unseal(_envelope_with_content(sealing.pad(content)), COURT, CONTEXT) == {"a": 2, "b": 1}
    assert unseal(_envelope_with_content(content, ALG_UNPADDED), COURT, CONTEXT) == {"a": 2, "b": 1}


# --- lengths: padding ----------------------------------------------------------------------


def ciphertext_length(envelope: dict[str, Any]) -> int:
    return len(unb64(envelope["ciphertext"]))


def test_names_of_different_lengths_give_ciphertexts_of_equal_length() -> None:
    short = seal({"name": "Ali"}, PUBLIC, CONTEXT)
    long = seal(
        {"name": "Muhammad Abdul Rehman Khan Yousafzai", "address": "House 12, Street 4, Lyari"},
        PUBLIC,
        CONTEXT,
    )
    assert ciphertext_length(short) == ciphertext_length(long) == 256 + 16


@pytest.mark.parametrize("size", [0, 200, 254, 255, 256, 1023, 1024, 5000, 16383, 16384, 40000])
def test_every_sealed_part_is_a_padding_size_and_opens(size: int) -> None:
    data = {"n": "x" * size}
    envelope = seal(data, PUBLIC, CONTEXT)
    padded = ciphertext_length(envelope) - 16
    assert padded in PAD_BUCKETS or padded % PAD_BUCKETS[-1] == 0
    assert padded == sealing.padded_size(len(rfc8785.dumps(data)))
    assert unseal(envelope, COURT, CONTEXT) == data


OLD_FORMAT_KEY = "8052891528748909f3556cb722bcf336a666645954a0f30bdb5e2982c52ab241"
OLD_FORMAT_CONTEXT = b"person.registered|police"
OLD_FORMAT_PART: dict[str, Any] = {
    "alg": "HPKE-X25519-SHA256-AES256GCM+A256GCM",
    "recipients": [
        {
            "kid": "c943403000fb1a1ee766b628abe2ebec",
            "enc": "1euwoHnwYcUWp987Ez9ykRNe0K3JtOa6sUegbZ12Mgc=",
            "wrapped_key": "2boVRQdJVDUNCKzpfSb+xZD72NLhDEJN+eamVQR40SNmwDbKD+e5cJ4om97aKHgM",
        }
    ],
    "nonce": "7N2MBhWN6HqW/VGS",
    "ciphertext": "sNYrEL7Yq/dgwmGfRzIkUiMI7lH/cK7ArdYuXDWWBcVc1uda6MjOiDKkrlBvEcUqSUl3a0vHsrf72/o=",
}
"""A part sealed by the first, unpadded format (kept byte for byte as it was written)."""


def test_a_part_sealed_before_padding_still_opens() -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    key = X25519PrivateKey.from_private_bytes(bytes.fromhex(OLD_FORMAT_KEY))
    validate_envelope(OLD_FORMAT_PART)
    assert unseal(OLD_FORMAT_PART, key, OLD_FORMAT_CONTEXT) == {
        "name": "Amal Haddad",
        "place": "Facility 7",
    }


def test_a_padded_part_relabelled_as_unpadded_does_not_open() -> None:
    relabelled = {**ENVELOPE, "alg": ALG_UNPADDED}
    with pytest.raises(SealingError, match="does not open"):
        unseal(relabelled, COURT, CONTEXT)


CONTENT = b'{"name":"Ali"}'


@pytest.mark.parametrize(
    ("padded", "reason"),
    [
        (CONTENT + bytes(256 - len(CONTENT)), "no 0x80 mark"),
        (CONTENT + b"\x80" + bytes(254 - len(CONTENT)) + b"\x01", "no 0x80 mark"),
        (CONTENT + b"\x80\x01" + bytes(254 - len(CONTENT)), "no 0x80 mark"),
        (CONTENT + b"\x80" + bytes(1023 - len(CONTENT)), "smallest size"),
        (bytes(256), "no 0x80 mark"),
    ],
    ids=["no-mark", "trailing-byte", "byte-after-mark", "larger-bucket", "all-zero"],
)
def test_a_part_whose_padding_is_malformed_is_refused(padded: bytes, reason: str) -> None:
    with pytest.raises(SealingError, match=f"padding is malformed: .*{reason}") as info:
        unseal(_envelope_with_content(padded), COURT, CONTEXT)
    assert info.value.field == "ciphertext"


def test_a_padded_part_of_no_padding_size_is_refused_without_a_key() -> None:
    unpadded = _envelope_with_content(CONTENT + b"\x80")
    with pytest.raises(SealingError, match="not padded") as info:
        validate_envelope(unpadded)
    assert info.value.field == "ciphertext"
    with pytest.raises(SealingError, match="not padded"):
        unseal(unpadded, COURT, CONTEXT)


# --- confidentiality -----------------------------------------------------------------------

STRUCTURE = json.dumps(ENVELOPE["recipients"][0]) + ALG + json.dumps(list(ENVELOPE))

texts = st.text(min_size=8, max_size=64)


@settings(max_examples=150, deadline=None)
@given(value=texts, key=st.text(min_size=1, max_size=16))
@example(value="\u0639\u0645\u0644 \u0627\u0644\u0645\u062d\u0643\u0645\u0629 \u202eRTL", key="n")
@example(value="\U0001f469\u200d\u2696\ufe0f\U0001f54a\ufe0f witness", key="note")
@example(value="<script>alert('x')</script>&amp;", key="html")
@example(value="\u05e9\u05dc\u05d5\u05dd \u05e2\u05dc\u05d9\u05db\u05dd \U0001f3f3\ufe0f", key="p")
@example(value="AAAAAAAAAAAAAAAA", key="base64-looking")
def test_envelope_contains_none_of_the_plaintext_values(value: str, key: str) -> None:
    assume(value not in STRUCTURE)
    data = {key: value, "nested": {"list": [value, 1]}}
    envelope = seal(data, PUBLIC, CONTEXT)
    for text in (json.dumps(envelope), json.dumps(envelope, ensure_ascii=False)):
        assert value not in text
        assert json.dumps(value)[1:-1] not in text
    assert value.encode("utf-8") not in unb64(envelope["ciphertext"])
    assert unseal(envelope, RECORDER, CONTEXT) == data


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(data=st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_any_json_object_round_trips_for_every_recipient(data: dict[str, Any]) -> None:
    envelope = seal(data, PUBLIC, CONTEXT)
    validate_envelope(envelope)
    for key in KEYS.values():
        assert unseal(envelope, key, CONTEXT) == data


@pytest.mark.parametrize("number", [1e16, -1e300, 2**53 - 1, 0.1, -0.0, 5e-324])
def test_numbers_at_the_edges_of_json_round_trip(number: float) -> None:
    envelope = seal({"n": number}, PUBLIC, CONTEXT)
    opened = unseal(envelope, COURT, CONTEXT)
    assert opened == {"n": number}
    assert rfc8785.dumps(opened) == rfc8785.dumps({"n": number})


# --- what seal() refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "recipients", "aad", "field"),
    [
        (DETAILS, {}, CONTEXT, "recipients"),
        (DETAILS, {"court": Ed25519PrivateKey.generate().public_key()}, CONTEXT, "recipients"),
        (DETAILS, {"court": PUBLIC["court"], "again": PUBLIC["court"]}, CONTEXT, "recipients"),
        ({"x": float("nan")}, PUBLIC, CONTEXT, "data"),
        ({"x": b"bytes"}, PUBLIC, CONTEXT, "data"),
        ({"x": 2**60}, PUBLIC, CONTEXT, "data"),
        ({1: "non-string key"}, PUBLIC, CONTEXT, "data"),
        (["not", "a", "dict"], PUBLIC, CONTEXT, "data"),
        (DETAILS, PUBLIC, "text context", "aad"),
    ],
    ids=[
        "no-recipients",
        "ed25519-key",
        "duplicate-key",
        "nan",
        "bytes",
        "huge-int",
        "int-key",
        "list",
        "str-aad",
    ],
)
def test_seal_refuses_bad_input_with_sealing_error(
    data: Any, recipients: Any, aad: Any, field: str
) -> None:
    with pytest.raises(SealingError) as info:
        seal(data, recipients, aad)
    assert info.value.field == field


def test_unseal_refuses_a_non_x25519_key_and_a_text_context() -> None:
    with pytest.raises(SealingError) as info:
        unseal(ENVELOPE, Ed25519PrivateKey.generate(), CONTEXT)  # type: ignore[arg-type]
    assert info.value.field == "private_key"
    with pytest.raises(SealingError) as info:
        unseal(ENVELOPE, COURT, CONTEXT.decode())  # type: ignore[arg-type]
    assert info.value.field == "aad"


# --- validate_envelope ---------------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(env: dict[str, Any]) -> dict[str, Any]:
        target: Any = env
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        return env

    return mutate


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], Any]:
    def mutate(env: dict[str, Any]) -> dict[str, Any]:
        target: Any = env
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
        return env

    return mutate


def _duplicate_first_recipient(env: dict[str, Any]) -> dict[str, Any]:
    env["recipients"].append(dict(env["recipients"][0]))
    return env


# Standard base64 whose last data character carries non-zero unused bits
# (17 and 32 bytes leave 2 and 4 unused bits; 12 bytes leave none).
_NONCANONICAL_CIPHERTEXT = b64(bytes(17))[:-2] + "B="
_NONCANONICAL_ENC = b64(bytes(32))[:-2] + "B="

MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "not-a-dict": (lambda env: [env], "sealed"),
    "missing-nonce": (_drop(("nonce",)), "sealed"),
    "extra-key": (_set(("plaintext",), "Amal"), "sealed"),
    "wrong-alg": (_set(("alg",), "HPKE-X25519-SHA256-AES128GCM+A128GCM"), "alg"),
    "alg-not-string": (_set(("alg",), 1), "alg"),
    "nonce-not-string": (_set(("nonce",), 12), "nonce"),
    "nonce-too-short": (_set(("nonce",), b64(bytes(11))), "nonce"),
    "nonce-not-base64": (_set(("nonce",), "!!!!!!!!!!!!!!!!"), "nonce"),
    "ciphertext-non-canonical": (_set(("ciphertext",), _NONCANONICAL_CIPHERTEXT), "ciphertext"),
    "ciphertext-missing-padding": (_set(("ciphertext",), b64(bytes(17)).rstrip("=")), "ciphertext"),
    "nonce-base64url": (_set(("nonce",), "-_-_-_-_-_-_-_-_"), "nonce"),
    "nonce-non-ascii": (_set(("nonce",), "\u00e9" * 16), "nonce"),
    "ciphertext-too-short": (_set(("ciphertext",), b64(bytes(15))), "ciphertext"),
    "ciphertext-with-whitespace": (_set(("ciphertext",), " " + b64(bytes(40))), "ciphertext"),
    "recipients-empty": (_set(("recipients",), []), "recipients"),
    "recipients-not-list": (_set(("recipients",), {"kid": "x"}), "recipients"),
    "recipient-not-dict": (_set(("recipients", 0), "court"), "recipients[0]"),
    "recipient-extra-key": (_set(("recipients", 0, "name"), "court"), "recipients[0]"),
    "recipient-missing-enc": (_drop(("recipients", 0, "enc")), "recipients[0]"),
    "kid-uppercase": (_set(("recipients", 0, "kid"), "A" * 32), "recipients[0].kid"),
    "kid-too-short": (_set(("recipients", 0, "kid"), "a" * 31), "recipients[0].kid"),
    "kid-not-string": (_set(("recipients", 0, "kid"), 7), "recipients[0].kid"),
    "kid-repeated": (_duplicate_first_recipient, "recipients[3].kid"),
    "enc-too-long": (_set(("recipients", 0, "enc"), b64(bytes(33))), "recipients[0].enc"),
    "enc-non-canonical": (_set(("recipients", 0, "enc"), _NONCANONICAL_ENC), "recipients[0].enc"),
    "enc-null": (_set(("recipients", 0, "enc"), None), "recipients[0].enc"),
    "wrapped-key-short": (
        _set(("recipients", 0, "wrapped_key"), b64(bytes(47))),
        "recipients[0].wrapped_key",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_validate_envelope_refuses_malformed_shapes(case: str) -> None:
    mutate, field = MALFORMED[case]
    malformed = mutate(copy.deepcopy(ENVELOPE))
    with pytest.raises(SealingError) as info:
        validate_envelope(malformed)
    assert info.value.field == field
    with pytest.raises(SealingError):
        sealed_recipients(malformed)
    with pytest.raises(SealingError):
        unseal(malformed, COURT, CONTEXT)


def test_the_noncanonical_fixtures_decode_to_the_expected_lengths() -> None:
    """Guards the two fixtures above: they must fail for canonicity, not for length."""
    assert base64.b64decode(_NONCANONICAL_CIPHERTEXT) == bytes(17)
    assert base64.b64decode(_NONCANONICAL_ENC) == bytes(32)
    assert _NONCANONICAL_CIPHERTEXT != b64(bytes(17))
    assert _NONCANONICAL_ENC != b64(bytes(32))


def test_validate_envelope_accepts_what_seal_writes() -> None:
    copy_ = json.loads(json.dumps(ENVELOPE))
    validate_envelope(copy_)
    assert unseal(copy_, COMMITTEE, CONTEXT) == DETAILS


# --- key ids -------------------------------------------------------------------------------


def test_sealing_key_id_is_a_sha256_prefix_of_the_raw_public_key() -> None:
    import hashlib

    raw = PUBLIC["court"].public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert sealing_key_id(PUBLIC["court"]) == hashlib.sha256(raw).hexdigest()[:32]
    assert sealing_key_id(PUBLIC["court"]) != sealing_key_id(PUBLIC["committee"])


def test_sealing_key_id_refuses_other_key_types() -> None:
    with pytest.raises(SealingError):
        sealing_key_id(COURT)  # type: ignore[arg-type]


# --- RFC 9180 ------------------------------------------------------------------------------

h = bytes.fromhex
VECTOR_INFO = h("4f6465206f6e2061204772656369616e2055726e")  # "Ode on a Grecian Urn"
VECTOR_PT = h("4265617574792069732074727574682c20747275746820626561757479")
VECTOR_AAD = h("436f756e742d30")  # "Count-0", sequence number 0

# CFRG test-vectors.json (draft-irtf-cfrg-hpke, published with RFC 9180), entry
# mode 0, kem_id 0x0020, kdf_id 0x0001, aead_id 0x0002 (AES-256-GCM).
AES256 = {
    "ikmE": "2cd7c601cefb3d42a62b04b7a9041494c06c7843818e0ce28a8f704ae7ab20f9",
    "skEm": "179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11",
    "pkEm": "6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256",
    "ikmR": "dac33b0e9db1b59dbbea58d59a14e7b5896e9bdf98fad6891e99d1686492b9ee",
    "skRm": "497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d",
    "pkRm": "430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c",
    "enc": "6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256",
    "shared_secret": "3101c54c3a4f87439eaac080699ed9bbcc726ffe44e860c0424ccb7e3e2ead7b",
    "key": "f50b0609186798729ed0564b36ef2ef8044f1f9d05636874d1f46c819c7a669f",
    "base_nonce": "151d9929e2449747889bc923",
    "exporter_secret": "86017151bbff6a1940e8abae2ac9e0e7032e33df1eaaecc02ca6259b130d62df",
    "ct": "e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52de"
    "b5f512be9931980a41de125a925cdad859d5b7a",
}

# RFC 9180 Appendix A.1.1 (the same KEM and KDF with AES-128-GCM): checks the
# KEM and key schedule against the vector printed in the RFC itself.
AES128 = {
    "ikmE": "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
    "skEm": "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    "pkEm": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    "ikmR": "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
    "skRm": "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    "pkRm": "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    "shared_secret": "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
    "key": "4531685d41d65f03dc48f6b8302c05b0",
    "base_nonce": "56d890e5accaaf011cff4b7d",
    "exporter_secret": "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
    "ct": "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a5"
    "2ae8218a355a96d8770ac83d07bea87e13c512a",
}


def _pub_hex(key: Any) -> str:
    return sealing._raw_public(key.public_key()).hex()


@pytest.mark.parametrize("vector", [AES256, AES128], ids=["aes256gcm-cfrg", "aes128gcm-a.1.1"])
def test_kem_matches_the_rfc9180_vector(vector: dict[str, str]) -> None:
    sk_e = sealing._derive_key_pair(h(vector["ikmE"]))
    sk_r = sealing._derive_key_pair(h(vector["ikmR"]))
    assert sealing._raw_private(sk_e).hex() == vector["skEm"]
    assert _pub_hex(sk_e) == vector["pkEm"]
    assert sealing._raw_private(sk_r).hex() == vector["skRm"]
    assert _pub_hex(sk_r) == vector["pkRm"]
    shared_secret, enc = sealing._encap(sk_r.public_key(), sk_e)
    assert enc.hex() == vector["pkEm"]
    assert shared_secret.hex() == vector["shared_secret"]
    assert sealing._decap(enc, sk_r).hex() == vector["shared_secret"]


def test_key_schedule_matches_the_rfc9180_vectors() -> None:
    key, nonce, exp = sealing._key_schedule(h(AES256["shared_secret"]), VECTOR_INFO)
    assert (key.hex(), nonce.hex(), exp.hex()) == (
        AES256["key"],
        AES256["base_nonce"],
        AES256["exporter_secret"],
    )
    key, nonce, exp = sealing._key_schedule(
        h(AES128["shared_secret"]), VECTOR_INFO, aead_id=0x0001, nk=16
    )
    assert (key.hex(), nonce.hex(), exp.hex()) == (
        AES128["key"],
        AES128["base_nonce"],
        AES128["exporter_secret"],
    )
    # and the RFC's first AES-128-GCM ciphertext follows from that key and nonce
    assert AESGCM(key).encrypt(nonce, VECTOR_PT, VECTOR_AAD).hex() == AES128["ct"]


def test_single_shot_seal_and_open_reproduce_the_aes256gcm_vector() -> None:
    sk_e = sealing._derive_key_pair(h(AES256["ikmE"]))
    sk_r = sealing._derive_key_pair(h(AES256["ikmR"]))
    enc, ct = sealing._hpke_seal_base(
        sk_r.public_key(), VECTOR_INFO, VECTOR_AAD, VECTOR_PT, ephemeral=sk_e
    )
    assert (enc.hex(), ct.hex()) == (AES256["enc"], AES256["ct"])
    assert sealing._hpke_open_base(h(AES256["enc"]), sk_r, VECTOR_INFO, VECTOR_AAD, ct) == VECTOR_PT
    with pytest.raises(SealingError):
        sealing._hpke_open_base(h(AES256["enc"]), sk_r, b"other info", VECTOR_AAD, ct)


# --- key files -----------------------------------------------------------------------------


@pytest.mark.parametrize("passphrase", [None, b"correct horse battery staple"])
def test_key_file_is_owner_only_and_round_trips(tmp_path: Path, passphrase: bytes | None) -> None:
    path = tmp_path / "keys" / "court.pem"
    save_sealing_key(path, COURT, passphrase)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_sealing_key(path, passphrase)
    assert sealing_key_id(loaded.public_key()) == sealing_key_id(PUBLIC["court"])
    assert unseal(ENVELOPE, loaded, CONTEXT) == DETAILS
    assert [p.name for p in path.parent.iterdir()] == ["court.pem"], "no temp file left behind"


def test_key_file_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        save_sealing_key(tmp_path / "k.pem", COURT, None)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600


def test_passphrase_protected_key_file_is_encrypted_and_refuses_a_wrong_passphrase(
    tmp_path: Path,
) -> None:
    path = tmp_path / "committee.pem"
    save_sealing_key(path, COMMITTEE, b"right")
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    with pytest.raises(SealingError, match="wrong passphrase"):
        load_sealing_key(path, b"wrong")
    with pytest.raises(SealingError, match="passphrase is needed"):
        load_sealing_key(path, None)


def test_unencrypted_key_file_refuses_a_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "recorder.pem"
    save_sealing_key(path, RECORDER, None)
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()
    with pytest.raises(SealingError, match="not passphrase-protected"):
        load_sealing_key(path, b"something")


def test_a_signing_key_file_is_not_accepted_as_a_sealing_key(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SealingError, match="not an X25519 sealing key"):
        load_sealing_key(path, None)


@pytest.mark.parametrize("content", [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAA\n"])
def test_a_damaged_key_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(SealingError):
        load_sealing_key(path, None)


def test_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SealingError, match="cannot read key file"):
        load_sealing_key(tmp_path / "absent.pem", None)


def test_an_existing_key_file_is_not_replaced_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "court.pem"
    save_sealing_key(path, COURT, None)
    with pytest.raises(SealingError, match="already exists"):
        save_sealing_key(path, OUTSIDER, None)
    assert sealing_key_id(load_sealing_key(path, None).public_key()) == sealing_key_id(
        PUBLIC["court"]
    )
    save_sealing_key(path, OUTSIDER, None, overwrite=True)
    assert sealing_key_id(load_sealing_key(path, None).public_key()) == sealing_key_id(
        OUTSIDER.public_key()
    )


@pytest.mark.parametrize("passphrase", [b"", "text"])
def test_save_refuses_an_empty_or_text_passphrase(tmp_path: Path, passphrase: Any) -> None:
    with pytest.raises(SealingError) as info:
        save_sealing_key(tmp_path / "k.pem", COURT, passphrase)
    assert info.value.field == "passphrase"
    assert not (tmp_path / "k.pem").exists()


def test_save_reports_an_unwritable_location_as_sealing_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(SealingError, match="cannot write key file"):
        save_sealing_key(blocker / "k.pem", COURT, None)
