"""The committee's audit queue: releases and custody the rules flagged.

The committee *acts* by posting signed statements to ``POST /v1/events``:
``explanation.requested`` (to the institution addressed), ``audit.finding_recorded``
(explained, unexplained, unlawful, referred); institutions answer with
``explanation.given``. A flag never disappears: its status moves from ``open``
through ``explanation_requested`` and ``explained`` to ``finding_recorded``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import GateDep
from api.reporting import with_reports
from api.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/audit", tags=["audit"])

FlagStatus = Literal["open", "explanation_requested", "explanation_given", "finding_recorded"]

QUEUE_DESCRIPTION = """
Flags raised by the rules (e.g. `release.on_instructions`, `release.no_basis`,
`custody.past_24h`), filtered by workflow `status` and `rule`. To act on a flag the
committee posts signed statements to `POST /v1/events`: `explanation.requested`
(`subject` = the flagged event id), then `audit.finding_recorded`.
"""


@router.get(
    "/flags", summary="The audit queue", description=QUEUE_DESCRIPTION, responses=PROBLEM_RESPONSES
)
def flags(
    gate: GateDep,
    status: FlagStatus | None = None,
    rule: Annotated[str | None, Query(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$", max_length=64)] = None,
) -> dict[str, Any]:
    def read(reports: Any) -> dict[str, Any]:
        rows = reports.flags(status=status, rule=rule)
        return {
            "tree_size": reports.tree_size,
            "root": reports.root_hex,
            "as_of": reports.as_of,
            "flags": rows,
        }

    return with_reports(gate, read)
