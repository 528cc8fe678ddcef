"""Writing the site incrementally: a file is rewritten only when its content changed.

The writer remembers, in ``.site-state.json`` inside the output directory, a
digest of every file it wrote. A rebuild hashes each new content and leaves the
file alone when the digest matches and the file is still there, so hosts that
sync by modification time (rsync, object stores) upload only what changed.
Files the previous build wrote and this one did not are removed at ``finish``
(nothing else in the directory is ever touched).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

STATE_FILE = ".site-state.json"


class SiteWriter:
    """Writes files under ``root``; counts what it wrote and what it skipped."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._state_path = self.root / STATE_FILE
        try:
            self._previous: dict[str, str] = json.loads(self._state_path.read_text("utf-8"))
        except (OSError, ValueError):
            self._previous = {}
        self._current: dict[str, str] = {}
        self._made_dirs: set[str] = set()
        self.written = 0
        self.unchanged = 0

    def _target(self, relative: str) -> str:
        if relative.startswith("/") or ".." in relative.split("/"):
            raise ValueError(f"refusing to write outside the site: {relative!r}")
        path = os.path.join(self.root, relative)
        folder = os.path.dirname(path)
        if folder not in self._made_dirs:
            os.makedirs(folder, exist_ok=True)
            self._made_dirs.add(folder)
        return path

    def write(self, relative: str, content: str | bytes) -> bool:
        """Write ``content`` at ``relative`` unless it is unchanged; return whether it was written."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.blake2b(data, digest_size=12).hexdigest()
        self._current[relative] = digest
        path = self._target(relative)
        if self._previous.get(relative) == digest and os.path.exists(path):
            self.unchanged += 1
            return False
        with open(path, "wb") as handle:
            handle.write(data)
        self.written += 1
        return True

    def write_keyed(self, relative: str, key: str, produce: Callable[[], str | bytes]) -> bool:
        """Write what ``produce`` returns unless the previous build wrote ``relative`` under the same ``key``.

        For large files whose content is fixed by a short key (an entry bundle by
        its subtree hash, a page by the digest of its inputs): an unchanged file
        costs neither producing nor hashing its content.
        """
        recorded = f"key:{key}"
        self._current[relative] = recorded
        path = self._target(relative)
        if self._previous.get(relative) == recorded and os.path.exists(path):
            self.unchanged += 1
            return False
        content = produce()
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "wb") as handle:
            handle.write(data)
        self.written += 1
        return True

    def copy(self, relative: str, source: Path) -> bool:
        """Copy a file (fonts, the full log) into the site, unless unchanged."""
        hasher = hashlib.blake2b(digest_size=12)
        with open(source, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(chunk)
        digest = hasher.hexdigest()
        self._current[relative] = digest
        path = self._target(relative)
        if self._previous.get(relative) == digest and os.path.exists(path):
            self.unchanged += 1
            return False
        shutil.copyfile(source, path)
        self.written += 1
        return True

    def finish(self) -> int:
        """Remove files the previous build wrote and this one did not; save the state. Returns removals."""
        removed = 0
        for relative in self._previous.keys() - self._current.keys():
            try:
                os.remove(os.path.join(self.root, relative))
                removed += 1
            except FileNotFoundError:
                pass
        self._state_path.write_text(json.dumps(self._current, separators=(",", ":")), "utf-8")
        return removed
