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
    """What ``/checkpoint`` serves: with witnesses configured, the latest checkpoint a quorum cosigned."""
    from ledger.witnessing.policy import load_policy
    from ledger.witnessing.published import latest_published_checkpoint

    token = _served_token(gate, settings)
    note = gate.caches.served_note.get(token)
    if note is not None:
        return note
    if not load_policy(settings.keys_dir).configured:
        note = latest(gate).note
    else:
        note = latest_published_checkpoint(gate.ledger.store)
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
