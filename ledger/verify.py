"""Re-check a stored ledger from nothing: the answer to "was anything changed?".

``verify_store`` walks every stored event in log order and re-checks, without
trusting any derived state:

* each row's log position follows the previous one (rows deleted, inserted or
  reordered behind the program's back break the sequence);
* the statement parses, is canonical, and its content id is the stored id;
* its signature verifies, and its key, role and lifecycle rules hold *as of
  its position* (the whole log is replayed through ``ledger.domain`` on an
  in-memory world);
* the leaf index table matches the events;
* every signed checkpoint's signature verifies with the log key named in the
  charter, its root equals the root recomputed from the events, and each
  checkpoint is consistent with the one before.

Every problem names the event (id and log position) it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.checking import Checked, Checker
from ledger.domain import A, Decision, Entry, EventInfo
from ledger.errors import LedgerError
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree, leaf_hash, verify_consistency
from ledger.log.note import NoteVerifier, open_note, parse_note
from ledger.reading import StoredLeaf, walk_notifications
from ledger.store import Store

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    leaf_index: int | None = None
    event_id: str | None = None

    def __str__(self) -> str:
        where = []
        if self.leaf_index is not None:
            where.append(f"position {self.leaf_index}")
        if self.event_id:
            where.append(f"event {self.event_id}")
        return f"[{self.kind}] {', '.join(where)}: {self.message}" if where else f"[{self.kind}] {self.message}"


@dataclass
class VerifyReport:
    events: int = 0
    root: bytes = b""
    checkpoints: int = 0
    latest_checkpoint_size: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class MemoryWorld:
    """The log's state rebuilt in memory while replaying it."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, LedgerAggregate] = {}
        self.infos: dict[str, EventInfo] = {}

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None:
        agg = self.aggregates.get(aggregate_id)
        return agg if isinstance(agg, cls) else None

    def event_info(self, event_id: str) -> EventInfo | None:
        return self.infos.get(event_id)

    def commit(self, decision: Decision) -> None:
        for agg in decision.touched.values():
            agg.collect_events()
            self.aggregates[agg.id] = agg
        self.infos.update(decision.new_events)

    def registry(self) -> Registry | None:
        return self.load(Registry, Registry.id_for(REGISTRY_KEY))


class Replayer:
    """Replays statements in order through the rules, collecting problems."""

    def __init__(self, report: VerifyReport) -> None:
        self.world = MemoryWorld()
        self.report = report
        self.hashes: list[bytes] = []
        self.event_ids: list[str | None] = []
        self.expected = 0

    def problem(self, kind: str, message: str, index: int | None, event_id: str | None) -> None:
        self.report.problems.append(Problem(kind, message, index, event_id))

    def take(self, stored: StoredLeaf, checked: Checked) -> None:
        index = stored.leaf_index
        if index is None:
            self.problem("unreadable", "a stored row cannot be decoded", self.expected, stored.event_id)
        elif index != self.expected:
            if index > self.expected:
                self.problem(
                    "missing",
                    f"log positions {self.expected}..{index - 1} are missing: rows were deleted",
                    self.expected,
                    None,
                )
            else:
                self.problem(
                    "out-of-order",
                    f"a row claiming position {index} appears after position {self.expected - 1}:"
                    " rows were inserted or reordered",
                    index,
                    stored.event_id,
                )
        position = self.expected
        self.expected += 1
        leaf_bytes = stored.leaf.encode("utf-8")
        self.hashes.append(leaf_hash(leaf_bytes))
        self.event_ids.append(stored.event_id)
        st = checked.statement
        if checked.error is not None or st is None:
            message = checked.error[1] if checked.error else "unparseable statement"
            self.problem("malformed", f"stored statement does not parse: {message}", position, stored.event_id)
            return
        if stored.event_id is not None and st.event_id != stored.event_id:
            self.problem(
                "content-id",
                f"the statement's content hashes to {st.event_id}, the row says {stored.event_id}:"
                " the statement was edited",
                position,
                stored.event_id,
            )
        if st.leaf_bytes() != leaf_bytes:
            self.problem("not-canonical", "the stored statement is not in canonical form", position, st.event_id)
        decision = Decision(self.world)
        try:
            decision.decide(Entry(st, position, checked.signature_ok, stored.leaf))
        except LedgerError as exc:
            self.problem(exc.code, str(exc), position, st.event_id)
            return
        self.world.commit(decision)


def _with_progress(
    items: Iterable[tuple[StoredLeaf, str]], progress: Progress | None, total: int | None
) -> Iterator[tuple[StoredLeaf, str]]:
    for n, item in enumerate(items, start=1):
        if progress is not None and n % 1000 == 0:
            progress(n, total or 0)
        yield item


def verify_leaves(
    items: Iterable[tuple[StoredLeaf, str]],
    notes: Sequence[str],
    *,
    checkpoint_rows: Sequence[tuple[int, bytes]] | None = None,
    leaf_table: Callable[[Replayer], None] | None = None,
    checker: Checker | None = None,
    progress: Progress | None = None,
    total: int | None = None,
    after: Callable[[Replayer, MerkleTree], None] | None = None,
) -> VerifyReport:
    """Replay statements in log order and check the signed checkpoints over them."""
    report = VerifyReport()
    replayer = Replayer(report)
    own_checker = checker is None
    checker = checker or Checker()
    try:
        for stored, checked in checker.check_stream(_with_progress(items, progress, total), {}):
            replayer.take(stored, checked)
    finally:
        if own_checker:
            checker.close()
    report.events = len(replayer.hashes)
    if progress is not None:
        progress(report.events, total or report.events)
    if leaf_table is not None:
        leaf_table(replayer)
    tree = MerkleTree(lambda s, e: replayer.hashes[s:e], size=0)
    for h in replayer.hashes:
        tree.append(h)
    report.root = tree.root()
    _check_checkpoints(notes, checkpoint_rows, tree, replayer, report)
    if after is not None:
        after(replayer, tree)
    return report


def verify_store(store: Store, *, checker: Checker | None = None, progress: Progress | None = None) -> VerifyReport:
    """Verify the ledger stored in a database, including its leaf index table."""
    rows = store.checkpoints()
    return verify_leaves(
        ((stored, stored.leaf) for stored in walk_notifications(store)),
        [note for _, _, note, _ in rows],
        checkpoint_rows=[(size, root) for size, root, _, _ in rows],
        leaf_table=lambda replayer: _check_leaf_table(store, replayer),
        checker=checker,
        progress=progress,
        total=store.max_notification_id(),
        after=lambda replayer, tree: _check_published(store, rows, replayer, tree),
    )


def _check_published(store: Store, rows: Sequence[tuple[int, bytes, str, str]], replayer: Replayer,
                     tree: MerkleTree) -> None:
    """The published (cosigned) checkpoints and witness cosignatures, against the replayed log."""
    from ledger.witnessing.published import LedgerView, check_published

    registry = replayer.world.registry()
    view = LedgerView(
        log_keys=list(registry.log_keys) if registry is not None else [],
        root_at=lambda size: tree.root(size) if size <= tree.size else None,
        signed_notes={size: note for size, _, note, _ in rows},
    )
    for found in check_published(store.engine, view):
        replayer.problem("published", str(found), None, None)


def _check_leaf_table(store: Store, replayer: Replayer) -> None:
    rows = store.leaf_rows()
    n = len(replayer.hashes)
    for i, row in enumerate(rows):
        if row.leaf_index != i:
            replayer.problem("leaf-table", f"leaf index table skips to position {row.leaf_index}", i, row.event_id)
            break
        if i >= n:
            replayer.problem("leaf-table", "the leaf index lists an event the event store does not hold", i, row.event_id)
            continue
        if row.leaf_hash != replayer.hashes[i] or row.event_id != replayer.event_ids[i]:
            replayer.problem(
                "leaf-table",
                "the leaf index disagrees with the stored event (hash or id)",
                i,
                replayer.event_ids[i] or row.event_id,
            )
    if len(rows) < n:
        replayer.problem(
            "leaf-table",
            f"the leaf index holds {len(rows)} positions, the event store {n}",
            len(rows),
            replayer.event_ids[len(rows)],
        )


def _check_checkpoints(
    notes: Sequence[str],
    rows: Sequence[tuple[int, bytes]] | None,
    tree: MerkleTree,
    replayer: Replayer,
    report: VerifyReport,
) -> None:
    registry = replayer.world.registry()
    if registry is None:
        if notes or report.events:
            replayer.problem("charter", "the log has no valid charter, so no log key to check", None, None)
        return
    previous: Checkpoint | None = None
    for n, note in enumerate(notes):
        report.checkpoints += 1
        try:
            cp = Checkpoint.parse(open_note(note, [_log_verifier_for(note, registry)]).text)
        except LedgerError as exc:
            replayer.problem("checkpoint", f"checkpoint #{n + 1} does not verify: {exc}", None, None)
            continue
        if rows is not None and rows[n] != (cp.size, cp.root_hash):
            replayer.problem("checkpoint", f"checkpoint row {rows[n][0]} disagrees with its signed note", None, None)
        if cp.origin != registry.origin:
            replayer.problem("checkpoint", f"checkpoint {cp.size} is for origin {cp.origin!r}", None, None)
        if cp.size > tree.size:
            replayer.problem(
                "checkpoint",
                f"a checkpoint was signed at size {cp.size} but only {tree.size} events are present:"
                " events were deleted",
                tree.size,
                None,
            )
            continue
        if tree.root(cp.size) != cp.root_hash:
            first_bad = _first_changed(replayer, cp.size)
            replayer.problem(
                "checkpoint",
                f"the root of the first {cp.size} events differs from the signed checkpoint:"
                " history was changed after it was signed",
                first_bad,
                replayer.event_ids[first_bad] if first_bad is not None else None,
            )
        elif previous is not None:
            try:
                verify_consistency(
                    previous.size, cp.size, previous.root_hash, cp.root_hash,
                    tree.consistency_proof(previous.size, cp.size),
                )
            except LedgerError as exc:
                replayer.problem("consistency", f"checkpoint {cp.size} does not extend {previous.size}: {exc}", None, None)
        previous = cp
        report.latest_checkpoint_size = cp.size


def _log_verifier_for(note: str, registry: Registry) -> NoteVerifier:
    """The log key valid at the size the note claims (keys rotate by key.registered)."""
    size = Checkpoint.parse(parse_note(note).text).size
    return NoteVerifier.from_vkey(registry.log_key_at(size))


def _first_changed(replayer: Replayer, size: int) -> int | None:
    """The first position among the already-reported problems, if any, below ``size``."""
    positions = [p.leaf_index for p in replayer.report.problems if p.leaf_index is not None and p.leaf_index < size]
    return min(positions) if positions else None


def describe(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "events": report.events,
        "root": report.root.hex(),
        "checkpoints": report.checkpoints,
        "latest_checkpoint_size": report.latest_checkpoint_size,
        "problems": [str(p) for p in report.problems],
    }
