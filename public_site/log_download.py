"""The log as one download, compressed: ``data/export/log.jsonl.gz``.

The site's tiles already hold every leaf, in the entry bundles the verify
page and any tlog client read. The download a reader verifies with
``ledger verify --export`` is the same leaves once more, as ``log.jsonl``; it
is published compressed with gzip (RFC 1952), so the site stores the leaves
in full only once. ``gunzip log.jsonl.gz`` (or any unzip program) gives back
``log.jsonl`` byte for byte: every leaf, one per line, in log order.

The file is a series of gzip members, one per ``CHUNK`` leaves, which every
gzip reader reads as one stream. A member is keyed by the leaf hashes of the
lines it compresses, so a rebuild after the log grew reads and compresses
only the last, partial chunk and the chunks after it, and keeps the bytes of the others
(``SiteWriter.write_parts``). Compression is deterministic (no time stamp,
fixed level): the same leaves give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from ledger.log.merkle import leaf_hash
from ledger.log.tiles import LeafRange, hashed_tree, held
from public_site.output import SiteWriter

LeafHashes = Callable[[int, int], Sequence[bytes]]
"""The leaf hashes of positions ``start`` to ``end - 1``."""

COMPRESSED = ".gz"
"""What the compressed log's name adds to ``log.jsonl``."""
CHUNK = 16384
"""Leaves per gzip member: 64 entry bundles, a few megabytes of JSON."""
LEVEL = 6
"""gzip's default level: within a few per cent of the best size, several times faster than 9."""


def lines_of(leaves: Sequence[bytes]) -> bytes:
    return b"".join(leaf + b"\n" for leaf in leaves)


def compressed(leaves: Sequence[bytes]) -> bytes:
    """One gzip member holding ``leaves`` as lines of ``log.jsonl``."""
    return gzip.compress(lines_of(leaves), compresslevel=LEVEL, mtime=0)


def write_compressed_log(
    writer: SiteWriter,
    relative: str,
    leaves: Iterable[bytes] | LeafRange,
    size: int | None = None,
    hashes: LeafHashes | None = None,
) -> None:
    """The first ``size`` leaves as ``log.jsonl`` compressed with gzip, at ``relative``.

    ``leaves`` are the leaves, or what reads a range of them; ``hashes`` gives
    the leaf hashes of a range (a verified tree's). A chunk is keyed by its
    leaf hashes, so the chunks kept from the last build are neither read nor
    compressed again; a chunk compressed now is read and each of its leaves
    checked against its hash first.
    """
    if callable(leaves):
        read: LeafRange = leaves
    else:
        given = list(leaves)
        size = len(given) if size is None else size
        read = held(given, size)
    if size is None:
        raise ValueError("the size of the log to compress is needed with a reader")
    if hashes is None:
        hashes = hashed_tree(read, size).leaf_hashes
    parts: list[tuple[str, Callable[[], bytes]]] = []
    for start in range(0, size, CHUNK):
        end = min(size, start + CHUNK)
        expected = list(hashes(start, end))
        key = hashlib.blake2b(b"".join(expected), digest_size=16).hexdigest()
        parts.append((f"{end - start}.{key}", partial(_chunk, read, start, end, expected)))
    writer.write_parts(relative, parts)


def _chunk(read: LeafRange, start: int, end: int, expected: list[bytes]) -> bytes:
    leaves = list(read(start, end))
    if [leaf_hash(leaf) for leaf in leaves] != expected:
        raise ValueError(
            f"the leaves at log positions {start} to {end - 1} are not the ones the tree holds"
        )
    return compressed(leaves)
