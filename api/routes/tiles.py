"""The log as C2SP tlog-tiles static paths, for mirrors and off-the-shelf tlog clients.

* ``/checkpoint``: the latest signed checkpoint;
* ``/tile/<L>/<N>[.p/<W>]``: hash tiles (level L, index N, partial width W);
* ``/tile/entries/<N>[.p/<W>]``: entry bundles, each entry the canonical
  statement JSON (the Merkle leaf data) behind a big-endian uint16 length.

N is written as 3-digit path elements, all but the last prefixed with ``x``
(1234067 → ``x001/x234/067``). Only tiles within the latest checkpoint are
served; full tiles never change: they are cached as immutable by clients and
kept in memory here (a full tile once served is within every later checkpoint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from api import reading
from api.deps import GateDep, SettingsDep
from api.gate import LedgerGate
from api.routes.checkpoints import latest, served_note_response
from api.schemas import PROBLEM_RESPONSES
from ledger.errors import MalformedTilePath, NotFound
from ledger.log.merkle import TILE_HEIGHT

router = APIRouter(tags=["tiles"])

TILE_WIDTH = 1 << TILE_HEIGHT
FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"
_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")


@dataclass(frozen=True)
class TileAddress:
    """A parsed tile path; ``level`` None means an entry bundle."""

    level: int | None
    index: int
    width: int

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH


def parse_index(parts: list[str]) -> int:
    """Decode x001/x234/067 → 1234067 (no redundant leading groups)."""
    if (
        not parts
        or not _LAST.fullmatch(parts[-1])
        or not all(_GROUP.fullmatch(p) for p in parts[:-1])
    ):
        raise MalformedTilePath("a tile index is 3-digit path elements like x001/x234/067")
    if len(parts) > 1 and parts[0] == "x000":
        raise MalformedTilePath("a tile index has no leading x000 element")
    if len(parts) > 7:
        raise MalformedTilePath("tile index out of range")
    return int("".join(p.lstrip("x") for p in parts))


def parse_tile_path(path: str) -> TileAddress:
    """Parse the part after ``/tile/`` strictly; anything else is a malformed path."""
    parts = path.split("/")
    width = TILE_WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        if not _WIDTH.fullmatch(parts[-1]) or not 1 <= int(parts[-1]) < TILE_WIDTH:
            raise MalformedTilePath("a partial tile width is 1..255")
        width = int(parts[-1])
        parts = parts[:-2] + [parts[-2][: -len(".p")]]
    if len(parts) < 2:
        raise MalformedTilePath("expected /tile/<L>/<N> or /tile/entries/<N>")
    head, rest = parts[0], parts[1:]
    if head == "entries":
        return TileAddress(None, parse_index(rest), width)
    if not _LEVEL.fullmatch(head) or int(head) > 63:
        raise MalformedTilePath("a tile level is a decimal 0..63")
    return TileAddress(int(head), parse_index(rest), width)


def _available_width(address: TileAddress, tree_size: int) -> int:
    level = address.level or 0
    count = tree_size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - address.index * TILE_WIDTH))


def entry_bundle(leaves: list[str]) -> bytes:
    out = bytearray()
    for leaf in leaves:
        data = leaf.encode("utf-8")
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


@router.get(
    "/checkpoint",
    summary="Latest checkpoint (tlog-tiles)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
async def tiles_checkpoint(gate: GateDep, settings: SettingsDep) -> PlainTextResponse:
    return await served_note_response(gate, settings)


def tile_body(gate: LedgerGate, address: TileAddress, tile_path: str) -> bytes:
    """The tile's bytes, if it is within the latest checkpoint (blocking: database and tree)."""
    cp = latest(gate)
    available = _available_width(address, cp.size)
    if available < address.width:
        raise NotFound(f"tile {tile_path} is not within the latest checkpoint (size {cp.size})")
    if address.level is None:
        start = address.index * TILE_WIDTH
        leaves = [s.leaf for s in reading.leaves(gate.ledger, start, address.width)]
        body = entry_bundle(leaves)
    else:
        with gate.current(cp.size) as ledger:
            body = b"".join(ledger.tree.tile_hashes(address.level, address.index, address.width))
    if address.is_full:
        gate.caches.tiles.put(address, body, len(body))
    return body


@router.get(
    "/tile/{tile_path:path}",
    summary="Hash tile or entry bundle (C2SP tlog-tiles)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **PROBLEM_RESPONSES},
)
async def tile(tile_path: str, gate: GateDep) -> Response:
    address = parse_tile_path(tile_path)
    body = gate.caches.tiles.get(address) if address.is_full else None
    if body is None:
        body = await anyio.to_thread.run_sync(tile_body, gate, address, tile_path)
    cache = FULL_TILE_CACHE if address.is_full else PARTIAL_TILE_CACHE
    return Response(body, media_type="application/octet-stream", headers={"Cache-Control": cache})
