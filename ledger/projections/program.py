"""The program that computes the figures, named by a digest of its source.

What a process computes from the verified log and keeps for the next one (a
saved report, ``ledger.projections.saved``; the maintained state,
``ledger.projections.kept``) is used again only by the same program: one whose
rules, statistics or records changed computes again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def _sources_digest() -> bytes:
    """SHA-256 over the path and bytes of every Python source of the ``ledger`` package."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        name = path.relative_to(_PACKAGE).as_posix().encode("utf-8")
        data = path.read_bytes()
        digest.update(b"%d %d\n%s%s" % (len(name), len(data), name, data))
    return digest.digest()


_LOADED = _sources_digest()
"""The sources as this process loaded them (``ledger/__init__`` imports this module)."""


def code_digest() -> bytes:
    """The digest of the ``ledger`` package's sources as this process loaded them.

    Taken when the package is imported, not when a result is first kept: a check
    before acting can run for minutes, and a program installed meanwhile must not
    name what the one running computed."""
    return _LOADED


def sources_unchanged() -> bool:
    """Whether the sources on disk are still those loaded. When they are not (a new
    version installed while this process ran, and a module imported since may be of
    either), nothing is kept or saved under either program's name."""
    return _sources_digest() == _LOADED
