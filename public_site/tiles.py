"""The log as C2SP tlog-tiles static files, so a browser can prove any event itself.

The site publishes, for the checkpoint's tree size ``n``:

* ``data/tile/<L>/<N>`` hash tiles (level L holds the roots of the aligned
  subtrees of 256**L leaves; tile N the 256 numbered from N*256), and the
  right edge as partial tiles ``<N>.p/<W>``;
* ``data/tile/entries/<N>`` entry bundles: each leaf (the canonical signed
  statement, exactly the bytes hashed into the log) behind its big-endian
  uint16 length;
* ``data/ids/<prefix>.json``: which log position holds each event id, sharded
  by the first ``id_prefix_length(n)`` hex digits of the id.

Tile index N is written as 3-digit path elements, all but the last prefixed
with ``x`` (1234067 is ``x001/x234/067``), as c2sp.org/tlog-tiles says. The
verify page fetches the O(log n) tiles an inclusion proof needs and checks
the result against the signed checkpoint: no proof is taken on trust.

All tiles come from one bottom-up pass over the leaf hashes (a node left
without a partner is carried up unchanged, which yields exactly RFC 6962's
split at the largest power of two). Full tiles never change as the log
grows; a full entry bundle is keyed by its subtree hash, so a rebuild skips
it without re-encoding it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable

from public_site.output import SiteWriter

_sha256 = hashlib.sha256
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
ID_SHARD_TARGET = 256
"""About how many event ids an id shard holds (the prefix grows by one hex digit per 16x growth)."""


def event_id_of_leaf(leaf: bytes) -> str:
    """The statement's content id: SHA-256 of the canonical body, i.e. the leaf without its signature.

    The leaf is RFC 8785 canonical JSON whose top-level ``signature`` member is
    the last one before ``type`` and ``v``; removing it leaves the canonical body.
    """
    cut = leaf.rfind(b',"signature":"')
    end = leaf.index(b'"', cut + len(b',"signature":"'))
    return _sha256(leaf[:cut] + leaf[end + 1 :]).hexdigest()


def tree_levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """Levels of the RFC 6962 tree, leaves first, root last."""
    levels = [leaf_hashes]
    level = leaf_hashes
    while len(level) > 1:
        up = [
            _sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            up.append(level[-1])
        levels.append(up)
        level = up
    return levels


def audit_path(levels: list[list[bytes]], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of all the levels' leaves."""
    path: list[bytes] = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


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
    """The site path of a hash tile (``level`` 0..) or an entry bundle (``level`` None)."""
    head = "entries" if level is None else str(level)
    tail = "" if width == TILE_WIDTH else f".p/{width}"
    return f"data/tile/{head}/{tile_index_path(index)}{tail}"


def entry_bundle(leaves: Iterable[bytes]) -> bytes:
    """tlog-tiles entry bundle: each entry behind its big-endian uint16 length."""
    out = bytearray()
    for leaf in leaves:
        if len(leaf) > 0xFFFF:
            raise ValueError(
                f"a statement of {len(leaf)} bytes does not fit a tlog-tiles entry (64 KiB at most)"
            )
        out += len(leaf).to_bytes(2, "big") + leaf
    return bytes(out)


def id_prefix_length(tree_size: int) -> int:
    """Hex digits of the event id that name its id shard, so shards stay small as the log grows."""
    length = 1
    while tree_size > ID_SHARD_TARGET * 16**length:
        length += 1
    return length


def _tile_widths(count: int) -> Iterable[tuple[int, int]]:
    """(tile index, width) of every tile over ``count`` stored hashes, the last maybe partial."""
    for index in range(0, (count + TILE_WIDTH - 1) // TILE_WIDTH):
        yield index, min(TILE_WIDTH, count - index * TILE_WIDTH)


def write_tiles(
    writer: SiteWriter, leaves: Iterable[bytes], tree_size: int, root: bytes
) -> list[str]:
    """Write the tiles, entry bundles and id shards of the first ``tree_size`` leaves; return the event ids.

    Raises ValueError if the leaves do not hash to the checkpoint's root: the
    site must never publish tiles from which proofs fail.
    """
    texts = list(leaves)
    if len(texts) != tree_size:
        raise ValueError(f"{len(texts)} leaves for a checkpoint of size {tree_size}")
    levels = tree_levels([_sha256(b"\x00" + leaf).digest() for leaf in texts])
    if tree_size and levels[-1][0] != root:
        raise ValueError("the leaves do not hash to the checkpoint's root")
    level = 0
    while tree_size >> (TILE_HEIGHT * level):
        stored = levels[TILE_HEIGHT * level]
        for index, width in _tile_widths(tree_size >> (TILE_HEIGHT * level)):
            start = index * TILE_WIDTH
            writer.write(tile_path(level, index, width), b"".join(stored[start : start + width]))
        level += 1
    chunk_roots = levels[TILE_HEIGHT] if len(levels) > TILE_HEIGHT else []
    for index, width in _tile_widths(tree_size):
        start = index * TILE_WIDTH
        bundle = texts[start : start + width]
        if (
            width == TILE_WIDTH
        ):  # a full bundle is committed to by its subtree root, which never changes
            key = base64.b64encode(chunk_roots[index]).decode("ascii")
            writer.write_keyed(tile_path(None, index, width), key, lambda b=bundle: entry_bundle(b))  # type: ignore[misc]
        else:
            writer.write(tile_path(None, index, width), entry_bundle(bundle))
    ids = [event_id_of_leaf(leaf) for leaf in texts]
    prefix = id_prefix_length(tree_size)
    shards: dict[str, dict[str, int]] = {}
    for index, event_id in enumerate(ids):
        shards.setdefault(event_id[:prefix], {})[event_id] = index
    for name, shard in shards.items():
        writer.write(f"data/ids/{name}.json", json.dumps(shard, separators=(",", ":")))
    return ids
