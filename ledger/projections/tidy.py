"""Tidy CSV: every report as tables with one value per cell, each row naming its checkpoint.

A ``ReportTable`` keeps structured cells: a rate is a dict of count,
denominator, rate and interval; ``derived_from`` is a list of event ids; a
flag's evidence is a mapping. Packed into one CSV cell, such values cannot be
summed, filtered or joined in a spreadsheet. Here every report is declared
once as a ``Shape``:

* a plain value stays one column;
* a value with parts (a rate, a rate ratio, a duration summary) becomes one
  column per part, ``kept_rate_count``, ``kept_rate_ci_low`` …, the same
  columns in every build, whatever the data;
* a list (the events a row is derived from, the groups a test compares) or a
  mapping (a flag's evidence, a group's adjournments by reason) becomes a
  linked table: one row per item, beginning with the key of the row it
  belongs to, so a reader joins the two on that key;
* the report's extras that readers asked for (the tests across groups, the
  survival curves of time to arrest, the warnings, custody holdings and
  retaliation signals) are tables of their own.

Every row ends with ``tree_size``, ``root`` and ``as_of``. Columns, not
``#`` comment lines: a spreadsheet or ``csv`` reader takes comment lines for
data, while columns survive whatever a reader does to one file (filter rows,
copy a sheet into another workbook, append the next month's download) and
still say which signed checkpoint, and which time deadlines were judged at,
each figure comes from. The site's ``data/manifest.json`` lists every file
with its SHA-256 for the verifier who wants to check the bytes.

``tidy_tables(report)`` is the one CSV writer of the ledger (the CLI's
``--csv``, the API's ``text/csv`` and the site's downloads all call it), and
every cell is written as :func:`ledger.projections.tables.spreadsheet_safe` writes it.
The API, which cuts the tables again after every new event, passes a
``TidyMemo``: the rows a report keeps read-only across tree sizes are cut once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import is_
from typing import Any, Final, Literal

import numpy as np

from ledger.projections.analysis import (
    COURT_COLUMNS,
    FLAG_COLUMNS,
    GROUP_COLUMNS,
    INTERRUPTION_COLUMNS,
    OFFICER_COLUMNS,
    PROMISE_COLUMNS,
)
from ledger.projections.court import STAGES
from ledger.projections.reuse import SharedList, SharedRow, VariedRow, same_ends, same_run
from ledger.projections.tables import FORMULA_TRIGGERS, ReportTable, spreadsheet_safe

PROVENANCE: Final = ("tree_size", "root", "as_of")
"""The last three columns of every row: the checkpoint and the time the row was computed at."""

RATE: Final = ("count", "denominator", "rate", "ci_low", "ci_high", "suppressed", "pending")
RATIO: Final = (
    "ratio",
    "ci_low",
    "ci_high",
    "corrected",
    "suppressed",
    "count",
    "denominator",
    "others_count",
    "others_denominator",
)
DURATION: Final = ("n", "events", "censored", "median")
PART_KINDS: Final = {"rate": RATE, "ratio": RATIO, "duration": DURATION}
"""The values that are split into one column per part, by kind."""

Kind = Literal["value", "parts", "list", "mapping", "rows"]
Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Field:
    """One entry of a report row and how it is written."""

    name: str
    kind: Kind = "value"
    parts: str = ""
    """For ``parts``: a key of :data:`PART_KINDS`."""
    columns: tuple[str, ...] = ()
    """For ``list``: the linked table's value column; for ``mapping``: its key and value columns."""
    shape: Shape | None = None
    """For ``rows``: the shape of each nested row."""

    def part_columns(self) -> list[str]:
        return [f"{self.name}_{p}" for p in PART_KINDS[self.parts]]


@dataclass(frozen=True)
class Shape:
    """How one kind of row is written: its key, its fields in column order."""

    key: tuple[str, ...]
    fields: tuple[Field, ...]

    def columns(self) -> list[str]:
        out: list[str] = []
        for f in self.fields:
            if f.kind == "value":
                out.append(f.name)
            elif f.kind == "parts":
                out.extend(f.part_columns())
        return out

    def layout(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.name, f.parts) for f in self.fields if f.kind in ("value", "parts"))


def value(*names: str) -> tuple[Field, ...]:
    return tuple(Field(n) for n in names)


def parts(name: str, kind: str) -> Field:
    return Field(name, "parts", parts=kind)


def listed(name: str, column: str) -> Field:
    return Field(name, "list", columns=(column,))


def mapping(name: str, key: str = "field", val: str = "value") -> Field:
    return Field(name, "mapping", columns=(key, val))


def nested(name: str, shape: Shape) -> Field:
    return Field(name, "rows", shape=shape)


DERIVED_FROM = listed("derived_from", "derived_from_event")


@dataclass(frozen=True)
class Download:
    """One CSV file: its name, the key of its rows, its columns (without the provenance)."""

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    parent: str | None = None
    """The file whose rows this one's rows belong to (joined on the parent's key)."""
    layout: tuple[tuple[str, str], ...] = ()
    """The columns as a reader is told about them: (name, kind of parts or "")."""
    joins_on: tuple[str, ...] = ()
    """The parent's key: the first columns of each row, naming the parent row it belongs to."""


@dataclass
class TidyTable:
    """One CSV file's content: scalar cells only."""

    download: Download
    tree_size: int
    root: str
    as_of: str
    rows: list[dict[str, Scalar]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.download.name

    @property
    def columns(self) -> list[str]:
        return [*self.download.columns, *PROVENANCE]

    def to_csv(self) -> str:
        """RFC 4180 CSV with a header; lines end with CRLF.

        With that terminator the writer quotes any cell holding a carriage
        return or a line feed; with a bare ``\\n`` it would leave a lone ``\\r``
        unquoted, and a reader that splits rows on it would see a row the table
        does not have.

        The cells are made a column at a time: a column of one kind of value
        is converted in one pass, and only a column that holds a delimiter, a
        quote or a line break is quoted a cell at a time, as the ``csv``
        module quotes (:data:`QUOTED`). The checkpoint's three cells, the same
        in every row, are written once. The text is byte for byte what
        ``csv.writer`` gives row by row (``tests/projections/test_csv_cells.py``).
        """
        header = _line(self.columns)
        stamp = _line([spreadsheet_safe(v) for v in (self.tree_size, self.root, self.as_of)])
        name, columns = self.name, self.download.columns
        cells = [
            _quoted(_column(name, c, list(map(dict.get, self.rows, repeat(c))))) for c in columns
        ]
        if not cells:
            return header + stamp * len(self.rows)
        end = "," + stamp
        return (
            header + end.join(map(",".join, zip(*cells, strict=True))) + (end if self.rows else "")
        )


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


QUOTED: Final = (",", '"', "\r", "\n")
"""What makes the ``csv`` module quote a cell, with a comma between cells and
lines ended by CRLF: the delimiter, the quote, and each character of the terminator."""


def _quoted(cells: list[str]) -> list[str]:
    """A column's cells as the ``csv`` module writes them: a cell holding any of
    :data:`QUOTED` in quotes, its quotes doubled."""
    joined = "".join(cells)
    if not any(mark in joined for mark in QUOTED):
        return cells
    return [
        '"' + c.replace('"', '""') + '"' if any(mark in c for mark in QUOTED) else c for c in cells
    ]


_NEVER_A_CELL: Final = (dict, list, tuple, set)


def _column(table: str, column: str, values: list[Any]) -> list[str]:
    """One column's cells, each as :func:`spreadsheet_safe` writes it; a list or a mapping is refused."""
    kinds = set(map(type, values))
    for kind in kinds:
        if issubclass(kind, _NEVER_A_CELL):
            raise TypeError(f"{table}.csv column {column!r} holds a {kind.__name__}, not a value")
    if kinds <= _TEXT and not any(map(str.startswith, values, repeat(FORMULA_TRIGGERS))):
        return values  # text that no spreadsheet would run, as it is
    if kinds <= _NUMBERS:
        return list(map(str, values))
    return list(map(spreadsheet_safe, values))


_TEXT: Final = frozenset({str})
_NUMBERS: Final = frozenset({int, float})


# --- the reports, declared once ---------------------------------------------------------
def shape(
    columns: Sequence[str],
    key: tuple[str, ...],
    *,
    split: dict[str, str] | None = None,
    lists: dict[str, str] | None = None,
    mappings: dict[str, tuple[str, str]] | None = None,
    more: tuple[Field, ...] = (),
) -> Shape:
    """A report's rows from its columns: plain values, except those ``split`` into parts (by
    kind), the ``lists`` (their linked value column) and the ``mappings`` (their key and
    value columns); then the fields in ``more`` and the events each row is derived from."""
    split, lists, mappings = split or {}, lists or {}, mappings or {}
    fields: list[Field] = []
    for column in columns:
        if column in split:
            fields.append(parts(column, split[column]))
        elif column in lists:
            fields.append(listed(column, lists[column]))
        elif column in mappings:
            fields.append(mapping(column, *mappings[column]))
        else:
            fields.append(Field(column))
    return Shape(key, (*fields, *more, DERIVED_FROM))


FLAG = shape(
    FLAG_COLUMNS,
    ("flag",),
    mappings={"evidence": ("field", "value")},
    more=(*value("law"), listed("inquiry", "inquiry_event")),
)
GROUP_PARTS = {
    **dict.fromkeys(
        (
            "kept_rate",
            "arrest_on_time_rate",
            "release_rate",
            "unexplained_release_rate",
            "charge_rate",
            "conviction_rate",
        ),
        "rate",
    ),
    **dict.fromkeys(("unexplained_release_rate_ratio", "release_rate_ratio"), "ratio"),
    **dict.fromkeys(
        ("time_to_arrest", "time_to_charge", "time_to_verdict", "time_to_release"), "duration"
    ),
}
TEST_FIELDS = value(
    "test",
    "compares",
    "method",
    "groups_compared",
    "statistic",
    "p_value",
    "p_holm",
    "correction",
    "result",
)

RowSource = Callable[[ReportTable, "_Writing | None"], list[dict[str, Any]]]
"""Where a table's rows come from, given the table's writing with a memo (or None)."""


def _rows(table: ReportTable, _: _Writing | None) -> list[dict[str, Any]]:
    return table.rows


def _extra(key: str) -> RowSource:
    def rows(table: ReportTable, _: _Writing | None) -> list[dict[str, Any]]:
        found = table.extra.get(key, [])
        return list(found)

    return rows


def result_text(test: dict[str, Any]) -> str:
    """A test's outcome as a reader quotes it: the p-value, or "not testable: <reason>"."""
    if test.get("p_value") is None:
        return f"not testable: {test.get('reason') or 'no p-value'}"
    return f"p {test['p_text']}" if test["p_text"].startswith("<") else f"p = {test['p_text']}"


def _tests(table: ReportTable, _: _Writing | None) -> list[dict[str, Any]]:
    return [
        {
            **t,
            "test": t["metric"],
            "groups_compared": len(t.get("groups") or []),
            "result": result_text(t),
        }
        for t in table.extra.get("tests", [])
    ]


def _survival(table: ReportTable, writing: _Writing | None) -> list[dict[str, Any]]:
    """A row for each point of each group's curve. A curve's points are kept read-only across
    tree sizes (``statistics``), so with a memo each point's row is made once, kept
    read-only too, and taken again while its point is kept."""
    curves: dict[str, list[dict[str, Any]]] = table.extra.get("km_time_to_arrest_hours", {})
    rows: list[dict[str, Any]] = []
    for group, curve in curves.items():
        if writing is None:
            rows.extend({"group": group, "time_hours": p["time"], **p} for p in curve)
            continue
        points = _kept_only(curve) or [object() for _ in curve]
        last: tuple[list[Any], list[dict[str, Any]]] = writing.last(("curve", group)) or ([], [])
        made: list[dict[str, Any]] = []
        for i, j, k in _runs(last[0], points):
            if j >= 0:
                made.extend(last[1][j : j + k])
                continue
            point = curve[i]
            row = {"group": group, "time_hours": point["time"], **point}
            made.append(SharedRow(row) if point.__class__ is SharedRow else row)
        writing.keep(("curve", group), (points, made))
        rows.extend(made)
    return rows


def _retaliation(table: ReportTable, _: _Writing | None) -> list[dict[str, Any]]:
    return [
        {**s, "method": s["test"], "result": result_text(s)}
        for s in table.extra.get("retaliation_signals", [])
    ]


SHAPES: Final[dict[str, tuple[tuple[str, Shape, RowSource], ...]]] = {
    "promises": (
        (
            "promises",
            shape(PROMISE_COLUMNS, ("incident", "group"), lists={"warnings": "covered_by_warning"}),
            _rows,
        ),
        (
            "promises-by-warning",
            Shape(
                ("warning",),
                (
                    *value("warning", "event"),
                    listed("groups", "group"),
                    *value("triggers", "kept", "kept_late", "broken", "pending"),
                    parts("kept_rate", "rate"),
                ),
            ),
            _extra("warnings"),
        ),
    ),
    "groups": (
        ("groups", shape(GROUP_COLUMNS, ("group",), split=GROUP_PARTS), _rows),
        ("groups-tests", Shape(("test",), (*TEST_FIELDS, listed("groups", "group"))), _tests),
        (
            "groups-survival",
            Shape(
                ("group", "time_hours"),
                value(
                    "group",
                    "time_hours",
                    "at_risk",
                    "events",
                    "censored",
                    "survival",
                    "ci_low",
                    "ci_high",
                ),
            ),
            _survival,
        ),
    ),
    "releases": (("releases", FLAG, _rows),),
    "custody": (
        ("custody", FLAG, _rows),
        (
            "custody-holdings",
            Shape(
                ("case", "person"),
                (
                    *value(
                        "case",
                        "person",
                        "arrested_at",
                        "hours_in_custody",
                        "produced",
                        "remand_days_total",
                        "past_limit_unproduced",
                    ),
                    listed("groups", "group"),
                    DERIVED_FROM,
                ),
            ),
            _extra("holdings"),
        ),
    ),
    "officers": (
        ("officers", shape(OFFICER_COLUMNS, ("officer", "group")), _rows),
        (
            "officers-retaliation",
            Shape(
                ("group",),
                (
                    *value("group", "transfers", "transfers_after_arrests"),
                    parts("share", "rate"),
                    *value("base_rate", "method", "p_value", "p_holm", "correction", "result"),
                    *value("signal"),
                    nested(
                        "pairs",
                        Shape(
                            ("officer", "transfer_event"),
                            value("officer", "transfer_event", "transferred_at", "arrest_event"),
                        ),
                    ),
                    DERIVED_FROM,
                ),
            ),
            _retaliation,
        ),
    ),
    "court": (
        (
            "court",
            shape(
                COURT_COLUMNS,
                ("group",),
                split={**dict.fromkeys(STAGES, "duration"), "conviction_rate": "rate"},
                mappings={"adjournments": ("reason", "adjournments")},
            ),
            _rows,
        ),
    ),
    "interruption": (("interruption", shape(INTERRUPTION_COLUMNS, ("area",)), _rows),),
}
"""Every report's tables: (file name, shape, where its rows come from), the main table first."""


def _linked_name(parent: str, f: Field) -> str:
    return f"{parent}-{f.name.replace('_', '-')}"


def _inner(outer: Shape, f: Field) -> Shape:
    """The shape of rows nested in ``f``: the outer row's key first, then their own fields."""
    assert f.shape is not None, f"{f.name} declares nested rows without their shape"
    return Shape((*outer.key, *f.shape.key), (*value(*outer.key), *f.shape.fields))


def _downloads_of(
    name: str, shape: Shape, parent: str | None = None, joins_on: tuple[str, ...] = ()
) -> Iterator[Download]:
    yield Download(name, shape.key, tuple(shape.columns()), parent, shape.layout(), joins_on)
    for f in shape.fields:
        if f.kind in ("list", "mapping"):
            columns = (*shape.key, *f.columns)
            layout = tuple((c, "") for c in columns)
            yield Download(_linked_name(name, f), shape.key, columns, name, layout, shape.key)
        elif f.kind == "rows":
            yield from _downloads_of(_linked_name(name, f), _inner(shape, f), name, shape.key)


def downloads(report: str) -> list[Download]:
    """The CSV files of one report, the main table first, each with its columns (no data needed)."""
    return [d for name, shape, _ in SHAPES[report] for d in _downloads_of(name, shape)]


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, Scalar]]:
    """(field, value) pairs of a mapping entry: lists give one pair per item, dicts dotted fields."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}")
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item, prefix)
    else:
        yield prefix, value


Written = tuple[dict[str, Scalar], tuple[tuple[str, list[dict[str, Scalar]]], ...]]
"""A row's cells as written: its flat row, and the rows it adds to each linked table."""

RUN_STEP = 256
"""Rows compared at once, by identity, when following a run of rows kept in order."""


class TidyMemo:
    """The cells of the rows a report keeps read-only across tree sizes, as written last.

    A ``SharedRow`` (``ledger.projections.reuse``) never changes while it is
    kept, and neither does a tuple or a ``SharedList``, so what they write is
    the same at every size: a reader that asks for the tables at each new size
    (the API's pages, cut again after every new event) writes only the rows
    that are new, and takes the others' cells as they were. A run of rows that
    are, in order, the very rows of a run written last is taken whole (its
    flat rows and its linked rows are slices of the last writing's), so the
    cost follows the rows that changed more than the rows there are. The rows
    are kept with their cells, so an id is never taken for another object's
    while remembered. Each table remembers what its last writing met, and
    nothing else. The tables written are shared with the memo: their rows are
    read, never changed.
    """

    def __init__(self) -> None:
        self._tables: dict[str, dict[Hashable, tuple[object, Any]]] = {}

    def writing(self, table: str) -> _Writing:
        return _Writing(self, table, self._tables.get(table, {}))


class _Writing:
    """One table being written: what its last writing met, and what this one meets."""

    def __init__(
        self, memo: TidyMemo, table: str, before: dict[Hashable, tuple[object, Any]]
    ) -> None:
        self.memo, self.table, self.before = memo, table, before
        self.met: dict[Hashable, tuple[object, Any]] = {}

    def was(self, key: Hashable) -> tuple[Any, Any] | None:
        """What the last writing wrote under ``key``: the object kept, and what it wrote."""
        return self.before.get(key)

    def put(self, key: Hashable, kept: object, written: Any) -> None:
        self.met[key] = (kept, written)

    def last(self, key: Hashable) -> Any:
        """What the last writing kept under ``key`` (``keep``), or None."""
        found = self.before.get(key)
        return None if found is None else found[1]

    def keep(self, key: Hashable, value: Any) -> None:
        self.met[key] = (None, value)

    def done(self) -> None:
        self.memo._tables[self.table] = self.met


KEPT_ROWS: Final = (SharedRow, VariedRow)
"""The kinds of row a report keeps read-only across tree sizes."""
KEPT_VALUES: Final = (*KEPT_ROWS, SharedList, tuple)
"""The kinds of value a report keeps read-only across tree sizes."""


def _kept(value: Any) -> bool:
    """Whether ``value`` never changes while a report keeps it (so its cells can be kept)."""
    return value.__class__ in KEPT_VALUES


def _kept_only(rows: Sequence[Any]) -> list[Any] | None:
    """``rows`` as a run may follow them: each row kept read-only as it is, any other as an
    object of its own, which no other row is (None when no row is kept)."""
    kinds = set(map(type, rows))
    if kinds.isdisjoint(KEPT_ROWS):
        return None
    if kinds.issubset(KEPT_ROWS):
        return list(rows)
    return [row if row.__class__ in KEPT_ROWS else object() for row in rows]


def _runs(before: Sequence[object], rows: Sequence[object]) -> Iterable[tuple[int, int, int]]:
    """(start, start in ``before``, length) of each run of ``rows`` that are, in order, the
    very objects of a run of ``before``; a row not in ``before`` is a run of its own that
    starts nowhere (-1). Lists of one length whose rows are either in their places or
    not in ``before`` at all (rows replaced in their places, as when a move of the time
    changes the hours of some of the people held) are compared place by place in one
    pass (``_aligned_runs``); other lists ``RUN_STEP`` rows at a time, so each row is
    looked at about once."""
    if len(before) == len(rows):
        aligned = _aligned_runs(before, rows)
        if aligned is not None:
            return aligned
    return _followed_runs(before, rows)


def _aligned_runs(
    before: Sequence[object], rows: Sequence[object]
) -> list[tuple[int, int, int]] | None:
    """``_runs`` of two lists of one length, by one pass of identity tests in C; None if a
    row not in its place is elsewhere in ``before``."""
    differ = np.flatnonzero(~np.fromiter(map(is_, rows, before), dtype=bool, count=len(rows)))
    if not differ.size:
        return [(0, 0, len(rows))] if rows else []
    places = differ.tolist()
    there = set(map(id, before))
    if any(id(rows[at]) in there for at in places):
        return None
    runs: list[tuple[int, int, int]] = []
    i = 0
    for at in places:
        if at > i:
            runs.append((i, i, at - i))
        runs.append((at, -1, 1))
        i = at + 1
    if i < len(rows):
        runs.append((i, i, len(rows) - i))
    return runs


def _followed_runs(
    before: Sequence[object], rows: Sequence[object]
) -> Iterator[tuple[int, int, int]]:
    """``_runs``, each run followed from its first row, ``RUN_STEP`` rows at a time."""
    where: dict[int, int] | None = None
    i, n, m = 0, len(rows), len(before)
    while i < n:
        row = rows[i]
        j = i if i < m and before[i] is row else -1
        if j < 0:
            if where is None:
                where = dict(zip(map(id, before), range(m), strict=True))
            j = where.get(id(row), -1)
            if j >= 0 and before[j] is not row:
                j = -1
        if j < 0:
            yield i, -1, 1
            i += 1
            continue
        k = 1
        while i + k < n and j + k < m:
            size = min(RUN_STEP, n - i - k, m - j - k)
            mine, theirs = rows[i + k : i + k + size], before[j + k : j + k + size]
            same = same_run(mine, theirs)
            k += same
            if same < size:
                break
        yield i, j, k
        i += k


class _Run:
    """A table as its last writing left it: the rows it was written from (those kept
    read-only; None for the others), its flat rows, each linked table's rows, and where
    each row's linked rows start in them (with the end after the last row)."""

    def __init__(
        self,
        sources: list[Any],
        flats: list[dict[str, Scalar]],
        linked: dict[str, list[dict[str, Scalar]]],
        starts: dict[str, np.ndarray],
    ) -> None:
        self.sources, self.flats, self.linked, self.starts = sources, flats, linked, starts


def _fill(
    name: str,
    shape: Shape,
    rows: list[dict[str, Any]],
    out: dict[str, list[dict[str, Scalar]]],
    writing: _Writing | None = None,
) -> None:
    main = out.setdefault(name, [])
    sources = None if writing is None else _kept_only(rows)
    if writing is None or sources is None:
        for row in rows:
            flat, linked = _written(name, shape, row, writing)
            main.append(flat)
            for table, items in linked:
                if items:
                    out.setdefault(table, []).extend(items)
        return
    tables = [d.name for d in _downloads_of(name, shape)][1:]
    lists = {t: out.setdefault(t, []) for t in tables}
    last: _Run | None = writing.last("rows")
    varied = _Varied(shape, last)
    # the runs of rows whose linked rows are the last writing's (start, start there,
    # length); the rows written here, and how many linked rows each wrote to each table
    taken: list[tuple[int, int, int]] = []
    written: list[int] = []
    counts: dict[str, list[int]] = {t: [] for t in tables}
    for i, j, k in _runs([] if last is None else last.sources, sources):
        if j < 0:
            j = varied.written_at(rows[i], i)
            if j >= 0:
                main.append(varied.flat(j, rows[i]))
        elif last is not None:
            main.extend(last.flats[j : j + k])
        if j >= 0 and last is not None:
            taken.append((i, j, k))
            for t in tables:
                was = last.starts[t]
                lists[t].extend(last.linked[t][was.item(j) : was.item(j + k)])
            continue
        flat, linked = _written(name, shape, rows[i], writing)
        main.append(flat)
        written.append(i)
        wrote = dict.fromkeys(tables, 0)
        for table, items in linked:
            lists[table].extend(items)
            wrote[table] += len(items)
        for t in tables:
            counts[t].append(wrote[t])
    starts = _starts(len(rows), taken, last, written, counts)
    for t in tables:
        assert starts[t][-1] == len(lists[t]), f"{t}: linked rows miscounted"
    writing.keep("rows", _Run(sources, main, lists, starts))


FEW_PIECES = 64
"""Up to how many pieces (runs taken from the last writing, rows written) the starts of
the rows' linked rows are laid a piece at a time; beyond, over arrays (``_starts``)."""


def _starts(
    size: int,
    taken: list[tuple[int, int, int]],
    last: _Run | None,
    written: list[int],
    counts: dict[str, list[int]],
) -> dict[str, np.ndarray]:
    """Where each of ``size`` rows' linked rows start in each table (with the end after the
    last row): a row of a run ``taken`` from the last writing has as many as it had there,
    a row ``written`` here as many as ``counts`` says."""
    if last is not None and len(taken) + len(written) <= FEW_PIECES:
        return _laid(size, taken, last, written, counts)
    gather = None
    if taken and last is not None:
        at, was, length = (np.array(column, dtype=np.int64) for column in zip(*taken, strict=True))
        step = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
        gather = np.repeat(at, length) + step, np.repeat(was, length) + step
    out: dict[str, np.ndarray] = {}
    for t, wrote in counts.items():
        each = np.zeros(size, dtype=np.int64)
        if gather is not None and last is not None:
            each[gather[0]] = np.diff(last.starts[t])[gather[1]]
        each[written] = wrote
        out[t] = np.concatenate(([0], np.cumsum(each)))
    return out


def _laid(
    size: int,
    taken: list[tuple[int, int, int]],
    last: _Run,
    written: list[int],
    counts: dict[str, list[int]],
) -> dict[str, np.ndarray]:
    """``_starts`` a piece at a time, in the rows' order: a run's starts are its starts
    in the last writing, moved to where its linked rows now begin."""
    pieces = sorted([*taken, *((i, -1 - n, 1) for n, i in enumerate(written))])
    out: dict[str, np.ndarray] = {}
    for t, wrote in counts.items():
        was, starts, at = last.starts[t], np.empty(size + 1, dtype=np.int64), 0
        for i, j, k in pieces:
            if j >= 0:
                first = was.item(j)
                starts[i : i + k] = was[j : j + k] + (at - first)
                at += was.item(j + k) - first
            else:
                starts[i] = at
                at += wrote[-1 - j]
        starts[size] = at
        out[t] = starts
    return out


class _Varied:
    """Where the last writing of a table wrote a row varied from the same base as a row
    (``VariedRow``), with the same names varied, so that the row is written from that
    one: its flat row with the varied values set, its linked rows the very same. Only
    where the varied values are plain values of the shape, none of them a key (which the
    linked rows repeat)."""

    def __init__(self, shape: Shape, last: _Run | None) -> None:
        self.last = last
        self.values = {f.name for f in shape.fields if f.kind == "value"} - set(shape.key)
        self.others = ({f.name for f in shape.fields} | set(shape.key)) - self.values
        self._at: dict[int, int] | None = None

    def written_at(self, row: Any, place: int) -> int:
        """The place in the last writing of a row varied like ``row`` from its base, or -1:
        first ``place``, where ``row`` is, since a row varied again mostly stays where it
        was."""
        last = self.last
        if last is None or row.__class__ is not VariedRow or not self.others.isdisjoint(row.varied):
            return -1
        if not (place < len(last.sources) and self._alike(last.sources[place], row)):
            if self._at is None:
                self._at = {
                    id(source.base): n
                    for n, source in enumerate(last.sources)
                    if source.__class__ is VariedRow
                }
            place = self._at.get(id(row.base), -1)
        return place if place >= 0 and self._alike(last.sources[place], row) else -1

    @staticmethod
    def _alike(there: Any, row: VariedRow) -> bool:
        return (
            there.__class__ is VariedRow and there.base is row.base and there.varied == row.varied
        )

    def flat(self, at: int, row: dict[str, Any]) -> dict[str, Scalar]:
        """The flat row written at ``at``, with the varied values of ``row`` (found there by
        ``written_at``)."""
        assert self.last is not None and isinstance(row, VariedRow)
        flat = dict(self.last.flats[at])
        for name in self.values.intersection(row.varied):
            flat[name] = row[name]
        return flat


def _written(name: str, shape: Shape, row: dict[str, Any], writing: _Writing | None) -> Written:
    """The row's flat cells, and the rows it adds to each linked table."""
    key = {k: row.get(k) for k in shape.key}
    flat: dict[str, Scalar] = {}
    linked: list[tuple[str, list[dict[str, Scalar]]]] = []
    for f in shape.fields:
        cell = row.get(f.name)
        if f.kind == "value":
            flat[f.name] = cell
        elif f.kind == "parts":
            whole = cell or {}
            for part, column in zip(PART_KINDS[f.parts], f.part_columns(), strict=True):
                flat[column] = whole.get(part)
        elif f.kind == "list":
            linked.append((_linked_name(name, f), _items(name, f, key, cell, writing)))
        elif f.kind == "mapping":
            items: list[dict[str, Scalar]] = []
            for k, v in (cell or {}).items():
                for field_name, item in _flatten(v, str(k)):
                    items.append({**key, f.columns[0]: field_name, f.columns[1]: item})
            linked.append((_linked_name(name, f), items))
        else:
            inner: dict[str, list[dict[str, Scalar]]] = {}
            _fill(
                _linked_name(name, f), _inner(shape, f), [{**r, **key} for r in cell or []], inner
            )
            linked.extend(inner.items())
    return flat, tuple(linked)


def _items(
    name: str, f: Field, key: dict[str, Any], cell: Any, writing: _Writing | None
) -> list[dict[str, Scalar]]:
    """A list's rows in its linked table; those of a list that never changes (a group's
    events, a tuple) are remembered with the row's key, outside a kept row too. A list
    remembered under the same key that is not this one (the last version of a group's
    events, before one more shooting) gives its rows for the items that begin and end
    both lists alike."""
    column = f.columns[0]
    if writing is None or not _kept(cell):
        return [{**key, column: item} for item in cell or []]
    remembered = (f.name, *key.values())
    found = writing.was(remembered)
    if found is not None and found[0] is cell:
        items: list[dict[str, Scalar]] = found[1]
    elif found is not None:
        was, rows = found
        head, tail = same_ends(cell, was)
        middle = [{**key, column: item} for item in cell[head : len(cell) - tail]]
        items = [*rows[:head], *middle, *rows[len(was) - tail :]]
    else:
        items = [{**key, column: item} for item in cell]
    writing.put(remembered, cell, items)
    return items


def tidy_tables(report: ReportTable, memo: TidyMemo | None = None) -> list[TidyTable]:
    """Every CSV file of ``report``, the main table first, each row stamped with the checkpoint.

    With ``memo``, the cells of the rows kept across tree sizes are taken as
    the memo's last writing of the same table left them (``TidyMemo``)."""
    filled: dict[str, list[dict[str, Scalar]]] = {}
    for name, shape, source in SHAPES[report.name]:
        writing = None if memo is None else memo.writing(name)
        _fill(name, shape, source(report, writing), filled, writing)
        if writing is not None:
            writing.done()
    return [
        TidyTable(d, report.tree_size, report.root, report.as_of, filled.get(d.name, []))
        for d in downloads(report.name)
    ]


def require_table(report: str, name: str) -> None:
    """Refuse a table name that ``report`` does not have, naming those it has."""
    from ledger.errors import InvalidArgument

    names = [d.name for d in downloads(report)]
    if name not in names:
        raise InvalidArgument(
            f"report {report} has no table {name!r}; its tables are: {', '.join(names)}",
            field="--table",
        )


def tidy_table(
    report: ReportTable, name: str | None = None, memo: TidyMemo | None = None
) -> TidyTable:
    """One CSV file of ``report`` (by default the main table); a name it does not have is refused."""
    if name is not None:
        require_table(report.name, name)
    tables = tidy_tables(report, memo)
    return next(t for t in tables if t.name == name) if name is not None else tables[0]
