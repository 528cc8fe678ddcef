"""Re-check a stored ledger from nothing: the answer to "was anything changed?".

``verify_store`` walks every stored event in log order and re-checks, without
trusting any derived state:

* each row's log position follows the previous one (rows deleted, inserted or
  reordered behind the program's back break the sequence);
* the statement parses, is canonical, and its content id is the stored id;
* its signature verifies, and its key, role and lifecycle rules hold *as of
  its position* (the whole log is replayed through ``ledger.admission`` on an
  in-memory world);
* the leaf index table matches the events;
* every signed checkpoint's signature verifies with the log key named in the
  charter, its root equals the root recomputed from the events, and each
  checkpoint is consistent with the one before.

Every problem names the event (id and log position) it concerns.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import takewhile
from typing import Any
from uuid import UUID

from ledger.admission import A, Decision, Entry, EventInfo
from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.collector import bulk
from ledger.errors import LedgerError
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree, leaf_hash, verify_consistency
from ledger.log.note import NoteVerifier, open_note, parse_note
from ledger.signature_pool import Checked, Checker
from ledger.storage.log_reader import StoredLeaf, walk_notifications
from ledger.storage.port import LeafRow
from ledger.storage.port import LogStore as Store
from ledger.verification.digest import RowDigest

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """One thing that does not match: what, where in the log, and which stored column."""

    kind: str
    message: str
    leaf_index: int | None = None
    event_id: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.leaf_index is not None:
            where.append(f"position {self.leaf_index}")
        if self.event_id:
            where.append(f"event {self.event_id}")
        if self.column:
            where.append(f"column {self.column}")
        return (
            f"[{self.kind}] {', '.join(where)}: {self.message}"
            if where
            else f"[{self.kind}] {self.message}"
        )


@dataclass
class VerifyReport:
    events: int = 0
    root: bytes = b""
    checkpoints: int = 0
    latest_checkpoint_size: int | None = None
    log_key: str | None = None
    """The log key (signed-note vkey) the replayed registry names last."""
    origin: str | None = None
    """The log's origin, as the replayed charter names it."""
    covered: int = 0
    """Positions under a verified checkpoint whose signatures were not checked again."""
    problems: list[Problem] = field(default_factory=list)
    hashes: list[bytes] | None = field(default=None, repr=False, compare=False)
    """The leaf hashes of the ``events`` positions checked, as the check computed or compared them."""
    tree: MerkleTree | None = field(default=None, repr=False, compare=False)
    """The check's Merkle tree over ``hashes`` (it reads that list)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def first_cause(self) -> Problem | None:
        """The problem at the earliest log position (others often follow from it)."""
        if not self.problems:
            return None
        placed = [p for p in self.problems if p.leaf_index is not None]
        return min(placed, key=lambda p: p.leaf_index or 0) if placed else self.problems[0]

    def summary(self, shown: int = 3) -> str:
        """The first cause, then a count of the rest by kind (one deleted row breaks much)."""
        first = self.first_cause()
        if first is None:
            return "no problems"
        rest = [p for p in self.problems if p is not first]
        text = f"first cause: {first}"
        others = [str(p) for p in rest[: max(0, shown - 1)]]
        if others:
            text += "; then " + "; ".join(others)
        more = len(rest) - len(others)
        if more > 0:
            counts = Counter(p.kind for p in rest[len(others) :])
            text += f"; and {more} more ({', '.join(f'{n} {k}' for k, n in counts.most_common())})"
        return text


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
            if decision.envelopes:
                agg.collect_events()
            self.aggregates[agg.id] = agg
        self.infos.update(decision.new_events)

    def registry(self) -> Registry | None:
        return self.load(Registry, Registry.id_for(REGISTRY_KEY))


class Replayer:
    """Replays statements in order through the rules, collecting problems.

    With ``columns`` (a database's stored rows), every column stored beside
    each leaf is recomputed from the leaf and the replay and compared.
    """

    def __init__(
        self,
        report: VerifyReport,
        columns: StoredColumns | None = None,
        world: MemoryWorld | None = None,
    ) -> None:
        self.world = world or MemoryWorld()
        self.report = report
        self.columns = columns
        self.hashes: list[bytes] = []
        self.event_ids: list[str | None] = []
        self.expected = 0

    def problem(
        self,
        kind: str,
        message: str,
        index: int | None,
        event_id: str | None,
        column: str | None = None,
    ) -> None:
        self.report.problems.append(Problem(kind, message, index, event_id, column))

    def take(self, stored: StoredLeaf, checked: Checked) -> None:
        index = stored.leaf_index
        if index is None:
            self.problem(
                "unreadable",
                "a stored row cannot be decoded",
                self.expected,
                stored.event_id,
                "ledger_events.state",
            )
        elif index != self.expected:
            if index > self.expected:
                self.problem(
                    "missing",
                    f"log positions {self.expected}..{index - 1} are missing: rows were deleted",
                    self.expected,
                    None,
                    "ledger_events (id, state)",
                )
            else:
                self.problem(
                    "out-of-order",
                    f"a row claiming position {index} appears after position {self.expected - 1}:"
                    " rows were inserted or reordered",
                    index,
                    stored.event_id,
                    "ledger_events (id, state)",
                )
        position = self.expected
        self.expected += 1
        leaf_bytes = stored.leaf.encode("utf-8")
        digest = leaf_hash(leaf_bytes)
        self.hashes.append(digest)
        self.event_ids.append(stored.event_id)
        at = index if index is not None else position
        st = checked.statement
        if checked.error is not None or st is None:
            message = checked.error[1] if checked.error else "unparseable statement"
            self.problem(
                "malformed",
                f"stored statement does not parse: {message}",
                position,
                stored.event_id,
            )
            if self.columns is not None:
                self.columns.compare(self, at, stored, digest, None, None, [])
            return
        if stored.event_id is not None and st.event_id != stored.event_id:
            self.problem(
                "content-id",
                f"the statement's content hashes to {st.event_id}, the row says {stored.event_id}:"
                " the statement was edited",
                position,
                stored.event_id,
                "ledger_events.state",
            )
        if st.leaf_bytes() != leaf_bytes:
            self.problem(
                "not-canonical",
                "the stored statement is not in canonical form",
                position,
                st.event_id,
            )
        # Aggregate events are made only to be compared with the stored ones.
        decision = Decision(self.world, envelopes=self.columns is not None)
        try:
            info: EventInfo | None = decision.decide(
                Entry(st, position, checked.signature_ok, stored.leaf)
            )
        except LedgerError as exc:
            self.problem(exc.code, str(exc), position, st.event_id)
            info = None
        events = (
            [e for agg in decision.touched.values() for e in agg.collect_events()]
            if info and decision.envelopes
            else []
        )
        if info is not None:
            self.world.commit(decision)
        if self.columns is not None:
            self.columns.compare(self, at, stored, digest, st, info, events)


class StoredColumns:
    """Every column a database stores beside the leaves, recomputed and compared.

    The signed leaf bytes are the truth. The event store's ``originator_id``,
    ``originator_version``, ``topic`` and ``state``, and every column of the
    leaf index, are what the program acts on when it loads a lifecycle or looks
    up a reference; each is recomputed here from the leaf and the replay (the
    aggregate event the rules would store now, through the application's own
    mapper) and any difference is named by table and column.

    With ``digest``, every event row and leaf index row compared is also
    hashed into it, in log order: the very values checked, for the
    verified-through mark. ``after``: the last position already checked
    (the rows from the next one on are read).
    """

    def __init__(
        self, store: Store, upto: int, digest: RowDigest | None = None, after: int = -1
    ) -> None:
        self.store = store
        self.upto = upto
        self.digest = digest
        self._buffer: dict[int, LeafRow] = {}
        self._after = after
        self._done = False

    def _leaf_row(self, position: int) -> LeafRow | None:
        while not self._done and self._after < position:
            page = self.store.leaf_rows_after(self._after, 2000)
            if not page:
                self._done = True
                break
            for row in page:
                self._buffer[row.leaf_index] = row
            self._after = page[-1].leaf_index
        return self._buffer.pop(position, None)

    def compare(
        self,
        replayer: Replayer,
        position: int,
        stored: StoredLeaf,
        digest: bytes,
        st: Any,
        info: EventInfo | None,
        events: Sequence[Any],
    ) -> None:
        event_id = st.event_id if st is not None else stored.event_id
        self._compare_event_row(replayer, position, stored, event_id, events)
        row = self._leaf_row(position)
        if self.digest is not None:
            self.digest.event(stored)
            if row is not None:
                self.digest.leaf(row)
        if row is None:
            replayer.problem(
                "leaf-table",
                "the leaf index has no row for this event",
                position,
                event_id,
                "ledger_leaves (leaf_index)",
            )
            return
        if (
            st is not None
            and info is not None
            and row.values()
            == (
                position,
                event_id,
                digest,
                st.type,
                st.recorder,
                st.body["occurred_at"],
                str(info.aggregate_id),
                stored.notification_id,
            )
        ):
            return  # every column as the leaf gives it (the usual case, checked at once)
        expected: dict[str, Any] = {
            "leaf_index": position,
            "event_id": event_id,
            "leaf_hash": digest,
            "notification_id": stored.notification_id,
        }
        if st is not None:
            expected.update(type=st.type, recorder=st.recorder, occurred_at=st.body["occurred_at"])
        if info is not None:
            expected["aggregate_id"] = str(info.aggregate_id)
        for name, want in expected.items():
            have = getattr(row, name)
            if have != want:
                replayer.problem(
                    "leaf-table",
                    f"stored {_show(have)}, the signed statement gives {_show(want)}",
                    position,
                    event_id,
                    f"ledger_leaves.{name}",
                )

    def _compare_event_row(
        self,
        replayer: Replayer,
        position: int,
        stored: StoredLeaf,
        event_id: str | None,
        events: Sequence[Any],
    ) -> None:
        if len(events) != 1:
            return  # the statement broke a rule: already reported, nothing to recompute
        want = self.store.encode(events[0])
        if (stored.originator_id, stored.originator_version, stored.topic, stored.state) == (
            str(want.originator_id),
            want.originator_version,
            want.topic,
            want.state,
        ):
            return  # the stored event is the one the rules give, byte for byte
        checks = {
            "originator_id": (stored.originator_id, str(want.originator_id)),
            "originator_version": (stored.originator_version, want.originator_version),
            "topic": (stored.topic, want.topic),
        }
        for name, (have, expected) in checks.items():
            if have != expected:
                replayer.problem(
                    "event-store",
                    f"stored {_show(have)}, the replayed log gives {_show(expected)}",
                    position,
                    event_id,
                    f"ledger_events.{name}",
                )
        if stored.state != want.state and _json_or_none(stored.state) != _json_or_none(want.state):
            replayer.problem(
                "event-store",
                "the stored aggregate event differs from the one the signed statement gives",
                position,
                event_id,
                "ledger_events.state",
            )

    def rest(self, replayer: Replayer) -> None:
        """Leaf index rows that no stored event accounts for."""
        self._leaf_row(1 << 62)
        for index in sorted(self._buffer):
            row = self._buffer[index]
            if row.notification_id > self.upto and self.store.has_notification(row.notification_id):
                continue  # appended (event and leaf in one transaction) while this check ran
            replayer.problem(
                "leaf-table",
                "the leaf index lists an event the event store does not hold",
                index,
                row.event_id,
                "ledger_leaves (leaf_index) / ledger_events (id)",
            )


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()[:16] + "…"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


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
    checkpoint_rows: Sequence[tuple[int, bytes, str]] | None = None,
    columns: StoredColumns | None = None,
    checker: Checker | None = None,
    progress: Progress | None = None,
    total: int | None = None,
    covered: int = 0,
    after: Callable[[Replayer, MerkleTree], None] | None = None,
) -> VerifyReport:
    """Replay statements in log order and check the signed checkpoints over them.

    ``covered``: the first positions lie under a checkpoint whose root matched
    the stored leaves; their signatures are not checked again (the checkpoint's
    own signature is, below). Everything else is checked in full.
    """
    report = VerifyReport(covered=covered)
    replayer = Replayer(report, columns)
    own_checker = checker is None
    checker = checker or Checker()
    try:
        with bulk():  # the replayed world only grows: see ledger.collector
            for stored, checked in checker.check_stream(
                _with_progress(items, progress, total), {}, covered=covered
            ):
                replayer.take(stored, checked)
    finally:
        if own_checker:
            checker.close()
    report.events = len(replayer.hashes)
    report.hashes = replayer.hashes
    if progress is not None:
        progress(report.events, total or report.events)
    if columns is not None:
        columns.rest(replayer)
    tree = MerkleTree.over(replayer.hashes)
    report.root = tree.root()
    report.tree = tree
    check_checkpoints(notes, checkpoint_rows, tree, replayer, report)
    if after is not None:
        after(replayer, tree)
    if covered and (report.latest_checkpoint_size or 0) < covered:
        replayer.problem(
            "checkpoint",
            f"no checkpoint of size {covered} or more verified, yet its signatures were taken as checked",
            None,
            None,
        )
    return report


def verify_store(
    store: Store,
    *,
    checker: Checker | None = None,
    progress: Progress | None = None,
    covered: int = 0,
    digest: RowDigest | None = None,
) -> VerifyReport:
    """Verify the ledger stored in a database: leaves, rules, every stored column, checkpoints.

    ``digest`` is fed every stored value as it is checked (see ``StoredColumns``).
    """
    rows = store.checkpoints()  # before the bound below: each covers events stored by then
    upto = store.max_notification_id()  # what other writers append meanwhile is not judged
    if digest is not None:
        digest.checkpoint_rows = rows
    return verify_leaves(
        (
            (stored, stored.leaf)
            for stored in takewhile(
                lambda row: row.notification_id <= upto, walk_notifications(store)
            )
        ),
        [note for _, _, note, _ in rows],
        checkpoint_rows=[(size, root, signed_at) for size, root, _, signed_at in rows],
        columns=StoredColumns(store, upto, digest),
        checker=checker,
        progress=progress,
        total=upto,
        covered=covered,
        after=lambda replayer, tree: check_published_and_snapshot(
            store, rows, replayer, tree, digest
        ),
    )


def check_published_and_snapshot(
    store: Store,
    rows: Sequence[tuple[int, bytes, str, str]],
    replayer: Replayer,
    tree: MerkleTree,
    digest: RowDigest | None = None,
) -> None:
    """The published (cosigned) checkpoints and witness cosignatures, against the replayed log.

    Then, if all else verified, the report snapshot: refolded from the leaves
    and compared, unless ``digest`` vouches for it (its stored row is byte for
    byte the one a verified-through mark names). The row is read once; with
    ``digest`` it is hashed into it as checked.
    """
    from ledger.witnessing.published import LedgerView, check_published

    registry = replayer.world.registry()
    view = LedgerView(
        log_keys=list(registry.log_keys) if registry is not None else [],
        root_at=lambda size: tree.root(size) if size <= tree.size else None,
        signed_notes={size: note for size, _, note, _ in rows},
    )
    for found in check_published(store, view):
        replayer.problem("published", str(found), None, None, found.table)
    if replayer.report.ok:  # the snapshot is judged against leaves already verified
        from ledger.projections.runner import check_stored_snapshot

        row = store.stored_report_snapshot()
        if digest is not None and digest.take_snapshot(row):
            return  # the very bytes a full check already compared
        for column, message in check_stored_snapshot(store, row):
            replayer.problem("report-snapshot", message, None, None, column)


def check_checkpoints(
    notes: Sequence[str],
    rows: Sequence[tuple[int, bytes, str]] | None,
    tree: MerkleTree,
    replayer: Replayer,
    report: VerifyReport,
    previous: Checkpoint | None = None,
) -> None:
    """Each note against the log key, its row, the tree and the one before.

    ``previous``: a checkpoint already verified, before the first of ``notes``.
    """
    registry = replayer.world.registry()
    if registry is None:
        if notes or report.events:
            replayer.problem(
                "charter", "the log has no valid charter, so no log key to check", None, None
            )
        return
    report.log_key = registry.log_key
    report.origin = registry.origin
    if previous is not None:
        report.latest_checkpoint_size = previous.size
    for n, note in enumerate(notes):
        report.checkpoints += 1
        try:
            cp = Checkpoint.parse(open_note(note, [_log_verifier_for(note, registry)]).text)
        except LedgerError as exc:
            size = rows[n][0] if rows is not None else n + 1
            replayer.problem(
                "checkpoint",
                f"checkpoint of size {size} does not verify: {exc}",
                None,
                None,
                "ledger_checkpoints.note",
            )
            continue
        if rows is not None:
            _compare_checkpoint_row(rows[n], cp, replayer)
        if cp.origin != registry.origin:
            replayer.problem(
                "checkpoint", f"checkpoint {cp.size} is for origin {cp.origin!r}", None, None
            )
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
            continue
        if previous is not None:
            try:
                verify_consistency(
                    previous.size,
                    cp.size,
                    previous.root_hash,
                    cp.root_hash,
                    tree.consistency_proof(previous.size, cp.size),
                )
            except LedgerError as exc:
                replayer.problem(
                    "consistency",
                    f"checkpoint {cp.size} does not extend {previous.size}: {exc}",
                    None,
                    None,
                )
        previous = cp
        report.latest_checkpoint_size = cp.size


def _compare_checkpoint_row(
    row: tuple[int, bytes, str], cp: Checkpoint, replayer: Replayer
) -> None:
    """The checkpoint table's columns are derived from the signed note: compare each."""
    size, root, signed_at = row
    signed_time = cp.signed_time
    expected: list[tuple[str, object, object]] = [
        ("tree_size", size, cp.size),
        ("root_hash", root, cp.root_hash),
    ]
    if signed_time is not None:
        expected.append(("signed_at", signed_at, signed_time.strftime("%Y-%m-%dT%H:%M:%SZ")))
    for name, have, want in expected:
        if have != want:
            replayer.problem(
                "checkpoint",
                f"checkpoint row of size {size}: stored {_show(have)}, its signed note gives {_show(want)}",
                None,
                None,
                f"ledger_checkpoints ({name}, note)",
            )


def _log_verifier_for(note: str, registry: Registry) -> NoteVerifier:
    """The log key valid at the size the note claims (keys rotate by key.registered)."""
    size = Checkpoint.parse(parse_note(note).text).size
    return NoteVerifier.from_vkey(registry.log_key_at(size))


def _first_changed(replayer: Replayer, size: int) -> int | None:
    """The first position among the already-reported problems, if any, below ``size``."""
    positions = [
        p.leaf_index
        for p in replayer.report.problems
        if p.leaf_index is not None and p.leaf_index < size
    ]
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
