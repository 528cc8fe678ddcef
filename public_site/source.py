"""What the site is built from: the reports, the log and its checkpoint, at one tree size.

The site states figures *as of the latest signed checkpoint*, so a reader can
check every figure against a signed tree head. ``SiteSource`` pins that size:

* from a live ledger (``open_ledger_source``): when the projections already
  stand at the checkpoint's size they are used as they are (the runner's
  snapshots make this fast); when the ledger has grown past the checkpoint, the
  first ``size`` statements are written to a scratch export and recomputed, so
  no figure mentions an event the checkpoint does not commit to. The leaves
  the site publishes are read where they are stored, when the build needs
  them, each checked against the tree the ledger verified before acting
  (``Ledger.verified_leaves``); a ledger not checked first is copied to the
  scratch export, and its tiles are checked against the checkpoint's root;
* from an export directory (``open_export_source``): the same, from
  ``log.jsonl`` and ``checkpoint`` alone, with no database, once the export's
  one complete check (``ledger.export_layout.check_export``) passed.

Witness cosignatures on the checkpoint are checked against the witness keys
the publisher names (``witness_vkeys``); unknown signature lines are listed as
unverified, never as witnesses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import NotFound, ProofError, SiteSourceError
from ledger.export_layout import (
    CHECKPOINT_FILE,
    log_file,
    read_log,
    require_export,
    write_pinned_log,
)
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree
from ledger.log.note import NoteVerifier, open_note, parse_note
from ledger.log.tiles import LeafRange

if TYPE_CHECKING:
    from ledger.projections.service import Reports
    from ledger.service import Ledger


@dataclass(frozen=True)
class Witness:
    """A witness key the publisher trusts, and whether it cosigned this checkpoint."""

    name: str
    key_id: str
    vkey: str
    cosigned: bool
    timestamp: int | None


def file_leaves(path: Path) -> LeafRange:
    """The leaves of a log file in the export layout (``log.jsonl`` or ``log.jsonl.gz``)."""
    return lambda start, end: islice(read_log(path), start, end)


@dataclass
class SiteSource:
    """Reports, leaves and the signed checkpoint, all at ``checkpoint.size``."""

    reports: Reports
    checkpoint: Checkpoint
    checkpoint_note: str
    log_vkey: str
    signed_at: str | None
    read_leaves: LeafRange
    """Where the leaves come from: the ledger's store, each leaf checked against the tree it
    verified before acting (``Ledger.verified_leaves``), or a log file in the export layout."""
    witnesses: list[Witness] = field(default_factory=list)
    scratch: Path | None = None
    tree: MerkleTree | None = None
    """The ledger's tree of leaf hashes, when it verified at least ``size`` leaves before acting: the
    tiles are made from it instead of hashing every leaf again (``ledger.log.tiles.write_tiles``)."""

    @property
    def size(self) -> int:
        return self.checkpoint.size

    def leaves(self, start: int = 0) -> Iterator[bytes]:
        """The Merkle leaves (canonical statements) from position ``start`` up to ``size``, in log order."""
        return iter(self.read_leaves(start, self.size))

    def close(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def check_checkpoint(note: str, log_vkey: str) -> Checkpoint:
    """Verify the log's signature on the note and parse the checkpoint it signs."""
    try:
        opened = open_note(note, [NoteVerifier.from_vkey(log_vkey.strip())])
    except ProofError as exc:
        raise SiteSourceError(
            f"the latest checkpoint does not verify with the log key: {exc}"
        ) from exc
    return Checkpoint.parse(opened.text)


def witnesses_of(note: str, witness_vkeys: list[str]) -> list[Witness]:
    """Each named witness key, with whether (and when) it cosigned ``note``."""
    from ledger.log.cosignature import CosignatureVerifier

    parsed = parse_note(note)
    out: list[Witness] = []
    for vkey in witness_vkeys:
        try:
            verifier = CosignatureVerifier.from_vkey(vkey.strip())
        except ProofError as exc:
            raise SiteSourceError(
                f"witness key {vkey.strip()!r} is not a cosignature/v1 key: {exc}"
            ) from exc
        stamp: int | None = None
        for sig in parsed.signatures:
            if sig.name == verifier.name and sig.key_hash == verifier.key_hash:
                try:
                    stamp = verifier.timestamp_of(parsed.text.encode("utf-8"), sig.signature)
                except ProofError:
                    stamp = None
        out.append(
            Witness(verifier.name, verifier.key_hash.hex(), verifier.vkey, stamp is not None, stamp)
        )
    return out


def open_ledger_source(
    ledger: Ledger,
    witness_vkeys: list[str] | None = None,
    as_of: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SiteSource:
    """Pin a live ledger to its latest signed checkpoint (deadlines judged at its time unless ``as_of``).

    ``progress`` is told the log position reached while the figures are brought up to date.
    """
    from ledger.projections.service import Reports

    ledger.refresh()
    latest = ledger.latest_checkpoint()
    if latest is None:
        raise SiteSourceError(
            "the ledger has no signed checkpoint yet: run `ledger checkpoint` first"
        )
    registry = ledger.registry()
    if registry is None:
        raise NotFound("the ledger has no charter yet")
    checkpoint = check_checkpoint(latest.note, registry.log_key)
    verified = ledger.verified_size >= checkpoint.size
    read_leaves: LeafRange = ledger.verified_leaves  # each checked against the verified tree
    scratch: Path | None = None
    reports = Reports(ledger, as_of, progress)
    if reports.tree_size != checkpoint.size or not verified:
        # the figures at the checkpoint, from its leaves alone (the ledger grew past it), or
        # a pinned copy of leaves no check vouched for (held whole by the build and checked
        # against the checkpoint's root); verified leaves are still read where they are stored
        scratch = Path(tempfile.mkdtemp(prefix="ledger-site-"))
        leaves = (
            read_leaves(0, checkpoint.size)
            if verified
            else (s.leaf.encode("utf-8") for s in ledger.events())
        )
        leaves_path = write_pinned_log(
            scratch, leaves, checkpoint.size, latest.note, registry.log_key
        )
        if not verified:
            read_leaves = file_leaves(leaves_path)
        if reports.tree_size != checkpoint.size:
            reports = Reports.from_export(scratch, as_of, progress)
    return SiteSource(
        reports,
        checkpoint,
        latest.note,
        registry.log_key,
        latest.signed_at,
        read_leaves,
        witnesses_of(latest.note, witness_vkeys or []),
        scratch,
        ledger.tree if verified else None,
    )


def open_export_source(
    directory: Path,
    witness_vkeys: list[str] | None = None,
    as_of: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SiteSource:
    """Pin an export directory to its checkpoint, once the export's complete check passed.

    The log key comes from the log the check replayed, not from the directory's
    log.vkey: a site built from a copy shows readers the key they can trust.
    """
    from ledger.projections.service import Reports

    directory = Path(directory)
    checked = require_export(directory, doing="no site was built")
    assert checked.log_key is not None  # a passing check found the log's key
    note = (directory / CHECKPOINT_FILE).read_text("utf-8")
    vkey = checked.log_key
    checkpoint = check_checkpoint(note, vkey)
    # A passing check replayed every line and found the checkpoint's root among them.
    scratch: Path | None = None
    leaves_path = log_file(directory)
    if checked.report.events > checkpoint.size:
        scratch = Path(tempfile.mkdtemp(prefix="ledger-site-"))
        leaves_path = write_pinned_log(scratch, read_log(leaves_path), checkpoint.size, note, vkey)
    reports = Reports.from_export(leaves_path.parent, as_of, progress, checked.verified_hashes)
    return SiteSource(
        reports,
        checkpoint,
        note,
        vkey,
        None,
        file_leaves(leaves_path),
        witnesses_of(note, witness_vkeys or []),
        scratch,
    )
