"""The cyclic garbage collector, paused while a whole log is replayed, imported or folded.

Lifecycle states, facts and the replayed world are plain objects, dicts and
lists that live as long as the fold or replay does, without reference cycles
to reclaim. Each full collection walks every live object, and the collector
runs one whenever the objects that survived grow by a quarter: over a log
that keeps building state, that is a pass over everything already built,
again and again (a third of the replay's time at 100k events, measured), so a
replay's cost per statement grew with the log's length. Nothing is leaked
while it is paused: objects without cycles are freed by their reference
counts as usual.

A process that builds long-lived state and then works over it (the API
server, ``ledger report``) also freezes what it built (``collector_paused``):
the collections that run later, while answers are computed and encoded, then
walk only what was made since. ``ledger site build`` freezes only the maintained
state it reads (``ledger.projections.kept.decode_state``): freezing everything it
built, a full build at a million events held 1.2 GB more (docs/performance.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (as it was before, after it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Build long-lived structures without the cyclic collector's full passes over them.

    Afterwards what is alive is moved out of the collector's sight
    (``gc.freeze``), so later passes do not walk it either; objects freed
    later are still freed by their reference counts.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
