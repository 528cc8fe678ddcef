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
checkpoint), a full tile by its address, a report, its tables and their pages
by the state of the log they were computed from (``api.reporting``,
``api.report_pages``); the latest checkpoint and the state of
the log only while the database's change token is unchanged. That token is
settled once as such a request comes in (``SETTLED``): on PostgreSQL its round
trip runs beside the event loop and is shared by the requests that wait for it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.caches import Encoded
from api.gate import LedgerGate
from api.report_pages import DEFAULT_LIMIT, MAX_LIMIT, Asked
from api.reporting import cached_state, report_key
from api.routes.checkpoints import CHECKPOINT_CACHE, cached_served_note
from api.routes.proofs import cached_inclusion_json
from api.routes.tiles import compresses, kept_tile, tile_answer
from api.settings import Settings
from api.wants import accept_prefers
from ledger.log.tiles import parse_tile_path
from ledger.projections.report_names import REPORT_NAMES

NOTE = "text/plain; charset=utf-8"
JSON = "application/json"
TILE = "application/octet-stream"
SETTLED = ("/v1/checkpoint", "/checkpoint", "/v1/proofs/", "/v1/reports/", "/v1/events")
"""Addresses whose answers depend on the log's state (an event by its id and a tile do
not): the change token is settled before they are looked up (``RequestVersion``)."""


class HotReads:
    """ASGI middleware: remembered answers to plain GETs, everything else to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        gate: LedgerGate | None = getattr(scope["app"].state, "gate", None)
        path: str = scope["path"]
        if gate is None or not _settles(path):
            await self._answer(scope, receive, send)
            return
        settled = await gate.caches.version.settle()
        try:
            await self._answer(scope, receive, send)
        finally:
            gate.caches.version.unsettle(settled)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = remembered(scope)
        if found is not None:
            status, answer = found
            await send_answer(send, scope, status, answer)
            return
        await self.app(scope, receive, send)


def _settles(path: str) -> bool:
    return path.startswith(SETTLED) and not path.startswith("/v1/events/")


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
    compressed = compresses(address, header(scope, b"accept-encoding"))
    served = kept_tile(gate, address, compressed)
    if served is None:
        return None
    status, body, headers = tile_answer(
        address, served, compressed, header(scope, b"if-none-match")
    )
    return status, Encoded(TILE, body, tuple(headers.items()))


def report(gate: LedgerGate, scope: Scope, path: str, query: bytes) -> tuple[int, Encoded] | None:
    """A report, its tables or a page of one from memory, if computed for the log's current state.

    Only the parameters each address takes, each once and written as the
    route would read them (digits without a sign or leading zeros); anything
    else goes to the route, which answers or refuses it.
    """
    name, _, rest = path.partition("/")
    if name not in REPORT_NAMES:
        return None
    params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    given = dict(params)
    if len(given) < len(params):
        return None
    as_csv = accept_prefers(header(scope, b"accept"), "text/csv")
    as_of = given.pop("as_of", None)
    if not rest:
        if given:
            return None
        state = cached_state(gate)
        if state is None:
            return None
        found = gate.caches.reports.get(report_key(name, as_of, as_csv, state))
        return None if found is None else (200, found)
    return _tables(gate, scope, name, rest, as_of, as_csv, given)


def _tables(
    gate: LedgerGate,
    scope: Scope,
    name: str,
    rest: str,
    as_of: str | None,
    as_csv: bool,
    given: dict[str, str],
) -> tuple[int, Encoded] | None:
    """``tables`` (the index), ``tables/T`` (a page of T, or T whole as CSV) from memory."""
    kind, _, table = rest.partition("/")
    counted = {k: _count(v) for k, v in given.items()}
    numbers = {k: v for k, v in counted.items() if v is not None}
    if kind != "tables" or "/" in table or len(numbers) < len(counted):
        return None
    takes = {"tree_size"} if not table or as_csv else {"tree_size", "offset", "limit"}
    if numbers.keys() - takes or (not table and as_csv):
        return None
    if not table:
        return _page(gate, Asked(name, None, as_of), numbers)
    if as_csv:
        return _page(gate, Asked(name, table, as_of, as_csv=True), numbers)
    settings: Settings = scope["app"].state.settings
    limit = numbers.get("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        return None
    rows = min(limit, settings.max_page_size)
    return _page(gate, Asked(name, table, as_of, numbers.get("offset", 0), rows), numbers)


def _count(text: str) -> int | None:
    """A non-negative integer written plainly (``0``, ``17``), else None."""
    if not text.isascii() or not text.isdigit() or len(text) > 18 or text != str(int(text)):
        return None
    return int(text)


def _page(gate: LedgerGate, asked: Asked, numbers: dict[str, int]) -> tuple[int, Encoded] | None:
    state = cached_state(gate)
    if state is None or numbers.get("tree_size", state[0]) != state[0]:
        return None
    if asked.offset is not None and asked.offset > 2**31:
        return None
    found = asked.cache(gate.caches).get(asked.key(state))
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
