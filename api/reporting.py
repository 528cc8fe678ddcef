"""Access to the projections (``ledger.projections.service.Reports``) from request threads,
and the encoded answers remembered for the state of the log they were computed from.

One ``Reports`` per process, created on first use and caught up with the log
before each answer, under the same gate as the ledger it reads.

A report is a function of its name and parameters, the events in the log and
the latest checkpoint (its signed time is when deadlines are judged, unless
``as_of`` asks for another). So its encoded answer is remembered under
(name, ``as_of``, form, number of events, latest checkpoint's size and signing
time), read before computing; it is kept only if the same state is read again
afterwards and the table names that number of events, so an answer is never
filed under a state it was not computed from. Where the database gives no
change token (``ledger.storage.change_token``), the state is queried for each
request (two small queries), never assumed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi.encoders import jsonable_encoder

from api.caches import LRU, Encoded
from api.gate import LedgerGate
from ledger.collector import collector_paused
from ledger.errors import NotFound
from ledger.projections.tables import ReportTable
from ledger.projections.tidy import TidyMemo, TidyTable, tidy_table

T = TypeVar("T")
V = TypeVar("V")

LogState = tuple[int, int, str]
"""What a report is computed from: number of events, latest checkpoint's size and signing time."""

ReportKey = tuple[str, str | None, bool, int, int, str]
"""(name, as_of, as CSV, number of events, checkpoint size, checkpoint signing time)."""

_computing = threading.RLock()  # one computation at a time (a page computes its tables within)


def with_reports(gate: LedgerGate, read: Callable[[Any], T]) -> T:
    """Run ``read(reports)`` on reports current with the log.

    The facts behind the reports are millions of long-lived objects; while
    they are built, the collector's full passes would walk them again and
    again (11 s pauses at 100k events, long enough for uvicorn to take a
    worker for dead), so it is paused meanwhile (``collector_paused``).
    """
    from ledger.projections.service import Reports

    with gate.use() as ledger, collector_paused():
        reports = getattr(gate, "reports", None)
        if reports is None:
            reports = Reports(ledger)
            gate.reports = reports  # type: ignore[attr-defined]
        else:
            reports.refresh()
        return read(reports)


def report_table(gate: LedgerGate, name: str, as_of: str | None) -> ReportTable:
    """Report ``name`` for the log's current state (blocking).

    Until this process has built its figures (``with_reports``), a report
    saved from exactly the tree it verified, and vouched for by the
    verified-through mark, is read instead (``ledger.projections.saved``: a
    process holding the log key computed it, such as ``ledger site build``).
    At a million events the first groups report took 1.75 s and 287 MB that
    way, against 23 s and 3.6 GB to build the figures. Anything the mark does
    not vouch for (no log key, a statement since, another checkpoint or
    program, an edited body) is computed as before; once the figures are
    built, they answer.
    """
    if getattr(gate, "reports", None) is None:
        found = saved_table(gate, name, as_of)
        if found is not None:
            return found
    table: ReportTable = with_reports(gate, lambda reports: reports.report(name, as_of))
    return table


def saved_table(gate: LedgerGate, name: str, as_of: str | None) -> ReportTable | None:
    """Report ``name`` as saved from exactly this process's verified tree, now the log's, or None."""
    from ledger.projections.saved import saved_report

    with gate.use() as ledger:
        ledger.refresh()  # a statement another process stored since: the mark no longer covers it
        return saved_report(ledger, name, as_of)


def cached_state(gate: LedgerGate) -> LogState | None:
    """The log's state if known to be current without a query or a wait, else None."""
    from api.routes.checkpoints import cached_latest

    token = gate.caches.version.token()
    size = gate.caches.leaf_count.get(token)
    checkpoint = cached_latest(gate)
    if size is None or checkpoint is None:
        return None
    return size, checkpoint.size, checkpoint.signed_at


def current_state(gate: LedgerGate) -> LogState:
    """The log's state (blocking: may query the database)."""
    from api.routes.checkpoints import latest
    from api.routes.events import leaf_count

    size = leaf_count(gate)
    try:
        checkpoint = latest(gate)
    except NotFound:
        return size, 0, ""
    return size, checkpoint.size, checkpoint.signed_at


def report_key(name: str, as_of: str | None, as_csv: bool, state: LogState) -> ReportKey:
    return (name, as_of, as_csv, *state)


def encode(table: ReportTable, as_csv: bool, memo: TidyMemo | None = None) -> Encoded:
    """The report as JSON, or as CSV with headers naming the state it reflects (its rows cut
    with ``memo``, ``ledger.projections.tidy.TidyMemo``)."""
    if not as_csv:
        return Encoded("application/json", report_json(table))
    return encode_csv(tidy_table(table, memo=memo), table.name, table.as_of_source)


def report_json(table: ReportTable) -> bytes:
    """The report's JSON, byte for byte what FastAPI's ``JSONResponse`` of
    ``jsonable_encoder(table.to_json())`` is, written in one pass of the C encoder.

    FastAPI's encoder walks every value in Python before the C encoder writes
    it: 0.3 to 0.5 s for the promises report at 100k events, four times the
    writing itself. A report holds JSON's own values (dicts, lists, tuples,
    strings, numbers, booleans, None), which both write alike; anything else
    is handed to FastAPI's encoder (``default``), as it would have been.
    """
    return json.dumps(
        table.to_json(),
        ensure_ascii=False,
        allow_nan=False,
        indent=None,
        separators=(",", ":"),
        default=jsonable_encoder,
    ).encode("utf-8")


def encode_csv(tidy: TidyTable, name: str, as_of_source: str) -> Encoded:
    """A table as CSV, a download named ``name`` and its tree size, with headers naming the
    state it reflects (each row names it too)."""
    return Encoded(
        "text/csv; charset=utf-8",
        tidy.to_csv().encode("utf-8"),
        (
            ("Content-Disposition", f'attachment; filename="{name}-{tidy.tree_size}.csv"'),
            ("X-Tree-Size", str(tidy.tree_size)),
            ("X-Root-Hash", tidy.root),
            ("X-As-Of", tidy.as_of),
            ("X-As-Of-Source", as_of_source),
        ),
    )


def for_state(
    gate: LedgerGate,
    cache: LRU[V],
    key_of: Callable[[LogState], Hashable],
    compute: Callable[[], tuple[int, V, int]],
) -> V:
    """What ``compute`` gives for the log's current state, remembered under ``key_of(state)``.

    ``compute`` answers (the tree size it read, the value, its weight in
    bytes). The value is filed only if the state is the same before and after
    (the state after read with a token asked of the database again, not the one
    the request was settled with) and the tree size is the state's, so nothing
    is ever remembered under a state it was not computed from. One computation
    at a time: the others wait and reuse it.
    """
    found = cache.get(key_of(current_state(gate)))
    if found is not None:
        return found
    with _computing:
        before = current_state(gate)
        key = key_of(before)
        found = cache.get(key)
        if found is not None:  # computed while this request waited
            return found
        tree_size, value, weight = compute()
        with gate.caches.version.asked_again():  # not the token the request came in with
            after = current_state(gate)
        if tree_size == before[0] and after == before:
            cache.put(key, value, weight)
        return value


def report_answer(gate: LedgerGate, name: str, as_of: str | None, as_csv: bool) -> Encoded:
    """The report's encoded answer, remembered for the state it was computed from (blocking)."""

    def compute() -> tuple[int, Encoded, int]:
        table = report_table(gate, name, as_of)
        answer = encode(table, as_csv, gate.caches.tidy).compressed()
        return table.tree_size, answer, answer.weight

    return for_state(
        gate, gate.caches.reports, lambda state: report_key(name, as_of, as_csv, state), compute
    )
