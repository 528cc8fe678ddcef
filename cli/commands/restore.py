"""``ledger restore DIR``: rebuild a database from an export, refusing a damaged one.

A backup is only as good as its check. Before anything is written, the export
gets the complete check ``ledger verify --export`` runs
(:func:`ledger.export_layout.check_export`): its files against its manifest, every
statement replayed through the rules, its checkpoints and ``log.vkey`` against
the log key the log itself names, the manifest against what was recomputed.

Any problem raises ``ExportRefused`` naming the file, line or field at fault,
and nothing is imported. Only then are the statements imported (every
signature and rule is checked again on the way in) into an empty database in
one all-or-nothing batch, and the export's checkpoints are stored once each
matches the rebuilt tree.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ledger.errors import ExportRefused
from ledger.export_layout import CheckedExport, log_file, read_log, require_export

__all__ = ["ExportRefused", "restore"]


def restore(directory: Path, db: str) -> CheckedExport:
    """Check the export, then import it into the empty database ``db``."""
    from ledger.importing import import_lines
    from ledger.log.checkpoint import Checkpoint
    from ledger.log.note import parse_note
    from ledger.service import Ledger
    from ledger.statements import format_time

    checked = require_export(directory, doing="nothing was restored")
    with Ledger.open(db) as ledger:
        if ledger.size:
            raise ExportRefused(
                f"{db} already holds {ledger.size} events: restore into an empty database"
            )
        # lines end at "\n" only: a statement may hold U+2028, which splitlines() splits at
        lines = [leaf.decode("utf-8") for leaf in read_log(log_file(directory))]
        # One batch: the restore is all or nothing, like the check before it.
        import_lines(ledger, enumerate(lines, start=1), batch_size=max(1000, len(lines)))
        if ledger.root() != checked.report.root:
            raise ExportRefused("the restored log's root differs from the export's manifest")
        restored_at = ledger.clock()
        for note in checked.notes:
            cp = Checkpoint.parse(parse_note(note).text)
            if cp.size <= ledger.size and ledger.tree.root(cp.size) == cp.root_hash:
                signed_at = format_time(cp.signed_time or restored_at)
                ledger.store.insert_checkpoint(cp.size, cp.root_hash, note, signed_at)
    return checked


def register(app: typer.Typer) -> None:
    from cli.shell import DbOption, handles_errors

    @app.command("restore")
    @handles_errors
    def restore_command(
        directory: Path = typer.Argument(
            ..., help="An export directory written by `ledger export`"
        ),
        db: str = DbOption,
    ) -> None:
        """Restore an export into an empty database, after checking it is complete and signed."""
        from cli.shell import console

        checked = restore(directory, db)
        console.print(
            f"Restored {checked.report.events} events into {db} (root {checked.report.root.hex()});"
            f" latest signed checkpoint at size {checked.checkpoint_size}"
        )
