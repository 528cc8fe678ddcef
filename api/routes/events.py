"""Recording statements and reading the public log.

Every institution records by POSTing signed statements here: police arrests,
custody and releases; prosecutors' charges; the court's orders and verdicts;
interrupters' mediations; and the committee's own actions (``explanation.requested``,
``audit.finding_recorded``, ``head.appointed`` …). There are no passwords: a
statement is accepted only if it is signed by a registered, unrevoked key whose
institution's role may record its type.
"""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response

from api import reading, recording
from api.body import read_json
from api.deps import GateDep, NowDep, SettingsDep, SignerDep
from api.gate import LedgerGate
from api.schemas import (
    PROBLEM_RESPONSES,
    RECORD_REQUEST_BODY,
    CheckpointRef,
    EventIdPath,
    EventPage,
    LoggedEvent,
    Recorded,
    RecordedBatch,
    RecordedOne,
)
from ledger.statements import format_time

router = APIRouter(prefix="/v1", tags=["events"])

RECORD_DESCRIPTION = """
Record one signed statement, or a batch `{"statements": [...]}` (all or nothing).

* **Authentication is the signature**: the statement must be signed by a registered,
  unrevoked key of its `recorder`, whose role may record its `type`.
* `recorded_at` must be within the clock skew the charter's policy allows
  (`max_clock_skew_seconds`, 5 minutes by default) of the server's time.
* Posting the same statement again is safe: the answer is `200` with the same
  `event_id` and `leaf_index`, and nothing is stored twice.
* The committee records its work the same way: `explanation.requested`,
  `audit.finding_recorded`, `head.appointed`, `head.removed`, `key.revoked` are
  statements signed by the committee's key and posted here. The court, prosecutors
  and interrupters likewise post their own statements.
* Refusals are RFC 9457 problems with a stable `code` and the `field` at fault
  (`index` names the batch item); nothing is stored when anything is refused.

`201` answers carry `included_by`, the time by which a signed checkpoint will include
the statement; `?wait_for_checkpoint=true` waits for that checkpoint.
"""


@router.post(
    "/events",
    status_code=201,
    summary="Record signed statements",
    description=RECORD_DESCRIPTION,
    response_model=RecordedOne | RecordedBatch,
    responses={
        200: {"description": "Already recorded (same ids and positions)"},
        **PROBLEM_RESPONSES,
    },
    openapi_extra={"requestBody": RECORD_REQUEST_BODY},
)
async def record_events(
    request: Request,
    response: Response,
    gate: GateDep,
    settings: SettingsDep,
    signer: SignerDep,
    now: NowDep,
    wait_for_checkpoint: bool = Query(
        False, description="Answer only once a checkpoint includes it"
    ),
) -> RecordedOne | RecordedBatch:
    body = await read_json(
        request, limit=settings.max_body_bytes, max_depth=settings.max_json_depth
    )
    statements, batch = recording.statements_of(body, max_batch=settings.max_batch_size)

    def append() -> tuple[list[recording.Outcome], Any]:
        with gate.use() as ledger:
            registry = ledger.registry()
            skew = settings.clock_skew(registry.policy if registry else None)
            recording.check_clock(statements, now, skew, batch)
            outcomes = recording.record(ledger, statements, batch=batch)
            return outcomes, ledger.latest_checkpoint()

    outcomes, latest = await anyio.to_thread.run_sync(append)
    if any(o.stored_now for o in outcomes):
        if signer is not None:
            signer.poke()
    else:
        response.status_code = 200
    needed = max(o.leaf_index for o in outcomes) + 1
    if wait_for_checkpoint and signer is not None and (latest is None or latest.size < needed):
        latest = await signer.wait_for(needed, settings.checkpoint_wait_timeout) or latest
    checkpoint = (
        CheckpointRef(size=latest.size, note=latest.note)
        if latest and latest.size >= needed
        else None
    )
    included_by: str | None = None
    if latest is not None and latest.size >= needed:
        included_by = latest.signed_at
    elif signer is not None:
        included_by = format_time(signer.included_by())
    if batch:
        return RecordedBatch(
            events=[Recorded(event_id=o.event_id, leaf_index=o.leaf_index) for o in outcomes],
            checkpoint=checkpoint,
            included_by=included_by,
        )
    (one,) = outcomes
    return RecordedOne(
        event_id=one.event_id,
        leaf_index=one.leaf_index,
        checkpoint=checkpoint,
        included_by=included_by,
    )


def page_items(gate: LedgerGate, start: int, limit: int, size: int) -> tuple[bytes, int | None]:
    """The JSON array of events at ``start ..`` (at most ``limit``) and the last one's position.

    Blocking (database). A full page never changes and is remembered.
    """
    stored = reading.leaves(gate.ledger, start, limit) if start < size else []
    items = [
        LoggedEvent(
            event_id=s.event_id or "", leaf_index=s.leaf_index or 0, statement=s.statement()
        )
        for s in stored
    ]
    body = b"[" + b",".join(item.model_dump_json().encode("utf-8") for item in items) + b"]"
    last = items[-1].leaf_index if items else None
    if len(items) == limit:
        gate.caches.pages.put((start, limit), (body, last), len(body))
    return body, last


def leaf_count(gate: LedgerGate) -> int:
    """How many events the log holds (blocking: may query the database)."""
    token = gate.caches.version.token()
    size = gate.caches.leaf_count.get(token)
    if size is None:
        size = gate.ledger.store.leaf_count()  # the store's own connection: no lock needed
        gate.caches.leaf_count.put(token, size)
    return size


@router.get(
    "/events",
    summary="The public log, page by page",
    response_model=EventPage,
    responses=PROBLEM_RESPONSES,
)
async def list_events(
    request: Request,
    gate: GateDep,
    settings: SettingsDep,
    after: int | None = Query(None, ge=0, le=2**62, description="Start after this leaf index"),
    limit: int = Query(100, ge=1, le=1000, description="Events per page"),
) -> Response:
    start = 0 if after is None else after + 1
    limit = min(limit, settings.max_page_size)
    size = gate.caches.leaf_count.get(gate.caches.version.token())
    if size is None:
        size = await anyio.to_thread.run_sync(leaf_count, gate)
    page = gate.caches.pages.get((start, limit))
    if page is None:
        page = await anyio.to_thread.run_sync(page_items, gate, start, limit, size)
    items, last = page
    next_link = None
    if last is not None and last + 1 < size:
        next_link = str(request.url.replace_query_params(after=last, limit=limit))
    body = b'{"items":%b,"tree_size":%d,"next":%b}' % (items, size, json.dumps(next_link).encode())
    return Response(body, media_type="application/json")


def event_json(gate: LedgerGate, event_id: str) -> bytes:
    """The event's JSON answer (blocking: reads the database; remembered, it never changes)."""
    stored = gate.ledger.statement_leaf(event_id)
    body = (
        LoggedEvent(
            event_id=event_id, leaf_index=stored.leaf_index or 0, statement=stored.statement()
        )
        .model_dump_json()
        .encode("utf-8")
    )
    gate.caches.events.put(event_id, body, len(body))
    return body


@router.get(
    "/events/{event_id}",
    summary="One statement by its id",
    response_model=LoggedEvent,
    responses=PROBLEM_RESPONSES,
)
async def get_event(
    gate: GateDep,
    event_id: EventIdPath,
) -> Response:
    body = gate.caches.events.get(event_id)
    if body is None:
        body = await anyio.to_thread.run_sync(event_json, gate, event_id)
    return Response(body, media_type="application/json")
