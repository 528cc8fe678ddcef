"""The digest of the stored rows a verified-through mark names: how rows are written to be
hashed, and that how they are handed in (a page at a time, one by one, in segments hashed
elsewhere) never changes it, while any change to a value does."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.storage.port import EventRow, LeafValues, StoredReportSnapshot
from ledger.verification.digest import RowDigest, rows_bytes, snapshot_digest

T = TypeVar("T")

EVENT = (7, bytes(range(16)), 2, "shooting.reported", b"{}")
LEAF = (70_000, "e", b"h", "k", "r", "o", "a", 2**40)


def test_a_row_is_hashed_as_marshal_s_format_2_writes_it() -> None:
    """Pinned: an interpreter that wrote these bytes otherwise would make every mark
    unusable (the full check would run each time), and fails here first."""
    assert bytes(rows_bytes([EVENT])).hex() == (
        "2805000000690700000073100000000001020304050607"
        "08090a0b0c0d0e0f6902000000751100000073686f6f74"
        "696e672e7265706f7274656473020000007b7d"
    )
    assert bytes(rows_bytes([LEAF])).hex() == (
        "2808000000697011010075010000006573010000006875010000006b7501000000727501"
        "0000006f7501000000616c03000000000000000004"
    )
    assert bytes(rows_bytes([EVENT, EVENT])) == bytes(rows_bytes([EVENT])) * 2


def in_pages(rows: list[T], pages: list[int]) -> Iterator[list[T]]:
    """``rows`` cut into pages of the sizes ``pages`` (empty ones too), the rest last."""
    at = 0
    for size in [*pages, len(rows)]:
        yield rows[at : at + size]
        at = min(at + size, len(rows))


def event_digest(rows: list[EventRow], pages: list[int], segment_rows: int) -> bytes:
    digest = RowDigest()
    digest.segment_rows = segment_rows
    for page in in_pages(rows, pages):
        digest.event_rows(page)
    return digest.rows()


def leaf_digest(rows: list[LeafValues], pages: list[int]) -> bytes:
    digest = RowDigest()
    for page in in_pages(rows, pages):
        digest.leaf_rows(page)
    return digest.rows()


event_rows = st.lists(
    st.tuples(
        st.integers(1, 2**62),
        st.binary(min_size=16, max_size=16),
        st.integers(0, 2**31),
        st.text(max_size=8),
        st.binary(max_size=40),
    ),
    max_size=12,
)
leaf_rows = st.lists(
    st.tuples(
        st.integers(0, 2**62),
        st.text(max_size=6),
        st.binary(max_size=33),
        st.text(max_size=6),
        st.text(max_size=6),
        st.text(max_size=6),
        st.text(max_size=6),
        st.integers(1, 2**62),
    ),
    max_size=12,
)
pages = st.lists(st.integers(0, 5), max_size=6)


@settings(max_examples=300, deadline=None)
@given(event_rows, pages, pages, st.integers(1, 5))
def test_event_rows_give_one_digest_however_they_are_paged(
    rows: list[EventRow], first: list[int], second: list[int], segment_rows: int
) -> None:
    digest = event_digest(rows, first, segment_rows)
    assert digest == event_digest(rows, second, segment_rows)
    assert digest == event_digest(rows, [1] * len(rows), segment_rows)  # one by one


@settings(max_examples=300, deadline=None)
@given(leaf_rows, pages, pages)
def test_leaf_rows_give_one_digest_however_they_are_paged(
    rows: list[LeafValues], first: list[int], second: list[int]
) -> None:
    assert leaf_digest(rows, first) == leaf_digest(rows, second)


@settings(max_examples=300, deadline=None)
@given(event_rows.filter(bool), st.data())
def test_any_change_to_an_event_row_changes_the_digest(
    rows: list[EventRow], data: st.DataObject
) -> None:
    """A value changed, given as another type, or bytes moved from one column or row to
    the next: never the same digest."""
    at = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.integers(0, 4))
    row: list[object] = list(rows[at])
    value = row[column]
    if isinstance(value, int):
        row[column] = data.draw(st.sampled_from([value + 1, str(value)]))
    elif isinstance(value, bytes):
        row[column] = data.draw(st.sampled_from([value + b"x", value.hex()]))
    else:
        assert isinstance(value, str)
        row[column] = data.draw(st.sampled_from([value + "x", value.encode("utf-8")]))
    edited = [*rows[:at], tuple(row), *rows[at + 1 :]]
    assert event_digest(edited, [], 3) != event_digest(rows, [], 3)  # type: ignore[arg-type]


def test_bytes_moved_between_columns_or_rows_change_the_digest() -> None:
    base = leaf_digest([(1, "ab", b"h", "c", "r", "o", "a", 2)], [])
    assert leaf_digest([(1, "a", b"h", "bc", "r", "o", "a", 2)], []) != base
    assert leaf_digest([(1, "ab", b"", "c", "r", "o", "a", 2)], []) != leaf_digest(
        [(1, "ab", b"", "", "cr", "o", "a", 2)], []
    )
    one = event_digest([(1, bytes(16), 0, "t", b"xy"), (2, bytes(16), 0, "t", b"")], [], 5)
    moved = event_digest([(1, bytes(16), 0, "t", b"x"), (2, bytes(16), 0, "t", b"y")], [], 5)
    assert one != moved
    assert leaf_digest([(1, "1", b"h", "c", "r", "o", "a", 2)], []) != leaf_digest(
        [(1, 1, b"h", "c", "r", "o", "a", 2)],  # type: ignore[list-item]
        [],
    )


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=2000),
    st.integers(0, 2**40),
    st.integers(0, 2**40),
    st.none() | st.integers(0, 2**40),
)
def test_the_snapshot_row_is_hashed_as_its_values_framed_by_their_lengths(
    state: bytes, notification_id: int, tree_size: int, tracked: int | None
) -> None:
    """Hashed a value at a time, never copied into one framed string: the very digest of
    the framed string, which marks already name."""
    values = [state, *(str(v).encode("utf-8") for v in (notification_id, tree_size, tracked))]
    framed = b"".join(len(v).to_bytes(8, "big") + v for v in values)
    row = StoredReportSnapshot(state, notification_id, tree_size, tracked)
    assert snapshot_digest(row) == hashlib.sha256(b"reports_facts_snapshot\n" + framed).digest()
