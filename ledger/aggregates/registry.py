"""The registry of institutions, their roles and keys, and the ledger's policy.

It is opened by the genesis statement ``ledger.chartered`` and changed only by
``key.registered``, ``key.revoked``, ``head.appointed`` and ``head.removed``.
Because it is an aggregate of the log, "who may sign what" is always decided
from the registry *as of that position in the log*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.aggregates.base import LedgerAggregate
from ledger.crypto import b64decode, key_id_for_raw
from ledger.sealing import sealing_key_id_for_raw
from ledger.vocabulary.base import EventData, fold

REGISTRY_KEY = "charter"


@dataclass
class KeyRecord:
    key_id: str
    institution: str
    purpose: str  # "signing" or "sealing"
    public_raw: bytes
    registered_at: int
    revoked_at: int | None = None
    revocation_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class Institution:
    id: str
    name: str
    role: str
    key_ids: list[str] = field(default_factory=list)


class Registry(LedgerAggregate):
    kind = "registry"

    def setup(self) -> None:
        self.name = ""
        self.origin = ""
        self.log_key = ""
        # (first tree size it signs, vkey): the charter's key from size 0, each
        # rotation's key from the size that includes its key.registered statement.
        self.log_keys: list[tuple[int, str]] = []
        self.institutions: dict[str, Institution] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.policy: dict[str, Any] = {}
        self.head: dict[str, Any] | None = None
        self.former_heads: list[dict[str, Any]] = []

    # --- queries -----------------------------------------------------------
    def role_of(self, institution: str) -> str | None:
        inst = self.institutions.get(institution)
        return inst.role if inst else None

    def institutions_with_role(self, role: str) -> list[Institution]:
        return [i for i in self.institutions.values() if i.role == role]

    def active_sealing_keys(self, institution: str) -> dict[str, bytes]:
        inst = self.institutions.get(institution)
        if inst is None:
            return {}
        return {
            kid: self.keys[kid].public_raw
            for kid in inst.key_ids
            if self.keys[kid].purpose == "sealing" and self.keys[kid].active
        }

    def log_key_at(self, size: int) -> str:
        """The log key (vkey) that signs checkpoints of tree size ``size``."""
        current = self.log_key
        for valid_from, vkey in self.log_keys:
            if valid_from <= size:
                current = vkey
        return current

    def signing_keys(self) -> dict[str, bytes]:
        return {k.key_id: k.public_raw for k in self.keys.values() if k.purpose == "signing"}

    # --- evolution (the functions are declared with each event type, ledger.vocabulary) ----
    def admit(self, institution: str, name: str, role: str) -> None:
        """Enter an institution with its role (its keys follow)."""
        self.institutions[institution] = Institution(institution, name, role)

    def add_key(self, institution: str, public_key: str, purpose: str, at: int) -> None:
        raw = b64decode(public_key, field="public_key", length=32)
        kid = key_id_for_raw(raw) if purpose == "signing" else sealing_key_id_for_raw(raw)
        self.keys[kid] = KeyRecord(kid, institution, purpose, raw, registered_at=at)
        self.institutions[institution].key_ids.append(kid)

    def when(
        self,
        statement: dict[str, Any],
        event_id: str,
        leaf_index: int,
        typed: EventData | None = None,
    ) -> None:
        fold(self, statement, event_id, leaf_index, typed=typed)
