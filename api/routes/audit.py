"""The committee's audit queue: releases and custody the rules flagged.

The committee *acts* by posting signed statements to ``POST /v1/events``:
``explanation.requested`` (to the institution addressed), ``audit.finding_recorded``
(explained, unexplained, unlawful, referred); institutions answer with
``explanation.given``. A flag never disappears: its status moves from ``open``
through ``explanation_requested`` and ``explained`` to ``finding_recorded``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from fastapi import APIRouter

from api.deps import GateDep
from api.reporting import with_reports
from api.schemas import PROBLEM_RESPONSES
from ledger.projections.flag_rules import RULES

router = APIRouter(prefix="/v1/audit", tags=["audit"])

FlagStatus = Literal["open", "explanation_requested", "explanation_given", "finding_recorded"]
FlagRule = StrEnum("FlagRule", [(rule, rule) for rule in RULES])  # type: ignore[misc]
"""The rules that raise flags, made from the one list of them (``RULES``): the OpenAPI
document lists them, and a rule not among them is refused instead of matching nothing.
(mypy reads an enum's members only from a literal list, hence the ignore.)"""

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
    rule: FlagRule | None = None,
) -> dict[str, Any]:
    def read(reports: Any) -> dict[str, Any]:
        rows = reports.flags(status=status, rule=None if rule is None else rule.value)
        return {
            "tree_size": reports.tree_size,
            "root": reports.root_hex,
            "as_of": reports.as_of,
            "flags": rows,
        }

    return with_reports(gate, read)
