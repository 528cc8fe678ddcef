"""The event rows below a verified-through mark, hashed by a second process.

The check from a mark (``ledger.verification.mark``) reads and hashes every
stored row the mark covers: the event rows and the leaf index rows, about as
much work each. So a forked process hashes the event rows' whole segments
(``ledger.verification.digest.SEGMENT_ROWS``) on the machine's other core
while this one reads the leaf index; this one then takes the segments'
digests in and hashes the rest itself. The digest is the one a single process
computes, and each process hashes the rows it read itself, so it is still the
digest of the very values read.

A process is forked only where that is safe and worth it: where the platform
forks, from a process running one thread (a lock another thread held at the
fork would stay held in the child), not from a pool's worker, and for two
segments or more. Otherwise, and whenever the second process fails, this
process hashes every row itself.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from ledger.storage.port import EventRow
from ledger.storage.port import LogStore as Store
from ledger.verification.digest import RowDigest, note_versions

MIN_SEGMENTS = 2
"""Fewer segments than this are hashed here: a fork would cost about what it saves."""


def may_fork() -> bool:
    """Whether this process may fork a second one to hash rows (see the module docstring)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


class SegmentsElsewhere:
    """The whole segments of the event rows up to a bound, hashed by a forked process."""

    def __init__(self, process: BaseProcess, reader: Connection) -> None:
        self._process = process
        self._reader = reader

    @classmethod
    def start(cls, store: Store, upto: int, digest: RowDigest) -> SegmentsElsewhere | None:
        """Start hashing the whole segments (of ``digest``'s size) of the event rows up to
        ``upto``; None: they are to be hashed here.

        Notification ids count up from 1, so there are at most ``upto`` rows.
        """
        if upto < MIN_SEGMENTS * digest.segment_rows or not may_fork():
            return None
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(
            target=_hash_segments, args=(store, upto, digest.segment_rows, writer), daemon=True
        )
        process.start()
        writer.close()
        return cls(process, reader)

    def take_into(self, digest: RowDigest) -> int:
        """Wait for the segments and take them into ``digest``.

        Returns the notification id they run through: the rows after it are
        this process's to hash; 0 when the second process found nothing usable,
        so that this one hashes every row.
        """
        try:
            found = self._reader.recv()
        except (EOFError, OSError):  # it ended without an answer
            found = None
        finally:
            self._reader.close()
            self._process.join()
        if found is None:
            return 0
        segments, last, versions = found
        digest.take_segments(segments, last, versions)
        return int(last)


def _hash_segments(store: Store, upto: int, segment_rows: int, writer: Connection) -> None:
    """In the forked process: hash the event rows up to ``upto``; send the digests of the
    whole segments, the notification id of their last row and the highest version of each
    originator id among their rows (the rows after the last whole segment left out).

    The version kept is an originator's last: in the rows a mark vouches for, each
    originator's versions rise in notification order (each was appended after the one
    before, and the full check compared them); rows that differ from those change the
    digest, and the versions are then never used.
    """
    try:
        store.reading_elsewhere()
        digest = RowDigest()
        digest.segment_rows = segment_rows
        versions: dict[bytes, int] = {}
        pending: list[EventRow] = []  # the rows of the segment under way
        last = 0
        for rows in store.event_row_pages(upto):
            digest.event_rows(rows)
            pending.extend(rows)
            whole = len(pending) - digest.events_hashed % segment_rows
            if whole > 0:  # whole segments: their rows count
                ended, pending = pending[:whole], pending[whole:]
                note_versions(versions, ended)
                last = ended[-1][0]
        writer.send((digest.segments(), last, versions))
    except BaseException:  # noqa: BLE001 - the parent hashes the rows itself and names any error
        pass
    finally:
        writer.close()
