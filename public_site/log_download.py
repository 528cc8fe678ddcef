"""The log as one download, compressed: ``data/export/log.jsonl.gz``.

The site's tiles already hold every leaf, in the entry bundles the verify
page and any tlog client read. The download a reader verifies with
``ledger verify --export`` is the same leaves once more, as ``log.jsonl``; it
is published compressed with gzip (RFC 1952), so the site stores the leaves
in full only once. ``gunzip log.jsonl.gz`` (or any unzip program) gives back
``log.jsonl`` byte for byte: every leaf, one per line, in log order.

The file is a series of gzip members, one per ``CHUNK`` leaves, which every
gzip reader reads as one stream. A member is keyed by the digest of the lines
it compresses, so a rebuild after the log grew compresses only the last,
partial chunk and the chunks after it, and keeps the bytes of the others
(``SiteWriter.write_parts``). Compression is deterministic (no time stamp,
fixed level): the same leaves give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Sequence
from functools import partial

from public_site.output import SiteWriter

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


def write_compressed_log(writer: SiteWriter, relative: str, leaves: Sequence[bytes]) -> None:
    """``leaves`` as ``log.jsonl`` compressed with gzip, at ``relative``; unchanged chunks are not compressed again."""
    parts: list[tuple[str, Callable[[], bytes]]] = []
    for start in range(0, len(leaves), CHUNK):
        chunk = leaves[start : start + CHUNK]
        digest = hashlib.blake2b(digest_size=16)
        for leaf in chunk:
            digest.update(leaf + b"\n")
        parts.append((f"{len(chunk)}.{digest.hexdigest()}", partial(compressed, chunk)))
    writer.write_parts(relative, parts)
