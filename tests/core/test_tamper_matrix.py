"""Every table × column × kind of change: detected, named, and refused before acting.

The matrix is generated from the database schema itself (SQLAlchemy's
inspector on the real database), so a new table or column is covered without
anyone remembering to add it: a table this file has no plan for fails
``test_every_table_in_the_schema_has_a_tamper_plan``.

For each change, on SQLite and PostgreSQL:

* ``verify_store`` (what ``ledger verify`` runs) reports a problem naming the
  table and column (and the event, for rows that belong to one);
* ``Ledger.verify_before_acting`` (what ``ledger serve`` runs at start-up)
  raises ``TamperDetected``;
* a new ``Ledger`` refuses to append (``ledger record``/``import``/``POST``)
  and to sign a checkpoint, and nothing is stored.

Each case runs three times: with no verified-through mark, with a mark over
the whole ledger, and with a mark at the last checkpoint (so the statements
after it are checked in full from the mark on). A mark names what a check
already compared; every change made after it must still be detected and
named, the check before acting then falling back to the full check. The
event rows are hashed in segments of four rows here, so that the check from
a mark hands the rows below it to a second process where it may fork one
(``ledger.verification.segments``).

The changes that cannot be detected from the database alone are listed in
``UNDETECTABLE`` with the reason; each is asserted to be exactly that (so the
list in ``docs/verify.md`` stays true), and witnesses and mirrors catch them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from ledger.errors import TamperDetected
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.verification import digest
from ledger.verification.mark import check_with_mark
from ledger.verification.replay import VerifyReport, verify_store
from tests.conftest import Clock, Recorder, chartered_ledger

CHECKPOINTED = 8
"""Statements under the last checkpoint; those after it are the unverified tail."""

KINDS = ("delete", "insert", "reorder", "truncate")

MARKS = ("no-mark", "marked-whole", "marked-at-checkpoint")
"""Where a verified-through mark stands when the database is changed."""


@dataclass(frozen=True)
class TablePlan:
    """How to pick a row of a table and which event it belongs to."""

    key: str  # primary key column
    event_of: str | None  # SQL giving the event id of the row with key :k (None: no event)
    target: int  # key value of the row to change (a row under the last checkpoint)
    other: int  # key value of another row (to reorder with)


PLANS: dict[str, TablePlan] = {
    "ledger_events": TablePlan(
        "id", "SELECT event_id FROM ledger_leaves WHERE notification_id = :k", target=5, other=6
    ),
    "ledger_leaves": TablePlan(
        "leaf_index", "SELECT event_id FROM ledger_leaves WHERE leaf_index = :k", target=4, other=5
    ),
    "ledger_checkpoints": TablePlan("tree_size", None, target=CHECKPOINTED, other=4),
}

UNDETECTABLE: dict[tuple[str, str], str] = {
    ("ledger_checkpoints", "delete"): (
        "a deleted checkpoint row leaves the log itself intact; witnesses and mirrors hold"
        " every checkpoint they saw and alarm when the log cannot prove consistency with it"
    ),
    ("ledger_checkpoints", "truncate"): (
        "with every checkpoint row gone the database holds no signed claim to compare with;"
        " the next checkpoint is checked by witnesses against the one they cosigned"
    ),
}


@pytest.fixture(autouse=True)
def four_row_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "SEGMENT_ROWS", 4)


def leave_mark(db: str, keyring: Keyring, size: int) -> None:
    """A check before acting by the log key's holder, which leaves a mark at ``size``."""
    checking = Ledger.open(db, log_key=keyring.log_key())
    try:
        checking.verify_before_acting()
        note = checking.store.verified_mark()
        assert note is not None and f"\nsize {size}\n" in note, note
        assert check_with_mark(checking.store, keyring.log_key()) is not None  # it holds
    finally:
        checking.close()


def build(
    db: str, keyring: Keyring, clock: Clock, recorder: Recorder, mark: str = "no-mark"
) -> Ledger:
    """A small ledger: checkpoints at 4 and 8, then a tail of 4 unchecked statements.

    ``mark``: one of ``MARKS``.
    """
    ledger = chartered_ledger(db, keyring, clock)
    for n in range(11):
        clock.advance(minutes=1)
        if n % 3 == 0:
            st = recorder.sign(
                "group.registered",
                "police",
                {"group": f"g-{n}", "name": f"Group {n}", "kind": "criminal_gang", "area": "Lyari"},
            )
        else:
            st = recorder.sign(
                "head.appointed" if n % 3 == 1 else "head.removed",
                "committee",
                {"head": f"H-{n // 3}", "term_start": clock.stamp(), "reason": "appointed"}
                if n % 3 == 1
                else {"head": f"H-{n // 3}", "reason": "term ended"},
            )
        ledger.append([st])
        if ledger.size in (4, CHECKPOINTED):
            ledger.sign_checkpoint()
        if ledger.size == CHECKPOINTED and mark == "marked-at-checkpoint":
            leave_mark(db, keyring, CHECKPOINTED)
    assert ledger.size == 12
    if mark == "marked-whole":
        leave_mark(db, keyring, 12)
    assert (ledger.store.verified_mark() is None) == (mark == "no-mark")
    assert verify_store(ledger.store).ok
    ledger.checker.close()  # its pool's threads would keep this process from forking
    return ledger


def execute(ledger: Ledger, sql: str, **params: Any) -> None:
    with ledger.store.engine.begin() as conn:
        conn.execute(text(sql), params)


def fetch(ledger: Ledger, sql: str, **params: Any) -> list[Any]:
    with ledger.store.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def schema_columns(db_url: str) -> Iterator[tuple[str, str]]:
    """(table, column) of the ledger's own tables, as the database reports them."""
    from ledger.storage.sql_store import Store

    store = Store(db_url)
    try:
        inspector = inspect(store.engine)
        for table in sorted(inspector.get_table_names()):
            for column in inspector.get_columns(table):
                yield table, column["name"]
    finally:
        store.close()


def different(value: Any, others: list[Any]) -> list[Any]:
    """Values to try instead of ``value``: other rows' values first, then a mutation."""
    tries = [o for o in others if o != value]
    if isinstance(value, bool) or value is None:
        tries.append(not value)
    elif isinstance(value, int):
        tries.append(value + 1_000_003)
    elif isinstance(value, (bytes, memoryview)):
        raw = bytes(value)
        tries.append(raw[:-1] + bytes([raw[-1] ^ 1]) if raw else b"\x01")
    elif isinstance(value, uuid.UUID):
        tries.append(uuid.uuid4())
    elif isinstance(value, str):
        tries.append(value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x")
    return tries


def edit(ledger: Ledger, table: str, column: str) -> None:
    plan = PLANS[table]
    (value,) = fetch(ledger, f"SELECT {column} FROM {table} WHERE {plan.key} = :k", k=plan.target)[
        0
    ]
    others = [
        r[0]
        for r in fetch(
            ledger, f"SELECT {column} FROM {table} WHERE {plan.key} <> :k", k=plan.target
        )
    ]
    for candidate in different(value, others):
        try:
            execute(
                ledger,
                f"UPDATE {table} SET {column} = :v WHERE {plan.key} = :k",
                v=candidate,
                k=plan.target,
            )
            return
        except IntegrityError:
            continue
    raise AssertionError(f"no edit of {table}.{column} was accepted by the database")


def change(ledger: Ledger, table: str, kind: str) -> None:
    plan = PLANS[table]
    cols = [c for _, c in schema_columns_cached(ledger, table)]
    if kind == "delete":
        execute(ledger, f"DELETE FROM {table} WHERE {plan.key} = :k", k=plan.target)
    elif kind == "truncate":
        execute(ledger, f"DELETE FROM {table}")
    elif kind == "insert":
        # A copy of the target row under a new key (and, for events, a new version).
        new_key = 1_000_000
        values = {c: f":{c}" for c in cols}
        (row,) = fetch(
            ledger, f"SELECT {', '.join(cols)} FROM {table} WHERE {plan.key} = :k", k=plan.target
        )
        params = dict(zip(cols, row, strict=True))
        params[plan.key] = new_key
        if table == "ledger_events":
            params["originator_version"] = 1_000
        if table == "ledger_leaves":
            params["event_id"] = "f" * 64
        execute(
            ledger,
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(values.values())})",
            **params,
        )
    elif kind == "reorder":
        # Swap every non-key column of two rows.
        rest = [c for c in cols if c != plan.key]
        a = fetch(
            ledger, f"SELECT {', '.join(rest)} FROM {table} WHERE {plan.key} = :k", k=plan.target
        )[0]
        b = fetch(
            ledger, f"SELECT {', '.join(rest)} FROM {table} WHERE {plan.key} = :k", k=plan.other
        )[0]
        parking = -7
        sets = ", ".join(f"{c} = :{c}" for c in rest)
        if table == "ledger_events":
            # (originator_id, originator_version) is unique: park one row's version first.
            execute(
                ledger,
                "UPDATE ledger_events SET originator_version = :v WHERE id = :k",
                v=parking,
                k=plan.target,
            )
        if table == "ledger_leaves":
            execute(
                ledger,
                "UPDATE ledger_leaves SET event_id = :v WHERE leaf_index = :k",
                v="parked",
                k=plan.target,
            )
        execute(
            ledger,
            f"UPDATE {table} SET {sets} WHERE {plan.key} = :k",
            k=plan.other,
            **dict(zip(rest, a, strict=True)),
        )
        execute(
            ledger,
            f"UPDATE {table} SET {sets} WHERE {plan.key} = :k",
            k=plan.target,
            **dict(zip(rest, b, strict=True)),
        )
    else:  # pragma: no cover - KINDS is fixed above
        raise AssertionError(kind)


_COLUMNS: dict[str, list[tuple[str, str]]] = {}


def schema_columns_cached(ledger: Ledger, table: str) -> list[tuple[str, str]]:
    if table not in _COLUMNS:
        inspector = inspect(ledger.store.engine)
        _COLUMNS[table] = [(table, c["name"]) for c in inspector.get_columns(table)]
    return _COLUMNS[table]


def target_event(ledger: Ledger, table: str, before: dict[str, str]) -> str | None:
    plan = PLANS[table]
    return before.get(table) if plan.event_of else None


def event_ids_before(ledger: Ledger) -> dict[str, str]:
    found = {}
    for table, plan in PLANS.items():
        if plan.event_of:
            found[table] = str(fetch(ledger, plan.event_of, k=plan.target)[0][0])
    return found


def assert_detected_and_refused(
    ledger: Ledger,
    db: str,
    keyring: Keyring,
    recorder: Recorder,
    table: str,
    column: str | None,
    event_id: str | None,
) -> VerifyReport:
    report = verify_store(ledger.store)
    shown = [str(p) for p in report.problems]
    assert not report.ok, f"{table}.{column}: verify passed"
    assert any(names(p.column, table, column) for p in report.problems), shown
    if event_id is not None:
        assert any(p.event_id == event_id for p in report.problems), shown
    size = ledger.store.leaf_count()
    fresh = Ledger.open(db, log_key=keyring.log_key())
    try:
        with pytest.raises(TamperDetected) as refused:
            fresh.verify_before_acting()
        assert table in str(refused.value), str(refused.value)
        st = recorder.sign(
            "head.appointed",
            "committee",
            {"head": "H-new", "term_start": recorder.clock.stamp(), "reason": "after tamper"},
        )
        with pytest.raises(TamperDetected):
            fresh.append([st])
        with pytest.raises(TamperDetected):
            fresh.sign_checkpoint()
    finally:
        fresh.close()
    assert ledger.store.leaf_count() == size, "a refused append stored something"
    return report


def names(where: str | None, table: str, column: str | None) -> bool:
    """A problem's column names the table, and the column when one was changed.

    Columns read ``table.column`` or ``table (column, column)`` where the stored
    values disagree and either may be the one changed.
    """
    if not where or table not in where:
        return False
    if column is None:
        return True
    return where == f"{table}.{column}" or (
        f"({column}" in where or f" {column})" in where or f" {column}," in where
    )


SQLITE_COLUMNS = [
    ("ledger_events", "id"),
    ("ledger_events", "originator_id"),
    ("ledger_events", "originator_version"),
    ("ledger_events", "topic"),
    ("ledger_events", "state"),
    ("ledger_leaves", "leaf_index"),
    ("ledger_leaves", "event_id"),
    ("ledger_leaves", "leaf_hash"),
    ("ledger_leaves", "type"),
    ("ledger_leaves", "recorder"),
    ("ledger_leaves", "occurred_at"),
    ("ledger_leaves", "aggregate_id"),
    ("ledger_leaves", "notification_id"),
    ("ledger_checkpoints", "tree_size"),
    ("ledger_checkpoints", "root_hash"),
    ("ledger_checkpoints", "note"),
    ("ledger_checkpoints", "signed_at"),
]


@pytest.mark.postgres
def test_every_table_and_column_in_the_schema_has_a_tamper_plan(db_url: str) -> None:
    """The matrix below is this list; the database's own schema must not hold more."""
    from ledger.storage.sql_store import Store

    Store(db_url).close()
    found = sorted(schema_columns(db_url))
    assert sorted({t for t, _ in found}) == sorted(PLANS), "a table without a tamper plan"
    assert found == sorted(SQLITE_COLUMNS), "a column without a tamper case"


@pytest.mark.postgres
@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize(("table", "column"), SQLITE_COLUMNS)
def test_an_edited_column_is_named_and_every_action_refused(
    db_url: str,
    keyring: Keyring,
    clock: Clock,
    recorder: Recorder,
    table: str,
    column: str,
    mark: str,
) -> None:
    ledger = build(db_url, keyring, clock, recorder, mark)
    try:
        before = event_ids_before(ledger)
        edit(ledger, table, column)
        named = column if column != PLANS[table].key else None
        assert_detected_and_refused(
            ledger, db_url, keyring, recorder, table, named, target_event(ledger, table, before)
        )
    finally:
        ledger.close()


@pytest.mark.postgres
@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("table", sorted(PLANS))
@pytest.mark.parametrize("kind", KINDS)
def test_a_deleted_inserted_reordered_or_truncated_table_is_detected_and_refused(
    db_url: str,
    keyring: Keyring,
    clock: Clock,
    recorder: Recorder,
    table: str,
    kind: str,
    mark: str,
) -> None:
    ledger = build(db_url, keyring, clock, recorder, mark)
    try:
        before = event_ids_before(ledger)
        change(ledger, table, kind)
        if (table, kind) in UNDETECTABLE:
            assert verify_store(ledger.store).ok, (
                "now detected: update UNDETECTABLE and docs/verify.md"
            )
            return
        event_id = target_event(ledger, table, before) if kind in ("delete", "reorder") else None
        assert_detected_and_refused(ledger, db_url, keyring, recorder, table, None, event_id)
    finally:
        ledger.close()


@pytest.mark.postgres
@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("column", ["originator_id", "topic", "state"])
def test_an_edit_in_the_unchecked_tail_is_named_and_refused(
    db_url: str, keyring: Keyring, clock: Clock, recorder: Recorder, column: str, mark: str
) -> None:
    """After the last checkpoint (and after a mark there) every signature and rule is checked
    again, as well as every column."""
    ledger = build(db_url, keyring, clock, recorder, mark)
    try:
        (event_id,) = fetch(
            ledger, "SELECT event_id FROM ledger_leaves WHERE notification_id = 11"
        )[0]
        plan = PLANS["ledger_events"]
        PLANS["ledger_events"] = TablePlan(plan.key, plan.event_of, target=11, other=12)
        try:
            edit(ledger, "ledger_events", column)
        finally:
            PLANS["ledger_events"] = plan
        assert_detected_and_refused(
            ledger, db_url, keyring, recorder, "ledger_events", column, str(event_id)
        )
    finally:
        ledger.close()


@pytest.mark.postgres
def test_a_statement_truncated_from_the_unchecked_tail_is_not_detectable_from_the_database(
    db_url: str, keyring: Keyring, clock: Clock, recorder: Recorder
) -> None:
    """Documented in docs/verify.md: the tail after the last checkpoint can vanish unnoticed
    by the database alone; the server checkpoints often to keep that window short."""
    ledger = build(db_url, keyring, clock, recorder)
    try:
        execute(ledger, "DELETE FROM ledger_leaves WHERE leaf_index >= :n", n=CHECKPOINTED + 2)
        execute(ledger, "DELETE FROM ledger_events WHERE id > :n", n=CHECKPOINTED + 2)
        assert verify_store(ledger.store).ok
    finally:
        ledger.close()
