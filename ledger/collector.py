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

Freeing such a state costs time too: its millions of objects are freed one by one
when the last reference goes, 2.2 s after ``ledger report`` and 2.9 s after
``ledger site build`` had loaded the maintained state at a million events, with
the output already written. A command ending the process hands it over instead
(``leave_at_exit``), and the console entry point ends the process without
freeing it (``exit_leaving``): the operating system takes the memory back at
once.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
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


_left: list[object] | None = None
"""What the process leaves to the operating system at its end; None while nothing may be
left (``leaving_at_exit``)."""


def leaving_at_exit() -> None:
    """Let commands leave what they built to the end of the process (``leave_at_exit``):
    called by the console entry point only, which ends the process (``exit_leaving``). In
    any other process (a test calling the commands, a server) nothing is left."""
    global _left
    _left = []


def leave_at_exit(*objects: object) -> None:
    """Keep ``objects`` alive until the process ends, where they are not freed one by one
    (``exit_leaving``); nothing is kept unless the process is the console's."""
    if _left is not None:
        _left.extend(objects)


def exit_leaving(code: int | None) -> None:
    """End the process with ``code`` without freeing what was left to its end, once its
    output is flushed and its exit handlers have run; return, for the usual exit, when
    nothing was left or the process may not end here (``_may_end_here``)."""
    if not _left:
        return
    if not _may_end_here():
        let_go()
        return
    atexit._run_exitfuncs()  # temporary files, worker processes, logging: as at any exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or 120  # what Python's own exit gives when its last flush fails
    os._exit(code or 0)


def _may_end_here() -> bool:
    """Whether the process may end without the interpreter's own exit: not while a thread
    of its own runs (the usual exit joins it) or a profiler or tracer is on (it reports
    at the usual exit: ``python -m cProfile``), nor when its output cannot be flushed
    (the usual exit says so)."""
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return False
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return False
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True


def let_go() -> None:
    """Free now what was left to the end of a process that ends the usual way: left to the
    interpreter's own teardown, it would be freed after the modules it uses, whose
    finalizers then fail and say so on standard error."""
    if _left:
        _left.clear()
