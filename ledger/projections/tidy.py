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
every cell goes through :func:`ledger.projections.tables.spreadsheet_safe`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ledger.projections.analysis import (
    COURT_COLUMNS,
    FLAG_COLUMNS,
    GROUP_COLUMNS,
    INTERRUPTION_COLUMNS,
    OFFICER_COLUMNS,
    PROMISE_COLUMNS,
)
from ledger.projections.court import STAGES
from ledger.projections.tables import ReportTable, spreadsheet_safe

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
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        stamp = [spreadsheet_safe(v) for v in (self.tree_size, self.root, self.as_of)]
        name, columns = self.name, self.download.columns
        for row in self.rows:
            get = row.get
            writer.writerow([_cell(name, c, get(c)) for c in columns] + stamp)
        return out.getvalue()


def _cell(table: str, column: str, cell: Any) -> str:
    if cell.__class__ is str:
        return spreadsheet_safe(cell)
    if isinstance(cell, (dict, list, tuple, set)):
        raise TypeError(f"{table}.csv column {column!r} holds a {type(cell).__name__}, not a value")
    return spreadsheet_safe(cell)


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

RowSource = Callable[[ReportTable], list[dict[str, Any]]]


def _rows(table: ReportTable) -> list[dict[str, Any]]:
    return table.rows


def _extra(key: str) -> RowSource:
    def rows(table: ReportTable) -> list[dict[str, Any]]:
        found = table.extra.get(key, [])
        return list(found)

    return rows


def result_text(test: dict[str, Any]) -> str:
    """A test's outcome as a reader quotes it: the p-value, or "not testable: <reason>"."""
    if test.get("p_value") is None:
        return f"not testable: {test.get('reason') or 'no p-value'}"
    return f"p {test['p_text']}" if test["p_text"].startswith("<") else f"p = {test['p_text']}"


def _tests(table: ReportTable) -> list[dict[str, Any]]:
    return [
        {
            **t,
            "test": t["metric"],
            "groups_compared": len(t.get("groups") or []),
            "result": result_text(t),
        }
        for t in table.extra.get("tests", [])
    ]


def _survival(table: ReportTable) -> list[dict[str, Any]]:
    curves: dict[str, list[dict[str, Any]]] = table.extra.get("km_time_to_arrest_hours", {})
    return [
        {"group": group, "time_hours": point["time"], **point}
        for group, curve in curves.items()
        for point in curve
    ]


def _retaliation(table: ReportTable) -> list[dict[str, Any]]:
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


def _fill(
    name: str, shape: Shape, rows: list[dict[str, Any]], out: dict[str, list[dict[str, Scalar]]]
) -> None:
    main = out.setdefault(name, [])
    for row in rows:
        key = {k: row.get(k) for k in shape.key}
        flat: dict[str, Scalar] = {}
        for f in shape.fields:
            cell = row.get(f.name)
            if f.kind == "value":
                flat[f.name] = cell
            elif f.kind == "parts":
                whole = cell or {}
                for part, column in zip(PART_KINDS[f.parts], f.part_columns(), strict=True):
                    flat[column] = whole.get(part)
            elif f.kind == "list":
                linked = out.setdefault(_linked_name(name, f), [])
                linked.extend({**key, f.columns[0]: item} for item in cell or [])
            elif f.kind == "mapping":
                linked = out.setdefault(_linked_name(name, f), [])
                for k, v in (cell or {}).items():
                    for field_name, item in _flatten(v, str(k)):
                        linked.append({**key, f.columns[0]: field_name, f.columns[1]: item})
            else:
                _fill(
                    _linked_name(name, f), _inner(shape, f), [{**r, **key} for r in cell or []], out
                )
        main.append(flat)


def tidy_tables(report: ReportTable) -> list[TidyTable]:
    """Every CSV file of ``report``, the main table first, each row stamped with the checkpoint."""
    filled: dict[str, list[dict[str, Scalar]]] = {}
    for name, shape, source in SHAPES[report.name]:
        _fill(name, shape, source(report), filled)
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


def tidy_table(report: ReportTable, name: str | None = None) -> TidyTable:
    """One CSV file of ``report`` (by default the main table); a name it does not have is refused."""
    if name is not None:
        require_table(report.name, name)
    tables = tidy_tables(report)
    return next(t for t in tables if t.name == name) if name is not None else tables[0]
