"""The maintained state kept between processes: the facts and every record the reports read.

A report after one new event is cheap in a process that already holds the
facts and the records kept current for them (``ledger.projections.maintained``):
only what the event touched is computed again. A new process used to pay for
everything instead: the facts refolded from their snapshot (a JSON timeline,
every lifecycle folded again from it), then every case file, flag, trigger,
row and test computed from nothing. At a million events that is about a
minute before the first figure, after any new statement.

So a process holding the log key keeps what it holds: the facts, the records
and the statistics' remembered results, serialised as they are in memory
(``pickle``, which keeps shared objects shared, as the records' reuse by
identity needs), compressed, in one row of ``ledger_saved_reports`` with its
tracking position (``ledger.verification.kept_state``). The next process with
the same log key, after the check before acting, loads it and folds only the
statements stored since, and the records catch up as they do in a long-lived
process.

Nothing here is trusted because it is stored. The row begins with a note
(``kept_state.STATE_FIRST_LINE``), signed by the log key, naming the tree size and
root the state was folded from, the notification position it tracks, the
program that computed it (``program.code_digest``) and the SHA-256 of the
serialised state. Before anything is deserialised, the note must verify with
the log key this process holds (not with a key the database names), name
this program, a tree size within what this process has just verified, whose
root there is the note's, and the digest must be the state's. Anything else,
and the state is ignored: the facts are loaded from their snapshot and the
records computed, as without it. A state is kept only by a process that
verified the log before acting and holds exactly the verified tree; so what
the note vouches for was folded from verified leaves, and whoever could
forge the note holds the log key and can sign checkpoints over anything.

Saving costs time in proportion to the whole state, so a state is kept again
only when none is usable or the log has grown by ``KEEP_AGAIN_PERCENT`` of
its size since the one kept: between, a new process loads the older state
and folds the short tail.
"""

from __future__ import annotations

import io
import pickle
import queue
import threading
import zlib
from typing import Any

from ledger.collector import collector_paused
from ledger.projections.facts import STATE_VERSION, Facts, bulk
from ledger.projections.maintained import Maintained
from ledger.projections.statistics import MEMOS

KEEP_AGAIN_PERCENT = 1
"""A state is kept again once the log has grown by this share of its size since the last."""
_FORMAT = ("ceasefire-ledger maintained state", 1, STATE_VERSION)


def encode_state(facts: Facts, records: Maintained) -> bytes:
    """The facts, the records and the statistics' remembered results, serialised and compressed
    as they are serialised (the uncompressed bytes are never held whole)."""
    memos = [memo.contents() for memo in MEMOS]
    out = _Deflating()
    with bulk():
        pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump((_FORMAT, facts, records, memos))
    return out.finish()


def decode_state(body: bytes) -> tuple[Facts, Maintained] | None:
    """The facts and records of a state the log key vouched for (see ``load``); None if it is
    of another format. The statistics' remembered results join this process's.

    Millions of objects are made at once, each to last while the process holds the
    state, and none in a reference cycle (a part replaced later is freed by its
    reference count): so they are made with the cyclic collector paused and then moved
    out of its sight (``collector_paused``). Otherwise the collections after it walk
    them all, several times over, to find nothing: at a million events, 10 of the 12 s
    a site build took to bring its reports up to date after 1,000 new events."""
    with collector_paused():
        try:
            with io.BufferedReader(_Inflating(body), buffer_size=_Inflating.READ) as inflated:
                loaded = pickle.Unpickler(inflated).load()  # noqa: S301 (vouched for)
        except (zlib.error, EOFError, pickle.UnpicklingError):
            return None
    if not isinstance(loaded, tuple) or len(loaded) != 4 or loaded[0] != _FORMAT:
        return None
    _, facts, records, memos = loaded
    if not isinstance(facts, Facts) or not isinstance(records, Maintained):
        return None
    for memo, contents in zip(MEMOS, memos, strict=True):
        memo.adopt(contents)
    return facts, records


class _Deflating:
    """A file to pickle into that compresses what it is given as it comes."""

    def __init__(self) -> None:
        self._compress = zlib.compressobj(1)
        self._parts: list[bytes] = []

    def write(self, data: bytes | pickle.PickleBuffer) -> int:
        """Compress ``data``: bytes, or a buffer the pickler hands over whole (protocol 5
        writes an array larger than its frame, such as a kept column of durations, as the
        array's own buffer)."""
        view = data.raw() if isinstance(data, pickle.PickleBuffer) else memoryview(data)
        self._parts.append(self._compress.compress(view))
        return view.nbytes

    def finish(self) -> bytes:
        self._parts.append(self._compress.flush())
        return b"".join(self._parts)


class _Inflating(io.RawIOBase):
    """The decompressed bytes of ``body``, read a piece at a time (under ``io.BufferedReader``),
    inflated ahead of the reader by a thread of their own.

    zlib lets go of the interpreter's lock while it inflates, so the next pieces
    are inflated on another core while the unpickler reads this one (at a million
    events, 691 MB inflated in 2.7 to 3.8 s). The thread takes the lock back only
    to hand a piece over, and the unpickler, which runs in C, lets it go only when
    it asks for more bytes: so the pieces are large, or the thread waits on the
    lock more than it inflates. At most ``AHEAD`` pieces wait to be read.
    ``close`` stops the thread and waits for it, whether or not everything was
    read; what went wrong in it (zlib's error, memory) is raised to the reader."""

    PIECE = 16 << 20
    AHEAD = 2
    READ = 1 << 20
    """What the unpickler's buffer asks for at a time."""

    def __init__(self, body: bytes) -> None:
        self._pieces: queue.Queue[bytes | Exception | None] = queue.Queue(self.AHEAD)
        self._stop = threading.Event()
        self._left = memoryview(b"")
        self._ended = False
        self._thread = threading.Thread(
            target=self._inflate, args=(memoryview(body),), name="kept state inflating"
        )
        self._thread.start()

    def _inflate(self, body: memoryview) -> None:
        inflate, at = zlib.decompressobj(), 0
        try:
            while not self._stop.is_set():
                if inflate.unconsumed_tail:
                    data = inflate.decompress(inflate.unconsumed_tail, self.PIECE)
                elif at < len(body):
                    data = inflate.decompress(body[at : at + self.PIECE], self.PIECE)
                    at += self.PIECE
                else:
                    self._put(inflate.flush())
                    break
                self._put(data)
        except Exception as error:  # zlib's, or none left to inflate into: the reader's to raise
            self._put(error)
        finally:
            self._put(None)  # the end, after any error: the reader never waits for nothing

    def _put(self, data: bytes | Exception | None) -> None:
        """Hand ``data`` to the reader (nothing for empty bytes), unless it has stopped."""
        while data != b"" and not self._stop.is_set():
            try:
                self._pieces.put(data, timeout=0.1)
                return
            except queue.Full:
                continue

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if not self._left:
            if self._ended:
                return 0
            piece = self._pieces.get()
            if piece is None:
                self._ended = True
                return 0
            if isinstance(piece, Exception):
                self._ended = True
                raise piece
            self._left = memoryview(piece)
        size = min(len(target), len(self._left))
        target[:size] = self._left[:size]
        self._left = self._left[size:]
        return size

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        super().close()


def worth_keeping(kept_size: int | None, size: int) -> bool:
    """Whether facts at ``size`` should be kept by a process that started from a state kept
    at ``kept_size`` (None: from none it could use): see the module."""
    if kept_size is None:
        return True
    return size > kept_size and (size - kept_size) * 100 >= KEEP_AGAIN_PERCENT * size
