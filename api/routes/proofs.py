"""Inclusion and consistency proofs, as JSON or as C2SP tlog-proof text.

Proofs are computed against signed checkpoints so that a reader can check them
with the log's public key alone (``ledger verify``, Go's ``sumdb/tlog``, the
public site's verify page).
"""

from __future__ import annotations

import base64
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.deps import GateDep
from api.gate import LedgerGate
from api.routes.checkpoints import cached_latest, latest
from api.schemas import PROBLEM_RESPONSES, ConsistencyProof, EventIdPath, InclusionProof
from api.wants import prefers
from ledger.errors import NotFound, ProofError
from ledger.log.proof_format import format_proof
from ledger.service import Ledger

router = APIRouter(prefix="/v1/proofs", tags=["proofs"])

TLOG_PROOF = "text/plain; charset=utf-8"
SizeQuery = Annotated[
    int | None, Query(ge=1, le=2**62, description="Tree size (default: latest checkpoint)")
]


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode("ascii")


def inclusion(gate: LedgerGate, event_id: str, size: int | None) -> InclusionProof:
    """The proof of ``event_id`` in the tree of ``size`` (default: the latest checkpoint).

    Blocking (database, tree). A proof against a signed checkpoint never
    changes, so it is remembered by (event, size).
    """
    cp = None
    if size is None:
        cp = latest(gate)
        size = cp.size
    found = gate.caches.proofs.get((event_id, size))
    if isinstance(found, InclusionProof):
        return found
    with gate.current(size) as ledger:
        if size > ledger.size:
            raise NotFound(f"the log holds {ledger.size} events, fewer than {size}")
        index, tree_size, hashes = ledger.inclusion_proof(event_id, size)
    note = cp.note if cp is not None and cp.size == tree_size else _note_at(gate.ledger, tree_size)
    proof = InclusionProof(
        event_id=event_id,
        leaf_index=index,
        tree_size=tree_size,
        hashes=[_b64(h) for h in hashes],
        checkpoint=note,
    )
    if note is not None:  # without a checkpoint at that size yet, the answer may still change
        gate.caches.proofs.put((event_id, tree_size), proof)
    return proof


async def inclusion_async(gate: LedgerGate, event_id: str, size: int | None) -> InclusionProof:
    """``inclusion`` answered on the event loop when remembered, in a thread otherwise."""
    target = size
    if target is None:
        cp = cached_latest(gate)
        target = cp.size if cp is not None else None
    if target is not None:
        found = gate.caches.proofs.get((event_id, target))
        if isinstance(found, InclusionProof):
            return found
    return await anyio.to_thread.run_sync(inclusion, gate, event_id, size)


async def inclusion_json(gate: LedgerGate, event_id: str, size: int | None) -> bytes:
    """The inclusion proof's JSON answer; remembered, like the proof, once a checkpoint
    exists at its tree size (the key names the tree size, never "the latest")."""
    proof = await inclusion_async(gate, event_id, size)
    key = (event_id, proof.tree_size)
    body = gate.caches.proof_bodies.get(key)
    if body is None:
        body = proof.model_dump_json().encode("utf-8")
        if proof.checkpoint is not None:
            gate.caches.proof_bodies.put(key, body, len(body))
    return body


def cached_inclusion_json(gate: LedgerGate, event_id: str) -> bytes | None:
    """The JSON proof of ``event_id`` in the latest checkpoint, if remembered (no query, no waiting)."""
    cp = cached_latest(gate)
    return None if cp is None else gate.caches.proof_bodies.get((event_id, cp.size))


def _note_at(ledger: Ledger, size: int) -> str | None:
    try:
        return ledger.checkpoint_at(size).note
    except NotFound:
        return None


def tlog_proof_text(proof: InclusionProof) -> PlainTextResponse:
    if proof.checkpoint is None:
        raise NotFound(f"no checkpoint was signed at tree size {proof.tree_size}")
    text = format_proof(
        proof.leaf_index, [base64.b64decode(h) for h in proof.hashes], proof.checkpoint
    )
    return PlainTextResponse(text, media_type=TLOG_PROOF)


@router.get(
    "/inclusion/{event_id}.tlog-proof",
    summary="Inclusion proof as a C2SP tlog-proof file",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
async def inclusion_tlog_proof(
    gate: GateDep, event_id: EventIdPath, size: SizeQuery = None
) -> Response:
    return tlog_proof_text(await inclusion_async(gate, event_id, size))


@router.get(
    "/inclusion/{event_id}",
    summary="Inclusion proof of an event (JSON, or tlog-proof text with Accept: text/plain)",
    response_model=InclusionProof,
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
async def inclusion_proof(
    request: Request, gate: GateDep, event_id: EventIdPath, size: SizeQuery = None
) -> InclusionProof | Response:
    if not prefers(request, "text/plain"):
        body = await inclusion_json(gate, event_id, size)
        return Response(body, media_type="application/json")
    return tlog_proof_text(await inclusion_async(gate, event_id, size))


@router.get(
    "/consistency",
    summary="Consistency proof between two tree sizes",
    response_model=ConsistencyProof,
    response_model_by_alias=True,
    responses=PROBLEM_RESPONSES,
)
def consistency_proof(
    gate: GateDep,
    from_size: Annotated[int, Query(alias="from", ge=0, le=2**62)],
    to_size: Annotated[int, Query(alias="to", ge=0, le=2**62)],
) -> ConsistencyProof:
    if from_size > to_size:
        raise ProofError("need from <= to", field="from")
    with gate.current(to_size) as ledger:
        if to_size > ledger.size:
            raise NotFound(f"the log holds {ledger.size} events, fewer than {to_size}")
        hashes = ledger.consistency_proof(from_size, to_size)
        notes = [
            n for n in (_note_at(ledger, from_size), _note_at(ledger, to_size)) if n is not None
        ]
        return ConsistencyProof(
            from_size=from_size,
            to_size=to_size,
            from_root=_b64(ledger.tree.root(from_size)),
            to_root=_b64(ledger.tree.root(to_size)),
            hashes=[_b64(h) for h in hashes],
            checkpoints=notes,
        )
