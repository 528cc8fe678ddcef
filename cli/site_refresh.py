"""Keeping a served site current: rebuild it whenever the ledger signs a new checkpoint.

``ledger serve --site DIR`` starts a ``SiteRefresher``: a thread that looks at
the ledger's latest checkpoint every few seconds and, when it is not the one
the site states (``DIR/data/checkpoint``), runs ``ledger site build DIR`` in a
child process. The build is incremental (only changed pages are rendered and
written) and writes each file beside its place before renaming it over the
old one, so the server keeps sending whole pages while it runs. The child
gets the options the site was last built with (``BUILD_OPTIONS``, written by
``ledger site build``), so a rebuild keeps the site's base address and witnesses,
and the server's keys directory when it holds the log key (``build_command``).
One build runs at a time; a failed build is reported and tried again at the
next checkpoint, not at every look.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ledger.keyring import holds_log_key

BUILD_OPTIONS = ".site-build.json"
"""The options ``ledger site build`` was last given for a directory: its base address and witness keys."""


def save_build_options(site: Path, base_url: str, witnesses: list[str]) -> None:
    """Record the options (the file is left as it is when it already holds them)."""
    path = Path(site) / BUILD_OPTIONS
    text = json.dumps({"base_url": base_url, "witness": witnesses}, indent=1)
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if path.read_text("utf-8") == text:
            return
    path.write_text(text, "utf-8")


def build_command(
    site: Path,
    db: str,
    processes: int,
    keys: Path | None = None,
    passphrase_env: str | None = None,
) -> list[str]:
    """``ledger site build`` for ``site`` from ``db``, with the options the site was last built with.

    ``keys``: the directory holding the server's log key, when it holds one. The build
    then checks from the verified-through mark and starts from the kept state and saved
    reports, as the server's own check did, instead of checking every stored row and
    folding the facts again (minutes at a million events, at every checkpoint).
    ``passphrase_env`` names the variable holding the key's passphrase, which the child
    inherits."""
    command = [sys.executable, "-m", "cli.main", "site", "build", str(site), "--db", db]
    command += ["--no-progress", "--processes", str(processes)]
    if keys is not None and holds_log_key(keys):
        command += ["--keys", str(keys)]
        if passphrase_env:
            command += ["--passphrase-env", passphrase_env]
    try:
        options = json.loads((Path(site) / BUILD_OPTIONS).read_text("utf-8"))
    except (OSError, ValueError):
        options = {}
    if isinstance(options.get("base_url"), str):
        command += ["--base-url", options["base_url"]]
    for vkey in options.get("witness", []):
        if isinstance(vkey, str):
            command += ["--witness", vkey]
    return command


def published_note(site: Path) -> str | None:
    """The checkpoint the site states, as signed (None before a first build)."""
    try:
        return (Path(site) / "data" / "checkpoint").read_text("utf-8")
    except OSError:
        return None


@dataclass
class SiteRefresher:
    """Rebuilds ``site`` from ``db`` whenever ``latest_note()`` differs from the checkpoint the site states."""

    site: Path
    db: str
    latest_note: Callable[[], str | None]
    interval: float = 5.0
    processes: int = 1
    report: Callable[[str], None] = print
    keys: Path | None = None
    """The server's keys directory: the rebuild holds the log key when it holds one
    (``build_command``)."""
    passphrase_env: str | None = None
    builds: int = 0
    _failed: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _child: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="site-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a build under way is ended (the site keeps whole files: old or new)."""
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            child.wait()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.refresh_once()
            self._stop.wait(self.interval)

    def refresh_once(self) -> bool:
        """Build once if the site is behind the ledger's latest checkpoint; return whether it built."""
        try:
            latest = self.latest_note()
        except Exception as exc:  # the server goes on; the next look may succeed
            self.report(f"site refresh: could not read the latest checkpoint: {exc}")
            return False
        if latest is None or latest in (published_note(self.site), self._failed):
            return False
        self._child = subprocess.Popen(
            build_command(self.site, self.db, self.processes, self.keys, self.passphrase_env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, errors = self._child.communicate()
        code, self._child = self._child.returncode, None
        if code != 0:
            self._failed = latest
            if not self._stop.is_set():
                lines = errors.decode("utf-8", "replace").strip().splitlines() or ["no message"]
                self.report(f"site refresh: the rebuild failed (exit {code}): {lines[-1]}")
            return False
        self.builds += 1
        return True
