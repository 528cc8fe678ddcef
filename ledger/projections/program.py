"""The program that computes the figures, named by a digest of its source.

What a process computes from the verified log and keeps for the next one (a
saved report, ``ledger.projections.saved``; the maintained state,
``ledger.projections.kept``) is used again only by the same program: one whose
rules, statistics or records changed computes again.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def code_digest() -> bytes:
    """SHA-256 over the path and bytes of every Python source of the ``ledger`` package."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        name = path.relative_to(_PACKAGE).as_posix().encode("utf-8")
        data = path.read_bytes()
        digest.update(b"%d %d\n%s%s" % (len(name), len(data), name, data))
    return digest.digest()
