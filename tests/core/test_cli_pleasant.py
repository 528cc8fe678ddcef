"""The ``ledger`` command as a person at a terminal meets it: no traceback, whole words, honest bars."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from cli.commands.report import HIDDEN, _print_table, _short
from cli.shell import INTERNAL_ERROR, handles_errors, progress_bar
from ledger.keyring import Keyring
from ledger.projections.tables import cell_text
from ledger.simulation import CityConfig, simulate
from tests.conftest import Clock, chartered_ledger
from tests.conftest import ledger_process as ledger

ROOT = Path(__file__).resolve().parents[2]
START = "2025-10-01"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A one-month city (``init`` then ``simulate --progress``), with files to get wrong."""
    folder = tmp_path_factory.mktemp("pleasant")
    made = ledger("init", "--db", "city.db", "--keys", "keys", cwd=folder)
    assert made.returncode == 0, made.stderr
    (folder / "bad.json").write_text('{"head": ', "utf-8")
    (folder / "latin1.json").write_bytes(b'{"area": "Lyari \xe9"}')
    (folder / "not-a-db.db").write_text("a text file, not a database", "utf-8")
    (folder / "a-file").write_text("", "utf-8")
    (folder / "a-directory").mkdir()
    yield folder


@pytest.fixture(scope="module")
def simulated(city: Path) -> subprocess.CompletedProcess[str]:
    result = ledger(
        "simulate",
        "--db",
        "city.db",
        "--keys",
        "keys",
        "--months",
        "1",
        "--groups",
        "3",
        "--start",
        START,
        "--workers",
        "1",
        "--progress",
        cwd=city,
    )
    assert result.returncode == 0, result.stderr
    return result


RECORD = ["record", "head.appointed", "--as", "committee", "--db", "city.db", "--keys", "keys"]
BAD = {
    "data file missing": (RECORD + ["--data", "@missing.json"], ["missing.json", "--data"]),
    "data file a directory": (RECORD + ["--data", "@a-directory"], ["a-directory", "--data"]),
    "data file bad JSON": (RECORD + ["--data", "@bad.json"], ["bad.json", "--data", "JSON"]),
    "data file not UTF-8": (RECORD + ["--data", "@latin1.json"], ["latin1.json", "UTF-8"]),
    "sealed file missing": (
        RECORD + ["--data", "{}", "--sealed", "@gone.json"],
        ["gone.json", "--sealed"],
    ),
    "import file missing": (["import", "missing.jsonl", "--db", "city.db"], ["missing.jsonl"]),
    "import a directory": (["import", "a-directory", "--db", "city.db"], ["a-directory"]),
    "export into a file": (
        ["export", "a-file", "--db", "city.db", "--keys", "keys"],
        ["a-file", "OUT", "not a directory"],
    ),
    "site into a file": (["site", "build", "a-file", "--db", "city.db"], ["a-file", "OUT"]),
    "manifest a directory": (
        ["simulate", "--db", "city.db", "--keys", "keys", "--manifest", "a-directory"],
        ["a-directory", "--manifest"],
    ),
    "keys a file": (["init", "--db", "new.db", "--keys", "a-file"], ["a-file", "--keys"]),
    "witness dir a file": (
        ["witness", "init", "--name", "press.example/w", "--dir", "a-file"],
        ["a-file", "--dir"],
    ),
    "db not a database": (["keys", "--db", "not-a-db.db"], ["not-a-db.db"]),
    "db missing": (["verify", "--db", "missing.db"], ["missing.db", "--db"]),
    "unseal key missing": (
        ["unseal", "0" * 64, "--key", "missing.key", "--db", "city.db"],
        ["missing.key"],
    ),
    "export to verify a file": (["verify", "--export", "a-file"], ["a-file"]),
    "report from no export": (
        ["report", "groups", "--from-export", "missing"],
        ["missing", "export"],
    ),
    "report table unknown": (
        ["report", "groups", "--csv", "--table", "survival", "--db", "city.db"],
        ["--table", "groups-survival"],
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_gets_a_message_naming_it_and_never_a_traceback(city: Path, case: str) -> None:
    args, named = BAD[case]
    result = ledger(*args, cwd=city)
    assert result.returncode not in (0, INTERNAL_ERROR), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("error ("), result.stderr
    for word in named:
        assert word in result.stderr, (word, result.stderr)


def test_a_defect_is_one_line_with_its_exit_code_not_a_traceback() -> None:
    app = typer.Typer()

    @app.command()
    @handles_errors
    def broken(kind: str) -> None:
        if kind == "defect":
            raise RuntimeError("a state the program did not expect")
        raise OSError(28, "No space left on device")

    result = CliRunner().invoke(app, ["defect"])
    assert result.exit_code == INTERNAL_ERROR
    assert "RuntimeError: a state the program did not expect" in result.output
    assert "defect in the ledger program" in result.output and "Traceback" not in result.output
    full = CliRunner().invoke(app, ["disk"])
    assert full.exit_code == 2 and "No space left on device" in full.output


# --- progress ------------------------------------------------------------------------------
def test_the_simulation_bar_counts_the_citys_days_and_ends_where_it_says(
    simulated: subprocess.CompletedProcess[str],
) -> None:
    days = [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+) days", simulated.stderr)]
    statements = [int(n) for n in re.findall(r"(\d+) statements", simulated.stderr)]
    recorded = int(re.search(r"Recorded (\d+) events", simulated.stdout).group(1))  # type: ignore[union-attr]
    assert days and statements
    assert {total for _, total in days} == {31}, "the total is the city's 31 days of October"
    assert days[-1] == (31, 31) and statements[-1] == recorded
    assert [done for done, _ in days] == sorted(done for done, _ in days)


def test_the_simulation_reports_progress_in_time_order_up_to_every_statement(
    shared_keyring: Keyring, tmp_path: Path
) -> None:
    config = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=2, months=2, groups=3)
    lg = chartered_ledger(str(tmp_path / "l.db"), shared_keyring, Clock())
    heard: list[tuple[int, datetime]] = []
    try:
        result = simulate(
            lg,
            shared_keyring.directory,
            config,
            workers=1,
            batch_size=10_000,
            on_progress=lambda n, at: heard.append((n, at)),
        )
    finally:
        lg.close()
    assert len(heard) > 1, "heard of before the one batch was stored"
    assert [n for n, _ in heard] == sorted(n for n, _ in heard)
    assert [at for _, at in heard] == sorted(at for _, at in heard)
    assert heard[-1][0] == result.events
    assert config.start <= heard[0][1] and heard[-1][1] <= config.end


def test_no_bar_unless_stderr_is_a_terminal_or_it_is_asked_for(
    city: Path, simulated: subprocess.CompletedProcess[str]
) -> None:
    quiet = ledger("export", "export", "--db", "city.db", "--keys", "keys", cwd=city)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert "recording the city" in simulated.stderr, "asked for with --progress"


def test_bars_run_no_thread_of_their_own_so_the_check_may_fork_and_still_move() -> None:
    """The check from a mark forks a second process only from a process running one thread
    (``ledger.verification.segments.may_fork``); a bar that refreshed itself would keep every
    command showing one from it."""
    out = io.StringIO()
    before = set(threading.enumerate())  # other tests may have left threads of their own
    with progress_bar("check", True) as bar:
        bar.console.file = out
        task = bar.add_task("checking the stored log", total=300)
        for done in range(1, 301):
            bar.update(task, completed=done)
            if done in (1, 150):
                time.sleep(0.11)  # long enough for the next update to be drawn
        assert set(threading.enumerate()) == before, "the bars started a thread"
    drawn = [int(n) for n in re.findall(r"(\d+)/300", out.getvalue())]
    assert len(set(drawn)) >= 3 and drawn[-1] == 300, drawn


# --- tables at 80 and 120 columns -----------------------------------------------------------
BOX = re.compile(r"[│┃┏┓┗┛┡┩┠┨━─╇╈┳┻┼╋└┘┌┐├┤┬┴]")


def split_words(rendered: str, allowed: set[str]) -> list[str]:
    """Tokens in the rendered tables' cells that are not whole words of any cell or header."""
    found = []
    for line in rendered.splitlines():
        if not line.startswith(("│", "┃")):
            continue
        found.extend(t for t in BOX.sub(" ", line).split() if t not in allowed)
    return found


def cells_of(report: dict[str, Any]) -> set[str]:
    columns = [
        c for c in report["columns"] if c not in HIDDEN and not c.endswith(("_event", "_deadline"))
    ]
    texts = [c.replace("_", " ") for c in columns]
    texts += [_short(cell_text(row.get(c))) for row in report["rows"] for c in columns]
    return {w for t in texts for w in t.split()}


def test_the_split_word_check_catches_a_word_cut_mid_letter() -> None:
    console = Console(width=40, file=io.StringIO(), color_system=None)
    table = Table()
    table.add_column("rate", overflow="fold")
    table.add_column("other", overflow="fold")
    table.add_row("suppressed (3/4, 11 pending)", "x" * 30)
    console.print(table)
    rendered = console.file.getvalue()  # type: ignore[attr-defined]
    assert split_words(rendered, {"rate", "other", "suppressed", "(3/4,", "11", "pending)"})


@pytest.fixture(scope="module")
def reports(city: Path, simulated: subprocess.CompletedProcess[str]) -> Iterator[Any]:
    from ledger.projections.service import Reports
    from ledger.service import Ledger

    with Ledger.open(str(city / "city.db")) as opened:
        yield Reports(opened)


@pytest.mark.parametrize("name", ["groups", "promises", "court", "interruption"])
@pytest.mark.parametrize("columns", [80, 120])
def test_report_tables_wrap_whole_words(reports: Any, name: str, columns: int) -> None:
    table = reports.report(name)
    console = Console(width=columns, file=io.StringIO(), color_system=None)
    _print_table(console, table)
    rendered = console.file.getvalue()  # type: ignore[attr-defined]
    assert table.rows, "the city must have rows to show"
    assert split_words(rendered, cells_of(table.to_json())) == []
    table_lines = [line for line in rendered.splitlines() if line.startswith(("│", "┃", "┏"))]
    assert table_lines and max(len(line) for line in table_lines) <= columns


@pytest.mark.parametrize("form", [[], ["--json"], ["--csv"]])
def test_a_report_whose_reader_stops_reading_stops_quietly(
    city: Path, simulated: subprocess.CompletedProcess[str], form: list[str]
) -> None:
    """``ledger report promises | head``: the reader closes the pipe before the report is
    printed. The command stops with no message and exits 1, the code rich's console
    exits with on a closed pipe (it prints a table's title and headers): a plain write
    meeting it (the JSON, the CSV, a table's rows) stops the same way."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "report", "promises", "--db", "city.db", *form],
        cwd=city,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command has printed anything
    error = process.stderr.read().decode()
    assert process.wait(timeout=600) == 1
    assert error == ""


def test_a_broken_pipe_that_is_not_standard_output_is_reported() -> None:
    """A pipe other than standard output (a worker's, a socket) breaking is a failure."""

    @handles_errors
    def command() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    runner = CliRunner()
    app = typer.Typer()
    app.command()(command)
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Broken pipe" in result.output


def test_a_report_at_80_columns_keeps_its_words_and_its_bars_off_standard_output(
    city: Path, reports: Any
) -> None:
    shown = ledger("report", "groups", "--progress", "--db", "city.db", cwd=city, columns=80)
    assert shown.returncode == 0, shown.stderr
    assert "checking the stored log" in shown.stderr and "checking" not in shown.stdout
    assert split_words(shown.stdout, cells_of(reports.report("groups").to_json())) == []
    table_lines = [line for line in shown.stdout.splitlines() if line.startswith(("│", "┃", "┏"))]
    assert table_lines and max(len(line) for line in table_lines) <= 80
