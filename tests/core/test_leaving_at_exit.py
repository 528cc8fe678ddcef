"""A command that loaded the figures ends its process without freeing them, and loses nothing.

Freeing a state of millions of objects one by one took seconds at a million
events after the output was written, so the console entry point ends the
process without freeing what a command left to its end
(``ledger.collector.exit_leaving``). Its output is flushed first, its exit
handlers run and its exit code is kept; where a thread of its own still runs,
the usual exit joins it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.keyring import Keyring
from ledger.simulation import CityConfig
from tests.conftest import ledger_process as ledger
from tests.conftest import simulated_city

ROOT = Path(__file__).resolve().parents[2]
CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=11, months=1, groups=2)
NOW = datetime(2025, 10, 5, tzinfo=UTC)

ENDING = """
import atexit, sys, threading, time
from pathlib import Path
from ledger import collector

here = Path(sys.argv[1])

class Marked:
    def __del__(self):
        (here / "freed").write_text("freed")

if "console" in sys.argv:
    collector.leaving_at_exit()
atexit.register(lambda: (here / "handlers").write_text("ran"))
collector.leave_at_exit(Marked())
if "profiled" in sys.argv:
    sys.setprofile(lambda *called: None)
if "thread" in sys.argv:
    threading.Thread(target=lambda: (time.sleep(0.5), (here / "joined").write_text("joined"))).start()
sys.stdout.write("x" * 200_000 + "\\n")
try:
    raise SystemExit(3)
except SystemExit as done:
    collector.exit_leaving(done.code)
    (here / "returned").write_text(str((here / "freed").exists()))
    raise
"""


def end(folder: Path, *how: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", ENDING, str(folder), *how],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_console_process_ends_without_freeing_what_was_left(tmp_path: Path) -> None:
    ended = end(tmp_path, "console")
    assert ended.returncode == 3
    assert ended.stdout == "x" * 200_000 + "\n"  # flushed whole through the pipe
    assert ended.stderr == ""
    assert (tmp_path / "handlers").read_text() == "ran"
    assert not (tmp_path / "freed").exists()


def test_any_other_process_frees_it_as_usual(tmp_path: Path) -> None:
    """A process that is not the console's (a test calling the commands, a server) keeps
    nothing: what a command left is freed when the command is done with it."""
    ended = end(tmp_path)
    assert ended.returncode == 3
    assert ended.stdout == "x" * 200_000 + "\n"
    assert (tmp_path / "handlers").read_text() == "ran"
    assert (tmp_path / "freed").read_text() == "freed"


def test_a_thread_still_running_is_joined_by_the_usual_exit(tmp_path: Path) -> None:
    """And what was left is freed before the interpreter's teardown, while the modules its
    finalizers use are still there."""
    ended = end(tmp_path, "console", "thread")
    assert ended.returncode == 3
    assert ended.stderr == ""
    assert (tmp_path / "joined").read_text() == "joined"
    assert (tmp_path / "returned").read_text() == "True"  # freed when exit_leaving returned


@pytest.fixture(scope="module")
def city(shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulated_city(tmp_path_factory.mktemp("leaving") / "city.db", shared_keyring, CITY, NOW)


def test_a_report_computed_by_the_key_holder_is_printed_whole(
    city: Path, shared_keyring: Keyring
) -> None:
    """``ledger report --keys`` computes the figures, saves the report and leaves the
    figures to the end of its process: what it printed is the whole report, the one the
    next run prints from the saved report."""
    keys = str(shared_keyring.directory)
    report = ("report", "promises", "--json", "--db", city.name, "--keys", keys)
    computed = ledger(*report, cwd=city.parent)
    assert computed.returncode == 0, computed.stderr
    assert computed.stderr == ""
    saved = ledger(*report, cwd=city.parent)
    assert saved.returncode == 0, saved.stderr
    assert computed.stdout == saved.stdout
    assert json.loads(computed.stdout)["rows"], "the city must have triggers to print"


def test_a_profiled_process_ends_the_usual_way(tmp_path: Path) -> None:
    """A profiler (``python -m cProfile -m cli.main …``) writes what it measured at the
    usual exit, so the process ends that way."""
    ended = end(tmp_path, "console", "profiled")
    assert ended.returncode == 3
    assert ended.stderr == ""
    assert (tmp_path / "returned").read_text() == "True"
