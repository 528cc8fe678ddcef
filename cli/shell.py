"""What every ``ledger`` command shares: the command tree, consoles, options, errors, progress.

The core commands live in ``cli.main`` and the larger groups in
``cli.commands``; all of them import from here, and only ``cli.main`` imports
the command modules, so the command line has no import circle. Errors are
reported in one place (``handles_errors``): a LedgerError prints its message
(with line and field) and exits with the code ``EXIT_CODES`` gives its type.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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


def fail(exc: LedgerError) -> None:
    from rich.markup import escape

    err_console.print(
        f"[bold red]error[/] ({exc.code}): {escape(str(exc))}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(exit_code_of(exc))


def handles_errors(func: F) -> F:
    """Map LedgerError to a clear message and its exit code from ``EXIT_CODES`` (the one place)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LedgerError as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


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


def open_ledger(db: str, keys: Path | None = None, passphrase_env: str | None = None) -> Any:
    """Open an existing ledger; with ``keys``, holding the log key to sign checkpoints.

    Anything that writes or signs through it first verifies what is stored
    (``Ledger.verify_before_acting``, invoked by the ledger itself).
    """
    from ledger.service import Ledger

    require_existing_ledger(db)
    log_key = None
    if keys is not None and (keys / "log.key").exists():
        log_key = open_keyring(keys, passphrase_env).log_key()
    return Ledger.open(db, log_key=log_key)


def progress_bar(description: str) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


# --- init / keys -------------------------------------------------------------------
