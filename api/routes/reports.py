"""Reports for the public, journalists and the committee: JSON, or CSV with Accept: text/csv.

Every report names the tree size and root hash it was computed from, so a
reader can tie each figure to a signed checkpoint, and the time its deadlines
were judged at with where that time came from (``as_of``, ``as_of_source``:
the time signed in the latest checkpoint unless ``?as_of=`` asks for another).
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.caches import Encoded
from api.deps import GateDep
from api.reporting import report_answer
from api.schemas import PROBLEM_RESPONSES, AsOfQuery
from api.wants import prefers
from ledger.projections.report_names import ReportName

router = APIRouter(prefix="/v1/reports", tags=["reports"])


def respond(answer: Encoded, accept_encoding: str) -> Response:
    body, headers = answer.for_client(accept_encoding)
    return Response(body, media_type=answer.media_type, headers=dict(headers))


@router.get(
    "/{name}",
    summary="A report over the whole log (JSON, or CSV with Accept: text/csv)",
    responses={200: {"content": {"text/csv": {}}}, **PROBLEM_RESPONSES},
)
async def report(
    name: ReportName,
    request: Request,
    gate: GateDep,
    as_of: AsOfQuery = None,
) -> Response:
    as_csv = prefers(request, "text/csv")
    answer = await anyio.to_thread.run_sync(report_answer, gate, name, as_of, as_csv)
    return respond(answer, request.headers.get("accept-encoding", ""))
