"""Inclusion proofs for every event, as static files the verify page fetches.

``data/proofs/<event_id>.json`` holds the event's leaf (the canonical signed
statement, exactly the bytes hashed into the log), its index, the tree size of
the checkpoint and the RFC 6962 audit path (base64, the leaf's sibling first).
With ``data/checkpoint`` and ``data/log.vkey`` a browser checks all of it
without trusting the server.

All proofs are computed in one pass: the tree is built bottom-up level by level
(a node left without a partner is carried up unchanged, which yields exactly
RFC 6962's split at the largest power of two), and each path is read off the
levels. That is O(n) hashes for the tree and O(log n) lookups per proof,
instead of a tree walk per event.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator

from public_site.output import SiteWriter

_sha256 = hashlib.sha256


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
        up = [_sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
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


def write_proofs(writer: SiteWriter, leaves: Iterable[bytes], tree_size: int, root: bytes) -> Iterator[str]:
    """Write one proof file per leaf; yield the event ids in log order.

    Raises ValueError if the leaves do not hash to the checkpoint's root: the
    site must never publish proofs that fail.
    """
    texts = list(leaves)
    hashes = [_sha256(b"\x00" + leaf).digest() for leaf in texts]
    if len(hashes) != tree_size:
        raise ValueError(f"{len(hashes)} leaves for a checkpoint of size {tree_size}")
    levels = tree_levels(hashes)
    if tree_size and levels[-1][0] != root:
        raise ValueError("the leaves do not hash to the checkpoint's root")
    b64 = base64.b64encode
    for index, leaf in enumerate(texts):
        event_id = event_id_of_leaf(leaf)
        body = {
            "event_id": event_id,
            "leaf_index": index,
            "tree_size": tree_size,
            "hashes": [b64(h).decode("ascii") for h in audit_path(levels, index)],
            "leaf": leaf.decode("utf-8"),
            "checkpoint": "../checkpoint",
        }
        writer.write(f"data/proofs/{event_id}.json", json.dumps(body, ensure_ascii=False, separators=(",", ":")))
        yield event_id
