"""The hot reads, answered from memory before FastAPI routes, validates or encodes anything.

Mirrors, witnesses, the public site and journalists read the same few things
over and over: the latest checkpoint, events by id, inclusion proofs, full
tiles and reports. Once an answer has been computed by its route (which checks
the request, reads verified leaves and fills ``api.caches``), this layer
serves the remembered bytes straight to the ASGI server for a plain ``GET`` of
the same address, with the same headers and body. Anything else — another
method, a query parameter, a form asked for in ``Accept``, an answer not
remembered, one that may have gone stale — goes on to the routes unchanged, so
refusals, errors and validation stay where they are.

What a remembered answer may be reused for is decided by the same keys the
routes use: an event by its id, a proof by (event, tree size of the latest
checkpoint), a full tile by its address, a report by the state of the log it
was computed from (``api.reporting``); the latest checkpoint and the state of
the log only while the database's change token is unchanged.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.caches import Encoded
from api.gate import LedgerGate
from api.reporting import cached_state, report_key
from api.routes.checkpoints import CHECKPOINT_CACHE, cached_served_note
from api.routes.proofs import cached_inclusion_json
from api.routes.tiles import not_modified, tile_headers
from api.settings import Settings
from api.wants import accept_prefers
from ledger.log.tiles import parse_tile_path
from ledger.projections.report_names import REPORT_NAMES

NOTE = "text/plain; charset=utf-8"
JSON = "application/json"
TILE = "application/octet-stream"


class HotReads:
    """ASGI middleware: remembered answers to plain GETs, everything else to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = remembered(scope)
            if found is not None:
                status, answer = found
                await send_answer(send, scope, status, answer)
                return
        await self.app(scope, receive, send)


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def remembered(scope: Scope) -> tuple[int, Encoded] | None:
    """The status and answer to serve from memory, or None to let the routes answer."""
    state = scope["app"].state
    gate: LedgerGate | None = getattr(state, "gate", None)
    if gate is None:
        return None
    path: str = scope["path"]
    query: bytes = scope["query_string"]
    if path.startswith("/v1/reports/"):
        return report(gate, scope, path.removeprefix("/v1/reports/"), query)
    if query:
        return None
    if path in ("/v1/checkpoint", "/checkpoint"):
        settings: Settings = state.settings
        note = cached_served_note(gate, settings)
        if note is None:
            return None
        return 200, Encoded(NOTE, note.encode("utf-8"), (("Cache-Control", CHECKPOINT_CACHE),))
    if path.startswith("/v1/events/"):
        body = gate.caches.events.get(path.removeprefix("/v1/events/"))
        return None if body is None else (200, Encoded(JSON, body))
    if path.startswith("/v1/proofs/inclusion/"):
        if accept_prefers(header(scope, b"accept"), "text/plain"):
            return None
        body = cached_inclusion_json(gate, path.removeprefix("/v1/proofs/inclusion/"))
        return None if body is None else (200, Encoded(JSON, body))
    if path.startswith("/tile/"):
        return tile(gate, scope, path.removeprefix("/tile/"))
    return None


def tile(gate: LedgerGate, scope: Scope, tile_path: str) -> tuple[int, Encoded] | None:
    """A full tile from memory (304 when the client holds it); partial tiles go to the route."""
    try:
        address = parse_tile_path(tile_path)
    except ValueError:
        return None
    if not address.is_full:
        return None
    served = gate.caches.tiles.get(address)
    if served is None:
        return None
    body, tag = served
    headers = tuple(tile_headers(address, tag).items())
    if not_modified(tag, header(scope, b"if-none-match")):
        return 304, Encoded(TILE, b"", headers)
    return 200, Encoded(TILE, body, headers)


def report(gate: LedgerGate, scope: Scope, name: str, query: bytes) -> tuple[int, Encoded] | None:
    """A report from memory, if computed for the log's current state with these parameters."""
    if name not in REPORT_NAMES:
        return None
    params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if len(params) > 1 or any(key != "as_of" for key, _ in params):
        return None
    as_of = params[0][1] if params else None
    state = cached_state(gate)
    if state is None:
        return None
    as_csv = accept_prefers(header(scope, b"accept"), "text/csv")
    found = gate.caches.reports.get(report_key(name, as_of, as_csv, state))
    return None if found is None else (200, found)


async def send_answer(send: Send, scope: Scope, status: int, answer: Encoded) -> None:
    """The answer as Starlette's ``Response`` would send it (a 304 without a body or its type)."""
    body, extra = answer.for_client(header(scope, b"accept-encoding"))
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra]
    if status != 304:
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        headers.append((b"content-type", answer.media_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body if status != 304 else b""})
