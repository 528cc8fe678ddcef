"""Keeping the facts current with eventsourcing's projection and tracking machinery.

``FactsProjection`` is an ``eventsourcing.projection.Projection``: its
``process_event(domain_event, tracking)`` folds the statement the stored
aggregate event carries (``leaf``, ``event_id``, ``leaf_index``) into
``Facts``. Its view, ``ReportSnapshotTable`` (``ledger.storage.snapshots``),
is a tracking recorder that also keeps one snapshot of the facts: the snapshot and the tracking position
are written in ONE transaction, so after a restart the projection resumes
exactly after the last event the snapshot holds (a snapshot of an older
``STATE_VERSION`` is dropped with its position, and the facts rebuilt) (exactly once: recording the
same position twice is refused by the tracking table).

Snapshots are taken while catching up every ``SNAPSHOT_EVERY`` events or half
the facts' size if larger (so their total cost stays linear in the log's
length), and when a catch-up ends with a tail of at least 1% of the facts
unsaved. A snapshot costs time in proportion to the whole log, so one new
event on a large log is folded in memory and not snapshotted: a restart simply
folds that short tail again from the last snapshot's position.

``FactsRunner.catch_up`` drives the projection synchronously by reading the
application's notification log from the tracked position and decoding each
notification with the application's mapper, exactly as an
``ApplicationSubscription`` does; it works on SQLite and PostgreSQL alike
(eventsourcing's threaded ``ProjectionRunner`` needs PostgreSQL's LISTEN/NOTIFY,
and the classes here also fit it: ``ProjectionRunner(application_class=
LedgerApplication, projection_class=FactsProjection,
view_class=ReportSnapshotTable, env=…)``).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.errors import LedgerError, TamperDetected
from ledger.projections.facts import STATE_VERSION, Facts, bulk
from ledger.storage.port import AlreadyStored, LogStore, ReportSnapshots, StoredReportSnapshot

SNAPSHOT_EVERY = 10_000
PAGE = 2000
UNREADABLE = "the stored report snapshot cannot be read"
UNFIT = (KeyError, TypeError, ValueError, AttributeError, IndexError, LedgerError)
"""What loading a snapshot of the current format raises when it was edited into nonsense."""


def _encode(facts: Facts) -> bytes:
    return zlib.compress(json.dumps(facts.to_state(), separators=(",", ":")).encode("utf-8"), 1)


def _row_digest(state: bytes, position: int, tree_size: int) -> bytes:
    """The digest a mark names for the snapshot row holding ``state`` at ``position``, tracked there."""
    from ledger.verification.digest import snapshot_digest

    return snapshot_digest(StoredReportSnapshot(state, position, tree_size, position))


def _load(view: ReportSnapshots, application_name: str) -> tuple[Facts, int, bytes] | None:
    """The stored facts, the notification id they reflect and the digest of the row read.

    An older format is dropped. The digest is the one a verified-through mark
    names for that row (``ledger.verification.digest.snapshot_digest``).
    """
    loaded = view.load(application_name)
    if loaded is None:
        return None
    with bulk():  # millions of new objects: the collector would rescan them again and again
        try:
            state = json.loads(zlib.decompress(loaded[0]))
        except (zlib.error, ValueError) as exc:
            raise TamperDetected(UNREADABLE) from exc
        if state.get("version") != STATE_VERSION:
            view.reset(application_name)
            return None
        try:
            facts = Facts.from_state(state)
            return facts, loaded[1], _row_digest(loaded[0], loaded[1], facts.count)
        except UNFIT as exc:
            raise TamperDetected(
                f"the report snapshot at position {loaded[1]} is inconsistent:"
                " run `ledger verify` to see what differs"
            ) from exc


class FactsProjection(Projection[Any]):
    """Folds every stored statement into ``Facts``; snapshots with its tracking position."""

    name = "reports"

    def __init__(
        self,
        view: ReportSnapshots,
        application_name: str = "ledger",
        start: tuple[Facts, int, Callable[[], bytes]] | None = None,
    ) -> None:
        """``start``: facts already folded up to a notification position, and what reads the
        digest of the snapshot row stored now (``FactsRunner``'s ``start``); else the snapshot
        is loaded."""
        super().__init__(view)
        self.snapshots = view
        from ledger.verification.digest import snapshot_digest

        loaded = start if start is not None else _load(view, application_name)
        self.facts = loaded[0] if loaded else Facts()
        self.position: int | None = loaded[1] if loaded else None
        found = loaded[2] if loaded else snapshot_digest(None)
        self._base: bytes | None = None if callable(found) else found
        self._base_of = found if callable(found) else None
        self.saved: tuple[bytes, bytes, int] | None = None
        """(digest of the base before, state, position) of the last snapshot this process stored."""
        self._unsaved: Tracking | None = None
        self._since_snapshot = 0

    @property
    def base(self) -> bytes:
        """The digest of the snapshot row the facts were last loaded from or saved as; for
        facts started from a kept state, the row stored then, read when first asked (only a
        snapshot saved needs it, and that row can be 143 MB at a million events)."""
        if self._base is None:
            assert self._base_of is not None  # set whenever no digest is
            self._base = self._base_of()
        return self._base

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        statement = json.loads(domain_event.leaf)
        statement["event_id"] = domain_event.event_id
        statement["leaf_index"] = domain_event.leaf_index
        self.facts.apply(statement)
        self._unsaved = tracking
        self._since_snapshot += 1
        if self._since_snapshot >= max(SNAPSHOT_EVERY, self.facts.count // 2):
            self.snapshot()

    def tail_worth_saving(self) -> bool:
        """True when the events folded since the last snapshot are at least 1% of all."""
        return self._since_snapshot > 0 and self._since_snapshot * 100 >= self.facts.count

    def snapshot(self) -> None:
        """Persist the facts with the last processed position, if anything is unsaved."""
        if self._unsaved is None:
            return
        state = _encode(self.facts)
        position = self._unsaved.notification_id
        # several snapshots may be saved in one catch-up: the chain starts from the
        # base the facts were loaded from, which is the one a mark can vouch for
        first = self.saved[0] if self.saved is not None else self.base
        try:
            self.snapshots.save(state, self.facts.count, self._unsaved.application_name, position)
        except AlreadyStored:
            # Another process already recorded this position (or a later one):
            # its snapshot is as good as ours, and nothing is counted twice.
            pass
        else:
            self.saved = (first, state, position)
            self._base = _row_digest(state, position, self.facts.count)
        self.position = self._unsaved.notification_id
        self._unsaved = None
        self._since_snapshot = 0


class FactsRunner:
    """Keeps a ``FactsProjection`` current with a ledger store, synchronously."""

    def __init__(
        self, store: LogStore, *, snapshots: bool = True, start: tuple[Facts, int] | None = None
    ) -> None:
        """``start``: facts folded up to a notification position, to continue from instead
        of the stored snapshot (a state kept by a process holding the log key and vouched
        for by it: ``ledger.projections.kept``)."""
        self.store = store
        self.app_name = store.application_name
        self.view = store.report_snapshots()
        begun = None
        if start is not None:
            from ledger.verification.digest import snapshot_digest

            begun = (start[0], start[1], lambda: snapshot_digest(store.stored_report_snapshot()))
        self.projection = FactsProjection(self.view, self.app_name, begun)
        self.snapshots = snapshots
        self._last_seen = self.projection.position or 0

    @property
    def facts(self) -> Facts:
        return self.projection.facts

    @property
    def position(self) -> int:
        """The notification id of the last statement folded into the facts (0: none)."""
        return self._last_seen

    def catch_up(
        self, limit: int | None = None, progress: Callable[[int], None] | None = None
    ) -> int:
        """Process what the log holds beyond the last position; return how many events.

        ``limit`` stops early (for tests of restarts); ``progress`` is told the
        log position reached after each page.
        """
        with bulk():
            return self._catch_up(limit, progress)

    def _catch_up(self, limit: int | None, progress: Callable[[int], None] | None) -> int:
        done = 0
        while limit is None or done < limit:
            page = self.store.notifications(
                start=self._last_seen + 1, limit=PAGE if limit is None else min(PAGE, limit - done)
            )
            if not page:
                break
            for notification in page:
                tracking = Tracking(self.app_name, notification.id)
                self.projection.process_event(self.store.decode(notification), tracking)
                self._last_seen = notification.id
                done += 1
            if progress is not None:
                progress(self._last_seen)
        if self.snapshots and self.projection.tail_worth_saving():
            self.projection.snapshot()
        return done


def check_snapshot(store: LogStore) -> list[tuple[str, str]]:
    """Refold the verified leaves up to the stored snapshot's position and compare.

    The snapshot and its tracking position are a cache of what the leaves give;
    ``ledger verify`` (and so the check before a server starts) recomputes them,
    and returns (column, message) for each disagreement. Nothing is written.
    """
    return check_stored_snapshot(store, store.stored_report_snapshot())


def check_stored_snapshot(
    store: LogStore, row: StoredReportSnapshot | None
) -> list[tuple[str, str]]:
    """``check_snapshot`` of a row already read (None: the store holds no snapshot).

    The collector is paused throughout: the snapshot is read, and the leaves
    folded, into millions of objects that hold no cycles.
    """
    with bulk():
        return _check_snapshot(store, row)


def _check_snapshot(store: LogStore, row: StoredReportSnapshot | None) -> list[tuple[str, str]]:
    if row is None:
        return []
    problems: list[tuple[str, str]] = []
    try:
        state = json.loads(zlib.decompress(row.state))
    except (zlib.error, ValueError):
        return [("reports_facts_snapshot.state", UNREADABLE)]
    position, tracked = row.notification_id, row.tracked
    if tracked is not None and tracked != position:
        problems.append(
            (
                "reports_tracking.notification_id",
                f"the tracked position {tracked} is not the snapshot's position {position}",
            )
        )
    if state.get("version") != STATE_VERSION:
        return problems  # an older format is dropped and rebuilt from the leaves on use
    fresh = Facts()
    start = 1
    while start <= position:
        page = store.notifications(start=start, limit=min(PAGE, position - start + 1))
        if not page:
            break
        for notification in page:
            if notification.id > position:
                break
            event = store.decode(notification)
            statement = json.loads(event.leaf)
            statement["event_id"] = event.event_id
            statement["leaf_index"] = event.leaf_index
            fresh.apply(statement)
        start = int(page[-1].id) + 1
    if row.tree_size != fresh.count:
        problems.append(
            (
                "reports_facts_snapshot.tree_size",
                f"stored {row.tree_size}, the leaves give {fresh.count}",
            )
        )
    try:
        stored = Facts.from_state(state)
    except UNFIT:
        problems.append(
            (
                "reports_facts_snapshot.state",
                f"the report snapshot at position {position} is inconsistent",
            )
        )
        return problems
    if json.loads(json.dumps(fresh.to_state())) != json.loads(json.dumps(stored.to_state())):
        problems.append(
            (
                "reports_facts_snapshot.state",
                f"the report snapshot at position {position} differs from the facts its leaves give",
            )
        )
    return problems
