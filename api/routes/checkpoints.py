"""The latest signed checkpoint: what mirrors and witnesses fetch, check and cosign.

Every reader asks for it, so it is kept in memory while the database is
unchanged (``api.caches``): a fresh answer costs no query and no thread.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Hashable

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from api.deps import GateDep, SettingsDep
from api.gate import LedgerGate
from api.schemas import PROBLEM_RESPONSES, CheckpointOut
from api.settings import Settings
from ledger.errors import NotFound
from ledger.service import SignedCheckpoint

router = APIRouter(tags=["checkpoints"])

CHECKPOINT_CACHE = "no-cache"


def cached_latest(gate: LedgerGate) -> SignedCheckpoint | None:
    """The latest checkpoint if it is known to be current (no query, no waiting)."""
    found = gate.caches.latest_checkpoint.get(gate.caches.version.token())
    return found if isinstance(found, SignedCheckpoint) else None


def latest(gate: LedgerGate) -> SignedCheckpoint:
    """The latest checkpoint the log signed (blocking: may query the database)."""
    caches = gate.caches
    token = caches.version.token()  # before reading: a commit meanwhile makes the copy stale
    cp = caches.latest_checkpoint.get(token)
    if isinstance(cp, SignedCheckpoint):
        return cp
    fresh = gate.ledger.latest_checkpoint()  # the store's own connection: no lock needed
    if fresh is None:
        raise NotFound("no checkpoint has been signed yet")
    caches.latest_checkpoint.put(token, fresh)
    return fresh


def _policy_stamp(settings: Settings) -> Hashable:
    """Changes when the witness policy file is written, created or removed."""
    from ledger.witnessing.policy import POLICY_FILE

    if settings.keys_dir is None:
        return None
    try:
        st = os.stat(settings.keys_dir / POLICY_FILE)
    except OSError:
        return "absent"
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _served_token(gate: LedgerGate, settings: Settings) -> Hashable | None:
    token = gate.caches.version.token()
    return None if token is None else (token, _policy_stamp(settings))


def cached_served_note(gate: LedgerGate, settings: Settings) -> str | None:
    """What ``/checkpoint`` serves, if known to be current (no query, no waiting)."""
    return gate.caches.served_note.get(_served_token(gate, settings))


def served_note(gate: LedgerGate, settings: Settings) -> str:
    """What ``/checkpoint`` serves: with witnesses configured, the latest checkpoint a quorum cosigned.

    A published row is verified before it is served (log signature, the
    ledger's own checkpoint and recomputed root at its size, cosignatures);
    one that fails is refused with a 500 naming the table and size.
    """
    from ledger.witnessing.policy import load_policy
    from ledger.witnessing.published import verified_published_note

    token = _served_token(gate, settings)
    note = gate.caches.served_note.get(token)
    if note is not None:
        return note
    policy = load_policy(settings.keys_dir)
    if not policy.configured:
        note = latest(gate).note
    else:
        with gate.use() as ledger:  # verifying may catch the tree up to the published size
            note = verified_published_note(ledger, policy)
        if note is None:
            raise NotFound("no checkpoint has been cosigned by a quorum of witnesses yet")
    gate.caches.served_note.put(token, note)
    return note


async def served_note_response(gate: LedgerGate, settings: Settings) -> PlainTextResponse:
    note = cached_served_note(gate, settings)
    if note is None:
        note = await anyio.to_thread.run_sync(served_note, gate, settings)
    return PlainTextResponse(note, headers={"Cache-Control": CHECKPOINT_CACHE})


@router.get(
    "/v1/checkpoint",
    summary="Latest checkpoint (C2SP signed note)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
async def checkpoint_note(gate: GateDep, settings: SettingsDep) -> PlainTextResponse:
    return await served_note_response(gate, settings)


@router.get(
    "/v1/checkpoints/latest",
    summary="Latest checkpoint as JSON",
    response_model=CheckpointOut,
    responses=PROBLEM_RESPONSES,
)
async def checkpoint_json(gate: GateDep) -> CheckpointOut:
    cp = cached_latest(gate)
    if cp is None:
        cp = await anyio.to_thread.run_sync(latest, gate)
    return CheckpointOut(
        size=cp.size, note=cp.note, root=base64.b64encode(cp.root).decode(), signed_at=cp.signed_at
    )


class LogKeyRotationOut(BaseModel):
    vkey: str = Field(description="The new log key (signed-note verifier key)")
    valid_from: int = Field(description="The first tree size it signs (the handover checkpoint's)")
    proof: str = Field(
        description="C2SP tlog-proof: the rotation statement as extra, in the handover checkpoint"
    )


class LogKeyRotationsOut(BaseModel):
    rotations: list[LogKeyRotationOut]


def key_rotations(gate: LedgerGate) -> LogKeyRotationsOut:
    """Every log key rotation with its proof, each verified before it is served (blocking)."""
    from ledger.witnessing.rotations import rotation_proofs

    registry = gate.ledger.registry()
    needed = registry.log_keys[-1][0] if registry is not None else 0
    with gate.current(needed) as ledger:
        found = rotation_proofs(ledger)
    return LogKeyRotationsOut(
        rotations=[
            LogKeyRotationOut(
                vkey=r.rotation.new_vkey, valid_from=r.rotation.valid_from, proof=r.proof
            )
            for r in found
        ]
    )


@router.get(
    "/v1/log-key-rotations",
    summary="The log key's rotations, as proofs a mirror or witness checks with the old key",
    response_model=LogKeyRotationsOut,
    responses=PROBLEM_RESPONSES,
)
async def log_key_rotations(gate: GateDep) -> LogKeyRotationsOut:
    return await anyio.to_thread.run_sync(key_rotations, gate)
