"""``ledger site build OUT``: the public website, as static files, from a ledger or an export.

The site states figures as of the latest signed checkpoint (see
``public_site.source``); ``--witness`` names witness verifier keys whose
cosignatures on that checkpoint the site reports; ``--base-url`` is the address the
site is served at, from which the Atom feeds make their links absolute. Serve the
result with ``ledger serve --site OUT`` or any static host.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

DEFAULT_PROCESSES = max(1, min(2, os.cpu_count() or 1))

if TYPE_CHECKING:
    from rich.progress import Progress

    from public_site.build import BuildResult
    from public_site.source import SiteSource


def register(app: typer.Typer) -> None:
    from cli.shell import (
        DbOption,
        MarkKeysOption,
        PassphraseOption,
        ProgressOption,
        console,
        handles_errors,
        output_directory,
        require_mark_keys,
    )
    from public_site.feeds import DEFAULT_BASE_URL

    site_app = typer.Typer(
        help="The public website (static, English and Urdu).", no_args_is_help=True
    )

    @site_app.command("build")
    @handles_errors
    def build(
        out: Path = typer.Argument(
            ..., help="Directory to write the site into (created if missing)"
        ),
        db: str = DbOption,
        from_export: Path | None = typer.Option(
            None,
            "--from-export",
            help="Build from an export directory (log.jsonl, checkpoint, log.vkey) instead",
        ),
        witness: list[str] = typer.Option(
            [],
            "--witness",
            help="A witness verifier key (name+id+key) whose cosignature to report; repeatable",
        ),
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            help="Judge deadlines at this UTC time; default: the checkpoint's signed time",
        ),
        base_url: str = typer.Option(
            DEFAULT_BASE_URL,
            "--base-url",
            help="The address the site is served at (http or https); the feeds link to it",
        ),
        progress: bool | None = ProgressOption,
        keys: Path | None = MarkKeysOption,
        passphrase_env: str | None = PassphraseOption,
        processes: int = typer.Option(
            DEFAULT_PROCESSES,
            "--processes",
            min=1,
            max=64,
            help="Worker processes that render the pages (default: up to 2, as many as there are CPUs)",
        ),
    ) -> None:
        """Build the public site as of the latest signed checkpoint (again: only what changed is written)."""
        from cli.shell import progress_bar
        from cli.site_refresh import save_build_options
        from ledger.collector import leave_at_exit
        from public_site.feeds import parse_base_url
        from public_site.inputs import build_inputs, forget, program_digest, record
        from public_site.source import open_export_source, open_ledger_source

        base_url = parse_base_url(base_url)  # refused before anything is opened or written
        require_mark_keys(keys)
        output_directory(out, "OUT")
        if as_of is not None:
            from ledger.projections.evaluation import parse_as_of

            as_of = parse_as_of(as_of)
        with progress_bar("site build", progress) as bar:
            if from_export is not None:
                forget(out)  # a site built from an export is not one this command skips
                reading = bar.add_task("reading the export", total=None)
                source = open_export_source(
                    from_export,
                    list(witness),
                    as_of,
                    lambda n: bar.update(reading, completed=n),
                )
                bar.update(reading, total=source.size, completed=source.size)
                result = _build(source, out, base_url, bar, processes)
                leave_at_exit(source)  # to the operating system (``ledger.collector``)
            else:
                from cli.shell import keep_state, open_ledger

                with open_ledger(db, keys, passphrase_env) as ledger:
                    checking = bar.add_task(  # the check counts event rows
                        "checking the stored log", total=ledger.store.max_notification_id()
                    )
                    ledger.verify_before_acting(  # nothing unverified is published
                        progress=lambda n, total: bar.update(checking, completed=n, total=total)
                    )
                    program = program_digest()  # once, of the program that builds
                    held = _held(ledger, out, program, list(witness), as_of, base_url)
                    if held is not None:
                        save_build_options(out, base_url, list(witness))
                        console.print(
                            f"The site in {out}/ already states the checkpoint at tree size"
                            f" {held} as this program builds it: nothing written",
                            highlight=False,
                        )
                        return
                    forget(out)  # until this build finishes
                    reading = bar.add_task("bringing the figures up to date", total=ledger.size)
                    source = open_ledger_source(
                        ledger, list(witness), as_of, lambda n: bar.update(reading, completed=n)
                    )
                    bar.update(reading, completed=ledger.size)
                    result = _build(source, out, base_url, bar, processes)
                    inputs = build_inputs(
                        program,
                        source.checkpoint_note,
                        source.signed_at,
                        source.log_vkey,
                        list(witness),
                        as_of,
                        base_url,
                    )
                    record(out, inputs)  # what was built, at the checkpoint the source pinned
                    _save_reports(ledger, source.reports)
                    # the next build folds only what is stored after this
                    keep_state(source.reports)
                    # what the build read, the operating system takes back at exit: freeing
                    # it one by one took 2.9 s at a million events (``ledger.collector``)
                    leave_at_exit(source)
        save_build_options(out, base_url, list(witness))
        console.print(
            f"Built {result.pages} pages and {result.proofs} proofs in {out}/ at tree size {source.size}"
            f" ({result.files_written} files written, {result.files_unchanged} unchanged,"
            f" {result.files_removed} removed) in {result.seconds:.1f}s; {source.reports.evaluation.explanation}"
        )

    app.add_typer(site_app, name="site")


def _held(
    ledger: Any,
    out: Path,
    program: str,
    witness: list[str],
    as_of: str | None,
    base_url: str,
) -> int | None:
    """The tree size of the latest checkpoint if ``out`` already holds the site ``program``
    would build from this verified ledger (``public_site.inputs``); else None."""
    from public_site.inputs import build_inputs, holds

    latest, registry = ledger.latest_checkpoint(), ledger.registry()
    if latest is None or registry is None:
        return None
    inputs = build_inputs(
        program, latest.note, latest.signed_at, registry.log_key, witness, as_of, base_url
    )
    return int(latest.size) if holds(out, inputs) else None


def _save_reports(ledger: Any, reports: Any) -> None:
    """Keep the reports the site was built from, so `ledger report --keys` prints them at once.

    Saved only by a process holding the log key, and only for the tree it
    verified (``ledger.projections.saved``); the site computed each already.
    """
    from cli.shell import save_reports
    from ledger.projections.report_names import REPORT_NAMES

    save_reports(ledger, reports, (reports.report(name) for name in REPORT_NAMES))


def _build(
    source: SiteSource, out: Path, base_url: str, bar: Progress, processes: int
) -> BuildResult:
    """Build, and always remove the source's scratch copy of the log."""
    from public_site.build import build_site

    task = bar.add_task("writing the site", total=None)

    def advance(what: str, done: int, total: int) -> None:
        bar.update(task, description=f"writing the site: {what}", completed=done, total=total)

    try:
        return build_site(source, out, base_url=base_url, progress=advance, processes=processes)
    finally:
        source.close()
