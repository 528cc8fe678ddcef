"""One hash over every stored value the program acts on, as it was checked.

A verified-through mark (``ledger.verification.mark``) names a digest of the
stored rows a full check compared: every column of every event row (in
notification order), every column of every leaf index row (in log order),
every checkpoint row up to the mark's size, and the report snapshot row with
its tracking position. ``RowDigest`` computes it from the rows a check reads,
so the digest is of the very values that were checked, never of a second read.

Each row is hashed as the tuple of its values written by ``marshal`` in its
format 2 (``ROW_FORMAT``): every value is tagged with its type and every
string, byte string and tuple with its length, so no two different row sets
give the same bytes by shifting bytes from one column or row to the next, and
a value of another type (a number stored as text) gives other bytes. The
format has no references between objects (those came with format 3), so a
row's bytes depend on its values alone, and a page of rows written as one list
is its rows' bytes one after the other behind the list's own five-byte header:
a page is hashed in one call, with no work per row in Python (at a million
events the check from a mark went from about 7 s to 4.5 s). A test pins the bytes of a
row, so an interpreter that wrote them otherwise would fail it; a mark whose
digest then differs is only unusable, and the full check runs instead.

The event rows are hashed in segments of ``SEGMENT_ROWS`` rows, and their
digest is the hash of the segments' digests in order (the segment under way
last, even empty), so that whole segments can be hashed by another process
and taken in (``RowDigest.take_segments``) while this one reads the leaf index.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from ledger.storage.port import (
    CheckpointRow,
    EventRow,
    LeafRow,
    LeafValues,
    StoredLeaf,
    StoredReportSnapshot,
    originator_bytes,
)

DIGEST_VERSION = b"ceasefire-ledger stored rows v3\n"

ROW_FORMAT = 2
"""The ``marshal`` format rows are written in to be hashed (see the module)."""
_LIST_HEADER = 5
"""The bytes ``marshal`` writes before a list's items: its type and its length."""

SEGMENT_ROWS = 16_384
"""Event rows in each segment of the events' digest."""

_SEGMENT = b"ledger_events segment\n"


def hash_framed(digest: Any, *values: bytes) -> None:
    """Feed ``digest`` each value framed by its length (8 bytes, big-endian), one value at a
    time, so that no value (the report snapshot's row is about 140 MB at a million events)
    is copied into a framed string first."""
    for value in values:
        digest.update(len(value).to_bytes(8, "big"))
        digest.update(value)


def _text(value: Any) -> bytes:
    return str(value).encode("utf-8")


def rows_bytes(rows: Sequence[tuple[Any, ...]]) -> memoryview:
    """The bytes ``rows`` are hashed as: each row's ``marshal`` bytes, one after the other."""
    return memoryview(marshal.dumps(list(rows), ROW_FORMAT))[_LIST_HEADER:]


def note_versions(versions: dict[bytes, int], rows: Sequence[EventRow]) -> None:
    """Keep in ``versions`` each originator's version in ``rows``, the last one read: in the
    rows a verified mark vouches for, an originator's versions rise with the rows."""
    versions.update(zip(map(_ORIGINATOR, rows), map(_VERSION, rows), strict=True))


_ORIGINATOR, _VERSION = itemgetter(1), itemgetter(2)


class RowDigest:
    """Hashes stored rows table by table, in order; a copy can be taken at any point.

    ``versions``: when kept, the last ``originator_version`` hashed for each
    originator id (its 16 bytes): the lifecycles as of the last row hashed, since in the
    rows a verified mark vouches for each originator's versions rise in notification
    order (each was appended after the one before, and the full check compared them);
    rows that differ from those change the digest, and the versions are then never used.
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
        self.versions: dict[bytes, int] | None = {} if keep_versions else None
        self.trusted_snapshot: bytes | None = None
        """The snapshot digest a verified mark names: that row needs no refold."""
        self.snapshot: bytes | None = None
        """The digest of the snapshot row as checked (None until it was)."""
        self.checkpoint_rows: Sequence[CheckpointRow] = ()
        """The checkpoint rows as the check read them."""

    def event(self, stored: StoredLeaf) -> None:
        """An event row, as the full check read it."""
        self.event_rows(
            [
                (
                    int(stored.notification_id),
                    originator_bytes(stored.originator_id),
                    int(stored.originator_version),
                    str(stored.topic),
                    bytes(stored.state),
                )
            ]
        )

    def event_rows(self, rows: Sequence[EventRow]) -> None:
        """Event rows, in notification order, each as the store holds it (``EventRow``)."""
        done, count = 0, len(rows)
        while done < count:
            room = self.segment_rows - self.events_hashed % self.segment_rows
            part = rows[done : done + room]
            self._segment.update(rows_bytes(part))
            done += len(part)
            self.events_hashed += len(part)
            if self.events_hashed % self.segment_rows == 0:
                self._segment_digests.append(self._segment.digest())
                self._segment = hashlib.sha256(_SEGMENT)
        if count:
            self.last_event = rows[-1][0]
            if self.versions is not None:
                note_versions(self.versions, rows)

    def segments(self) -> list[bytes]:
        """The digests of the whole segments of event rows hashed so far, in order."""
        return list(self._segment_digests)

    def take_segments(
        self, digests: Sequence[bytes], last_event: int, versions: dict[bytes, int] | None
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
        """A leaf index row, as the full check read it."""
        index, event_id, leaf_hash, kind, recorder, occurred_at, aggregate_id, number = row.values()
        self.leaf_rows(
            [
                (
                    int(index),
                    str(event_id),
                    bytes(leaf_hash),
                    str(kind),
                    str(recorder),
                    str(occurred_at),
                    str(aggregate_id),
                    int(number),
                )
            ]
        )

    def leaf_rows(self, rows: Sequence[LeafValues]) -> None:
        """Leaf index rows, in log order, each as its values (``LeafValues``)."""
        self._leaves.update(rows_bytes(rows))
        self.leaves += len(rows)

    def rows(self) -> bytes:
        """The digest of the rows hashed so far and of the checkpoint rows up to ``leaves``."""
        signed = hashlib.sha256(b"ledger_checkpoints\n")
        for size, root, note, signed_at in self.checkpoint_rows:
            if size <= self.leaves:
                hash_framed(signed, _text(size), root, _text(note), _text(signed_at))
        whole = hashlib.sha256(DIGEST_VERSION)
        hash_framed(
            whole,
            _text(self.last_event),
            _text(self.events_hashed),
            _text(self.leaves),
            self._events_digest(),
            self._leaves.copy().digest(),
            signed.digest(),
        )
        return whole.digest()

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
    digest = hashlib.sha256(b"reports_facts_snapshot\n")
    hash_framed(
        digest, row.state, _text(row.notification_id), _text(row.tree_size), _text(row.tracked)
    )
    return digest.digest()
