"""Reports for the public, journalists and the committee: JSON, or CSV with Accept: text/csv.

A whole report (``/v1/reports/{name}``) grows with the log; its tables, page by
page (``/v1/reports/{name}/tables/{table}``, ``api.report_pages``), do not.

Every report names the tree size and root hash it was computed from, so a
reader can tie each figure to a signed checkpoint, and the time its deadlines
were judged at with where that time came from (``as_of``, ``as_of_source``:
the time signed in the latest checkpoint unless ``?as_of=`` asks for another).
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.caches import Encoded
from api.deps import GateDep, SettingsDep
from api.report_pages import DEFAULT_LIMIT, MAX_LIMIT, table_csv, table_page, tables_index
from api.reporting import report_answer
from api.schemas import (
    PROBLEM_RESPONSES,
    AsOfQuery,
    ReportTablePage,
    ReportTables,
    TablePath,
)
from api.wants import prefers
from ledger.errors import InvalidArgument
from ledger.projections.report_names import ReportName

router = APIRouter(prefix="/v1/reports", tags=["reports"])

TreeSizeQuery = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**62,
        description="Answer only if the log is at this tree size (409 otherwise):"
        " keeps the pages of one table from two states of the log",
    ),
]


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


@router.get(
    "/{name}/tables",
    summary="A report's tables (the CSV downloads): key, columns, rows and address of each",
    response_model=ReportTables,
    responses=PROBLEM_RESPONSES,
)
async def tables(
    name: ReportName,
    request: Request,
    gate: GateDep,
    as_of: AsOfQuery = None,
    tree_size: TreeSizeQuery = None,
) -> Response:
    answer = await anyio.to_thread.run_sync(tables_index, gate, name, as_of, tree_size)
    return respond(answer, request.headers.get("accept-encoding", ""))


@router.get(
    "/{name}/tables/{table}",
    summary="One page of a report's table (JSON), or the whole table (CSV with Accept: text/csv)",
    response_model=ReportTablePage,
    responses={200: {"content": {"text/csv": {}}}, **PROBLEM_RESPONSES},
)
async def table(
    name: ReportName,
    table: TablePath,
    request: Request,
    gate: GateDep,
    settings: SettingsDep,
    as_of: AsOfQuery = None,
    offset: int | None = Query(None, ge=0, le=2**31, description="Rows to skip (default 0)"),
    limit: int | None = Query(
        None, ge=1, le=MAX_LIMIT, description=f"Rows per page (default {DEFAULT_LIMIT})"
    ),
    tree_size: TreeSizeQuery = None,
) -> Response:
    if prefers(request, "text/csv"):
        for field, given in (("offset", offset), ("limit", limit)):
            if given is not None:
                raise InvalidArgument(
                    f"{field} pages the JSON form of a table; its CSV form is the whole table",
                    field=field,
                )
        answer = await anyio.to_thread.run_sync(table_csv, gate, name, table, as_of, tree_size)
    else:
        rows = min(limit or DEFAULT_LIMIT, settings.max_page_size)
        answer = await anyio.to_thread.run_sync(
            table_page, gate, name, table, as_of, offset or 0, rows, tree_size
        )
    return respond(answer, request.headers.get("accept-encoding", ""))
