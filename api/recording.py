"""Recording posted statements: envelope, server clock, idempotency, all-or-nothing.

A post holds one statement or a batch. Every statement is parsed and checked
against the server's clock first; then, under the process's ledger gate, those
already in the log are acknowledged with their position (a retry is never
stored twice) and the rest are appended in one all-or-nothing batch through
``Ledger.record``, the path ``ledger import`` takes too, which checks
signatures, keys, roles and lifecycle rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ledger.errors import (
    BatchTooLarge,
    ClockSkew,
    LedgerError,
    MalformedStatement,
)
from ledger.service import Ledger
from ledger.statements import Statement, parse_statement

MAX_ENTRY_BYTES = 0xFFFF
"""A leaf must fit a tlog-tiles entry bundle (uint16 length prefix)."""


@dataclass(frozen=True)
class Outcome:
    """Per posted statement: its id, its position, and whether this post stored it."""

    event_id: str
    leaf_index: int
    stored_now: bool


def statements_of(body: Any, *, max_batch: int) -> tuple[list[Statement], bool]:
    """The statements a body holds, and whether it was a batch. Errors name the item."""
    if isinstance(body, dict) and set(body) == {"statements"}:
        items = body["statements"]
        if not isinstance(items, list) or not items:
            raise MalformedStatement("expected a non-empty list of statements", field="statements")
        if len(items) > max_batch:
            raise BatchTooLarge(
                f"a batch holds at most {max_batch} statements; got {len(items)}",
                field="statements",
            )
        return [_parse(item, index) for index, item in enumerate(items)], True
    return [_parse(body, None)], False


def _parse(obj: Any, index: int | None) -> Statement:
    try:
        statement = parse_statement(obj)
        if len(statement.leaf_bytes()) > MAX_ENTRY_BYTES:
            raise MalformedStatement(f"a statement may be at most {MAX_ENTRY_BYTES} bytes")
    except LedgerError as exc:
        exc.line = index
        raise
    return statement


def check_clock(statements: list[Statement], now: datetime, skew: timedelta, batch: bool) -> None:
    """Refuse statements signed too far from the server's time (replays of old drafts, bad clocks)."""
    for index, st in enumerate(statements):
        if abs(st.recorded_at - now) > skew:
            raise ClockSkew(
                f"recorded_at {st.body['recorded_at']} is more than {skew} from the server's"
                f" time {now:%Y-%m-%dT%H:%M:%SZ}: sign with a correct clock",
                field="recorded_at",
                event_id=st.event_id,
                line=index if batch else None,
            )


def record(ledger: Ledger, statements: list[Statement], *, batch: bool) -> list[Outcome]:
    """Append what is new, acknowledge what is known; all or nothing. Call under the gate."""
    unique = list({st.event_id: st for st in statements}.values())
    try:
        recorded = ledger.append(unique, acknowledge_known=True)
    except LedgerError as exc:
        _located(exc, statements, batch)
        raise
    by_id = {r.event_id: r for r in recorded}
    return [
        Outcome(st.event_id, by_id[st.event_id].leaf_index, by_id[st.event_id].stored_now)
        for st in statements
    ]


def _located(exc: LedgerError, statements: list[Statement], batch: bool) -> LedgerError:
    """Name the batch item an error is about (its 0-based index), or none for one statement."""
    exc.line = None
    if batch and exc.event_id is not None:
        exc.line = next((i for i, st in enumerate(statements) if st.event_id == exc.event_id), None)
    return exc
