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
    from cli.shell import (
        DbOption,
        MarkKeysOption,
        PassphraseOption,
        ProgressOption,
        handles_errors,
        require_mark_keys,
    )

    @app.command()
    @handles_errors
    def report(
        what: str = typer.Argument(..., metavar="REPORT", help=WHAT_HELP),
        subject: str | None = typer.Argument(
            None, metavar="[ID]", help="Case or person id (for case/person)"
        ),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV: one value per cell"),
        table_name: str | None = typer.Option(
            None,
            "--table",
            help="With --csv: one of the report's linked tables (tests, survival, derived-from, …)"
            " instead of the main one; a wrong name lists them",
        ),
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
        progress: bool | None = ProgressOption,
        keys: Path | None = MarkKeysOption,
        passphrase_env: str | None = PassphraseOption,
    ) -> None:
        """Reports over the ledger: promises kept, equality across groups, flags, custody, court, histories."""
        from ledger.collector import leave_at_exit
        from ledger.errors import InvalidArgument

        if as_csv and as_json:
            raise InvalidArgument("choose --csv or --json, not both")
        if table_name is not None and not as_csv:
            raise InvalidArgument("--table chooses a CSV table: add --csv", field="--table")
        if what in HISTORY_NAMES and not subject:
            raise InvalidArgument(f"give the {what} id: ledger report {what} ID")
        if what not in HISTORY_NAMES and subject:
            raise InvalidArgument(f"report {what} takes no id")
        if what not in REPORT_NAMES + HISTORY_NAMES:
            raise InvalidArgument(f"no report named {what!r}; {WHAT_HELP}")
        if table_name is not None and what in REPORT_NAMES:
            from ledger.projections.tidy import require_table

            require_table(what, table_name)  # before the ledger is read and checked
        if what in HISTORY_NAMES and as_csv:
            raise InvalidArgument(
                f"a {what} history nests each event's data and proof: print it as a table,"
                " or with --json",
                field="--csv",
            )
        if as_of is not None:
            from ledger.projections.evaluation import parse_as_of

            as_of = parse_as_of(as_of)
        require_mark_keys(keys)
        view = View(what, subject, as_csv, table_name, as_json)
        if from_export is not None:
            from ledger.collector import collector_paused
            from ledger.export_layout import require_export
            from ledger.projections.service import Reports

            with collector_paused():  # the check's hashes and the facts last the command
                checked = require_export(from_export, doing="no report was computed")
            with _bars(progress, None) as bar:
                task = bar.add_task("reading the export", total=None)
                with collector_paused():
                    reports = Reports.from_export(
                        from_export,
                        as_of,
                        lambda n: bar.update(task, completed=n),
                        checked.verified_hashes,
                    )
                output = view.compute(reports, bar)
            view.show(output)
            leave_at_exit(reports)
            return
        from cli.shell import keep_state, open_ledger
        from ledger.collector import collector_paused

        with open_ledger(db, keys, passphrase_env) as ledger:
            leave_at_exit(ledger)  # its verified tree, and the figures with it: see below
            computed = None
            stored = ledger.store.max_notification_id()  # the check counts event rows
            with _bars(progress, stored) as bar:
                checking = bar.add_task("checking the stored log", total=stored)
                with collector_paused():  # the check's tree lives as long as the command
                    ledger.verify_before_acting(  # figures are published only from a verified log
                        progress=lambda n, total: bar.update(checking, completed=n, total=total)
                    )
                output = view.saved(ledger, as_of)
                if output is None:
                    from ledger.projections.service import Reports

                    reading = bar.add_task("bringing the figures up to date", total=ledger.size)
                    with collector_paused():  # the facts too, before the report is computed
                        computed = Reports(
                            ledger, as_of, lambda n: bar.update(reading, completed=n)
                        )
                    bar.update(reading, completed=ledger.size)
                    output = view.compute(computed, bar)
                    view.save(ledger, computed, output)
            view.show(output)
            if computed is not None:
                # once the report is out, keep the state: the next process folds only what
                # is stored after it
                sys.stdout.flush()
                keep_state(computed)
                # the operating system takes the figures back at exit, where freeing them
                # one by one took 2.2 s at a million events (``ledger.collector``)
                leave_at_exit(computed)


def _bars(asked: bool | None, size: int | None) -> Any:
    """Bars when asked, or on a terminal for a big ledger (a small one is done before a bar draws)."""
    from cli.shell import BIG_LEDGER, progress_bar

    show = asked if asked is not None else (None if size is None or size >= BIG_LEDGER else False)
    return progress_bar("report", show)


class View:
    """What ``ledger report`` was asked to print, computed under the bars and printed after them."""

    def __init__(
        self, what: str, subject: str | None, as_csv: bool, table: str | None, as_json: bool
    ) -> None:
        self.what, self.subject = what, subject
        self.as_csv, self.table, self.as_json = as_csv, table, as_json

    def compute(self, reports: Any, bar: Any) -> Any:
        task = bar.add_task(f"computing {self.what}", total=None)
        if self.what == "case":
            output = reports.case_history(self.subject)
        elif self.what == "person":
            output = reports.person_history(self.subject)
        else:
            output = reports.report(self.what)
        bar.update(task, total=1, completed=1)
        return output

    def saved(self, ledger: Any, as_of: str | None) -> Any:
        """The report as saved from exactly this verified log (with the log key), else None."""
        if self.what in HISTORY_NAMES:
            return None
        from ledger.projections.saved import saved_report

        return saved_report(ledger, self.what, as_of)

    def save(self, ledger: Any, reports: Any, output: Any) -> None:
        """Keep a report just computed for the next run (only with the log key)."""
        if self.what not in HISTORY_NAMES:
            from cli.shell import save_reports

            save_reports(ledger, reports, [output])

    def show(self, output: Any) -> None:
        from cli.shell import console

        if self.what in HISTORY_NAMES:
            if self.as_json:
                sys.stdout.write(
                    json.dumps(output, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
                )
                return
            _print_history(console, self.what, self.subject or "", output)
        elif self.as_json:
            sys.stdout.write(
                json.dumps(output.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            )
        elif self.as_csv:
            from ledger.projections.tidy import tidy_table

            sys.stdout.write(tidy_table(output, self.table).to_csv())
        else:
            _print_table(console, output)


def _print_table(console: Any, table: Any) -> None:
    from ledger.projections.tables import cell_text

    columns = [
        c for c in table.columns if c not in HIDDEN and not c.endswith(("_event", "_deadline"))
    ]
    print_fitted(
        console,
        f"{table.name} (as of {table.as_of}, {table.as_of_source})",
        [c.replace("_", " ") for c in columns],
        [[_short(cell_text(row.get(c))) for c in columns] for row in table.rows],
    )
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


def print_fitted(console: Any, title: str, headers: list[str], rows: list[list[str]]) -> None:
    """Print a table whose cells wrap at spaces only, never inside a word.

    Each column is given a fixed width of at least its longest word. When the
    columns do not fit the console side by side, they are printed in several
    tables of the same rows, each repeating the first column, so a word never
    has to be cut to fit. (Left to itself, rich shrinks every column alike and
    folds words mid-letter.)
    """
    from cli.fitted import Fitted, cells

    texts = [[h] + [r[i] for r in rows] for i, h in enumerate(headers)]
    shortest = [max((cells(w) for t in col for w in t.split()), default=1) for col in texts]
    natural = [max(map(cells, col), default=1) for col in texts]
    budget = console.width - 1  # each column adds its padding and one border; then the last border

    def width(columns: list[int]) -> int:
        return sum(shortest[j] + 3 for j in columns)

    groups: list[list[int]] = []
    for i in range(1, len(headers)):
        if groups and width([0, *groups[-1], i]) <= budget:
            groups[-1].append(i)
        else:
            groups.append([i])
    for n, group in enumerate(groups or [[]], start=1):
        shown = [0, *group]
        widths = {j: shortest[j] for j in shown}
        spare = budget - width(shown)
        while spare > 0 and any(widths[j] < natural[j] for j in shown):
            for j in shown:
                if spare > 0 and widths[j] < natural[j]:
                    widths[j] += 1
                    spare -= 1
        part = f" ({n}/{len(groups)})" if len(groups) > 1 else ""
        Fitted(
            title + part,
            [headers[j] for j in shown],
            [[row[j] for j in shown] for row in rows],
            [widths[j] for j in shown],
        ).print(console)


def _p(text: str) -> str:
    return text if text.startswith("<") else f"= {text}"


def _short(text: str) -> str:
    """Event ids shortened for reading; --csv/--json carry them whole."""
    if len(text) < 64:
        return text
    words = text.split(" ")
    return " ".join(
        w[:12] + "…" if len(w) == 64 and all(c in "0123456789abcdef" for c in w) else w
        for w in words
    )


def _print_history(console: Any, what: str, subject: str, history: dict[str, Any]) -> None:
    headers = ["when", "type", "recorder", "status", "flags", "event", "sealed"]
    rows = [
        [
            e["occurred_at"],
            e["type"],
            f"{e['recorder']} ({e['recorder_role']})",
            e["status"],
            " ".join(e["flags"]),
            e["event_id"][:12] + "…",
            "sealed part" if e["sealed"] else "",
        ]
        for e in history["events"]
    ]
    print_fitted(console, f"{what} {subject}", headers, rows)
    console.print(
        f"tree size {history['tree_size']}, root {history['root']}", highlight=False, soft_wrap=True
    )
