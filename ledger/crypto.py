"""Signing keys: Ed25519 key pairs, key ids, signatures and key files.

A key id is derived from the public key (the first 8 bytes of SHA-256 of the
raw key, in hex), so a key id names exactly one public key and anyone can check
that a registered id matches its key. Key files hold PKCS#8 PEM, are created
with mode 0600 and may be protected by a passphrase (:func:`protected_pem`).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ledger.errors import KeyFileError, MalformedStatement


def b64encode(data: bytes) -> str:
    """Standard base64 with padding: the encoding used in statements and notes."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, field: str = "value", length: int | None = None) -> bytes:
    """Strict standard base64; raises LedgerError naming the field when invalid."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise MalformedStatement(f"not valid base64: {exc}", field=field) from exc
    if length is not None and len(raw) != length:
        raise MalformedStatement(f"expected {length} bytes, got {len(raw)}", field=field)
    return raw


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as it appears in the charter and key registrations."""
    return b64encode(raw_public_key(key))


def public_key_from_text(text: str, *, field: str = "public_key") -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64decode(text, field=field, length=32))


def key_id_for_raw(raw: bytes) -> str:
    return hashlib.sha256(raw).digest()[:8].hex()


def key_id(key: Ed25519PublicKey) -> str:
    """The key id of a public key: hex of the first 8 bytes of SHA-256 of its raw bytes."""
    return key_id_for_raw(raw_public_key(key))


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return b64encode(key.sign(message))


def verify_raw(public_raw: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``.

    Takes raw bytes so that it can run in worker processes cheaply.
    """
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (_CryptoInvalidSignature, ValueError):
        return False
    return True


def _write_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 from the start (never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


KEY_FILE_ITERATIONS = 600_000
"""PBKDF2-HMAC-SHA256 iterations of a passphrase-protected key file (OWASP's advice for
this PRF). ``cryptography``'s ``BestAvailableEncryption`` writes 2048 and cannot be told
otherwise, so the structure is written here; files with any count still load."""

_OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")
_OID_PBKDF2 = bytes.fromhex("06092a864886f70d01050c")
_OID_HMAC_SHA256 = bytes.fromhex("06082a864886f70d0209")
_OID_AES256_CBC = bytes.fromhex("060960864801650304012a")


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length (short or long form), content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def protected_pem(pkcs8: bytes, passphrase: bytes, iterations: int = KEY_FILE_ITERATIONS) -> bytes:
    """PKCS#8 DER ``pkcs8`` as ``ENCRYPTED PRIVATE KEY`` PEM under ``passphrase``.

    PBES2 (RFC 8018): PBKDF2 with HMAC-SHA256, a random 16-byte salt and ``iterations``,
    then AES-256-CBC with a random IV: the scheme ``BestAvailableEncryption`` writes, with a
    stated iteration count. Every part runs in WebCrypto, so the desk opens these files in
    the browser (docs/desk.md), and ``load_pem_private_key`` opens them here.
    """
    salt, iv = os.urandom(16), os.urandom(16)
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(pkcs8) + padder.finalize()
    encryptor = Cipher(algorithms.AES(kdf.derive(passphrase)), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    count = iterations.to_bytes((iterations.bit_length() + 8) // 8, "big")
    pbkdf2_params = _der(
        0x30,
        _der(0x04, salt) + _der(0x02, count) + _der(0x30, _OID_HMAC_SHA256 + b"\x05\x00"),
    )
    scheme = _der(
        0x30,
        _der(0x30, _OID_PBKDF2 + pbkdf2_params) + _der(0x30, _OID_AES256_CBC + _der(0x04, iv)),
    )
    info = _der(0x30, _der(0x30, _OID_PBES2 + scheme) + _der(0x04, encrypted))
    body = base64.encodebytes(info).decode("ascii").replace("\n", "")
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return (
        f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{lines}\n-----END ENCRYPTED PRIVATE KEY-----\n"
    ).encode("ascii")


def private_key_pem(
    key: Ed25519PrivateKey | X25519PrivateKey, passphrase: bytes | None = None
) -> bytes:
    """A private key as PKCS#8 PEM: plain, or protected by ``passphrase`` (:func:`protected_pem`)."""
    if not passphrase:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return protected_pem(der, passphrase)


def save_signing_key(path: Path, key: Ed25519PrivateKey, passphrase: bytes | None = None) -> None:
    _write_private_file(Path(path), private_key_pem(key, passphrase))


def load_signing_key(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=passphrase or None)
    except TypeError as exc:
        if passphrase:
            raise KeyFileError(f"key file {path} is not passphrase-protected") from exc
        raise KeyFileError(f"key file {path} is passphrase-protected: give the passphrase") from exc
    except ValueError as exc:
        raise KeyFileError(f"cannot load key file {path}: wrong passphrase or not a key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"key file {path} does not hold an Ed25519 signing key")
    return key
