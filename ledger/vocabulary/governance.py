"""Governance: the charter, keys, and the head of the Ceasefire department.

The citizens' committee charters the ledger, registers and revokes keys, and
appoints and removes the department's head (the essay's recommendation: the
committee "must demand and obtain the right to appoint and replace the head").
An institution may also revoke its own key, e.g. when it is lost.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ledger.admission import Decision, Entry
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.charter_policy import (
    CUSTODY_LIMIT_HOURS,
    MAX_CLOCK_SKEW_SECONDS,
    REMAND_LIMIT_DAYS,
    SEALING_RECIPIENTS,
)
from ledger.errors import CaseRuleViolation, UnauthorizedRole
from ledger.vocabulary.base import (
    ROLES,
    EventData,
    Name,
    PlannedTime,
    Recorded,
    Ref,
    Text,
    event_type,
)

AREA = "governance"
PublicKey = str
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16,64}$")]
Role = Literal["committee", "police", "prosecutor", "court", "interrupters"]


def _default_recipients() -> list[Role]:
    return list(SEALING_RECIPIENTS)


class Policy(EventData):
    custody_limit_hours: int = Field(default=CUSTODY_LIMIT_HOURS, ge=1, le=720)
    remand_limit_days: int = Field(default=REMAND_LIMIT_DAYS, ge=1, le=365)
    max_clock_skew_seconds: int = Field(default=MAX_CLOCK_SKEW_SECONDS, ge=0, le=86400)
    sealing_recipients: list[Role] = Field(default_factory=_default_recipients)


class CharterInstitution(EventData):
    id: Ref
    name: Name
    role: Role
    signing_keys: list[PublicKey] = Field(min_length=1)
    sealing_keys: list[PublicKey] = Field(default_factory=list)


class LedgerChartered(EventData):
    name: Name
    origin: Name
    log_key: Name = Field(description="The log's signed-note verifier key (vkey)")
    institutions: list[CharterInstitution] = Field(min_length=1)
    policy: Policy

    @model_validator(mode="after")
    def _unique_ids(self) -> LedgerChartered:
        ids = [i.id for i in self.institutions]
        if len(ids) != len(set(ids)):
            raise ValueError("institution ids must be unique")
        roles = {i.role for i in self.institutions}
        if "committee" not in roles:
            raise ValueError("a charter needs the citizens' committee")
        return self


class KeyRegistered(EventData):
    institution: Ref
    public_key: PublicKey
    purpose: Literal["signing", "sealing", "log"]
    reason: Text
    role: Role | None = Field(default=None, description="Only for a new institution")
    institution_name: Name | None = None
    vkey: Name | None = Field(
        default=None,
        description="Purpose log only: the new checkpoint key as a signed-note verifier key",
    )
    endorsement: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None,
        description="Purpose log only: a C2SP signed note by the current log key naming the new"
        " key and the tree size it signs from (docs/verify.md, Log key rotation)",
    )

    @model_validator(mode="after")
    def _vkey_only_for_log_keys(self) -> KeyRegistered:
        if (self.purpose == "log") != (self.vkey is not None):
            raise ValueError("a vkey is given exactly when the purpose is log")
        if (self.purpose == "log") != (self.endorsement is not None):
            raise ValueError(
                "an endorsement by the current log key is given exactly when the purpose is log"
            )
        return self


class KeyRevoked(EventData):
    key_id: KeyId
    reason: Text


class HeadAppointed(EventData):
    head: Ref = Field(description="Public pseudonym of the appointed head")
    term_start: PlannedTime
    term_end: PlannedTime | None = None
    reason: Text


class HeadRemoved(EventData):
    head: Ref
    reason: Text


def _check_key(entry: Entry, registry: Registry, public_key: str) -> None:
    from ledger.crypto import b64decode, key_id_for_raw

    raw = b64decode(public_key, field="data.public_key", length=32)
    if key_id_for_raw(raw) in registry.keys:
        raise CaseRuleViolation("this key is already registered", field="data.public_key")


def _on_chartered(entry: Entry, data: LedgerChartered, d: Decision) -> None:
    from ledger.crypto import b64decode, key_id_for_raw

    seen: set[str] = set()
    for i, inst in enumerate(data.institutions):
        for j, pub in enumerate(inst.signing_keys + inst.sealing_keys):
            kid = key_id_for_raw(
                b64decode(pub, field=f"data.institutions[{i}].keys[{j}]", length=32)
            )
            if kid in seen:
                raise CaseRuleViolation(
                    "the same key is listed twice", field=f"data.institutions[{i}]"
                )
            seen.add(kid)
    d.open(Registry, REGISTRY_KEY)


def _check_log_key(entry: Entry, registry: Registry, data: KeyRegistered) -> None:
    """A new log key is named for the log's origin, holds public_key, and the current log key endorsed it.

    The endorsement must name this key and the size that includes this
    statement, so mirrors and witnesses, who trust only the old key, can
    follow the rotation (``ledger.log.key_rotation``).
    """
    from ledger.crypto import b64decode
    from ledger.errors import ProofError
    from ledger.log.note import NoteVerifier, parse_vkey

    raw = b64decode(data.public_key, field="data.public_key", length=32)
    try:
        NoteVerifier.from_vkey(data.vkey or "")
        name, _, _, key = parse_vkey(data.vkey or "")
    except ProofError as exc:
        raise CaseRuleViolation(
            f"not a signed-note verifier key: {exc}", field="data.vkey"
        ) from exc
    if name != registry.origin:
        raise CaseRuleViolation(
            f"a log key must be named for the log's origin {registry.origin!r}", field="data.vkey"
        )
    if key != raw:
        raise CaseRuleViolation("the vkey does not hold data.public_key", field="data.vkey")
    if any(vkey == data.vkey for _, vkey in registry.log_keys):
        raise CaseRuleViolation("this log key is already registered", field="data.vkey")
    if registry.role_of(data.institution) != "committee":
        raise CaseRuleViolation(
            "a log key is held by the committee: name it as the institution",
            field="data.institution",
        )
    _check_endorsement(entry, registry, data)


def _check_endorsement(entry: Entry, registry: Registry, data: KeyRegistered) -> None:
    from ledger.errors import ProofError
    from ledger.log.key_rotation import open_endorsement

    try:
        rotation = open_endorsement(data.endorsement or "", registry.log_key)
    except ProofError as exc:
        raise UnauthorizedRole(
            f"the current log key did not endorse the new key: {exc}", field="data.endorsement"
        ) from exc
    if rotation.new_vkey != data.vkey or rotation.origin != registry.origin:
        raise UnauthorizedRole(
            "the endorsement names another key or log than this statement", field="data.endorsement"
        )
    if rotation.valid_from != entry.leaf_index + 1:
        raise CaseRuleViolation(
            f"the endorsement makes the key valid from size {rotation.valid_from}; this statement"
            f" would be at position {entry.leaf_index}, so it must say {entry.leaf_index + 1}",
            field="data.endorsement",
        )


def _on_key_registered(entry: Entry, data: KeyRegistered, d: Decision) -> None:
    registry = d.registry
    if data.purpose == "log":
        _check_log_key(entry, registry, data)
        d.record(registry)
        return
    _check_key(entry, registry, data.public_key)
    if data.institution not in registry.institutions and data.role is None:
        raise CaseRuleViolation(
            f"institution {data.institution!r} is new: give its role", field="data.role"
        )
    if data.institution in registry.institutions and data.role not in (
        None,
        registry.role_of(data.institution),
    ):
        raise CaseRuleViolation(
            "an institution's role cannot be changed by registering a key", field="data.role"
        )
    d.record(registry)


def _on_key_revoked(entry: Entry, data: KeyRevoked, d: Decision) -> None:
    registry = d.registry
    record = registry.keys.get(data.key_id)
    if record is None:
        raise CaseRuleViolation(f"key {data.key_id} is not registered", field="data.key_id")
    if not record.active:
        raise CaseRuleViolation(f"key {data.key_id} is already revoked", field="data.key_id")
    st = entry.statement
    if registry.role_of(st.recorder) != "committee" and record.institution != st.recorder:
        raise UnauthorizedRole(
            "an institution may revoke only its own keys; the committee may revoke any",
            field="data.key_id",
        )
    d.record(registry)


def _on_head_appointed(entry: Entry, data: HeadAppointed, d: Decision) -> None:
    registry = d.registry
    if registry.head is not None:
        raise CaseRuleViolation(
            f"{registry.head['head']} is still head: record head.removed first", field="data.head"
        )
    d.record(registry)


def _on_head_removed(entry: Entry, data: HeadRemoved, d: Decision) -> None:
    registry = d.registry
    if registry.head is None or registry.head["head"] != data.head:
        raise CaseRuleViolation(f"{data.head} is not the current head", field="data.head")
    d.record(registry)


# --- evolution: how each statement changes the registry ------------------------------------
def _evolve_chartered(data: LedgerChartered, registry: Registry, event: Recorded) -> None:
    signed = event.signed
    registry.name = data.name
    registry.origin = data.origin
    registry.log_key = data.log_key
    registry.log_keys = [(0, data.log_key)]
    registry.policy = dict(signed["policy"])
    for inst in data.institutions:
        registry.admit(inst.id, inst.name, inst.role)
        for pub in inst.signing_keys:
            registry.add_key(inst.id, pub, "signing", event.leaf_index)
        for pub in inst.sealing_keys:
            registry.add_key(inst.id, pub, "sealing", event.leaf_index)


def _evolve_key_registered(data: KeyRegistered, registry: Registry, event: Recorded) -> None:
    if data.purpose == "log" and data.vkey is not None:
        registry.log_key = data.vkey
        registry.log_keys.append((event.leaf_index + 1, data.vkey))
        return
    if data.institution not in registry.institutions:
        # The rule handler refuses a new institution without its role.
        registry.admit(data.institution, data.institution_name or data.institution, data.role or "")
    registry.add_key(data.institution, data.public_key, data.purpose, event.leaf_index)


def _evolve_key_revoked(data: KeyRevoked, registry: Registry, event: Recorded) -> None:
    record = registry.keys[data.key_id]
    record.revoked_at = event.leaf_index
    record.revocation_reason = data.reason


def _evolve_head_appointed(data: HeadAppointed, registry: Registry, event: Recorded) -> None:
    if registry.head is not None:
        registry.former_heads.append(registry.head)
    registry.head = {
        **event.signed,
        "appointed_by": event.event_id,
        "occurred_at": event.occurred_at,
    }


def _evolve_head_removed(data: HeadRemoved, registry: Registry, event: Recorded) -> None:
    if registry.head is not None:
        registry.former_heads.append({**registry.head, "removed_by": event.event_id})
    registry.head = None


event_type(
    "ledger.chartered",
    area=AREA,
    summary="Genesis: the institutions, their roles and public keys, and the policy.",
    data=LedgerChartered,
    roles=("committee",),
    handler=_on_chartered,
    evolve=_evolve_chartered,
)
event_type(
    "key.registered",
    area=AREA,
    summary="A new signing or sealing key for an institution (or a new institution), or a new log key.",
    data=KeyRegistered,
    roles=("committee",),
    handler=_on_key_registered,
    evolve=_evolve_key_registered,
)
event_type(
    "key.revoked",
    area=AREA,
    summary="A key stops being valid from this position on; earlier statements stay valid.",
    data=KeyRevoked,
    roles=ROLES,
    handler=_on_key_revoked,
    evolve=_evolve_key_revoked,
)
event_type(
    "head.appointed",
    area=AREA,
    summary="The committee appoints the head of the Ceasefire department.",
    data=HeadAppointed,
    roles=("committee",),
    handler=_on_head_appointed,
    evolve=_evolve_head_appointed,
)
event_type(
    "head.removed",
    area=AREA,
    summary="The committee removes the head of the Ceasefire department.",
    data=HeadRemoved,
    roles=("committee",),
    handler=_on_head_removed,
    evolve=_evolve_head_removed,
)
