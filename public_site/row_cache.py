"""Table rows rendered by an earlier build, reused when neither the row nor what renders it changed.

The filtered tables (``public_site.filters``) show every promise and every
case, tens of thousands of rows in a big city, and each of their pages changes
with almost any new event: the pages must be written again, but their rows
need not be rendered again. A cache file per table and language, kept in the
site directory under ``.site-cache/``, maps the digest of a row's data to its
HTML. It holds the ``context`` digest it was made under (the renderer's
version and everything besides the row that a row shows, such as group names):
a cache made under another context is ignored whole. Each build saves only the
rows it showed, so the cache never outgrows the table. The cache is written
through the site's writer (``SiteWriter``), whose manifest holds its size and
modification time: a cache file changed since the build that wrote it is not read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from public_site.output import SiteWriter

CACHE_DIR = ".site-cache"


class RowCache:
    """Row HTML by row digest, for one table in one language."""

    def __init__(self, writer: SiteWriter, relative: str, context: str) -> None:
        self.writer = writer
        self.relative = relative
        self.context = context
        self.reused = 0
        self._previous: dict[str, str] = {}
        self._current: dict[str, str] = {}
        if not writer.as_last_written(relative):
            return
        try:
            saved = json.loads((writer.root / relative).read_text("utf-8"))
        except (OSError, ValueError):
            return
        rows = saved.get("rows") if isinstance(saved, dict) else None
        if isinstance(rows, dict) and saved.get("context") == context:
            self._previous = rows

    def html(self, digest: str, render: Callable[[], str]) -> str:
        """The row's HTML: the earlier build's when the digest is known, else rendered now."""
        text = self._previous.get(digest)
        if text is None:
            text = render()
        else:
            self.reused += 1
        self._current[digest] = text
        return text

    def save(self) -> None:
        """Keep this build's rows for the next."""
        saved = {"context": self.context, "rows": self._current}
        self.writer.write(self.relative, json.dumps(saved, ensure_ascii=False))


def inputs_digest(value: Any) -> str:
    """The digest of what a page or row renders (JSON, keys sorted: equal data, equal digest)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
