"""The log as C2SP tlog-tiles static paths, for mirrors and off-the-shelf tlog clients.

* ``/checkpoint``: the latest signed checkpoint;
* ``/tile/<L>/<N>[.p/<W>]``: hash tiles (level L, index N, partial width W);
* ``/tile/entries/<N>[.p/<W>]``: entry bundles, each entry the canonical
  statement JSON (the Merkle leaf data) behind a big-endian uint16 length.

N is written as 3-digit path elements, all but the last prefixed with ``x``
(1234067 → ``x001/x234/067``). Only tiles within the latest checkpoint are
served; full tiles never change: they are cached as immutable by clients and
kept in memory here (a full tile once served is within every later checkpoint).

Every tile carries a strong ``ETag``, the SHA-256 of its bytes, so a client
or a caching proxy that already holds a tile asks with ``If-None-Match`` and
gets ``304 Not Modified`` without the bytes (RFC 9110, sections 8.8.3 and 13.1.2).
"""

from __future__ import annotations

import hashlib

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from api import reading
from api.deps import GateDep, SettingsDep
from api.gate import LedgerGate
from api.routes.checkpoints import latest, served_note_response
from api.schemas import PROBLEM_RESPONSES
from ledger.errors import MalformedTilePath, NotFound
from ledger.log.tiles import TILE_WIDTH, TileAddress, entry_bundle, parse_tile_path

router = APIRouter(tags=["tiles"])

FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"


def parse_address(tile_path: str) -> TileAddress:
    """The tile a request names; a path not in the exact tlog-tiles form is malformed."""
    try:
        return parse_tile_path(tile_path)
    except ValueError as exc:
        raise MalformedTilePath(
            f"path parameter 'tile_path' ({tile_path!r}) is not a tile: {exc}", field="tile_path"
        ) from None


@router.get(
    "/checkpoint",
    summary="Latest checkpoint (tlog-tiles)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
async def tiles_checkpoint(gate: GateDep, settings: SettingsDep) -> PlainTextResponse:
    return await served_note_response(gate, settings)


def tile_body(gate: LedgerGate, address: TileAddress, tile_path: str) -> tuple[bytes, str]:
    """The tile's bytes and entity tag, if it is within the latest checkpoint (blocking:
    database and tree). A full tile is kept with its tag, so neither is computed twice."""
    cp = latest(gate)
    available = address.available_width(cp.size)
    if available < address.width:
        raise NotFound(f"tile {tile_path} is not within the latest checkpoint (size {cp.size})")
    if address.level is None:
        start = address.index * TILE_WIDTH
        leaves = reading.leaves(gate.ledger, start, address.width)
        body = entry_bundle(stored.leaf.encode("utf-8") for stored in leaves)
    else:
        with gate.current(cp.size) as ledger:
            body = b"".join(ledger.tree.tile_hashes(address.level, address.index, address.width))
    served = (body, entity_tag(body))
    if address.is_full:
        gate.caches.tiles.put(address, *served)
    return served


@router.get(
    "/tile/{tile_path:path}",
    summary="Hash tile or entry bundle (C2SP tlog-tiles)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **PROBLEM_RESPONSES},
)
async def tile(tile_path: str, gate: GateDep, request: Request) -> Response:
    address = parse_address(tile_path)
    served = gate.caches.tiles.get(address) if address.is_full else None
    if served is None:
        served = await anyio.to_thread.run_sync(tile_body, gate, address, tile_path)
    body, tag = served
    headers = tile_headers(address, tag)
    if not_modified(tag, request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/octet-stream", headers=headers)


def tile_headers(address: TileAddress, tag: str) -> dict[str, str]:
    """A full tile never changes (cached for a year); a partial one is replaced as the log grows."""
    return {
        "Cache-Control": FULL_TILE_CACHE if address.is_full else PARTIAL_TILE_CACHE,
        "ETag": tag,
    }


def not_modified(tag: str, if_none_match_header: str) -> bool:
    """Whether the client already holds the tile ``tag`` names (answer 304)."""
    held = if_none_match(if_none_match_header)
    return tag in held or "*" in held


def entity_tag(body: bytes) -> str:
    """A strong entity tag: the SHA-256 of the tile's bytes, quoted."""
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def if_none_match(header: str) -> set[str]:
    """The entity tags an ``If-None-Match`` header lists (weak ones compared weakly, RFC 9110 13.1.2)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
