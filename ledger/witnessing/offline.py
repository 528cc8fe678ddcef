"""The witnesses in an exported log: what a journalist checks on a laptop, offline.

``ledger export`` adds ``published.txt`` (every published checkpoint note with
its witnesses' cosignatures, separated by blank lines) and ``witnesses.json``
(the ledger's witness policy). ``check_cosigned_export`` then checks, with no
server and no database, that each published checkpoint is one of the log's
own signed checkpoints (``checkpoints.txt``, which the main verification ties
to the events) and carries enough valid cosignatures: from every witness key
given with ``--witness``, or else from the quorum of the bundled witnesses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError
from ledger.log.checkpoint import Checkpoint
from ledger.log.cosignature import CosignatureVerifier
from ledger.log.note import NoteVerifier, open_note, parse_note
from ledger.witnessing.policy import POLICY_FILE, WitnessEntry, WitnessPolicy, load_policy
from ledger.witnessing.published import cosignatures_in, published_checkpoints, refuse_unverified

PUBLISHED_FILE = "published.txt"


def export_witnessing(ledger: Any, out: Path, keys_dir: Path | None, size: int) -> None:
    """Write ``published.txt`` and ``witnesses.json`` beside an export of ``size`` entries.

    Every published row is verified first (``refuse_unverified``): an export
    never carries a cosigned checkpoint the ledger cannot stand behind.
    """
    policy = load_policy(keys_dir)
    notes = [
        note for tree_size, note, _ in published_checkpoints(ledger.store) if tree_size <= size
    ]
    if notes:
        refuse_unverified(ledger, policy)
        (Path(out) / PUBLISHED_FILE).write_text("\n".join(notes), "utf-8")
    if policy.configured:
        (Path(out) / POLICY_FILE).write_text(json.dumps(policy.to_json(), indent=2) + "\n", "utf-8")


@dataclass
class CosignedExport:
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    quorum: int = 0
    witnesses: list[str] = field(default_factory=list)
    latest_size: int | None = None

    def summary(self) -> str:
        if not self.witnesses:
            return "no witnesses named or bundled: cosignatures not checked"
        latest = f", latest at size {self.latest_size}" if self.latest_size is not None else ""
        return (
            f"{self.checked} published checkpoints cosigned by at least {self.quorum} of"
            f" {', '.join(self.witnesses)}{latest}"
        )


def _witnesses(directory: Path, vkeys: Sequence[str]) -> tuple[list[WitnessEntry], int]:
    if vkeys:
        entries = [WitnessEntry(CosignatureVerifier.from_vkey(v).name, "", v) for v in vkeys]
        return entries, len(entries)
    policy: WitnessPolicy = load_policy(directory)  # the bundled witnesses.json, if any
    return list(policy.witnesses), policy.quorum


def check_cosigned_export(directory: Path, witness_vkeys: Sequence[str] = ()) -> CosignedExport:
    """Check the published checkpoints of an export against witness keys and the quorum."""
    from ledger.exporting import split_notes

    directory = Path(directory)
    entries, quorum = _witnesses(directory, witness_vkeys)
    result = CosignedExport(quorum=quorum, witnesses=[e.name for e in entries])
    if not entries:
        return result
    published_path = directory / PUBLISHED_FILE
    published = split_notes(published_path.read_text("utf-8")) if published_path.exists() else []
    if not published:
        result.problems.append(
            "the export holds no checkpoint cosigned by the witnesses (no published.txt)"
        )
        return result
    signed = directory / "checkpoints.txt"
    log_bodies = (
        {parse_note(n).text for n in split_notes(signed.read_text("utf-8"))}
        if signed.exists()
        else set()
    )
    try:
        log_key = NoteVerifier.from_vkey((directory / "log.vkey").read_text("utf-8").strip())
    except (OSError, LedgerError) as exc:
        result.problems.append(f"no usable log.vkey in the export: {exc}")
        return result
    for n, note in enumerate(published, 1):
        try:
            body = open_note(note, [log_key]).text
            size = Checkpoint.parse(body).size
        except LedgerError as exc:
            result.problems.append(f"published checkpoint #{n} is not signed by the log key: {exc}")
            continue
        if body not in log_bodies:
            result.problems.append(
                f"published checkpoint {size} is not one of the log's signed checkpoints"
            )
        try:
            found = cosignatures_in(note, entries)
        except LedgerError as exc:
            result.problems.append(f"published checkpoint {size}: {exc}")
            continue
        if len(found) < quorum:
            names = ", ".join(c["witness"] for c in found) or "none"
            result.problems.append(
                f"published checkpoint {size} has valid cosignatures from {len(found)} of the {quorum}"
                f" required witnesses ({names})"
            )
            continue
        result.checked += 1
        result.latest_size = size
    return result
