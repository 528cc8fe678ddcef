"""The latest signed checkpoint: what mirrors and witnesses fetch, check and cosign."""

from __future__ import annotations

import base64

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


def latest(gate: GateDep) -> SignedCheckpoint:
    with gate.use() as ledger:
        cp = ledger.latest_checkpoint()
    if cp is None:
        raise NotFound("no checkpoint has been signed yet")
    return cp


def served_note(gate: LedgerGate, settings: Settings) -> str:
    """What ``/checkpoint`` serves: with witnesses configured, the latest checkpoint a quorum cosigned."""
    from ledger.witnessing.policy import load_policy
    from ledger.witnessing.published import latest_published_checkpoint

    if not load_policy(settings.keys_dir).configured:
        return latest(gate).note
    with gate.use() as ledger:
        note = latest_published_checkpoint(ledger.store)
    if note is None:
        raise NotFound("no checkpoint has been cosigned by a quorum of witnesses yet")
    return note


@router.get(
    "/v1/checkpoint",
    summary="Latest checkpoint (C2SP signed note)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
def checkpoint_note(gate: GateDep, settings: SettingsDep) -> PlainTextResponse:
    return PlainTextResponse(served_note(gate, settings), headers={"Cache-Control": CHECKPOINT_CACHE})


@router.get(
    "/v1/checkpoints/latest",
    summary="Latest checkpoint as JSON",
    response_model=CheckpointOut,
    responses=PROBLEM_RESPONSES,
)
def checkpoint_json(gate: GateDep) -> CheckpointOut:
    cp = latest(gate)
    return CheckpointOut(
        size=cp.size, note=cp.note, root=base64.b64encode(cp.root).decode(), signed_at=cp.signed_at
    )
