"""A keys directory: the private keys an operator or institution holds locally.

Layout (every private key file is mode 0600, optionally passphrase-protected)::

    keys/
      keyring.json           public: origin, institutions, roles, key ids
      log.key                the log's checkpoint signing key (Ed25519)
      log.vkey               its signed-note verifier key (public)
      <institution>.key      the institution's statement signing key (Ed25519)
      <institution>.seal.key its sealing key (X25519), to unseal personal details

``ledger init`` creates one for the demo city's institutions and writes the
charter from it; in real use each institution keeps only its own files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ledger.charter_policy import default_policy
from ledger.crypto import (
    b64encode,
    generate_signing_key,
    key_id,
    load_signing_key,
    public_key_text,
    save_signing_key,
)
from ledger.errors import KeyringError
from ledger.log.note import NoteSigner
from ledger.sealing import (
    generate_sealing_key,
    load_sealing_key,
    save_sealing_key,
    seal,
    sealing_key_id,
)
from ledger.statements import Draft, Statement

DEMO_ORIGIN = "karachi.ceasefire-ledger.example/log"
DEMO_INSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    ("committee", "Citizens' Committee for the Ceasefire", "committee"),
    ("police", "Ceasefire Police Unit", "police"),
    ("prosecution", "Special Prosecutor's Office", "prosecutor"),
    ("court", "Special Court (registry)", "court"),
    ("interrupters", "Violence Interrupters Network", "interrupters"),
)


@dataclass(frozen=True)
class InstitutionKeys:
    id: str
    name: str
    role: str
    signing_key_id: str
    sealing_key_id: str


def holds_log_key(directory: Path) -> bool:
    """Whether a keys directory holds the log's private key: the operator's does, an
    institution's own does not."""
    return (Path(directory) / "log.key").is_file()


class Keyring:
    """Private keys held in a directory, with the public facts about them."""

    def __init__(self, directory: Path, passphrase: bytes | None = None) -> None:
        self.directory = Path(directory)
        self.passphrase = passphrase
        manifest = self.directory / "keyring.json"
        try:
            self.manifest: dict[str, Any] = json.loads(manifest.read_text("utf-8"))
        except OSError as exc:
            raise KeyringError(
                f"no keyring at {self.directory} (missing keyring.json): run `ledger init` first"
            ) from exc
        self.origin: str = self.manifest["origin"]
        self.institutions = {i["id"]: InstitutionKeys(**i) for i in self.manifest["institutions"]}
        self._signing: dict[str, Ed25519PrivateKey] = {}
        self._sealing: dict[str, X25519PrivateKey] = {}

    # --- creation --------------------------------------------------------------
    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        origin: str = DEMO_ORIGIN,
        institutions: tuple[tuple[str, str, str], ...] = DEMO_INSTITUTIONS,
        passphrase: bytes | None = None,
    ) -> Keyring:
        directory = Path(directory)
        if (directory / "keyring.json").exists():
            raise KeyringError(f"{directory} already holds a keyring; refusing to overwrite keys")
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        log_key = generate_signing_key()
        save_signing_key(directory / "log.key", log_key, passphrase)
        (directory / "log.vkey").write_text(NoteSigner(origin, log_key).vkey + "\n", "utf-8")
        entries = []
        for inst_id, name, role in institutions:
            signing = generate_signing_key()
            sealing = generate_sealing_key()
            save_signing_key(directory / f"{inst_id}.key", signing, passphrase)
            save_sealing_key(directory / f"{inst_id}.seal.key", sealing, passphrase)
            entries.append(
                {
                    "id": inst_id,
                    "name": name,
                    "role": role,
                    "signing_key_id": key_id(signing.public_key()),
                    "sealing_key_id": sealing_key_id(sealing.public_key()),
                }
            )
        manifest = {"origin": origin, "institutions": entries}
        (directory / "keyring.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        return cls(directory, passphrase)

    # --- keys --------------------------------------------------------------------
    def log_key(self) -> Ed25519PrivateKey:
        return load_signing_key(self.directory / "log.key", self.passphrase)

    def log_vkey(self) -> str:
        return (self.directory / "log.vkey").read_text("utf-8").strip()

    def signing_key(self, institution: str) -> Ed25519PrivateKey:
        if institution not in self.institutions:
            raise KeyringError(
                f"no key for institution {institution!r} in {self.directory};"
                f" known: {', '.join(sorted(self.institutions))}",
                field="recorder",
            )
        if institution not in self._signing:
            path = self.directory / f"{institution}.key"
            self._signing[institution] = load_signing_key(path, self.passphrase)
        return self._signing[institution]

    def sealing_key(self, institution: str) -> X25519PrivateKey:
        if institution not in self._sealing:
            path = self.directory / f"{institution}.seal.key"
            self._sealing[institution] = load_sealing_key(path, self.passphrase)
        return self._sealing[institution]

    def sealing_public_key(self, institution: str) -> X25519PublicKey:
        return self.sealing_key(institution).public_key()

    # --- statements ------------------------------------------------------------
    def charter_draft(self, occurred_at: str, *, name: str = "Karachi Ceasefire Ledger") -> Draft:
        """The genesis statement naming every institution of this keyring."""
        institutions = []
        for inst in self.institutions.values():
            institutions.append(
                {
                    "id": inst.id,
                    "name": inst.name,
                    "role": inst.role,
                    "signing_keys": [public_key_text(self.signing_key(inst.id).public_key())],
                    "sealing_keys": [
                        b64encode(
                            self.sealing_public_key(inst.id).public_bytes(
                                serialization.Encoding.Raw, serialization.PublicFormat.Raw
                            )
                        )
                    ],
                }
            )
        return Draft(
            type="ledger.chartered",
            recorder=self.committee_id(),
            occurred_at=occurred_at,
            data={
                "name": name,
                "origin": self.origin,
                "log_key": self.log_vkey(),
                "institutions": institutions,
                "policy": default_policy(),
            },
        )

    def committee_id(self) -> str:
        for inst in self.institutions.values():
            if inst.role == "committee":
                return inst.id
        raise KeyringError("the keyring holds no committee key")

    def seal_for(self, recorder: str, sealed: dict[str, Any], event_type: str) -> dict[str, Any]:
        """Seal personal details to the court, the committee and the recorder."""
        recipients: dict[str, X25519PublicKey] = {}
        for inst in self.institutions.values():
            if inst.role in ("court", "committee") or inst.id == recorder:
                recipients[inst.id] = self.sealing_public_key(inst.id)
        return seal(sealed, recipients, sealing_context(event_type, recorder))

    def sign(self, draft: Draft, *, now: datetime) -> Statement:
        """Sign a draft with its recorder's key, sealing its personal details first."""
        if draft.sealed is not None and "alg" not in draft.sealed:
            draft.sealed = self.seal_for(draft.recorder, draft.sealed, draft.type)
        return draft.sign(ledger=self.origin, key=self.signing_key(draft.recorder), now=now)


def sealing_context(event_type: str, recorder: str) -> bytes:
    """The AAD binding a sealed part to its statement's type and recorder."""
    return f"ceasefire-ledger/sealed/v1\n{event_type}\n{recorder}".encode()
