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

Entry bundles "SHOULD be compressed at the HTTP layer" (tlog-tiles): a client
whose ``Accept-Encoding`` allows gzip gets the bundle with
``Content-Encoding: gzip``, about a quarter of its bytes, compressed once and
kept beside the bundle; any other client gets the bundle as it is. The two are
two representations (``Vary: Accept-Encoding``), each with the SHA-256 of its
own bytes as its tag. Hash tiles are random bytes that do not compress, and
are always sent as they are.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Hashable

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from api import reading
from api.caches import accepts_gzip
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


def compresses(address: TileAddress, accept_encoding: str) -> bool:
    """Whether the tile goes out gzipped: an entry bundle, to a client that accepts gzip."""
    return address.level is None and accepts_gzip(accept_encoding)


def cache_key(address: TileAddress, compressed: bool) -> Hashable:
    """Where a full tile's representation is kept: the bundle gzipped apart from it as it is."""
    return (address, "gzip") if compressed else address


def tile_served(
    gate: LedgerGate, address: TileAddress, tile_path: str, compressed: bool
) -> tuple[bytes, str]:
    """The representation asked for and its entity tag, if the tile is within the latest
    checkpoint (blocking: database and tree). A full tile's is kept, so neither is
    computed twice."""
    if not compressed:
        served = tile_body(gate, address, tile_path)
    else:
        kept = kept_tile(gate, address, compressed=False)
        body = kept[0] if kept is not None else tile_body(gate, address, tile_path)[0]
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        served = (packed, entity_tag(packed))
    if address.is_full:
        gate.caches.tiles.put(cache_key(address, compressed), *served)
    return served


def tile_body(gate: LedgerGate, address: TileAddress, tile_path: str) -> tuple[bytes, str]:
    """The tile's bytes and entity tag, if it is within the latest checkpoint (blocking:
    database and tree)."""
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
    return body, entity_tag(body)


@router.get(
    "/tile/{tile_path:path}",
    summary="Hash tile or entry bundle (C2SP tlog-tiles)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **PROBLEM_RESPONSES},
)
async def tile(tile_path: str, gate: GateDep, request: Request) -> Response:
    address = parse_address(tile_path)
    compressed = compresses(address, request.headers.get("accept-encoding", ""))
    served = kept_tile(gate, address, compressed)
    if served is None:
        served = await anyio.to_thread.run_sync(tile_served, gate, address, tile_path, compressed)
    status, body, headers = tile_answer(
        address, served, compressed, request.headers.get("if-none-match", "")
    )
    if status == 304:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/octet-stream", headers=headers)


def kept_tile(gate: LedgerGate, address: TileAddress, compressed: bool) -> tuple[bytes, str] | None:
    """A full tile's representation and tag as kept, if they are (a partial one never is)."""
    return gate.caches.tiles.get(cache_key(address, compressed)) if address.is_full else None


def tile_answer(
    address: TileAddress, served: tuple[bytes, str], compressed: bool, if_none_match_header: str
) -> tuple[int, bytes, dict[str, str]]:
    """The status, body and headers of a tile's answer: 304 without the body when the
    client holds the representation (the route and ``api.hot`` alike)."""
    body, tag = served
    headers = tile_headers(address, tag, compressed)
    if not_modified(tag, if_none_match_header):
        return 304, b"", headers
    return 200, body, headers


def tile_headers(address: TileAddress, tag: str, compressed: bool) -> dict[str, str]:
    """A full tile never changes (cached for a year); a partial one is replaced as the log grows.
    An entry bundle has two representations, gzipped and not, chosen by ``Accept-Encoding``."""
    headers = {
        "Cache-Control": FULL_TILE_CACHE if address.is_full else PARTIAL_TILE_CACHE,
        "ETag": tag,
    }
    if address.level is None:
        headers["Vary"] = "Accept-Encoding"
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return headers


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
