"""``ledger restore DIR``: rebuild a database from an export, refusing a damaged one.

A backup is only as good as its check. Before anything is written, the export
is compared with its own manifest and with its latest signed checkpoint:

* every line of ``log.jsonl`` parses as a statement (UTF-8, JSON, envelope);
* the number of lines is the manifest's size (a truncated copy is refused);
* the root recomputed from the lines is the manifest's root;
* the latest checkpoint verifies with the log key the log itself names for
  its size (the charter's, or a later ``key.registered`` of purpose ``log``),
  is for the manifest's origin and size, and its root is the root of that
  many lines.

Any failure raises ``ExportRefused`` naming the file, line or field at fault,
and nothing is imported. Only then are the statements imported (every
signature and rule is checked again on the way in) into an empty database in
one all-or-nothing batch, and the export's checkpoints are stored once each
matches the rebuilt tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ledger.errors import LedgerError


class ExportRefused(LedgerError):
    """The export is incomplete, altered or inconsistent: nothing was restored."""

    code = "export_refused"


@dataclass(frozen=True)
class CheckedExport:
    origin: str
    size: int
    root: bytes
    checkpoint_size: int
    notes: list[str]


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ExportRefused(f"{path} cannot be read ({exc.strerror}): not a complete export") from exc
    except ValueError as exc:
        raise ExportRefused(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ExportRefused(f"{path} must hold a JSON object")
    for name, kind in (("origin", str), ("size", int), ("root", str)):
        if not isinstance(manifest.get(name), kind):
            raise ExportRefused(f"{path} lacks a valid {name!r}", field=name)
    return manifest


def _log_keys(statement: dict[str, Any], keys: list[tuple[int, str]], position: int) -> None:
    """Collect the log keys the log names (charter and log-key rotations)."""
    data = statement.get("data", {})
    if statement.get("type") == "ledger.chartered" and isinstance(data.get("log_key"), str):
        keys.append((0, data["log_key"]))
    elif statement.get("type") == "key.registered" and data.get("purpose") == "log":
        keys.append((position + 1, str(data.get("vkey"))))


def check_export(directory: Path) -> CheckedExport:
    """Check an export against its manifest and latest checkpoint; raise ExportRefused."""
    from ledger.exporting import split_notes
    from ledger.log.checkpoint import Checkpoint
    from ledger.log.merkle import leaf_hash, root_of
    from ledger.log.note import NoteVerifier, open_note, parse_note
    from ledger.statements import parse_statement_json

    directory = Path(directory)
    manifest = _read_manifest(directory)
    hashes: list[bytes] = []
    log_keys: list[tuple[int, str]] = []
    log_path = directory / "log.jsonl"
    try:
        raw = log_path.read_bytes()
    except OSError as exc:
        raise ExportRefused(f"{log_path} cannot be read ({exc.strerror})") from exc
    if raw and not raw.endswith(b"\n"):
        raise ExportRefused(f"{log_path} does not end with a newline: the copy was cut short")
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            statement = parse_statement_json(line)
        except LedgerError as exc:
            raise ExportRefused(f"{log_path} line {number} is not a statement: {exc}", line=number) from exc
        if statement.leaf_bytes() != line:
            raise ExportRefused(f"{log_path} line {number} is not in canonical form", line=number)
        hashes.append(leaf_hash(line))
        _log_keys(statement.to_dict(), log_keys, number - 1)
    if len(hashes) != manifest["size"]:
        raise ExportRefused(
            f"{log_path} holds {len(hashes)} statements, the manifest {manifest['size']}:"
            " the export is incomplete"
        )
    if root_of(hashes).hex() != manifest["root"]:
        raise ExportRefused(f"the root of {log_path} is not the manifest's root: the log was altered")
    note_path = directory / "checkpoint"
    try:
        note = note_path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportRefused(f"{note_path} (the latest signed checkpoint) cannot be read") from exc
    if not log_keys:
        raise ExportRefused(f"{log_path} has no charter naming the log key")
    try:
        claimed = Checkpoint.parse(parse_note(note).text)
        vkey = [k for start, k in log_keys if start <= claimed.size][-1]
        checkpoint = Checkpoint.parse(open_note(note, [NoteVerifier.from_vkey(vkey)]).text)
    except (LedgerError, IndexError) as exc:
        raise ExportRefused(f"{note_path} does not verify with the log's key: {exc}") from exc
    if checkpoint.origin != manifest["origin"]:
        raise ExportRefused(f"{note_path} is for {checkpoint.origin!r}, the manifest for {manifest['origin']!r}")
    if manifest.get("checkpoint_size") != checkpoint.size:
        raise ExportRefused(
            f"{note_path} is at size {checkpoint.size}, the manifest says {manifest.get('checkpoint_size')}"
        )
    if checkpoint.size > len(hashes) or root_of(hashes[: checkpoint.size]) != checkpoint.root_hash:
        raise ExportRefused(
            f"the first {checkpoint.size} statements of {log_path} do not have the signed root:"
            " the log was altered or truncated"
        )
    notes_path = directory / "checkpoints.txt"
    notes = split_notes(notes_path.read_text("utf-8")) if notes_path.exists() else [note]
    return CheckedExport(
        origin=manifest["origin"],
        size=len(hashes),
        root=bytes.fromhex(manifest["root"]),
        checkpoint_size=checkpoint.size,
        notes=notes,
    )


def restore(directory: Path, db: str) -> CheckedExport:
    """Check the export, then import it into the empty database ``db``."""
    from ledger.importing import import_lines
    from ledger.log.checkpoint import Checkpoint
    from ledger.log.note import parse_note
    from ledger.service import Ledger
    from ledger.statements import format_time

    checked = check_export(directory)
    with Ledger.open(db) as ledger:
        if ledger.size:
            raise ExportRefused(f"{db} already holds {ledger.size} events: restore into an empty database")
        lines = (directory / "log.jsonl").read_text("utf-8").splitlines()
        # One batch: the restore is all or nothing, like the check before it.
        import_lines(
            ledger, enumerate(lines, start=1), batch_size=max(1000, len(lines))
        )
        if ledger.root() != checked.root:
            raise ExportRefused("the restored log's root differs from the export's manifest")
        restored_at = ledger.clock()
        for note in checked.notes:
            cp = Checkpoint.parse(parse_note(note).text)
            if cp.size <= ledger.size and ledger.tree.root(cp.size) == cp.root_hash:
                signed_at = format_time(cp.signed_time or restored_at)
                ledger.store.insert_checkpoint(cp.size, cp.root_hash, note, signed_at)
    return checked


def register(app: typer.Typer) -> None:
    from ledger.cli import DbOption, handles_errors

    @app.command("restore")
    @handles_errors
    def restore_command(
        directory: Path = typer.Argument(..., help="An export directory written by `ledger export`"),
        db: str = DbOption,
    ) -> None:
        """Restore an export into an empty database, after checking it is complete and signed."""
        from ledger.cli import console

        checked = restore(directory, db)
        console.print(
            f"Restored {checked.size} events into {db} (root {checked.root.hex()});"
            f" latest signed checkpoint at size {checked.checkpoint_size}"
        )
