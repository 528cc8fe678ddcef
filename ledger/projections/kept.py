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
identity needs), compressed, in one row of ``ledger_saved_reports``
(``ledger.verification.kept_state``), with its tracking position. The next process with the same
log key, after the check before acting, loads it and folds only the
statements stored since, and the records catch up as they do in a long-lived
process.

Nothing here is trusted because it is stored. The row begins with a signed
note (``STATE_FIRST_LINE``), signed by the log key, naming the tree size and
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

import pickle
import zlib

from ledger.projections.facts import STATE_VERSION, Facts, bulk
from ledger.projections.maintained import Maintained
from ledger.projections.statistics import MEMOS

KEEP_AGAIN_PERCENT = 1
"""A state is kept again once the log has grown by this share of its size since the last."""
_FORMAT = ("ceasefire-ledger maintained state", 1, STATE_VERSION)


def encode_state(facts: Facts, records: Maintained) -> bytes:
    """The facts, the records and the statistics' remembered results, serialised and compressed."""
    memos = [memo.contents() for memo in MEMOS]
    with bulk():
        raw = pickle.dumps((_FORMAT, facts, records, memos), protocol=pickle.HIGHEST_PROTOCOL)
    return zlib.compress(raw, 1)


def decode_state(body: bytes) -> tuple[Facts, Maintained] | None:
    """The facts and records of a state the log key vouched for (see ``load``); None if it is
    of another format. The statistics' remembered results join this process's."""
    with bulk():  # millions of new objects: the collector would rescan them again and again
        loaded = pickle.loads(zlib.decompress(body))  # noqa: S301 (vouched for: see the module)
    if not isinstance(loaded, tuple) or len(loaded) != 4 or loaded[0] != _FORMAT:
        return None
    _, facts, records, memos = loaded
    if not isinstance(facts, Facts) or not isinstance(records, Maintained):
        return None
    for memo, contents in zip(MEMOS, memos, strict=True):
        memo.adopt(contents)
    return facts, records


def worth_keeping(kept_size: int | None, size: int) -> bool:
    """Whether facts at ``size`` should be kept by a process that started from a state kept
    at ``kept_size`` (None: from none it could use): see the module."""
    if kept_size is None:
        return True
    return size > kept_size and (size - kept_size) * 100 >= KEEP_AGAIN_PERCENT * size
