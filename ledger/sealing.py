"""Sealing personal details before they enter the public log.

The whole log is public and append-only, so anything written to it is
published forever. Personal details (names, places of detention, contacts) are
therefore *sealed*: encrypted so that only the holders of the recipients'
private keys (the special court, the citizens' committee and the recorder who
wrote the statement) can read them, while everyone else still sees, and can
verify the signature over, the sealed blob.

Construction
------------
Envelope (hybrid) encryption:

1. A fresh random 32-byte content key (DEK) encrypts the RFC 8785 canonical
   JSON of the sealed dict, *padded* (below), with AES-256-GCM under a fresh
   random 12-byte nonce.
   The AEAD's associated data is a context string chosen by the caller (e.g.
   the statement's event type and recorder), so a sealed blob cannot be cut
   out of one statement and pasted into another: it only opens with the same
   context.
2. The DEK is wrapped to each recipient with single-shot HPKE, RFC 9180
   ``mode_base`` with the suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
   AES-256-GCM (KEM 0x0020, KDF 0x0001, AEAD 0x0002), ``info`` =
   ``b"ceasefire-ledger/seal/v2"`` and ``aad`` = the recipient's key id, which
   binds each wrapped key to the entry that names it. HPKE is implemented here
   from ``cryptography`` primitives (X25519, HKDF extract/expand, AESGCM)
   following the RFC's LabeledExtract/LabeledExpand, and is checked against
   the CFRG test vector for that suite. ``api/desk/js/hpke.js`` writes and
   reads the same format in the court's browser (tests/desk/test_hpke.py
   checks both directions): a change here is a change there.

Padding
-------
The ciphertext is public forever, and AES-GCM keeps lengths: unpadded, a
sealed name's length would be readable by anyone (a three-letter name is not a
twenty-letter one). So the canonical JSON is padded before encryption to the
smallest of :data:`PAD_BUCKETS` (256, 1024, 4096 or 16384 bytes) that holds it
plus one byte, or beyond the largest to the next multiple of 16384: every
sealed part of ordinary size has one of four ciphertext lengths. The padding
is ISO/IEC 7816-4's: one ``0x80`` byte, then ``0x00`` bytes to the bucket
size. Removal is unambiguous whatever the content: strip the trailing zeros,
the byte before them must be ``0x80``. A padded text that is not a bucket size,
or whose padding is not exactly that (no ``0x80``, a non-zero byte after it,
or a larger bucket than the content needs) is refused, so one content has one
padded spelling.

Versions
--------
The envelope's ``alg`` names the format. :data:`ALG` (``…+A256GCM+PAD``) is
padded and wraps keys with ``info`` ``…/seal/v2``; it is what :func:`seal`
writes. :data:`ALG_UNPADDED` (the first format, ``info`` ``…/seal/v1``, no
padding) is still read, so parts sealed before padding existed open as
before. The distinct ``info`` binds each wrapped key to its format: a padded
part relabelled as unpadded (or the reverse) does not open.

Envelope format (a JSON-safe dict; every byte string is *standard* base64 with
padding, the encoding the rest of the ledger uses for statements and notes,
decoded strictly: canonical form only, so one envelope has one spelling)::

    {
      "alg": "HPKE-X25519-SHA256-AES256GCM+A256GCM+PAD",
      "recipients": [
        {"kid": "<32 hex chars>", "enc": "<b64, 32 bytes>",
         "wrapped_key": "<b64, 48 bytes: DEK + GCM tag>"},
        ...
      ],
      "nonce": "<b64, 12 bytes>",
      "ciphertext": "<b64: padded canonical JSON (a bucket size) + 16-byte GCM tag>"
    }

Every failure is reported as :class:`ledger.errors.SealingError`; no public
function lets another exception type escape for bad input, tampering or key
file problems.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, cast

import rfc8785
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

from ledger.crypto import private_key_pem
from ledger.errors import SealingError

__all__ = [
    "ALG",
    "ALG_UNPADDED",
    "HPKE_INFO",
    "PAD_BUCKETS",
    "generate_sealing_key",
    "load_sealing_key",
    "save_sealing_key",
    "seal",
    "sealed_recipients",
    "sealing_key_id",
    "unseal",
    "validate_envelope",
]

ALG: Final = "HPKE-X25519-SHA256-AES256GCM+A256GCM+PAD"
"""The algorithm identifier :func:`seal` writes: padded content (see Padding)."""

ALG_UNPADDED: Final = "HPKE-X25519-SHA256-AES256GCM+A256GCM"
"""The first format, unpadded: still read, never written."""

HPKE_INFO: Final = b"ceasefire-ledger/seal/v2"
"""HPKE ``info`` of the padded format: separates these wrapped keys from any other use."""

HPKE_INFO_UNPADDED: Final = b"ceasefire-ledger/seal/v1"
"""HPKE ``info`` of the unpadded format."""

_INFO_FOR_ALG: Final = {ALG: HPKE_INFO, ALG_UNPADDED: HPKE_INFO_UNPADDED}

PAD_BUCKETS: Final = (256, 1024, 4096, 16384)
"""Sizes (bytes of padded plaintext) a sealed part is padded to; beyond the
largest, multiples of it."""

_PAD_MARK: Final = 0x80

_ENVELOPE_KEYS: Final = frozenset({"alg", "recipients", "nonce", "ciphertext"})
_RECIPIENT_KEYS: Final = frozenset({"kid", "enc", "wrapped_key"})
_KID_RE: Final = re.compile(r"[0-9a-f]{32}")

_DEK_LEN: Final = 32
_NONCE_LEN: Final = 12
_TAG_LEN: Final = 16
_X25519_LEN: Final = 32
_WRAPPED_KEY_LEN: Final = _DEK_LEN + _TAG_LEN

# ---------------------------------------------------------------------------
# RFC 9180 HPKE, mode_base, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
# ---------------------------------------------------------------------------

_HPKE_VERSION: Final = b"HPKE-v1"
_KEM_ID: Final = 0x0020
_KDF_ID: Final = 0x0001
_AEAD_ID: Final = 0x0002
_MODE_BASE: Final = 0x00
_NH: Final = 32  # HKDF-SHA256 output length
_NSECRET: Final = 32  # DHKEM(X25519) shared secret length
_NSK: Final = 32  # X25519 private key length


def _i2osp(value: int, length: int) -> bytes:
    """RFC 8017 I2OSP: ``value`` as a big-endian byte string of ``length`` bytes."""
    return value.to_bytes(length, "big")


_KEM_SUITE_ID: Final = b"KEM" + _i2osp(_KEM_ID, 2)


def _hpke_suite_id(aead_id: int = _AEAD_ID) -> bytes:
    """The HPKE ``suite_id`` (RFC 9180 §5.1); ``aead_id`` is a parameter only for KATs."""
    return b"HPKE" + _i2osp(_KEM_ID, 2) + _i2osp(_KDF_ID, 2) + _i2osp(aead_id, 2)


def _labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    """RFC 9180 §4 LabeledExtract over HKDF-SHA256.

    An empty salt is the RFC's "zero-length" salt; HMAC pads it to HashLen
    zeros, exactly as RFC 5869 requires.
    """
    labeled_ikm = _HPKE_VERSION + suite_id + label + ikm
    return HKDF.extract(hashes.SHA256(), salt, labeled_ikm)


def _labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    """RFC 9180 §4 LabeledExpand over HKDF-SHA256."""
    labeled_info = _i2osp(length, 2) + _HPKE_VERSION + suite_id + label + info
    return HKDFExpand(hashes.SHA256(), length, labeled_info).derive(prk)


def _raw_public(key: X25519PublicKey) -> bytes:
    """SerializePublicKey for X25519 (RFC 9180 §7.1.1): the 32 raw bytes."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey) -> bytes:
    """SerializePrivateKey for X25519: the 32 raw bytes (used by KATs only)."""
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def _derive_key_pair(ikm: bytes) -> X25519PrivateKey:
    """RFC 9180 §7.1.3 DeriveKeyPair for X25519; used to reproduce the test vector."""
    dkp_prk = _labeled_extract(_KEM_SUITE_ID, b"", b"dkp_prk", ikm)
    sk = _labeled_expand(_KEM_SUITE_ID, dkp_prk, b"sk", b"", _NSK)
    return X25519PrivateKey.from_private_bytes(sk)


def _dh(private_key: X25519PrivateKey, public_key: X25519PublicKey) -> bytes:
    """X25519 DH that refuses the all-zero output (RFC 9180 §7.1.4).

    ``cryptography`` already raises ValueError for a low-order peer key; the
    explicit check keeps the RFC's requirement visible and independent of that.
    """
    try:
        dh = private_key.exchange(public_key)
    except ValueError as exc:
        raise SealingError("the encapsulated key is not a usable X25519 key", field="enc") from exc
    if dh == bytes(len(dh)):
        raise SealingError("the encapsulated key is not a usable X25519 key", field="enc")
    return dh


def _extract_and_expand(dh: bytes, kem_context: bytes) -> bytes:
    """DHKEM ExtractAndExpand (RFC 9180 §4.1)."""
    eae_prk = _labeled_extract(_KEM_SUITE_ID, b"", b"eae_prk", dh)
    return _labeled_expand(_KEM_SUITE_ID, eae_prk, b"shared_secret", kem_context, _NSECRET)


def _encap(pk_r: X25519PublicKey, ephemeral: X25519PrivateKey | None = None) -> tuple[bytes, bytes]:
    """DHKEM Encap: returns ``(shared_secret, enc)``.

    ``ephemeral`` exists only so the RFC test vector (fixed ``skEm``) can be
    reproduced; production always draws a fresh one.
    """
    sk_e = ephemeral if ephemeral is not None else X25519PrivateKey.generate()
    dh = _dh(sk_e, pk_r)
    enc = _raw_public(sk_e.public_key())
    shared_secret = _extract_and_expand(dh, enc + _raw_public(pk_r))
    return shared_secret, enc


def _decap(enc: bytes, sk_r: X25519PrivateKey) -> bytes:
    """DHKEM Decap: returns the shared secret for ``enc``."""
    if len(enc) != _X25519_LEN:
        raise SealingError("the encapsulated key has the wrong length", field="enc")
    pk_e = X25519PublicKey.from_public_bytes(enc)
    dh = _dh(sk_r, pk_e)
    return _extract_and_expand(dh, enc + _raw_public(sk_r.public_key()))


def _key_schedule(
    shared_secret: bytes, info: bytes, *, aead_id: int = _AEAD_ID, nk: int = 32
) -> tuple[bytes, bytes, bytes]:
    """RFC 9180 §5.1 KeySchedule for mode_base (no PSK).

    Returns ``(key, base_nonce, exporter_secret)``. ``aead_id``/``nk`` default
    to AES-256-GCM and are parameters only so the RFC's AES-128-GCM vector can
    also be checked.
    """
    suite_id = _hpke_suite_id(aead_id)
    psk_id_hash = _labeled_extract(suite_id, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite_id, b"", b"info_hash", info)
    context = _i2osp(_MODE_BASE, 1) + psk_id_hash + info_hash
    secret = _labeled_extract(suite_id, shared_secret, b"secret", b"")
    key = _labeled_expand(suite_id, secret, b"key", context, nk)
    base_nonce = _labeled_expand(suite_id, secret, b"base_nonce", context, _NONCE_LEN)
    exporter_secret = _labeled_expand(suite_id, secret, b"exp", context, _NH)
    return key, base_nonce, exporter_secret


def _hpke_seal_base(
    pk_r: X25519PublicKey,
    info: bytes,
    aad: bytes,
    plaintext: bytes,
    *,
    ephemeral: X25519PrivateKey | None = None,
) -> tuple[bytes, bytes]:
    """Single-shot SealBase (RFC 9180 §6.1): returns ``(enc, ciphertext)``.

    Sequence number 0, so the AEAD nonce is ``base_nonce`` itself.
    """
    shared_secret, enc = _encap(pk_r, ephemeral)
    key, base_nonce, _ = _key_schedule(shared_secret, info)
    return enc, AESGCM(key).encrypt(base_nonce, plaintext, aad)


def _hpke_open_base(
    enc: bytes, sk_r: X25519PrivateKey, info: bytes, aad: bytes, ciphertext: bytes
) -> bytes:
    """Single-shot OpenBase (RFC 9180 §6.1); SealingError when it does not open."""
    shared_secret = _decap(enc, sk_r)
    key, base_nonce, _ = _key_schedule(shared_secret, info)
    try:
        return AESGCM(key).decrypt(base_nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise SealingError(
            "the wrapped key does not open: the envelope was altered or not sealed to this key",
            field="wrapped_key",
        ) from exc


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------


def _b64encode(data: bytes) -> str:
    """Standard base64 with padding (the ledger's encoding for byte strings)."""
    return base64.b64encode(data).decode("ascii")


def _b64decode(value: object, *, field: str) -> bytes:
    """Strict standard base64: right type, right alphabet, canonical spelling.

    Canonical-only decoding means no two different strings decode to the same
    bytes, so an envelope's text cannot be varied without being noticed.
    """
    if not isinstance(value, str):
        raise SealingError("must be a base64 string", field=field)
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise SealingError("is not valid base64", field=field) from exc
    if _b64encode(raw) != value:
        raise SealingError("is not canonical base64", field=field)
    return raw


_JSON_SAFE_INT: Final = 2**53 - 1


def _parse_json_int(text: str) -> int | float:
    """Parse a JSON integer the way RFC 8785 means it: as an IEEE double.

    JCS writes integral doubles such as ``1e16`` without a fraction; reading
    them back as Python ints outside the safe range would make them
    uncanonicalizable, so those become floats again.
    """
    value = int(text)
    return value if -_JSON_SAFE_INT <= value <= _JSON_SAFE_INT else float(text)


def _require_aad(aad: object) -> bytes:
    """The caller's context must be bytes: a str would be ambiguous about its encoding."""
    if not isinstance(aad, bytes):
        raise SealingError("the sealing context (aad) must be bytes", field="aad")
    return aad


# ---------------------------------------------------------------------------
# Length-hiding padding (ISO/IEC 7816-4 to a bucket size)
# ---------------------------------------------------------------------------


def padded_size(content_length: int) -> int:
    """The bucket a content of ``content_length`` bytes is padded to (mark included)."""
    needed = content_length + 1
    for bucket in PAD_BUCKETS:
        if needed <= bucket:
            return bucket
    largest = PAD_BUCKETS[-1]
    return -(-needed // largest) * largest


def _is_bucket_size(length: int) -> bool:
    return length in PAD_BUCKETS or (length > 0 and length % PAD_BUCKETS[-1] == 0)


def pad(content: bytes) -> bytes:
    """``content``, then ``0x80``, then zeros up to :func:`padded_size`."""
    return content + bytes([_PAD_MARK]) + bytes(padded_size(len(content)) - len(content) - 1)


def unpad(padded: bytes) -> bytes:
    """Remove :func:`pad`'s padding; SealingError when it is not exactly that.

    Only a holder of a recipient key ever sees the padded text, so a failure
    here means the sealer did not follow the format: the part is refused, not
    guessed at.
    """
    if not _is_bucket_size(len(padded)):
        raise SealingError(
            f"the sealed content's padding is malformed: {len(padded)} bytes is not a padding size",
            field="ciphertext",
        )
    content = padded.rstrip(b"\x00")
    if not content or content[-1] != _PAD_MARK:
        raise SealingError(
            "the sealed content's padding is malformed: no 0x80 mark before the zeros",
            field="ciphertext",
        )
    content = content[:-1]
    if padded_size(len(content)) != len(padded):
        raise SealingError(
            "the sealed content's padding is malformed: padded beyond the smallest size that holds it",
            field="ciphertext",
        )
    return content


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def generate_sealing_key() -> X25519PrivateKey:
    """A new random X25519 private key for receiving sealed data."""
    return X25519PrivateKey.generate()


def sealing_key_id(public_key: X25519PublicKey) -> str:
    """The key id of a sealing public key: hex of the first 16 bytes of SHA-256 of its raw bytes.

    The id is what an envelope names a recipient by, so a holder of the
    private key can find its entry without trying every one.
    """
    if not isinstance(public_key, X25519PublicKey):
        raise SealingError("a sealing key id needs an X25519 public key", field="public_key")
    return sealing_key_id_for_raw(_raw_public(public_key))


def sealing_key_id_for_raw(raw: bytes) -> str:
    """The key id of a raw 32-byte X25519 public key (as the registry holds it)."""
    return hashlib.sha256(raw).digest()[:16].hex()


def seal(
    data: dict[str, Any], recipients: Mapping[str, X25519PublicKey], aad: bytes
) -> dict[str, Any]:
    """Seal ``data`` so that only the ``recipients`` can read it.

    ``recipients`` maps a caller's name for each recipient (e.g. ``"court"``)
    to its X25519 public key; the names appear only in error messages; the
    envelope names each recipient by :func:`sealing_key_id`. ``aad`` is the
    context the envelope is bound to (e.g. event type and recorder); the same
    bytes must be given to :func:`unseal`.

    The content is padded (see Padding), so the ciphertext's length says only
    which size bucket the details fall in.

    ``data`` must be a JSON object that RFC 8785 can canonicalize (string keys;
    no NaN/infinity; integers within ±2**53). Raises SealingError otherwise,
    for an empty recipient set, for a value that is not an X25519 public key,
    or when two names hold the same key.
    """
    aad = _require_aad(aad)
    if not isinstance(data, dict):
        raise SealingError("only a JSON object (dict) can be sealed", field="data")
    if not isinstance(recipients, Mapping) or not recipients:
        raise SealingError("at least one recipient is needed", field="recipients")
    try:
        plaintext = rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, ValueError, TypeError, RecursionError) as exc:
        raise SealingError(f"the data cannot be canonicalized: {exc}", field="data") from exc

    kids: dict[str, str] = {}
    for name, public_key in recipients.items():
        if not isinstance(public_key, X25519PublicKey):
            raise SealingError(
                f"recipient {name!r} is not an X25519 public key", field="recipients"
            )
        kid = sealing_key_id(public_key)
        if kid in kids:
            raise SealingError(
                f"recipients {kids[kid]!r} and {name!r} are the same key", field="recipients"
            )
        kids[kid] = str(name)

    dek = secrets.token_bytes(_DEK_LEN)
    nonce = secrets.token_bytes(_NONCE_LEN)
    ciphertext = AESGCM(dek).encrypt(nonce, pad(plaintext), aad)
    entries: list[dict[str, str]] = []
    for public_key in recipients.values():
        kid = sealing_key_id(public_key)
        try:
            enc, wrapped = _hpke_seal_base(public_key, HPKE_INFO, kid.encode("ascii"), dek)
        except SealingError as exc:
            raise SealingError(
                f"recipient {kids[kid]!r} has an unusable public key", field="recipients"
            ) from exc
        entries.append({"kid": kid, "enc": _b64encode(enc), "wrapped_key": _b64encode(wrapped)})
    return {
        "alg": ALG,
        "recipients": entries,
        "nonce": _b64encode(nonce),
        "ciphertext": _b64encode(ciphertext),
    }


def validate_envelope(envelope: object) -> None:
    """Check that ``envelope`` has exactly the sealed-envelope shape, without any key.

    Used when a signed statement arrives with an already-sealed part: the
    ledger cannot open it, but it can refuse anything that no recipient could
    open either. Checks exact key sets, types, the algorithm id, strict base64
    and byte lengths, key id syntax, at least one recipient and no repeated
    key id. A padded (current) envelope's ciphertext must be a padding size
    plus the tag: lengths are part of the format, not the sealer's choice.
    Raises SealingError naming the field at fault.
    """
    if not isinstance(envelope, dict):
        raise SealingError("a sealed envelope must be a JSON object", field="sealed")
    keys = set(envelope)
    if keys != _ENVELOPE_KEYS:
        missing = sorted(_ENVELOPE_KEYS - keys)
        extra = sorted(str(k) for k in keys - _ENVELOPE_KEYS)
        raise SealingError(
            f"sealed envelope has missing keys {missing} / unexpected keys {extra}",
            field="sealed",
        )
    if envelope["alg"] not in _INFO_FOR_ALG:
        raise SealingError(
            f"unsupported sealing algorithm; expected {ALG!r} (or the earlier {ALG_UNPADDED!r})",
            field="alg",
        )
    if len(_b64decode(envelope["nonce"], field="nonce")) != _NONCE_LEN:
        raise SealingError(f"the nonce must be {_NONCE_LEN} bytes", field="nonce")
    ciphertext_length = len(_b64decode(envelope["ciphertext"], field="ciphertext"))
    if ciphertext_length < _TAG_LEN:
        raise SealingError("the ciphertext is too short to hold a tag", field="ciphertext")
    if envelope["alg"] == ALG and not _is_bucket_size(ciphertext_length - _TAG_LEN):
        raise SealingError(
            f"the ciphertext is not padded: {ciphertext_length - _TAG_LEN} bytes is not one of the"
            f" padding sizes {list(PAD_BUCKETS)} (or a multiple of the largest)",
            field="ciphertext",
        )
    recipients = envelope["recipients"]
    if not isinstance(recipients, list) or not recipients:
        raise SealingError("there must be a non-empty list of recipients", field="recipients")
    seen: set[str] = set()
    for index, entry in enumerate(recipients):
        where = f"recipients[{index}]"
        if not isinstance(entry, dict) or set(entry) != _RECIPIENT_KEYS:
            raise SealingError(
                "a recipient entry must have exactly the keys enc, kid, wrapped_key", field=where
            )
        kid = entry["kid"]
        if not isinstance(kid, str) or not _KID_RE.fullmatch(kid):
            raise SealingError(
                "the key id must be 32 lowercase hex characters", field=f"{where}.kid"
            )
        if kid in seen:
            raise SealingError("the same key id appears twice", field=f"{where}.kid")
        seen.add(kid)
        if len(_b64decode(entry["enc"], field=f"{where}.enc")) != _X25519_LEN:
            raise SealingError(f"enc must be {_X25519_LEN} bytes", field=f"{where}.enc")
        if len(_b64decode(entry["wrapped_key"], field=f"{where}.wrapped_key")) != _WRAPPED_KEY_LEN:
            raise SealingError(
                f"wrapped_key must be {_WRAPPED_KEY_LEN} bytes", field=f"{where}.wrapped_key"
            )


def sealed_recipients(envelope: object) -> list[str]:
    """The key ids an envelope is sealed to, in envelope order (after validating it)."""
    validate_envelope(envelope)
    assert isinstance(envelope, dict)  # narrowed by validate_envelope
    return [entry["kid"] for entry in envelope["recipients"]]


def unseal(envelope: object, private_key: X25519PrivateKey, aad: bytes) -> dict[str, Any]:
    """Open ``envelope`` with ``private_key`` under the context ``aad``.

    Finds this key's entry by key id, unwraps the content key with HPKE and
    decrypts the content. Raises SealingError when the envelope is malformed,
    when the key is not a recipient, when any part was altered, when ``aad``
    differs from the one used to seal, when a padded part's padding is
    malformed, or when the content is not the canonical JSON object
    :func:`seal` writes. Parts in the earlier unpadded format open as before.
    """
    aad = _require_aad(aad)
    if not isinstance(private_key, X25519PrivateKey):
        raise SealingError("unsealing needs an X25519 private key", field="private_key")
    validate_envelope(envelope)
    assert isinstance(envelope, dict)  # narrowed by validate_envelope
    kid = sealing_key_id(private_key.public_key())
    for index, entry in enumerate(envelope["recipients"]):  # noqa: B007 (used after the loop)
        if entry["kid"] == kid:
            break
    else:
        raise SealingError("this key is not a recipient of the sealed data", field="recipients")
    where = f"recipients[{index}]"
    enc = _b64decode(entry["enc"], field=f"{where}.enc")
    wrapped = _b64decode(entry["wrapped_key"], field=f"{where}.wrapped_key")
    try:
        info = _INFO_FOR_ALG[envelope["alg"]]
        dek = _hpke_open_base(enc, private_key, info, kid.encode("ascii"), wrapped)
    except SealingError as exc:
        raise SealingError(exc.message, field=f"{where}.{exc.field}") from exc
    nonce = _b64decode(envelope["nonce"], field="nonce")
    ciphertext = _b64decode(envelope["ciphertext"], field="ciphertext")
    try:
        plaintext = AESGCM(dek).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise SealingError(
            "the sealed data does not open: it was altered or belongs to another context",
            field="ciphertext",
        ) from exc
    if envelope["alg"] == ALG:
        plaintext = unpad(plaintext)
    try:
        data = json.loads(plaintext.decode("utf-8"), parse_int=_parse_json_int)
        canonical = isinstance(data, dict) and rfc8785.dumps(data) == plaintext
    except (ValueError, TypeError, RecursionError) as exc:
        raise SealingError("the sealed content is not valid JSON", field="ciphertext") from exc
    if not canonical:
        raise SealingError("the sealed content is not a canonical JSON object", field="ciphertext")
    return cast("dict[str, Any]", data)


def save_sealing_key(
    path: str | os.PathLike[str],
    key: X25519PrivateKey,
    passphrase: bytes | None,
    *,
    overwrite: bool = False,
) -> None:
    """Write ``key`` as PKCS#8 PEM to ``path``, readable only by its owner (0600).

    With a passphrase the PEM is encrypted (``ledger.crypto.protected_pem``). The file
    is written to a temporary file created 0600 with O_EXCL, fsynced, then
    renamed into place, so a reader never sees a partial or world-readable key.
    An existing file is not replaced unless ``overwrite`` is true: losing a
    sealing key loses every envelope sealed to it. (The existence check and the
    rename are two steps; two processes racing to create the same key file is
    an operator error this does not guard against.)
    """
    if not isinstance(key, X25519PrivateKey):
        raise SealingError("only an X25519 private key can be saved as a sealing key", field="key")
    if passphrase is not None and (not isinstance(passphrase, bytes) or not passphrase):
        raise SealingError(
            "the passphrase must be non-empty bytes, or None for no encryption",
            field="passphrase",
        )
    target = Path(path)
    pem = private_key_pem(key, passphrase)
    if not overwrite and target.exists():
        raise SealingError(f"key file {target} already exists; not replacing it", field="path")
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)  # the umask may only narrow; make the mode exact
            view = memoryview(pem)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise SealingError(f"cannot write key file {target}: {exc.strerror}", field="path") from exc
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return  # durability of the rename is best effort where directories cannot be opened
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def load_sealing_key(path: str | os.PathLike[str], passphrase: bytes | None) -> X25519PrivateKey:
    """Read an X25519 sealing key written by :func:`save_sealing_key`.

    Raises SealingError, with a message saying which, when the file cannot be
    read, is encrypted but no passphrase was given, is not encrypted but a
    passphrase was given, the passphrase is wrong (or the file damaged), or the
    file holds some other kind of key.
    """
    target = Path(path)
    if passphrase is not None and not isinstance(passphrase, bytes):
        raise SealingError("the passphrase must be bytes or None", field="passphrase")
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise SealingError(f"cannot read key file {target}: {exc.strerror}", field="path") from exc
    try:
        key = serialization.load_pem_private_key(data, password=passphrase or None)
    except TypeError as exc:
        if passphrase:
            raise SealingError(
                f"key file {target} is not passphrase-protected; give no passphrase",
                field="passphrase",
            ) from exc
        raise SealingError(
            f"key file {target} is passphrase-protected; a passphrase is needed",
            field="passphrase",
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        if passphrase:
            raise SealingError(
                f"cannot open key file {target}: wrong passphrase, or not a PEM private key",
                field="passphrase",
            ) from exc
        raise SealingError(f"key file {target} is not a PEM private key", field="path") from exc
    if not isinstance(key, X25519PrivateKey):
        raise SealingError(
            f"key file {target} holds a {type(key).__name__.lstrip('_')}, "
            "not an X25519 sealing key",
            field="path",
        )
    return key
