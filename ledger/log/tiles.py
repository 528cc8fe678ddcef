"""The log as C2SP tlog-tiles: tile paths, entry bundles, id shards, and writing them.

This module is the one home of the tiles format; the public site writes tiles
with it, the API serves them with it and a mirror reads them with it. A log of
tree size ``n`` is published as:

* ``tile/<L>/<N>`` hash tiles: level L holds the roots of the aligned
  subtrees of 256**L leaves, tile N the 256 of them numbered from N*256; the
  right edge is a partial tile ``<N>.p/<W>`` of width W < 256;
* ``tile/entries/<N>`` entry bundles: each leaf (the canonical signed
  statement, exactly the bytes hashed into the log) behind its big-endian
  uint16 length;
* ``ids/<prefix>.json`` (the site only): which log position holds each event
  id, sharded by the first ``id_prefix_length(n)`` hex digits of the id.

Tile index N is written as 3-digit path elements, all but the last prefixed
with ``x`` (1234067 is ``x001/x234/067``), as c2sp.org/tlog-tiles says. The
hashes come from :class:`ledger.log.merkle.MerkleTree`, whose tiles and proofs
are checked byte for byte against Go's ``sumdb/tlog``: full tiles never change
as the log grows, so a rebuild can skip them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from ledger.errors import ProofError
from ledger.log.merkle import TILE_HEIGHT, MerkleTree, leaf_hash
from ledger.statements import event_id_of_leaf

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes (or entries) in a full tile: 256."""
MAX_ENTRY_BYTES = 0xFFFF
"""An entry bundle prefixes each entry with a uint16 length: 64 KiB at most."""
ID_SHARD_TARGET = 256
"""About how many event ids an id shard holds (the prefix grows by one hex digit per 16x growth)."""

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_MAX_LEVEL = 63
_MAX_INDEX_ELEMENTS = 7  # 3 * 7 digits cover every tile of a tree of up to 2**63 leaves


@dataclass(frozen=True)
class TileAddress:
    """A tile: ``level`` None means the entry bundle of that index."""

    level: int | None
    index: int
    width: int

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)

    def available_width(self, tree_size: int) -> int:
        """How many of this tile's hashes (or entries) a tree of ``tree_size`` leaves has."""
        count = tree_size >> (TILE_HEIGHT * (self.level or 0))
        return max(0, min(TILE_WIDTH, count - self.index * TILE_WIDTH))


def tile_index_path(index: int) -> str:
    """1234067 → ``x001/x234/067`` (no leading ``x000`` element)."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | None, index: int, width: int) -> str:
    """``tile/<L>/<N>[.p/<W>]`` of a hash tile (``level`` 0..) or an entry bundle (``level`` None)."""
    head = "entries" if level is None else str(level)
    tail = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{head}/{tile_index_path(index)}{tail}"


def parse_tile_index(parts: list[str]) -> int:
    """Decode ``x001/x234/067`` (split on ``/``) → 1234067, strictly.

    Raises ValueError saying what is wrong: one spelling per index, so a path
    that names a tile names it the way every other client does.
    """
    if (
        not parts
        or not _LAST.fullmatch(parts[-1])
        or not all(_GROUP.fullmatch(p) for p in parts[:-1])
    ):
        raise ValueError("a tile index is 3-digit path elements like x001/x234/067")
    if len(parts) > 1 and parts[0] == "x000":
        raise ValueError("a tile index has no leading x000 element")
    if len(parts) > _MAX_INDEX_ELEMENTS:
        raise ValueError("tile index out of range")
    return int("".join(p.lstrip("x") for p in parts))


def parse_tile_path(path: str) -> TileAddress:
    """Parse the part of a tile path after ``tile/``; raise ValueError unless it is exact."""
    parts = path.split("/")
    width = TILE_WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        if not _WIDTH.fullmatch(parts[-1]) or not 1 <= int(parts[-1]) < TILE_WIDTH:
            raise ValueError("a partial tile width is 1..255")
        width = int(parts[-1])
        parts = parts[:-2] + [parts[-2][: -len(".p")]]
    if len(parts) < 2:
        raise ValueError("expected /tile/<L>/<N> or /tile/entries/<N>")
    head, rest = parts[0], parts[1:]
    if head == "entries":
        return TileAddress(None, parse_tile_index(rest), width)
    if not _LEVEL.fullmatch(head) or int(head) > _MAX_LEVEL:
        raise ValueError("a tile level is a decimal 0..63")
    return TileAddress(int(head), parse_tile_index(rest), width)


def entry_bundle(leaves: Iterable[bytes]) -> bytes:
    """tlog-tiles entry bundle: each entry behind its big-endian uint16 length."""
    out = bytearray()
    for leaf in leaves:
        if len(leaf) > MAX_ENTRY_BYTES:
            raise ValueError(
                f"a statement of {len(leaf)} bytes does not fit a tlog-tiles entry (64 KiB at most)"
            )
        out += len(leaf).to_bytes(2, "big") + leaf
    return bytes(out)


def parse_entry_bundle(data: bytes, expected: int) -> list[bytes]:
    """Split an entry bundle into its entries; raise ProofError unless it holds ``expected``."""
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
    """The 32-byte hashes of a hash tile; raise ProofError unless it holds ``expected``."""
    if len(data) != 32 * expected:
        raise ProofError(
            f"a hash tile of width {expected} is {32 * expected} bytes, got {len(data)}"
        )
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def id_prefix_length(tree_size: int) -> int:
    """Hex digits of the event id that name its id shard, so shards stay small as the log grows."""
    length = 1
    while tree_size > ID_SHARD_TARGET * 16**length:
        length += 1
    return length


def tiles_of(tree_size: int, level: int | None) -> Iterable[TileAddress]:
    """Every tile of a level (entry bundles for None) of a tree of ``tree_size``, the last maybe partial."""
    count = tree_size >> (TILE_HEIGHT * (level or 0))
    for index in range(0, (count + TILE_WIDTH - 1) // TILE_WIDTH):
        yield TileAddress(level, index, min(TILE_WIDTH, count - index * TILE_WIDTH))


LeafIds = Callable[[int, int], "list[str] | None"]
"""The event ids of positions ``start`` to ``end - 1``, when known without reading the leaves."""


class TileWriter(Protocol):
    """Where tiles go: a file tree that skips unchanged files (the site's ``SiteWriter``)."""

    def write(self, relative: str, content: str | bytes) -> bool: ...

    def write_keyed(self, relative: str, key: str, produce: Callable[[], str | bytes]) -> bool: ...


LeafRange = Callable[[int, int], Iterable[bytes]]
"""The leaves at positions ``start`` to ``end - 1``, in log order."""


def held(leaves: Iterable[bytes], size: int) -> LeafRange:
    """``leaves`` held in memory, which must be ``size`` of them, read back by range."""
    kept = list(leaves)
    if len(kept) != size:
        raise ValueError(f"{len(kept)} leaves for a checkpoint of size {size}")
    return lambda start, end: kept[start:end]


def hashed_tree(read: LeafRange, size: int) -> MerkleTree:
    """The tree of the first ``size`` leaves, every one of them read and hashed."""
    hashes = [leaf_hash(leaf) for leaf in read(0, size)]
    return MerkleTree(lambda start, end: hashes[start:end], size=size)


def write_tiles(
    writer: TileWriter,
    leaves: Iterable[bytes] | LeafRange,
    tree_size: int,
    root: bytes,
    *,
    under: str = "",
    tree: MerkleTree | None = None,
    kept_ids: LeafIds | None = None,
) -> list[str]:
    """Write the tiles, entry bundles and id shards of the first ``tree_size`` leaves; return the event ids.

    Paths are ``under`` followed by ``tile/...`` and ``ids/...``. Raises
    ValueError if the leaves do not hash to the checkpoint's root: tiles from
    which proofs fail are never published.

    ``leaves`` are the leaves themselves, or what reads a range of them.
    ``tree`` is a tree of at least ``tree_size`` leaf hashes already checked
    against the leaves they stand for (the ledger's, after it verified its
    store before acting). With it and a reader, leaves are read only for the
    entry bundles written now, a bundle at a time, each checked against the
    hashes its tile holds: a full tile, hash tile or entry bundle, is
    committed to by the root of its subtree, which never changes as the log
    grows, so it is keyed by that root and a rebuild neither reads, assembles
    nor hashes the full tiles it wrote before. The ids of a bundle kept as it
    was come from ``kept_ids`` (the id shards the last build wrote from the
    same leaves) when it has them, and from the leaves otherwise. Without a
    tree, every leaf is read and hashed first.
    """
    if tree is None:
        read = held(leaves(0, tree_size) if callable(leaves) else leaves, tree_size)
        tree = hashed_tree(read, tree_size)
    else:
        read = leaves if callable(leaves) else held(leaves, tree_size)
    if tree.size < tree_size:
        raise ValueError(f"a tree of {tree.size} leaves for a checkpoint of size {tree_size}")
    if tree_size and tree.root(tree_size) != root:
        raise ValueError("the leaves do not hash to the checkpoint's root")
    merkle = tree

    def hash_tile(level: int, tile: TileAddress) -> bytes:
        return b"".join(merkle.tile_hashes(level, tile.index, tile.width))

    level = 0
    while tree_size >> (TILE_HEIGHT * level):
        for tile in tiles_of(tree_size, level):
            if tile.is_full:
                key = _subtree_key(merkle, level + 1, tile.index)
                produce = partial(hash_tile, level, tile)
                writer.write_keyed(under + tile.path, key, produce)
            else:
                writer.write(under + tile.path, hash_tile(level, tile))
        level += 1

    ids: list[str] = []

    def entries_of(tile: TileAddress) -> list[bytes]:
        start = tile.index * TILE_WIDTH
        entries = list(read(start, start + tile.width))
        if len(entries) != tile.width:
            raise ValueError(f"{start + len(entries)} leaves for a checkpoint of size {tree_size}")
        if [leaf_hash(e) for e in entries] != merkle.tile_hashes(0, tile.index, tile.width):
            raise ValueError(
                f"the leaves of entry bundle {tile.index} are not the ones the tree holds"
            )
        ids.extend(event_id_of_leaf(leaf) for leaf in entries)
        return entries

    for tile in tiles_of(tree_size, None):
        start = tile.index * TILE_WIDTH
        if not tile.is_full:
            writer.write(under + tile.path, entry_bundle(entries_of(tile)))
            continue
        key = _subtree_key(merkle, 1, tile.index)
        made = writer.write_keyed(under + tile.path, key, partial(_bundle_of, entries_of, tile))
        if not made:
            known = kept_ids(start, start + tile.width) if kept_ids is not None else None
            if known is not None and len(known) == tile.width:
                ids.extend(known)
            else:
                entries_of(tile)
    prefix = id_prefix_length(tree_size)
    shards: dict[str, dict[str, int]] = {}
    for index, event_id in enumerate(ids):
        shards.setdefault(event_id[:prefix], {})[event_id] = index
    for name, shard in shards.items():
        writer.write(f"{under}ids/{name}.json", json.dumps(shard, separators=(",", ":")))
    return ids


def _bundle_of(entries_of: Callable[[TileAddress], list[bytes]], tile: TileAddress) -> bytes:
    return entry_bundle(entries_of(tile))


def _subtree_key(tree: MerkleTree, height: int, index: int) -> str:
    """The root of the ``index``-th aligned subtree of 256**``height`` leaves, as a key (base64)."""
    span = TILE_WIDTH**height
    return base64.b64encode(tree.subtree_hash(index * span, (index + 1) * span)).decode("ascii")
