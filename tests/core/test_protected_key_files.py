"""Passphrase-protected key files: PBES2 with PBKDF2-HMAC-SHA256 at the stated iteration
count and AES-256-CBC, which WebCrypto can run (the desk opens them), and which OpenSSL and
``cryptography`` open as well."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from ledger.crypto import (
    KEY_FILE_ITERATIONS,
    generate_signing_key,
    load_signing_key,
    protected_pem,
    save_signing_key,
)
from ledger.errors import KeyFileError, SealingError
from ledger.sealing import generate_sealing_key, load_sealing_key, save_sealing_key


def test_a_protected_key_states_its_count_and_opens_only_with_its_passphrase(
    tmp_path: Path,
) -> None:
    key = generate_signing_key()
    save_signing_key(tmp_path / "k.key", key, b"monsoon")
    text = (tmp_path / "k.key").read_text()
    assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    count = KEY_FILE_ITERATIONS.to_bytes(3, "big")
    assert b"\x02\x03" + count in _der_of(text), "the iteration count is not the stated one"
    assert load_signing_key(tmp_path / "k.key", b"monsoon").public_key() == key.public_key()
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_signing_key(tmp_path / "k.key", b"drought")
    with pytest.raises(KeyFileError, match="passphrase-protected"):
        load_signing_key(tmp_path / "k.key")


def test_a_protected_sealing_key_round_trips(tmp_path: Path) -> None:
    key = generate_sealing_key()
    save_sealing_key(tmp_path / "s.key", key, b"monsoon")
    assert load_sealing_key(tmp_path / "s.key", b"monsoon").public_key() == key.public_key()
    with pytest.raises(SealingError, match="wrong passphrase"):
        load_sealing_key(tmp_path / "s.key", b"drought")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_reads_the_same_file(tmp_path: Path) -> None:
    """An independent reader of RFC 8018: the structure is standard, not ours alone."""
    key = generate_signing_key()
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "k.key").write_bytes(protected_pem(der, b"monsoon", iterations=1000))
    read = subprocess.run(
        [
            "openssl",
            "pkcs8",
            "-in",
            str(tmp_path / "k.key"),
            "-passin",
            "pass:monsoon",
            "-outform",
            "DER",
        ],
        capture_output=True,
        check=True,
    )
    assert read.stdout == der


def _der_of(pem: str) -> bytes:
    return base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
