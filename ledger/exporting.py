"""The public log as files, and verifying such a copy with no server or database.

An export directory holds::

    log.jsonl         every statement, one per line, in log order (the Merkle leaves)
    checkpoints.txt   every signed checkpoint note, separated by blank lines
    checkpoint        the latest signed checkpoint note
    log.vkey          the log's verifier key (as named in the charter)
    manifest.json     origin, size, root, latest checkpoint size
    published.txt     checkpoints cosigned by a quorum of witnesses (if any)
    witnesses.json    the ledger's witnesses and quorum (if configured)

Sealed parts stay sealed: the export is exactly what the public may read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import LedgerError, NotFound
from ledger.reading import StoredLeaf

if TYPE_CHECKING:
    from ledger.service import Ledger
    from ledger.verify import Progress, VerifyReport

NOTE_SEPARATOR = "\n\n"


def export_ledger(
    ledger: Ledger,
    out: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
    keys_dir: Path | None = None,
) -> dict[str, Any]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ledger.refresh()
    size = ledger.size
    with (out / "log.jsonl").open("w", encoding="utf-8") as handle:
        for n, stored in enumerate(ledger.events(), start=1):
            if n > size:
                break
            handle.write(stored.leaf + "\n")
            if on_progress and n % 1000 == 0:
                on_progress(n)
    notes = [row[2] for row in ledger.store.checkpoints() if row[0] <= size]
    (out / "checkpoints.txt").write_text("\n".join(notes), "utf-8")
    latest = ledger.latest_checkpoint()
    if latest is not None and latest.size <= size:
        (out / "checkpoint").write_text(latest.note, "utf-8")
    registry = ledger.registry()
    if registry is not None:
        (out / "log.vkey").write_text(registry.log_key + "\n", "utf-8")
    manifest = {
        "origin": registry.origin if registry else None,
        "size": size,
        "root": ledger.tree.root(size).hex(),
        "checkpoint_size": latest.size if latest else None,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    from ledger.witnessing.offline import export_witnessing

    export_witnessing(ledger, out, keys_dir, size)
    if on_progress:
        on_progress(size)
    return manifest


def split_notes(text: str) -> list[str]:
    """Signed notes concatenated by ``export``: each ends with its signature lines."""
    notes: list[str] = []
    current: list[str] = []
    in_signatures = False
    for line in text.splitlines(keepends=True):
        if in_signatures and not line.startswith("— "):
            notes.append("".join(current))
            current, in_signatures = [], False
            if line.strip() == "":
                continue
        current.append(line)
        if line == "\n" and not in_signatures:
            in_signatures = True
    if current:
        notes.append("".join(current))
    return [n for n in notes if n.strip()]


def _export_leaves(path: Path) -> Iterator[tuple[StoredLeaf, str]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise NotFound(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for index, raw in enumerate(handle):
            try:
                text = raw.decode("utf-8").rstrip("\n")
            except UnicodeDecodeError:
                text = ""
            yield StoredLeaf(index + 1, index, None, text, "", ""), text


def verify_export(
    directory: Path, *, progress: Progress | None = None, witness_vkeys: Sequence[str] = ()
) -> VerifyReport:
    """Replay an exported log through every rule and check its checkpoints.

    Published checkpoints are checked for cosignatures from ``witness_vkeys``
    (each must have cosigned), or else from the quorum of the bundled witnesses.
    """
    from ledger.verify import Problem, verify_leaves
    from ledger.witnessing.offline import check_cosigned_export

    directory = Path(directory)
    if not (directory / "log.jsonl").exists():
        raise LedgerError(f"{directory} is not an export (no log.jsonl)")
    notes_path = directory / "checkpoints.txt"
    notes = split_notes(notes_path.read_text("utf-8")) if notes_path.exists() else []
    report = verify_leaves(_export_leaves(directory / "log.jsonl"), notes, progress=progress)
    cosigned = check_cosigned_export(directory, witness_vkeys)
    report.problems.extend(Problem("witness", message) for message in cosigned.problems)
    return report
