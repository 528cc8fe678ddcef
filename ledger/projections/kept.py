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
            inflated = io.BufferedReader(_Inflating(body), buffer_size=_Inflating.PIECE)
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
    """The decompressed bytes of ``body``, read a piece at a time (under ``io.BufferedReader``)."""

    PIECE = 1 << 20

    def __init__(self, body: bytes) -> None:
        self._body = memoryview(body)
        self._at = 0
        self._inflate = zlib.decompressobj()
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        want = len(target)
        while True:
            if self._left:
                data, self._left = self._left[:want], self._left[want:]
            elif self._inflate.unconsumed_tail:
                data = self._inflate.decompress(self._inflate.unconsumed_tail, want)
            elif self._at < len(self._body):
                piece = self._body[self._at : self._at + self.PIECE]
                self._at += len(piece)
                data = self._inflate.decompress(piece, want)
            else:
                rest = self._inflate.flush()
                data, self._left = rest[:want], rest[want:]
                if not data:
                    return 0
            if data:
                target[: len(data)] = data
                return len(data)


def worth_keeping(kept_size: int | None, size: int) -> bool:
    """Whether facts at ``size`` should be kept by a process that started from a state kept
    at ``kept_size`` (None: from none it could use): see the module."""
    if kept_size is None:
        return True
    return size > kept_size and (size - kept_size) * 100 >= KEEP_AGAIN_PERCENT * size
