"""``ledger report``: promises, equality across groups, flagged releases and histories.

``ledger report NAME`` prints a readable table with a footer naming the tree
size and root it reflects; ``--csv`` and ``--json`` print machine-readable
forms; ``--from-export DIR`` recomputes every figure from an export directory
(no database), giving the same output as the live report at the same tree size.
``ledger report case ID`` and ``ledger report person ID`` print a history.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from ledger.projections.report_names import HISTORY_NAMES, REPORT_NAMES

HIDDEN = frozenset({"evidence", "derived_from", "description", "flag", "name"})
"""Columns the readable table leaves to --csv/--json (ids, evidence, long text)."""
WHAT_HELP = f"One of: {', '.join(REPORT_NAMES + HISTORY_NAMES)}"


def register(app: typer.Typer) -> None:
    from cli.shell import DbOption, handles_errors

    @app.command()
    @handles_errors
    def report(
        what: str = typer.Argument(..., metavar="REPORT", help=WHAT_HELP),
        subject: str | None = typer.Argument(
            None, metavar="[ID]", help="Case or person id (for case/person)"
        ),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON"),
        from_export: Path | None = typer.Option(
            None, "--from-export", help="Recompute from an export directory instead of the database"
        ),
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            help="Judge deadlines at this UTC time (2026-03-01T00:00:00Z); default: the latest checkpoint's signed time",
        ),
        db: str = DbOption,
    ) -> None:
        """Reports over the ledger: promises kept, equality across groups, flags, custody, court, histories."""
        from ledger.errors import InvalidArgument

        if as_csv and as_json:
            raise InvalidArgument("choose --csv or --json, not both")
        if what in HISTORY_NAMES and not subject:
            raise InvalidArgument(f"give the {what} id: ledger report {what} ID")
        if what not in HISTORY_NAMES and subject:
            raise InvalidArgument(f"report {what} takes no id")
        if what not in REPORT_NAMES + HISTORY_NAMES:
            raise InvalidArgument(f"no report named {what!r}; {WHAT_HELP}")
        if as_of is not None:
            from ledger.projections.evaluation import parse_as_of

            as_of = parse_as_of(as_of)
        if from_export is not None:
            from ledger.export_layout import require_export
            from ledger.projections.service import Reports

            require_export(from_export, doing="no report was computed")
            _show(Reports.from_export(from_export, as_of), what, subject, as_csv, as_json)
            return
        from cli.shell import open_ledger
        from ledger.projections.service import Reports

        with open_ledger(db) as ledger:
            ledger.verify_before_acting()  # figures are published only from a verified log
            _show(Reports(ledger, as_of), what, subject, as_csv, as_json)


def _show(reports: Any, what: str, subject: str | None, as_csv: bool, as_json: bool) -> None:
    from cli.shell import console

    if what in HISTORY_NAMES:
        history = (
            reports.case_history(subject) if what == "case" else reports.person_history(subject)
        )
        if as_json or as_csv:
            sys.stdout.write(
                json.dumps(history, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            )
            return
        _print_history(console, what, subject or "", history)
        return
    table = reports.report(what)
    if as_json:
        sys.stdout.write(
            json.dumps(table.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )
    elif as_csv:
        sys.stdout.write(table.to_csv())
    else:
        _print_table(console, table)


def _print_table(console: Any, table: Any) -> None:
    from rich.table import Table

    from ledger.projections.tables import cell_text

    columns = [
        c for c in table.columns if c not in HIDDEN and not c.endswith(("_event", "_deadline"))
    ]
    rich_table = Table(
        title=f"{table.name} (as of {table.as_of}, {table.as_of_source})", show_lines=False
    )
    for column in columns:
        rich_table.add_column(column.replace("_", " "), overflow="fold")
    for row in table.rows:
        rich_table.add_row(*[_short(cell_text(row.get(c))) for c in columns])
    console.print(rich_table)
    for note in table.notes:
        console.print(f"[dim]• {note}[/]", highlight=False)
    if "tests" in table.extra:
        for test in table.extra["tests"]:
            p = (
                "not testable"
                if test["p_value"] is None
                else f"p {_p(test['p_text'])}, Holm {_p(test['p_holm_text'])}"
            )
            console.print(f"  {test['metric']}: {p} — {test['method']}", highlight=False)
    console.print(
        f"tree size {table.tree_size}, root {table.root}", highlight=False, soft_wrap=True
    )


def _p(text: str) -> str:
    return text if text.startswith("<") else f"= {text}"


def _short(text: str) -> str:
    """Event ids shortened for reading; --csv/--json carry them whole."""
    words = text.split(" ")
    return " ".join(
        w[:12] + "…" if len(w) == 64 and all(c in "0123456789abcdef" for c in w) else w
        for w in words
    )


def _print_history(console: Any, what: str, subject: str, history: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"{what} {subject}")
    for column in ("when", "type", "recorder", "status", "flags", "event", "sealed"):
        table.add_column(column, overflow="fold")
    for e in history["events"]:
        table.add_row(
            e["occurred_at"],
            e["type"],
            f"{e['recorder']} ({e['recorder_role']})",
            e["status"],
            " ".join(e["flags"]),
            e["event_id"][:12] + "…",
            "sealed part" if e["sealed"] else "",
        )
    console.print(table)
    console.print(
        f"tree size {history['tree_size']}, root {history['root']}", highlight=False, soft_wrap=True
    )
