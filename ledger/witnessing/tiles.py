"""Reading a log over C2SP tlog-tiles: tile paths and entry bundles."""

from __future__ import annotations

from ledger.errors import ProofError
from ledger.log.merkle import TILE_HEIGHT

TILE_WIDTH = 1 << TILE_HEIGHT


def tile_index_path(index: int) -> str:
    """1234067 → ``x001/x234/067`` (3-digit elements, all but the last prefixed x)."""
    digits = f"{index:d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | str, index: int, width: int) -> str:
    """``tile/<L or entries>/<N>[.p/<W>]`` for a full (256) or partial tile."""
    path = f"tile/{level}/{tile_index_path(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def parse_entry_bundle(data: bytes, expected: int) -> list[bytes]:
    """Split an entry bundle (uint16 big-endian length, then the entry) into entries."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ProofError("an entry bundle ends inside a length prefix")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise ProofError("an entry bundle ends inside an entry")
        entries.append(data[offset : offset + length])
        offset += length
    if len(entries) != expected:
        raise ProofError(f"the entry bundle holds {len(entries)} entries, expected {expected}")
    return entries


def split_hash_tile(data: bytes, expected: int) -> list[bytes]:
    if len(data) != 32 * expected:
        raise ProofError(
            f"a hash tile of width {expected} is {32 * expected} bytes, got {len(data)}"
        )
    return [data[i : i + 32] for i in range(0, len(data), 32)]
