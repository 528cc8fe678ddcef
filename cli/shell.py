"""What every ``ledger`` command shares: the command tree, consoles, options, errors, progress.

The core commands live in ``cli.main`` and the larger groups in
``cli.commands``; all of them import from here, and only ``cli.main`` imports
the command modules, so the command line has no import circle. Errors are
reported in one place (``handles_errors``): a LedgerError prints its message
(with line and field) and exits with the code ``EXIT_CODES`` gives its type.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from ledger import errors as e
from ledger.errors import (
    InvalidArgument,
    LedgerError,
    NoSuchLedger,
)

app = typer.Typer(
    name="ledger",
    help="The Ceasefire Ledger: a signed, append-only, verifiable ledger of promised consequences.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

DbOption = typer.Option(
    "ledger.db", "--db", envvar="LEDGER_DB", help="SQLite file or PostgreSQL URL"
)
KeysOption = typer.Option(Path("keys"), "--keys", envvar="LEDGER_KEYS", help="Keys directory")
PassphraseOption = typer.Option(
    None, "--passphrase-env", help="Name of an environment variable holding the key passphrase"
)
MarkKeysOption = typer.Option(
    None,
    "--keys",
    help="Keys directory holding the log key: the check before acting then starts from the"
    " verified-through mark the last check left, and leaves a new one",
)
"""For commands that only read: no keys unless asked (they need none to be correct)."""


_BY_EXIT_CODE: dict[int, tuple[type[LedgerError], ...]] = {
    2: (
        LedgerError,
        e.MalformedStatement,
        e.UnknownEventType,
        e.InvalidSignature,
        e.UnknownKey,
        e.RevokedKey,
        e.UnauthorizedRole,
        e.ReplayedStatement,
        e.ClockSkew,
        e.ImplausibleTime,
        e.CaseRuleViolation,
        e.UnknownReference,
        e.SealingError,
        e.ProofError,
        e.ForgedKeyRotation,
        e.MalformedWitnessRequest,
        e.InvalidArgument,
        e.BatchTooLarge,
        e.MalformedTilePath,
        e.UnreadableInput,
        e.Refused,
        e.AlreadyExists,
        e.NotChartered,
        e.NotSealed,
        e.WrongLogKey,
        e.ContradictsCharter,
        e.NoCheckpointSigner,
        e.NoSuchLedger,
        e.KeyFileError,
        e.KeyringError,
        e.ExportRefused,
        e.SiteSourceError,
        e.FontMissing,
        e.DocsAssetMissing,
        e.Unreachable,
        e.InvalidWitnessPolicy,
        e.WitnessRefusal,
        e.UntrustedCheckpoint,
        e.OldSizeConflict,
        e.UnprovenExtension,
        e.RefusedKeyRotation,
    ),
    3: (e.NotFound, e.UnknownLog),
    4: (e.StorageUnavailable,),
    5: (e.TamperDetected, e.TamperedWitnessState, e.PublishedCheckpointInvalid),
    6: (e.HistoryConflict, e.QuorumNotReached),
}
EXIT_CODES: dict[type[LedgerError], int] = e.answer_table(_BY_EXIT_CODE)
"""The exit code of each error type: 2 refused or bad input, 3 not found, 4 storage
unavailable, 5 tampering detected, 6 a followed log or the witnesses let us down.
``tests/test_error_tables.py`` fails if a type of ``ledger.errors`` is missing."""


def exit_code_of(exc: LedgerError) -> int:
    """The exit code of ``exc``'s type (an unlisted subclass exits as its nearest listed base)."""
    return e.answer_for(EXIT_CODES, exc, 2)


INTERNAL_ERROR = 70
"""EX_SOFTWARE: the program failed on something it should have handled, a defect."""
_show_tracebacks = False


def show_tracebacks() -> None:
    """``--debug``: let unexpected exceptions through with their traceback, for a bug report."""
    global _show_tracebacks
    _show_tracebacks = True


def file_problem(exc: OSError) -> LedgerError:
    """An operating-system error as a refusal naming the file (or what failed, when no file)."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    reason = exc.strerror or str(exc) or type(exc).__name__
    if not names:
        return InvalidArgument(reason)
    return InvalidArgument(f"cannot use {' or '.join(names)}: {reason}")


def report_failure(exc: Exception) -> int:
    """Print one line saying what failed; return the exit code for it.

    A ``LedgerError`` prints its message (with the line or field at fault) and
    gets the code ``EXIT_CODES`` gives its type; a file that cannot be read or
    written (missing, a directory, no permission) is named and gets 2; anything
    else is a defect, named in one line with 70 (``--debug`` shows its traceback).
    """
    from rich.markup import escape

    if isinstance(exc, OSError):
        exc = file_problem(exc)
    if isinstance(exc, LedgerError):
        err_console.print(
            f"[bold red]error[/] ({exc.code}): {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        return exit_code_of(exc)
    err_console.print(
        f"[bold red]error[/] (internal): {escape(type(exc).__name__)}: {escape(str(exc))}."
        " This is a defect in the ledger program; run again with --debug for details",
        highlight=False,
        soft_wrap=True,
    )
    return INTERNAL_ERROR


def handles_errors(func: F) -> F:
    """The one error handler of every command: a clear message and an exit code, never a traceback.

    See ``report_failure``; typer's and click's own exits pass through.
    """
    import functools

    import click

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if isinstance(exc, BrokenPipeError) and stdout_reader_gone():
                # the reader stopped reading (``ledger report promises | head``): stop as the
                # console does when it meets the closed pipe itself, silently, exit code 1
                console.on_broken_pipe()
            if _show_tracebacks and not isinstance(exc, LedgerError):
                raise
            raise typer.Exit(report_failure(exc)) from None

    return wrapper  # type: ignore[return-value]


def stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has closed it: a pipe's write end
    polls as an error once no reader holds it. A broken pipe anywhere else (a worker
    process, a socket) is a failure and is reported as one."""
    import select

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def output_directory(path: Path, option: str) -> Path:
    """A directory to write into: refused when it is an existing file, before any work is done."""
    if path.exists() and not path.is_dir():
        raise InvalidArgument(f"{path} is a file, not a directory", field=option)
    return path


def output_file(path: Path, option: str) -> Path:
    """A file to write: refused when it is a directory or its directory does not exist."""
    if path.is_dir():
        raise InvalidArgument(f"{path} is a directory, not a file", field=option)
    if not path.parent.is_dir():
        raise InvalidArgument(
            f"there is no directory {path.parent} to write {path.name} in", field=option
        )
    return path


def utc_now() -> datetime:
    return datetime.now(UTC)


def passphrase(env_name: str | None) -> bytes | None:
    import os

    if not env_name:
        return None
    value = os.environ.get(env_name)
    if value is None:
        raise InvalidArgument(
            f"environment variable {env_name} is not set", field="--passphrase-env"
        )
    return value.encode("utf-8")


def open_keyring(keys: Path, passphrase_env: str | None = None) -> Any:
    from ledger.keyring import Keyring

    return Keyring(keys, passphrase(passphrase_env))


def require_existing_ledger(db: str) -> None:
    """A SQLite path that does not exist is a mistake, not a new empty ledger.

    Only the commands that create a ledger (``init``, ``simulate --init``,
    ``restore``, ``demo``) may create the file; every other command would
    otherwise create an empty database and report on it as if it were real.
    """
    if "://" in db:
        return
    path = Path(db).expanduser()
    if not path.is_file():
        raise NoSuchLedger(
            f"there is no ledger at {db}: check --db (or LEDGER_DB), or create one with"
            f" `ledger init --db {db}` (or `ledger simulate --init`, `ledger restore`)",
            field="--db",
        )


def require_mark_keys(keys: Path | None) -> None:
    """``--keys`` on a command that only reads must name a directory holding the log key:
    without it the check would start from nothing, and no mark, report or state would be
    kept, while the operator believes they were."""
    from ledger.keyring import holds_log_key

    if keys is not None and not holds_log_key(keys):
        raise InvalidArgument(
            f"--keys {keys} holds no log key ({keys / 'log.key'} is missing): give the keys"
            " directory `ledger init` made, or leave --keys out to read without the log key",
            field="--keys",
        )


def open_ledger(db: str, keys: Path | None = None, passphrase_env: str | None = None) -> Any:
    """Open an existing ledger; with ``keys``, holding the log key to sign checkpoints.

    Anything that writes or signs through it first verifies what is stored
    (``Ledger.verify_before_acting``, invoked by the ledger itself). Holding the
    log key, that check starts from the verified-through mark the last one left
    and leaves a new one (docs/verify.md); without it, every stored row is
    checked in full, which at a million events takes minutes: so the commands
    that write or publish (``record``, ``import``, ``export``, ``checkpoint``)
    pass their keys directory, and the log key is used when it holds one.
    """
    from ledger.service import Ledger

    require_existing_ledger(db)
    log_key = None
    if keys is not None and (keys / "log.key").exists():
        log_key = open_keyring(keys, passphrase_env).log_key()
    return Ledger.open(db, log_key=log_key)


ProgressOption = typer.Option(
    None,
    "--progress/--no-progress",
    help="Progress bars on stderr (default: only when stderr is a terminal)",
)
BIG_LEDGER = 20_000
"""Events from which ``report`` shows its bars on a terminal unasked: below, it is done at once."""


def save_reports(ledger: Any, reports: Any, tables: Iterable[Any]) -> None:
    """Save reports just computed for the next run (``ledger.projections.saved``); if the
    database could not store them, say so on standard error and go on: the figures are
    right, and the next run computes them again."""
    from ledger.projections.saved import save_report

    for table in tables:
        try:
            save_report(ledger, reports, table)
        except e.StorageUnavailable as exc:
            err_console.print(
                f"note: the {table.name} report was not saved for the next run ({exc.message});"
                " the figures printed are right, and the next run computes them again",
                highlight=False,
                soft_wrap=True,
            )
            return


def keep_state(reports: Any) -> bool:
    """Keep the figures' state for the next process (``Reports.keep``); if it could not be
    serialised or stored, say so on standard error, since the next run is then slower for it."""
    kept: bool = reports.keep()
    if reports.keep_failure is not None:
        err_console.print(
            "note: the state for the next run was not kept"
            f" ({reports.keep_failure}); the figures printed are right, and the next"
            " run brings them up to date from the stored snapshot instead",
            highlight=False,
            soft_wrap=True,
        )
    return kept


class _Bars(Progress):
    """Bars redrawn as their tasks move, at most ten times a second, with no thread of their
    own: a command showing them may still fork (the check from a verified-through mark hands
    rows to a second process only from a process running one thread,
    ``ledger.verification.segments``)."""

    _drawn = 0.0

    def update(self, task_id: TaskID, **changes: Any) -> None:
        super().update(task_id, **changes)
        self._redraw()

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._redraw()

    def _redraw(self) -> None:
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self.refresh()


def progress_bar(description: str = "", show: bool | None = None, *counter: Any) -> Progress:
    """Progress bars on stderr: shown on a terminal, or anywhere when ``show`` asks for them.

    ``description`` names the work for the reader of the code; each task names
    itself. ``counter``: the columns after the bar (default "n/total").
    Standard output stays free for what a command prints (CSV, JSON, tables).
    """
    shown = err_console.is_terminal if show is None else show
    console = err_console
    if shown and not err_console.is_terminal:
        console = Console(stderr=True, force_terminal=True)
    return _Bars(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        *(counter or (MofNCompleteColumn(),)),
        TimeRemainingColumn(),
        console=console,
        auto_refresh=False,
        transient=False,
        disable=not shown,
    )


def record_city(
    ledger: Any,
    keys: Path,
    config: Any,
    *,
    passphrase: bytes | None = None,
    workers: int | None = None,
    show: bool | None = None,
) -> Any:
    """Run the simulation with a bar over the city's days.

    The number of statements a city records is known only once it is
    recorded, so the bar counts the days of city life recorded, which are
    known from the start (statements come in time order), and shows the
    statements beside them: its total is honest and it ends where it says.
    """
    from ledger.simulation import simulate

    days = max((config.end - config.start).total_seconds() / 86_400, 1.0)
    with progress_bar(
        "simulate",
        show,
        TextColumn("{task.completed:.0f}/{task.total:.0f} days"),
        TextColumn("{task.fields[statements]} statements"),
    ) as bar:
        task = bar.add_task("recording the city", total=days, statements=0)

        def advance(statements: int, reached: datetime) -> None:
            elapsed = (reached - config.start).total_seconds() / 86_400
            bar.update(task, completed=min(max(elapsed, 0.0), days), statements=statements)

        result = simulate(
            ledger, keys, config, passphrase=passphrase, workers=workers, on_progress=advance
        )
        bar.update(task, completed=days, statements=result.events)
    return result


# --- init / keys -------------------------------------------------------------------
