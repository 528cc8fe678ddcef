"""hpke.js in Chromium: the RFC 9180 vectors, and envelopes that ledger/sealing.py opens and writes.

Both directions are checked on real keys: Python seals and the browser opens;
the browser seals and Python opens. Each check is also shown a changed input
where it must say no.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ledger.errors import SealingError
from ledger.keyring import sealing_context
from ledger.sealing import ALG, seal, unseal
from tests.test_sealing import (
    AES128,
    AES256,
    OLD_FORMAT_CONTEXT,
    OLD_FORMAT_KEY,
    OLD_FORMAT_PART,
    VECTOR_AAD,
    VECTOR_INFO,
    VECTOR_PT,
)

VECTOR_CHECK = """
async ([v, info, aad, pt, aeadId, nk]) => {
  const h = await import('/desk/js/hpke.js');
  const { hex, hexToBytes } = await import('/desk/js/bytes.js');
  const E = await h.deriveKeyPair(hexToBytes(v.ikmE));
  const R = await h.deriveKeyPair(hexToBytes(v.ikmR));
  const ks = await h.keySchedule(hexToBytes(v.shared_secret), hexToBytes(info), aeadId, nk);
  const out = {
    skEm: hex(E.sk), pkEm: hex(E.publicKeyRaw),
    skRm: hex(R.sk), pkRm: hex(R.publicKeyRaw),
    key: hex(ks.key), base_nonce: hex(ks.baseNonce),
    exporter_secret: hex(ks.exporterSecret),
  };
  if (aeadId === 2) {
    const sealed = await h.sealBase(R.publicKeyRaw, hexToBytes(info), hexToBytes(aad), hexToBytes(pt), E.privateKey);
    out.enc = hex(sealed.enc);
    out.ct = hex(sealed.ciphertext);
    const opened = await h.openBase(sealed.enc, R.privateKey, R.publicKeyRaw, hexToBytes(info), hexToBytes(aad), sealed.ciphertext);
    out.opened = hex(opened);
    const other = new TextEncoder().encode('other info');
    out.otherInfo = await h.openBase(sealed.enc, R.privateKey, R.publicKeyRaw, other, hexToBytes(aad), sealed.ciphertext)
      .then(() => 'opened', (e) => e.message);
  }
  return out;
}
"""


@pytest.mark.parametrize(
    ("vector", "aead"), [(AES256, 2), (AES128, 1)], ids=["aes256gcm-cfrg", "aes128gcm-a.1.1"]
)
def test_the_browser_reproduces_the_rfc9180_vectors(
    page: Any, vector: dict[str, str], aead: int
) -> None:
    got = page.evaluate(
        VECTOR_CHECK,
        [
            vector,
            VECTOR_INFO.hex(),
            VECTOR_AAD.hex(),
            VECTOR_PT.hex(),
            aead,
            32 if aead == 2 else 16,
        ],
    )
    for name in ("skEm", "pkEm", "skRm", "pkRm", "key", "base_nonce", "exporter_secret"):
        assert got[name] == vector[name], name
    if aead == 2:
        assert (got["enc"], got["ct"], got["opened"]) == (
            vector["enc"],
            vector["ct"],
            VECTOR_PT.hex(),
        )
        assert got["otherInfo"].startswith("wrapped_key: the wrapped key does not open")


def _pkcs8_b64(key: X25519PrivateKey) -> str:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(der).decode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _raw_b64(key: X25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


OPEN = """
async ([pkcs8, envelope, aad]) => {
  const h = await import('/desk/js/hpke.js');
  const der = Uint8Array.from(atob(pkcs8), (c) => c.charCodeAt(0));
  const privateKey = await crypto.subtle.importKey('pkcs8', der, {name: 'X25519'}, false, ['deriveBits']);
  const key = {privateKey, publicKeyRaw: await h.publicOf(privateKey)};
  return h.open(envelope, key, Uint8Array.from(atob(aad), (c) => c.charCodeAt(0))).then((d) => ({data: d}), (e) => ({error: e.message}));
}
"""

SEAL = """
async ([recipients, data, type, recorder]) => {
  const h = await import('/desk/js/hpke.js');
  return h.seal(recipients, data, h.sealingContext(type, recorder));
}
"""

DETAILS = {"name": "زرینہ بی بی قلندرانی", "id_number": "42101-1234567-1", "age": 31.5}


def test_python_sealed_parts_open_in_the_browser_only_as_sealed(page: Any) -> None:
    court, committee = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    context = sealing_context("person.registered", "police")
    envelope = seal(
        DETAILS, {"committee": committee.public_key(), "court": court.public_key()}, context
    )
    assert envelope["alg"] == ALG
    opened = page.evaluate(OPEN, [_pkcs8_b64(court), envelope, _b64(context)])
    assert opened == {"data": DETAILS}
    other_context = page.evaluate(
        OPEN, [_pkcs8_b64(court), envelope, _b64(sealing_context("arrest.made", "police"))]
    )
    assert other_context["error"].startswith("ciphertext: the sealed data does not open")
    stranger = page.evaluate(
        OPEN, [_pkcs8_b64(X25519PrivateKey.generate()), envelope, _b64(context)]
    )
    assert stranger["error"] == "recipients: this key is not a recipient of the sealed data"
    flipped = dict(envelope, recipients=[dict(e) for e in envelope["recipients"]])
    wrapped = bytearray(base64.b64decode(flipped["recipients"][1]["wrapped_key"]))
    wrapped[0] ^= 1
    flipped["recipients"][1]["wrapped_key"] = base64.b64encode(bytes(wrapped)).decode()
    altered = page.evaluate(OPEN, [_pkcs8_b64(court), flipped, _b64(context)])
    assert altered["error"].startswith("recipients[1].wrapped_key: the wrapped key does not open")


def test_a_part_sealed_in_the_first_unpadded_format_opens_in_the_browser(page: Any) -> None:
    key = X25519PrivateKey.from_private_bytes(bytes.fromhex(OLD_FORMAT_KEY))
    opened = page.evaluate(OPEN, [_pkcs8_b64(key), OLD_FORMAT_PART, _b64(OLD_FORMAT_CONTEXT)])
    assert opened == {"data": {"name": "Amal Haddad", "place": "Facility 7"}}
    relabelled = dict(OLD_FORMAT_PART, alg=ALG)
    refused = page.evaluate(OPEN, [_pkcs8_b64(key), relabelled, _b64(OLD_FORMAT_CONTEXT)])
    assert refused["error"].startswith("recipients[0].wrapped_key: the wrapped key does not open")


def test_what_the_browser_seals_python_opens_for_every_recipient(page: Any) -> None:
    court, committee = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    envelope = page.evaluate(
        SEAL, [[_raw_b64(court), _raw_b64(committee)], DETAILS, "arrest.made", "police"]
    )
    context = sealing_context("arrest.made", "police")
    assert envelope["alg"] == ALG
    assert len(base64.b64decode(envelope["ciphertext"])) == 256 + 16
    for key in (court, committee):
        assert unseal(envelope, key, context) == DETAILS
    with pytest.raises(SealingError):
        unseal(envelope, court, sealing_context("arrest.made", "prosecution"))
    with pytest.raises(SealingError):
        unseal(envelope, X25519PrivateKey.generate(), context)


IMPORT = """
async ([pem, passphrase]) => {
  const keys = await import('/desk/js/keys.js');
  return keys.openSealKey(pem, passphrase).then((k) => ({keyId: k.keyId}), (e) => ({error: e.code}));
}
"""


def test_a_key_file_as_ledger_writes_it_gives_the_key_id_the_envelopes_name(
    page: Any, tmp_path: Path
) -> None:
    from ledger.sealing import load_sealing_key, save_sealing_key, sealing_key_id

    save_sealing_key(tmp_path / "plain.key", X25519PrivateKey.generate(), None)
    save_sealing_key(tmp_path / "locked.key", X25519PrivateKey.generate(), b"a passphrase")
    plain = load_sealing_key(tmp_path / "plain.key", None)
    locked = load_sealing_key(tmp_path / "locked.key", b"a passphrase")
    opened = page.evaluate(IMPORT, [(tmp_path / "plain.key").read_text(), ""])
    unlocked = page.evaluate(IMPORT, [(tmp_path / "locked.key").read_text(), "a passphrase"])
    no_passphrase = page.evaluate(IMPORT, [(tmp_path / "locked.key").read_text(), ""])
    wrong = page.evaluate(IMPORT, [(tmp_path / "locked.key").read_text(), "another"])
    not_a_key = page.evaluate(IMPORT, ["a letter, not a key", ""])
    assert opened == {"keyId": sealing_key_id(plain.public_key())}
    assert unlocked == {"keyId": sealing_key_id(locked.public_key())}
    assert no_passphrase == {"error": "needs_passphrase"}
    assert wrong == {"error": "wrong_passphrase"}
    assert not_a_key == {"error": "not_a_key"}
