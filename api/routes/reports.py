"""Reports for the public, journalists and the committee: JSON, or CSV with Accept: text/csv.

Every report names the tree size and root hash it was computed from, so a
reader can tie each figure to a signed checkpoint.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import GateDep
from api.reporting import with_reports
from api.schemas import PROBLEM_RESPONSES
from api.wants import prefers

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportName = Literal["promises", "groups", "releases", "custody", "officers", "court", "interruption"]


@router.get(
    "/{name}",
    summary="A report over the whole log (JSON, or CSV with Accept: text/csv)",
    responses={200: {"content": {"text/csv": {}}}, **PROBLEM_RESPONSES},
)
def report(name: ReportName, request: Request, gate: GateDep) -> Any:
    table = with_reports(gate, lambda reports: reports.report(name))
    if prefers(request, "text/csv"):
        return Response(
            table.to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}-{table.tree_size}.csv"',
                "X-Tree-Size": str(table.tree_size),
                "X-Root-Hash": table.root,
            },
        )
    return table.to_json()
