"""The ``ledger`` command: composes the core for recorders, auditors and mirrors.

Every command takes ``--db`` (a SQLite file path or a ``postgresql+psycopg://``
URL; env ``LEDGER_DB``) and, where it signs, ``--keys`` (a keys directory; env
``LEDGER_KEYS``). Errors are reported in one place (``handles_errors``): a
LedgerError prints its message (with line and field) and exits with the code
``EXIT_CODES`` gives its type.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cli.shell import (
    DbOption,
    KeysOption,
    PassphraseOption,
    app,
    console,
    err_console,
    handles_errors,
    open_keyring,
    open_ledger,
    output_directory,
    passphrase,
    progress_bar,
    report_failure,
    require_existing_ledger,
    show_tracebacks,
    utc_now,
)
from ledger.collector import exit_leaving, leaving_at_exit, let_go
from ledger.errors import (
    AlreadyExists,
    InvalidArgument,
    NotChartered,
    NotSealed,
    UnreadableInput,
)


@app.command()
@handles_errors
def init(
    db: str = DbOption,
    keys: Path = KeysOption,
    origin: str = typer.Option(
        "karachi.ceasefire-ledger.example/log", help="The log's origin (checkpoint first line)"
    ),
    passphrase_env: str | None = PassphraseOption,
) -> None:
    """Create a new ledger: keys for the demo institutions, the charter, a first checkpoint."""
    from ledger.keyring import Keyring
    from ledger.service import Ledger
    from ledger.statements import format_time

    output_directory(keys, "--keys")
    kr = Keyring.create(keys, origin=origin, passphrase=passphrase(passphrase_env))
    now = utc_now()
    with Ledger.open(db, log_key=kr.log_key()) as ledger:
        if ledger.size:
            raise AlreadyExists(f"{db} already holds a ledger of {ledger.size} events")
        charter = kr.sign(kr.charter_draft(format_time(now)), now=now)
        ledger.append([charter])
        cp = ledger.sign_checkpoint()
    console.print(f"Chartered ledger [bold]{origin}[/] in {db}")
    console.print(f"Keys for {', '.join(kr.institutions)} in {keys}/ (private keys mode 0600)")
    console.print(f"Charter event {charter.event_id}; checkpoint at size {cp.size}")


@app.command("keys")
@handles_errors
def keys_command(db: str = DbOption) -> None:
    """List the institutions, their roles and keys, as the ledger records them now."""
    with open_ledger(db) as ledger:
        registry = ledger.registry()
        if registry is None:
            raise NotChartered("the ledger has no charter yet: run `ledger init`")
        from collections import Counter

        from ledger.verification.before_acting import statements_by_revoked_keys

        marked = Counter(m.key_id for m in statements_by_revoked_keys(ledger.store))
        table = Table(title=f"Institutions and keys of {registry.origin}")
        for col in ("institution", "role", "key id", "purpose", "status", "since"):
            table.add_column(col)
        for inst in registry.institutions.values():
            for kid in inst.key_ids:
                k = registry.keys[kid]
                status = (
                    "active" if k.active else f"revoked at {k.revoked_at} ({k.revocation_reason})"
                )
                if not k.active:
                    status += f"; signed {marked[kid]} earlier statements (see keys-revoked)"
                table.add_row(inst.id, inst.role, kid, k.purpose, status, str(k.registered_at))
        console.print(table)
        console.print(f"Log key (checkpoints): {registry.log_key}")
        for valid_from, vkey in registry.log_keys[:-1]:
            console.print(f"Earlier log key (checkpoints from size {valid_from}): {vkey}")


# --- recording ------------------------------------------------------------------
def _load_json_option(value: str, name: str) -> Any:
    """JSON given inline, or ``@path`` to read it from a file; every failure names the option."""
    source = "its value"
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        source = str(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as exc:
            raise UnreadableInput(f"cannot read {path}: {exc.strerror or exc}", field=name) from exc
        except UnicodeDecodeError as exc:
            raise UnreadableInput(f"{path} is not UTF-8 text ({exc.reason})", field=name) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(
            f"invalid JSON in {source}: {exc.msg} at line {exc.lineno} column {exc.colno}",
            field=name,
        ) from exc


@app.command()
@handles_errors
def record(
    event_type: str = typer.Argument(..., metavar="TYPE", help="Event type, e.g. arrest.made"),
    recorder: str = typer.Option(..., "--as", help="Recording institution (its key signs)"),
    data: str = typer.Option("{}", help="Public data as JSON, or @file.json"),
    sealed: str | None = typer.Option(
        None, help="Personal details as JSON (sealed before storing)"
    ),
    occurred_at: str | None = typer.Option(None, help="When it happened (UTC, …Z); default now"),
    ref: list[str] = typer.Option([], "--ref", help="Id of an earlier event this refers to"),
    db: str = DbOption,
    keys: Path = KeysOption,
    passphrase_env: str | None = PassphraseOption,
) -> None:
    """Sign a statement with a local key and append it."""
    from ledger.statements import Draft, format_time

    kr = open_keyring(keys, passphrase_env)
    now = utc_now()
    draft = Draft(
        type=event_type,
        recorder=recorder,
        occurred_at=occurred_at or format_time(now),
        data=_load_json_option(data, "--data"),
        refs=list(ref),
        sealed=_load_json_option(sealed, "--sealed") if sealed else None,
    )
    statement = kr.sign(draft, now=now)
    with open_ledger(db, keys, passphrase_env) as ledger:
        (appended,) = ledger.append([statement])
    console.print(
        f"Recorded {appended.type} as event [bold]{appended.event_id}[/] at position {appended.leaf_index}"
    )


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UnreadableInput(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnreadableInput(f"not valid UTF-8 ({exc.reason})", line=number) from exc
            if text.strip():
                yield number, text.rstrip("\n")


@app.command("import")
@handles_errors
def import_command(
    file: Path = typer.Argument(
        ..., help="JSON Lines: signed statements, or drafts with --sign-drafts"
    ),
    sign_drafts: bool = typer.Option(False, help="Sign unsigned drafts with the local keys"),
    batch_size: int = typer.Option(1000, min=1, max=100_000, help="Statements per atomic batch"),
    db: str = DbOption,
    keys: Path = KeysOption,
    passphrase_env: str | None = PassphraseOption,
) -> None:
    """Append many statements; each batch is all-or-nothing and the first bad line is reported."""
    from ledger.importing import import_lines

    kr = open_keyring(keys, passphrase_env) if sign_drafts else None
    total_lines = sum(1 for _ in _read_lines(file))
    with open_ledger(db, keys, passphrase_env) as ledger, progress_bar("import") as bar:
        task = bar.add_task(f"importing {file.name}", total=total_lines)
        before = ledger.size
        try:
            import_lines(
                ledger,
                _read_lines(file),
                keyring=kr,
                batch_size=batch_size,
                on_batch=lambda n: bar.advance(task, n),
            )
        finally:
            stored = ledger.size - before
        console.print(f"Imported {stored} statements; the log now holds {ledger.size}")


@app.command()
@handles_errors
def export(
    out: Path = typer.Argument(..., help="Directory to write the public log into"),
    db: str = DbOption,
    keys: Path = KeysOption,
    passphrase_env: str | None = PassphraseOption,
) -> None:
    """Write the whole public log (JSON Lines) with its latest checkpoint and log key."""
    from ledger.export_layout import export_ledger

    output_directory(out, "OUT")
    with open_ledger(db, keys, passphrase_env) as ledger, progress_bar("export") as bar:
        task = bar.add_task("exporting", total=ledger.size)
        manifest = export_ledger(
            ledger, out, on_progress=lambda n: bar.update(task, completed=n), keys_dir=keys
        )
    console.print(f"Exported {manifest['size']} events to {out}/ (root {manifest['root']})")


# --- checkpoints and proofs -------------------------------------------------------
@app.command()
@handles_errors
def checkpoint(
    db: str = DbOption, keys: Path = KeysOption, passphrase_env: str | None = PassphraseOption
) -> None:
    """Sign a checkpoint (C2SP signed note) for the current tree."""
    with open_ledger(db, keys, passphrase_env) as ledger:
        cp = ledger.sign_checkpoint()
    sys.stdout.write(cp.note)


@app.command()
@handles_errors
def prove(
    event_id: str | None = typer.Argument(None, help="Event to prove included"),
    from_size: int | None = typer.Option(None, "--from", help="Older tree size"),
    to_size: int | None = typer.Option(None, "--to", help="Newer tree size"),
    db: str = DbOption,
) -> None:
    """Inclusion proof (C2SP tlog-proof) for an event, or a consistency proof between sizes."""
    with open_ledger(db) as ledger:
        if event_id is not None:
            if from_size is not None or to_size is not None:
                raise InvalidArgument("give an event id or --from/--to, not both")
            sys.stdout.write(ledger.tlog_proof(event_id))
            return
        if from_size is None or to_size is None:
            raise InvalidArgument("give an event id, or both --from and --to")
        sys.stdout.write(ledger.consistency_proof_text(from_size, to_size))


@app.command()
@handles_errors
def verify(
    db: str = DbOption,
    export_dir: Path | None = typer.Option(None, "--export", help="Verify an exported log instead"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    witness: list[str] = typer.Option(
        [], "--witness", help="With --export: a witness vkey whose cosignature is required"
    ),
) -> None:
    """Re-check everything: signatures, roles, rules, ids, sequence, Merkle root, checkpoints."""
    from ledger.verification.replay import describe, verify_store

    if export_dir is not None:
        from ledger.export_layout import check_export

        with progress_bar("verify") as bar:
            task = bar.add_task("verifying export", total=None)
            checked = check_export(
                export_dir,
                progress=lambda n, t: bar.update(task, completed=n, total=t),
                witness_vkeys=witness,
            )
        report = checked.report
        err_console.print(
            f"Witnesses: {checked.cosigned.summary()}", highlight=False, soft_wrap=True
        )
    else:
        from ledger.storage import open_store

        require_existing_ledger(db)
        store = open_store(db)
        try:
            with progress_bar("verify") as bar:
                task = bar.add_task("verifying", total=store.max_notification_id())
                report = verify_store(
                    store, progress=lambda n, t: bar.update(task, completed=n, total=t)
                )
        finally:
            store.close()
    if as_json:
        console.print_json(json.dumps(describe(report)))
    else:
        _print_problems(report)
        status = (
            "[green]OK[/]" if report.ok else f"[red]FAILED ({len(report.problems)} problems)[/]"
        )
        console.print(
            f"{status}: {report.events} events, root {report.root.hex()},"
            f" {report.checkpoints} checkpoints verified"
            + (
                f" (latest at size {report.latest_checkpoint_size})"
                if report.latest_checkpoint_size is not None
                else ""
            )
        )
    if not report.ok:
        raise typer.Exit(5)


def _print_problems(report: Any, shown: int = 20) -> None:
    """The first cause first, then a few more, then a count of the rest by kind.

    One deleted row makes every later position, reference and checkpoint
    disagree; thousands of lines would bury the cause (``--json`` lists all).
    """
    from collections import Counter

    first = report.first_cause()
    if first is None:
        return
    from rich.markup import escape

    err_console.print(
        f"[red]✗ first cause:[/] {escape(str(first))}", highlight=False, soft_wrap=True
    )
    rest = [p for p in report.problems if p is not first]
    for problem in rest[:shown]:
        err_console.print(f"[red]✗[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
    left = rest[shown:]
    if left:
        counts = ", ".join(f"{n} {kind}" for kind, n in Counter(p.kind for p in left).most_common())
        err_console.print(
            f"… and {len(left)} more problems ({counts}), most following from the first cause;"
            " `ledger verify --json` lists them all",
            highlight=False,
            soft_wrap=True,
        )


# --- vocabulary and sealed data ---------------------------------------------------
@app.command()
def schema() -> None:
    """Print the JSON Schema of the statement envelope and every event type."""
    from ledger.vocabulary.schema import vocabulary_json_schema

    sys.stdout.write(json.dumps(vocabulary_json_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command()
@handles_errors
def unseal(
    event_id: str = typer.Argument(..., help="Event whose sealed part to open"),
    key: Path = typer.Option(..., "--key", help="Your sealing key file (e.g. keys/court.seal.key)"),
    db: str = DbOption,
    passphrase_env: str | None = PassphraseOption,
) -> None:
    """Show the personal details sealed in an event, to a holder of a recipient key."""
    from ledger.keyring import sealing_context
    from ledger.sealing import load_sealing_key
    from ledger.sealing import unseal as open_sealed

    private = load_sealing_key(key, passphrase(passphrase_env))
    with open_ledger(db) as ledger:
        statement = ledger.statement_leaf(event_id).statement()
    if "sealed" not in statement:
        raise NotSealed(f"event {event_id} has no sealed part")
    details = open_sealed(
        statement["sealed"], private, sealing_context(statement["type"], statement["recorder"])
    )
    console.print_json(json.dumps(details, ensure_ascii=False))


def _register_commands() -> None:
    """Commands that live in their own modules (simulation, reports, serving, …).

    Imported by name, so a missing module stops the program at start-up
    instead of silently dropping its commands. Each module imports this one
    only inside ``register``, which is why the imports wait until here.
    """
    from cli.commands import demo, keys, mirror, report, restore, serve, simulate, site, witness

    for module in (simulate, report, serve, demo, keys, restore, witness, mirror, site):
        module.register(app)


_register_commands()


def main() -> None:
    """The console entry point: a one-line message for any failure, never a traceback.

    Every command's own failures are reported by ``handles_errors``; this
    catches what happens outside a command (``cli.shell.report_failure`` either
    way). ``--debug`` (anywhere on the line) shows the traceback instead.
    """
    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv.remove("--debug")
        show_tracebacks()
    leaving_at_exit()
    try:
        app()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            exit_leaving(done.code)  # ends here, if a command left its state to the end
        raise
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing half-stored (each batch is all-or-nothing)")
        raise SystemExit(130) from None
    except Exception as exc:
        if debug:
            raise
        raise SystemExit(report_failure(exc)) from None
    finally:
        let_go()  # unless the process ended above
        # What the command built is left to the operating system: the interpreter's last
        # cyclic collection at exit walked every object still alive, about 11 s after a
        # site build at a million events. Files and databases are closed by then.
        gc.freeze()


if __name__ == "__main__":
    main()
