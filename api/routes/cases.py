"""Case and person histories for the special court, each event with its inclusion proof.

A history gathers every institution's statements about a case (arrest,
custody, release, charge, hearings, verdict) or a person. Sealed personal
details are returned as stored, i.e. as ciphertext: only holders of a
recipient's sealing key (the court, the committee, the recorder) can open them
(``ledger unseal``). Each event's ``proof`` is against the checkpoint given in
``checkpoint``, so the court can verify the history with the log's public key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from api import reading
from api.deps import GateDep
from api.reporting import with_reports
from api.schemas import PROBLEM_RESPONSES, CasePath, PersonPath

router = APIRouter(prefix="/v1", tags=["cases"])


def _history(gate: GateDep, build: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    def read(reports: Any) -> dict[str, Any]:
        history = build(reports)
        for event in history.get("events", []):
            if event.get("sealed"):
                event["sealed"] = _sealed_envelope(gate, event["leaf_index"])
        checkpoint = gate.ledger.latest_checkpoint()
        history["checkpoint"] = checkpoint.note if checkpoint else None
        return history

    return with_reports(gate, read)


def _sealed_envelope(gate: GateDep, leaf_index: int) -> dict[str, Any] | None:
    """The sealed part exactly as stored: ciphertext and recipients, nothing opened."""
    stored = reading.leaf_at(gate.ledger, leaf_index)
    return stored.statement().get("sealed") if stored is not None else None


@router.get(
    "/cases/{case}/history",
    summary="A case's full history with proofs",
    responses=PROBLEM_RESPONSES,
)
def case_history(case: CasePath, gate: GateDep) -> dict[str, Any]:
    return _history(gate, lambda reports: reports.case_history(case))


@router.get(
    "/persons/{person}/history",
    summary="A person's history with proofs",
    responses=PROBLEM_RESPONSES,
)
def person_history(person: PersonPath, gate: GateDep) -> dict[str, Any]:
    return _history(gate, lambda reports: reports.person_history(person))
