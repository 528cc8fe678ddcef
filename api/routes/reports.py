"""Reports for the public, journalists and the committee: JSON, or CSV with Accept: text/csv.

Every report names the tree size and root hash it was computed from, so a
reader can tie each figure to a signed checkpoint, and the time its deadlines
were judged at with where that time came from (``as_of``, ``as_of_source``:
the time signed in the latest checkpoint unless ``?as_of=`` asks for another).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import GateDep
from api.reporting import with_reports
from api.schemas import PROBLEM_RESPONSES, AsOfQuery
from api.wants import prefers
from ledger.projections.report_names import ReportName
from ledger.projections.tidy import tidy_table

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/{name}",
    summary="A report over the whole log (JSON, or CSV with Accept: text/csv)",
    responses={200: {"content": {"text/csv": {}}}, **PROBLEM_RESPONSES},
)
def report(
    name: ReportName,
    request: Request,
    gate: GateDep,
    as_of: AsOfQuery = None,
) -> Any:
    table = with_reports(gate, lambda reports: reports.report(name, as_of))
    if prefers(request, "text/csv"):
        return Response(
            tidy_table(table).to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}-{table.tree_size}.csv"',
                "X-Tree-Size": str(table.tree_size),
                "X-Root-Hash": table.root,
                "X-As-Of": table.as_of,
                "X-As-Of-Source": table.as_of_source,
            },
        )
    return table.to_json()
