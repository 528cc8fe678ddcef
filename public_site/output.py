"""Writing the site incrementally and atomically: a file is rewritten only when its content changed.

The writer keeps, in ``.site-state.json`` inside the output directory, the
manifest of the last build: for every file it wrote, a digest of its content
or the key of its inputs (``write_keyed``: a page is keyed by the digest of
the rows it renders and of the templates, catalogs and code that render it).
A rebuild leaves a file alone when its digest or key is the one recorded and
the file is still there, so an unchanged page is neither rendered nor
rewritten, and hosts that sync by modification time (rsync, object stores)
upload only what changed. Files the previous build wrote and this one did not
are removed at ``finish`` (nothing else in the directory is ever touched).

Every file is written beside its place and renamed over it, so a server
reading the directory while a rebuild runs (``ledger serve --site``) sends the
old file or the new one, never half of one. A build may be split across
processes: each part starts with ``begin_part`` and hands back ``part``; the
parent ``merge``s the parts before ``finish``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = ".site-state.json"
PARTS = "parts:"
"""How the manifest marks a file written in parts (``SiteWriter.write_parts``)."""


@dataclass(frozen=True)
class WrittenPart:
    """What one part of a build wrote: its manifest entries and its counts."""

    entries: dict[str, str]
    written: int
    unchanged: int


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

    def _is_current(self, relative: str, recorded: str, path: str) -> bool:
        """Whether the file at ``path`` is the one the last build wrote under ``recorded``.

        The manifest keeps each file's size and modification time as written,
        so a file changed or replaced since (by hand, by another program) is
        written again, not trusted.
        """
        previous = self._previous.get(relative)
        if previous is not None and previous.partition(" ")[0] == recorded:
            try:
                info = os.stat(path)
            except FileNotFoundError:
                info = None
            if info is not None and previous.partition(" ")[2] == _stamp(info):
                self._current[relative] = previous
                self.unchanged += 1
                return True
        self.written += 1
        return False

    def as_last_written(self, relative: str) -> bool:
        """Whether ``relative`` is still the file the last build wrote (same size and modification time)."""
        previous = self._previous.get(relative)
        try:
            info = os.stat(os.path.join(self.root, relative))
        except (FileNotFoundError, ValueError):
            return False
        return previous is not None and previous.partition(" ")[2] == _stamp(info)

    def _record(self, relative: str, recorded: str, path: str) -> None:
        self._current[relative] = f"{recorded} {_stamp(os.stat(path))}"

    @staticmethod
    def _put(path: str, data: bytes) -> None:
        """Write beside ``path`` and rename over it: readers see the old file or the new, whole."""
        temporary = f"{path}.{os.getpid()}.partial"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)

    def write(self, relative: str, content: str | bytes) -> bool:
        """Write ``content`` at ``relative`` unless it is unchanged; return whether it was written."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.blake2b(data, digest_size=12).hexdigest()
        path = self._target(relative)
        if self._is_current(relative, digest, path):
            return False
        self._put(path, data)
        self._record(relative, digest, path)
        return True

    def write_keyed(self, relative: str, key: str, produce: Callable[[], str | bytes]) -> bool:
        """Write what ``produce`` returns unless the previous build wrote ``relative`` under the same ``key``.

        For files whose content is fixed by a short key (an entry bundle by its
        subtree hash, a page by the digest of its inputs): an unchanged file
        costs neither producing nor hashing its content.
        """
        path = self._target(relative)
        if self._is_current(relative, f"key:{key}", path):
            return False
        content = produce()
        self._put(path, content.encode("utf-8") if isinstance(content, str) else content)
        self._record(relative, f"key:{key}", path)
        return True

    def all_as_last_written(self) -> bool:
        """Whether the last build wrote files here, each still as it wrote it (read a folder at
        a time: a million events' site is 131,000 files)."""
        folders: dict[str, dict[str, str]] = {}
        for relative, recorded in self._previous.items():
            folder, _, name = relative.rpartition("/")
            folders.setdefault(folder, {})[name] = recorded.partition(" ")[2]
        for folder, stamps in folders.items():
            try:
                with os.scandir(os.path.join(self.root, folder)) as entries:
                    found = {e.name: _stamp(e.stat()) for e in entries if e.name in stamps}
            except OSError:  # the folder is gone, or is not one
                return False
            if found != stamps:
                return False
        return bool(folders)

    def last_written_under(self, folder: str) -> list[str]:
        """The files under ``folder`` the last build wrote that are still as it wrote them."""
        return [
            relative
            for relative in self._previous
            if relative.startswith(folder) and self.as_last_written(relative)
        ]

    def write_parts(self, relative: str, parts: Sequence[tuple[str, Callable[[], bytes]]]) -> bool:
        """Write the concatenation of ``parts`` (each a key and what produces its bytes); return whether written.

        For a large file that only grows at its end (the compressed log): the
        manifest records each part's key and where it ends, so a rebuild keeps
        the bytes of the leading parts whose keys are unchanged, read back from
        the file the last build wrote (when it is still that file), and
        produces only the parts after them.
        """
        path = self._target(relative)
        keys = [key for key, _ in parts]
        if any(not key or set(key) & set("@, ") for key in keys):
            raise ValueError(f"a part key of {relative} is empty or holds '@', ',' or a space")
        kept: list[tuple[str, int]] = []
        previous = self._previous.get(relative, "")
        if previous.startswith(PARTS) and self.as_last_written(relative):
            recorded = [
                part.partition("@") for part in previous.partition(" ")[0][len(PARTS) :].split(",")
            ]
            for key, (old_key, _, old_end) in zip(keys, recorded, strict=False):
                if old_key != key:
                    break
                kept.append((key, int(old_end)))
            if len(kept) == len(parts) == len(recorded):
                self._current[relative] = previous
                self.unchanged += 1
                return False
        self.written += 1
        ends = list(kept)
        temporary = f"{path}.{os.getpid()}.partial"
        try:
            with open(temporary, "wb") as handle:
                if kept:
                    with open(path, "rb") as old:
                        remaining = kept[-1][1]
                        while remaining:
                            block = old.read(min(remaining, 1 << 20))
                            if not block:
                                raise ValueError(f"{relative} was cut short while it was read")
                            handle.write(block)
                            remaining -= len(block)
                end = kept[-1][1] if kept else 0
                for key, produce in parts[len(kept) :]:
                    data = produce()
                    handle.write(data)
                    end += len(data)
                    ends.append((key, end))
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
            raise
        self._record(relative, PARTS + ",".join(f"{key}@{end}" for key, end in ends), path)
        return True

    def copy(self, relative: str, source: Path) -> bool:
        """Copy a file (fonts, scripts) into the site, unless unchanged."""
        digest = file_digest(source)
        path = self._target(relative)
        if self._is_current(relative, digest, path):
            return False
        temporary = f"{path}.{os.getpid()}.partial"
        shutil.copyfile(source, temporary)
        os.replace(temporary, path)
        self._record(relative, digest, path)
        return True

    def begin_part(self) -> None:
        """Start a part of the build in a worker process: count and record only what it writes."""
        self._current = {}
        self.written = 0
        self.unchanged = 0

    def part(self) -> WrittenPart:
        return WrittenPart(self._current, self.written, self.unchanged)

    def merge(self, part: WrittenPart) -> None:
        self._current.update(part.entries)
        self.written += part.written
        self.unchanged += part.unchanged

    def finish(self) -> int:
        """Remove files the previous build wrote and this one did not; save the manifest. Returns removals."""
        removed = 0
        for relative in sorted(self._previous.keys() - self._current.keys()):
            try:
                os.remove(os.path.join(self.root, relative))
                removed += 1
            except FileNotFoundError:
                pass
        state = json.dumps(dict(sorted(self._current.items())), separators=(",", ":"))
        self._put(str(self._state_path), state.encode("utf-8"))
        return removed


def _stamp(info: os.stat_result) -> str:
    return f"{info.st_size}.{info.st_mtime_ns}"


def file_digest(source: Path) -> str:
    hasher = hashlib.blake2b(digest_size=12)
    with open(source, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def inputs_digest(value: Any) -> str:
    """The digest of what a page renders, for ``write_keyed``: of its pickle.

    A pickle holds the whole value (unpickled, it gives an equal value), so
    equal digests mean equal inputs: a changed input always changes the key.
    It is written without the pickler's memo, so a part met twice is written
    twice, and a state read back, which shares its parts otherwise than one
    just computed, gives the same bytes. Equal inputs built in another order
    would give other bytes; that only renders the page again. JSON with
    sorted keys took three times as long on the case pages' histories, which
    at a million events are hashed at every build (``docs/performance.md``).
    """
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True  # no memo: a part met twice is written twice, as JSON would write it
    pickler.dump(value)
    return hashlib.blake2b(out.getbuffer(), digest_size=16).hexdigest()


def lined_json(value: Any) -> str:
    """``value`` as JSON for a download: each member of an object and each item of a list on a
    line of its own (so each row of a report's ``rows``), each written compactly on its line.

    Readable in an editor and diffable line by line, like an indented file, but each
    line is written by the encoder's C path (``indent`` sends every value through the
    Python one, several times slower on the rows of a million events), and smaller.
    """
    if isinstance(value, dict):
        members = [f"{_compact(str(k))}:{_one_deep(v)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + "\n}\n" if members else "{}\n"
    return _one_deep(value) + "\n"


def _one_deep(value: Any) -> str:
    """A list one item per line; anything else on one line."""
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(_compact(item) for item in value) + "\n]"
    return _compact(value)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
