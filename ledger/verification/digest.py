"""One hash over every stored value the program acts on, as it was checked.

A verified-through mark (``ledger.verification.mark``) names a digest of the
stored rows a full check compared: every column of every event row (in
notification order), every column of every leaf index row (in log order),
every checkpoint row up to the mark's size, and the report snapshot row with
its tracking position. ``RowDigest`` computes it from the rows a check reads,
so the digest is of the very values that were checked, never of a second read.

Each row is hashed as a header line of its numbers and the lengths of its
other values, then those values: no two different row sets give the same
bytes by shifting bytes from one column or row to the next. The event rows are
hashed in segments of ``SEGMENT_ROWS`` rows, and their digest is the hash of
the segments' digests in order (the segment under way last, even empty), so
that whole segments can be hashed by another process and taken in
(``RowDigest.take_segments``) while this one reads the leaf index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ledger.storage.port import CheckpointRow, LeafRow, StoredLeaf, StoredReportSnapshot

DIGEST_VERSION = b"ceasefire-ledger stored rows v2\n"

SEGMENT_ROWS = 16_384
"""Event rows in each segment of the events' digest."""

_SEGMENT = b"ledger_events segment\n"


def _framed(*values: bytes) -> bytes:
    return b"".join(len(v).to_bytes(8, "big") + v for v in values)


def _text(value: Any) -> bytes:
    return str(value).encode("utf-8")


class RowDigest:
    """Hashes stored rows table by table, in order; a copy can be taken at any point.

    ``versions``: when kept, the highest ``originator_version`` hashed for each
    ``originator_id`` (the lifecycles as of the last row hashed).
    """

    def __init__(self, *, keep_versions: bool = False) -> None:
        self._segment_digests: list[bytes] = []
        """The digests of the event rows' whole segments, in order."""
        self._segment = hashlib.sha256(_SEGMENT)
        self.segment_rows = SEGMENT_ROWS
        """Event rows in each segment (the module's ``SEGMENT_ROWS`` when made)."""
        self.events_hashed = 0
        """How many event rows were hashed (here or in segments taken in); a segment ends
        at each multiple of ``segment_rows``."""
        self._leaves = hashlib.sha256(b"ledger_leaves\n")
        self.last_event = 0
        """The notification id of the last event row hashed."""
        self.leaves = 0
        """How many leaf index rows were hashed."""
        self.versions: dict[str, int] | None = {} if keep_versions else None
        self.trusted_snapshot: bytes | None = None
        """The snapshot digest a verified mark names: that row needs no refold."""
        self.snapshot: bytes | None = None
        """The digest of the snapshot row as checked (None until it was)."""
        self.checkpoint_rows: Sequence[CheckpointRow] = ()
        """The checkpoint rows as the check read them."""

    def event(self, stored: StoredLeaf) -> None:
        self.event_row(
            stored.notification_id,
            stored.originator_id,
            stored.originator_version,
            stored.topic,
            stored.state,
        )

    def event_row(
        self, notification_id: int, originator_id: str, version: int, topic: str, state: bytes
    ) -> None:
        oid, kind = originator_id.encode("utf-8"), topic.encode("utf-8")
        self._segment.update(
            b"%d %d %d %d %d\n%s%s%s"
            % (notification_id, version, len(oid), len(kind), len(state), oid, kind, state)
        )
        self.last_event = notification_id
        self.events_hashed += 1
        if self.events_hashed % self.segment_rows == 0:
            self._segment_digests.append(self._segment.digest())
            self._segment = hashlib.sha256(_SEGMENT)
        versions = self.versions
        if versions is not None and version > versions.get(originator_id, -1):
            versions[originator_id] = version

    def segments(self) -> list[bytes]:
        """The digests of the whole segments of event rows hashed so far, in order."""
        return list(self._segment_digests)

    def take_segments(
        self, digests: Sequence[bytes], last_event: int, versions: dict[str, int] | None
    ) -> None:
        """Take in whole segments hashed elsewhere: the first event rows, up to ``last_event``.

        Only before any event row was hashed here; ``versions``: the highest
        version of each originator id among those rows, when kept.
        """
        if self.events_hashed:
            raise ValueError("segments are taken in before any event row is hashed")
        self._segment_digests.extend(digests)
        self.events_hashed = len(digests) * self.segment_rows
        self.last_event = last_event
        if self.versions is not None and versions is not None:
            self.versions.update(versions)

    def leaf(self, row: LeafRow) -> None:
        self.leaf_values(*row.values())

    def leaf_values(
        self,
        leaf_index: int,
        event_id: str,
        leaf_hash: bytes,
        kind: str,
        recorder: str,
        occurred_at: str,
        aggregate_id: str,
        notification_id: int,
    ) -> None:
        """A leaf index row, given as its values (``LeafValues``)."""
        # one formatting of the header and every value (this runs for every row of the log)
        event, kind_b = event_id.encode("utf-8"), kind.encode("utf-8")
        by, occurred = recorder.encode("utf-8"), occurred_at.encode("utf-8")
        aggregate = aggregate_id.encode("utf-8")
        self._leaves.update(
            b"%d %d %d %d %d %d %d %d\n%s%s%s%s%s%s"
            % (
                leaf_index,
                notification_id,
                len(leaf_hash),
                len(event),
                len(kind_b),
                len(by),
                len(occurred),
                len(aggregate),
                leaf_hash,
                event,
                kind_b,
                by,
                occurred,
                aggregate,
            )
        )
        self.leaves += 1

    def rows(self) -> bytes:
        """The digest of the rows hashed so far and of the checkpoint rows up to ``leaves``."""
        signed = hashlib.sha256(b"ledger_checkpoints\n")
        for size, root, note, signed_at in self.checkpoint_rows:
            if size <= self.leaves:
                signed.update(_framed(_text(size), root, _text(note), _text(signed_at)))
        return hashlib.sha256(
            DIGEST_VERSION
            + _framed(
                _text(self.last_event),
                _text(self.events_hashed),
                _text(self.leaves),
                self._events_digest(),
                self._leaves.copy().digest(),
                signed.digest(),
            )
        ).digest()

    def _events_digest(self) -> bytes:
        segments = b"".join(self._segment_digests)
        return hashlib.sha256(
            b"ledger_events\n" + segments + self._segment.copy().digest()
        ).digest()

    def take_snapshot(self, row: StoredReportSnapshot | None) -> bool:
        """Hash the snapshot row as read; True if it is the one a verified mark names."""
        self.snapshot = snapshot_digest(row)
        return self.trusted_snapshot is not None and self.snapshot == self.trusted_snapshot


def snapshot_digest(row: StoredReportSnapshot | None) -> bytes:
    """The digest of the report snapshot row and its tracking position (or of its absence)."""
    if row is None:
        return hashlib.sha256(b"reports_facts_snapshot none\n").digest()
    return hashlib.sha256(
        b"reports_facts_snapshot\n"
        + _framed(row.state, _text(row.notification_id), _text(row.tree_size), _text(row.tracked))
    ).digest()
