"""The verified-through mark: what a full check before acting found, signed by the log key.

After a check before acting passes, a process holding the operator's log key
stores a signed note (``ledger_verified_mark``, one row) naming the origin,
the tree size N, the root at N, the last event row checked, a digest of every
stored row the check compared (``ledger.verification.digest``) and a digest of
the report snapshot row. Its first line is ``MARK_FIRST_LINE`` and its second
is not a number, so it can never be read as a checkpoint, nor a checkpoint as
a mark.

The next check by a process with the same log key (``check_with_mark``):

1. verifies the mark's signature with that key (not with any key the database
   names);
2. reads the stored rows up to the mark and hashes them (plain reads, no
   parsing, no rule replayed, nothing refolded); the digest must be the
   mark's, and the root recomputed from the leaf index's hashes must be the
   mark's root and agree with the latest signed checkpoint at or below N
   (whose signature is checked again);
3. checks in full what lies beyond N: every statement after it (signature,
   key and role as of its position, the lifecycle rules, replayed over the
   lifecycles as the rows the mark vouches for give them, and every column
   beside it), every checkpoint row after N (signature, row, root, and
   consistency with the one before), the published checkpoints and witness
   cosignatures, and the report snapshot unless its row is byte for byte the
   one the mark names (a snapshot saved since is refolded and compared).

Anything that does not match (no mark, another key, an edited text or digest,
a row changed, added or removed up to N, a problem after N) makes it return
None: the caller then runs the full check, which names the cause. Each check
that passes is followed by a new mark over what it checked
(``record_mark``), so the stretch checked in full stays short.

Why this is sound: the log key signs a mark only over values a check just
compared with the signed leaves, so a mark that verifies says "these exact
bytes were verified". A stored value the program acts on up to N that differs
from them changes the digest (SHA-256, each value tagged with its type and length). A
mark can only be forged with the log key itself, and whoever holds it can
already sign checkpoints over anything. What it does not cover: a process
without the log key (a reader, or ``ledger verify``) cannot tell a mark from a
forgery by whoever wrote the database, so it always checks in full; and, as
for the full check, statements deleted after the latest checkpoint, and
checkpoint rows deleted, leave no trace in the database (docs/verify.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import takewhile
from operator import itemgetter
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.admission import A, EventInfo
from ledger.errors import LedgerError
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree
from ledger.log.note import NoteSigner, NoteVerifier, open_note, parse_note, sign_note
from ledger.signature_pool import Checker
from ledger.storage.log_reader import StoredLeaf, walk_notifications
from ledger.storage.port import CheckpointRow, originator_bytes
from ledger.storage.port import LogStore as Store
from ledger.verification.digest import RowDigest, snapshot_digest
from ledger.verification.replay import (
    MemoryWorld,
    Progress,
    Replayer,
    StoredColumns,
    VerifyReport,
    check_checkpoints,
    check_published_and_snapshot,
)
from ledger.verification.segments import SegmentsElsewhere

MARK_FIRST_LINE = "ceasefire-ledger verified-through mark"
_FIELDS = ("origin", "size", "root", "events", "rows", "snapshot")


@dataclass(frozen=True)
class VouchedReport:
    """A saved report the mark vouches for: its name, what it was computed from, its body's digest."""

    name: str
    key: bytes
    body: bytes


@dataclass(frozen=True)
class Mark:
    """What a passed check covered: tree size and root, last event row, stored-row digests.

    ``reports``: the saved reports (``ledger_saved_reports``) a process holding
    the log key computed from this verified state, one line each after the
    fixed fields, sorted by name.
    """

    origin: str
    size: int
    root: bytes
    events: int
    rows: bytes
    snapshot: bytes
    reports: tuple[VouchedReport, ...] = ()

    def to_text(self) -> str:
        values = (
            self.origin,
            str(self.size),
            _b64(self.root),
            str(self.events),
            _b64(self.rows),
            _b64(self.snapshot),
        )
        reports = "".join(f"report {r.name} {_b64(r.key)} {_b64(r.body)}\n" for r in self.reports)
        return field_text(MARK_FIRST_LINE, _FIELDS, values) + reports

    @classmethod
    def parse(cls, text: str) -> Mark | None:
        """The mark a text states, or None unless it is exactly in the form ``to_text`` writes."""
        lines = text.split("\n")
        if len(lines) < len(_FIELDS) + 2 or lines[0] != MARK_FIRST_LINE or lines[-1] != "":
            return None
        values = field_values(lines[1:], _FIELDS)
        if values is None:
            return None
        reports = []
        for line in lines[len(_FIELDS) + 1 : -1]:
            parts = line.split(" ")
            if len(parts) != 4 or parts[0] != "report" or not _REPORT_NAME.fullmatch(parts[1]):
                return None
            inputs, body = _unb64(parts[2]), _unb64(parts[3])
            if inputs is None or body is None:
                return None
            reports.append(VouchedReport(parts[1], inputs, body))
        origin, size, root, events, rows, snapshot = values
        digests = [_unb64(v) for v in (root, rows, snapshot)]
        if not (_decimal(size) and _decimal(events)) or any(d is None for d in digests):
            return None
        root_hash, rows_hash, snapshot_hash = (d or b"" for d in digests)
        mark = cls(
            origin, int(size), root_hash, int(events), rows_hash, snapshot_hash, tuple(reports)
        )
        return mark if mark.to_text() == text and _sorted_once(mark.reports) else None


_REPORT_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def field_text(first_line: str, names: Sequence[str], values: Sequence[str]) -> str:
    """``first_line``, then one ``name value`` line per field, in order: the form of a mark
    and of the note over a kept state (``ledger.verification.kept_state``)."""
    return f"{first_line}\n" + "".join(
        f"{name} {value}\n" for name, value in zip(names, values, strict=True)
    )


def field_values(lines: Sequence[str], names: Sequence[str]) -> list[str] | None:
    """The values of the ``name value`` lines ``lines`` begins with, one per name in order;
    None unless there are that many and each names its field and holds a value."""
    values = []
    for name, line in zip(names, lines, strict=False):
        key, sep, value = line.partition(" ")
        if key != name or not sep or not value:
            return None
        values.append(value)
    return values if len(values) == len(names) else None


def _sorted_once(reports: Sequence[VouchedReport]) -> bool:
    names = [r.name for r in reports]
    return names == sorted(set(names))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if len(raw) == 32 else None


def _decimal(text: str) -> bool:
    return re.fullmatch(r"0|[1-9][0-9]{0,18}", text) is not None


def open_mark(note: str, log_key: Ed25519PrivateKey) -> Mark | None:
    """The mark in ``note`` if the log key signed it under the origin it names; else None."""
    try:
        mark = Mark.parse(parse_note(note).text)
        if mark is None:
            return None
        verifier = NoteVerifier(mark.origin, log_key.public_key())
        open_note(note, [verifier])
    except LedgerError:
        return None
    return mark


def record_mark(
    store: Store, log_key: Ed25519PrivateKey, report: VerifyReport, digest: RowDigest
) -> bool:
    """Sign and store a mark over what a passed check compared (``digest`` was fed by it).

    Nothing is marked unless the check passed through to the report snapshot,
    and hashed exactly the leaves it counted. The saved reports the mark
    before vouched for are vouched for again when the new mark covers the same
    tree (size and root): they were computed from that tree, and each is
    used only if its key matches what is asked. False when nothing was stored
    (the database refused the write: the next check is then a full one).
    """
    if not report.ok or report.origin is None or digest.snapshot is None:
        return False
    if digest.leaves != report.events:
        return False
    mark = Mark(
        origin=report.origin,
        size=report.events,
        root=report.root,
        events=digest.last_event,
        rows=digest.rows(),
        snapshot=digest.snapshot,
    )
    before = current_mark(store, log_key)
    if before is not None and (before.origin, before.size, before.root) == (
        mark.origin,
        mark.size,
        mark.root,
    ):
        mark = replace(mark, reports=before.reports)
    return _store(store, log_key, mark)


def current_mark(store: Store, log_key: Ed25519PrivateKey) -> Mark | None:
    """The stored mark, if the log key signed it; else None."""
    note = store.verified_mark()
    return open_mark(note, log_key) if note is not None else None


def _store(store: Store, log_key: Ed25519PrivateKey, mark: Mark) -> bool:
    try:
        note = sign_note(mark.to_text(), [NoteSigner(mark.origin, log_key)])
    except LedgerError:
        return False  # an origin that cannot name a key: no mark, every check is a full one
    return store.replace_verified_mark(note)


def renew_snapshot(
    store: Store,
    log_key: Ed25519PrivateKey,
    *,
    verified: int,
    base: bytes,
    saved: bytes,
    position: int,
) -> bool:
    """Name in the mark the report snapshot this process just saved (``saved``, its state).

    The facts saved were folded from the snapshot row whose digest is
    ``base`` (it must be the one the mark vouches for) and from the leaves
    after it, up to ``position``, the snapshot's notification id (it must be
    at most the last event row the mark covers); ``verified``, the tree size
    this process verified, must be the mark's. The row is read back and must
    hold exactly what was saved (another process may have saved its own
    since). Without this, the next check would refold every leaf to compare
    a snapshot nothing changed.
    """
    mark = current_mark(store, log_key)
    if mark is None or mark.size != verified or mark.snapshot != base or position > mark.events:
        return False
    row = store.stored_report_snapshot()
    if row is None or row.notification_id != position or row.state != saved:
        return False
    if row.tracked is not None and row.tracked != position:
        return False
    return _store(store, log_key, replace(mark, snapshot=snapshot_digest(row)))


def vouch_report(
    store: Store,
    log_key: Ed25519PrivateKey,
    *,
    size: int,
    root: bytes,
    name: str,
    key: bytes,
    body: bytes,
) -> bool:
    """Save a report computed from the verified tree of ``size`` and ``root``, and vouch for it.

    The mark must cover exactly that tree (the check before the computation
    left it); the body is stored and the mark signed again with the report's
    line. False when nothing was vouched for.
    """
    mark = current_mark(store, log_key)
    if mark is None or (mark.size, mark.root) != (size, root) or not _REPORT_NAME.fullmatch(name):
        return False
    if not store.save_report(name, key.hex(), body):
        return False
    line = VouchedReport(name, key, hashlib.sha256(body).digest())
    others = [r for r in mark.reports if r.name != name]
    reports = tuple(sorted([*others, line], key=lambda r: r.name))
    return _store(store, log_key, replace(mark, reports=reports))


def vouched_report(
    store: Store, log_key: Ed25519PrivateKey, *, size: int, root: bytes, name: str, key: bytes
) -> bytes | None:
    """The saved body of report ``name`` if the mark over this tree vouches for it under ``key``.

    The stored key and the body's digest must be the ones the signed mark
    names; anything else (no mark, another tree, another key, an edited body)
    gives None, and the caller computes the report.
    """
    mark = current_mark(store, log_key)
    if mark is None or (mark.size, mark.root) != (size, root):
        return None
    line = next((r for r in mark.reports if r.name == name), None)
    if line is None or line.key != key:
        return None
    saved = store.saved_report(name)
    if saved is None or saved[0] != key.hex() or hashlib.sha256(saved[1]).digest() != line.body:
        return None
    return saved[1]


class MarkUnusable(Exception):
    """The rows a mark vouches for do not give the lifecycles: check in full instead."""


class MarkedWorld(MemoryWorld):
    """The log's state as of a mark, for replaying the statements after it.

    A lifecycle is loaded from its stored events up to the highest version
    among the rows the mark's digest covered (the rows just compared), and a
    reference is looked up in the leaf index below the mark's size; what the
    replay after the mark decides is kept in memory, as ``MemoryWorld`` does.
    """

    def __init__(self, store: Store, versions: dict[bytes, int], size: int) -> None:
        super().__init__()
        self.store = store
        self.versions = versions
        self.size = size

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None:
        agg = self.aggregates.get(aggregate_id)
        if agg is None:
            version = self.versions.get(originator_bytes(aggregate_id))
            if version is None:
                return None
            try:
                agg = self.store.load_version(aggregate_id, version)
            except Exception as exc:  # a stored event that does not decode or apply
                raise MarkUnusable(str(exc)) from exc
            if agg is None or agg.version != version:
                raise MarkUnusable(f"lifecycle {aggregate_id} does not load at version {version}")
            self.aggregates[aggregate_id] = agg
        return agg if isinstance(agg, cls) else None

    def event_info(self, event_id: str) -> EventInfo | None:
        info = self.infos.get(event_id)
        if info is not None:
            return info
        row = self.store.leaf_by_event_id(event_id)
        return row.info() if row is not None and row.leaf_index < self.size else None


def check_with_mark(
    store: Store,
    log_key: Ed25519PrivateKey,
    *,
    checker: Checker | None = None,
    progress: Progress | None = None,
) -> tuple[VerifyReport, RowDigest] | None:
    """The check before acting, from the stored mark on; None if a full check is needed.

    Returns the report (problems included) and the digest of everything it
    read, from which the next mark is made; None whenever the mark does not
    hold (see the module docstring) or anything after it does not verify.
    """
    mark = current_mark(store, log_key)
    if mark is None:
        return None
    checkpoint_rows = store.checkpoints()  # before the bound: each covers events stored by then
    upto = store.max_notification_id()
    if upto < mark.events:
        return None
    digest = RowDigest(keep_versions=True)
    digest.checkpoint_rows = checkpoint_rows
    digest.trusted_snapshot = mark.snapshot
    tree, hashes, event_ids = _hash_rows_up_to(store, mark, digest, progress, upto)
    if (digest.leaves, digest.last_event, digest.rows()) != (mark.size, mark.events, mark.rows):
        return None
    if tree.root() != mark.root:
        return None
    try:
        return _check_after(
            store, mark, digest, (tree, hashes, event_ids), checkpoint_rows, upto, checker, progress
        )
    except MarkUnusable:
        return None


def _hash_rows_up_to(
    store: Store, mark: Mark, digest: RowDigest, progress: Progress | None, total: int
) -> tuple[MerkleTree, list[bytes], list[str | None]]:
    """Hash the event rows and leaf index rows the mark covers; the tree of the leaf hashes
    read, and those hashes.

    The event rows' whole segments are hashed by a second process where one
    may be forked (``ledger.verification.segments``), while this one reads the
    leaf index and builds the tree. The content ids of the positions below the mark are not kept
    (None each): they would only name the event of a problem there, and any
    problem makes this check give way to the full one, which names it.
    """
    elsewhere = SegmentsElsewhere.start(store, mark.events, digest)
    hashes: list[bytes] = []
    for page in store.leaf_value_pages(mark.size):
        digest.leaf_rows(page)
        hashes.extend(map(_LEAF_HASH, page))
        if progress is not None:
            progress(page[-1][7], total)  # the notification id
    tree = MerkleTree.over(hashes)
    after = elsewhere.take_into(digest) if elsewhere is not None else 0
    for rows in store.event_row_pages(mark.events, after):
        digest.event_rows(rows)
        if progress is not None:
            progress(rows[-1][0], total)
    return tree, hashes, [None] * len(hashes)


_LEAF_HASH = itemgetter(2)


def _check_after(
    store: Store,
    mark: Mark,
    digest: RowDigest,
    prefix: tuple[MerkleTree, list[bytes], list[str | None]],
    checkpoint_rows: Sequence[CheckpointRow],
    upto: int,
    checker: Checker | None,
    progress: Progress | None,
) -> tuple[VerifyReport, RowDigest] | None:
    """Everything after the mark, checked in full over the state the mark vouches for."""
    assert digest.versions is not None
    world = MarkedWorld(store, digest.versions, mark.size)
    registry = world.registry()
    if registry is None or registry.origin != mark.origin:
        return None
    report = VerifyReport(covered=mark.size)
    columns = StoredColumns(store, upto, digest, after=mark.size - 1)
    replayer = Replayer(report, columns, world)
    replayer.expected = mark.size
    tree, replayer.hashes, replayer.event_ids = prefix  # the tree reads replayer.hashes
    at_mark = [row for row in checkpoint_rows if row[0] <= mark.size]
    previous = _signed_at_mark(at_mark, registry.log_key_at, tree)
    if at_mark and previous is None:
        return None
    own_checker = checker is None
    checker = checker or Checker()
    try:
        for stored, checked in checker.check_stream(
            _after(store, mark, upto, progress), registry.signing_keys()
        ):
            replayer.take(stored, checked)
    finally:
        if own_checker:
            checker.close()
    report.events = len(replayer.hashes)
    report.hashes = replayer.hashes
    columns.rest(replayer)
    for h in replayer.hashes[tree.size :]:
        tree.append(h)
    report.root = tree.root()
    report.tree = tree  # it reads replayer.hashes
    report.checkpoints = len(at_mark)
    later = [row for row in checkpoint_rows if row[0] > mark.size]
    check_checkpoints(
        [note for _, _, note, _ in later],
        [(size, root, signed_at) for size, root, _, signed_at in later],
        tree,
        replayer,
        report,
        previous,
    )
    check_published_and_snapshot(store, checkpoint_rows, replayer, tree, digest)
    return (report, digest) if report.ok else None


def _signed_at_mark(
    rows: Sequence[CheckpointRow], log_key_at: Callable[[int], str], tree: MerkleTree
) -> Checkpoint | None:
    """The latest checkpoint row at or below the mark: its signature and root checked again."""
    if not rows:
        return None
    size, root, note, _ = rows[-1]
    try:
        cp = Checkpoint.parse(open_note(note, [NoteVerifier.from_vkey(log_key_at(size))]).text)
    except LedgerError:
        return None
    if (cp.size, cp.root_hash) != (size, root) or size > tree.size or tree.root(size) != root:
        return None
    return cp


def _after(
    store: Store, mark: Mark, upto: int, progress: Progress | None
) -> Iterator[tuple[StoredLeaf, str]]:
    rows = takewhile(
        lambda row: row.notification_id <= upto, walk_notifications(store, mark.events + 1)
    )
    for n, stored in enumerate(rows, start=1):
        if progress is not None and n % 1000 == 0:
            progress(mark.events + n, upto)
        yield stored, stored.leaf
