"""Reports page by page: each of a report's tables, cut as the CSV downloads cut it, in pages.

A report's whole answer (``/v1/reports/{name}``) grows with the log: a group's
row names every event it was computed from, the promises table has a row for
every trigger, and the curves and custody holdings ride along in ``extra``. At
100k events that is 0.1–1.6 MB gzipped per request, ten times more at a million:
too much for a phone, or for a reader who wants one group's figures. So every
report is also served as its tidy tables (``ledger.projections.tidy``: the main
table and the tables linked to it, one value per cell; the same tables as the
site's CSV downloads and ``ledger report NAME --csv --table T``):

* ``/v1/reports/{name}/tables``: the report's tables, with each one's key,
  columns, parent, number of rows and address;
* ``/v1/reports/{name}/tables/{table}?offset=&limit=``: one page of a table's
  rows (100 unless ``limit`` asks for up to 1,000), with the tree size, root
  and time judged at they were computed from, and the address of the next
  page. With ``Accept: text/csv``, the whole table as CSV instead.

Every address may name ``tree_size``, and the next page's address does: a page
asked for a tree size the log has since left is refused (409, naming the size
now), so a reader never joins pages of two states without knowing. Deadlines
are judged, as in the whole report, at the time signed in the latest checkpoint
unless ``as_of`` asks for another; each page names that time.

The tables are computed once for a state of the log (``Tables``, remembered in
``ReadCaches.report_tables``), the rows the reports keep across states cut only
once (``ReadCaches.tidy``), and each page's encoded answer is remembered with
the pages' (``ReadCaches.report_pages``; a whole table as CSV with the whole
reports, in ``ReadCaches.reports``), where ``api.hot`` serves it from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import urlencode

from api.caches import LRU, Encoded, ReadCaches
from api.errors import ReportMovedOn
from api.gate import LedgerGate
from api.reporting import LogState, encode_csv, for_state, report_table
from ledger import errors as e
from ledger.projections.tidy import TidyTable, tidy_tables

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000
CELL_WEIGHT: Final = 100
"""Bytes a remembered table's cell is counted as: the tables of each report at 100k events took
46 to 96 bytes a cell (``tracemalloc``), 30 MB for the seven reports."""


@dataclass(frozen=True)
class Asked:
    """What a request about a report's tables asks for: its answer's key, less the log's state."""

    name: str
    table: str | None = None
    """None for the index of the tables."""
    as_of: str | None = None
    offset: int | None = None
    limit: int | None = None
    as_csv: bool = False

    def key(self, state: LogState) -> tuple[Asked, int, int, str]:
        return (self, *state)

    def cache(self, caches: ReadCaches) -> LRU[Encoded]:
        """Where its answer is remembered: a whole table's CSV with the whole reports (tens
        of megabytes at a million events), the pages and indexes apart (kilobytes)."""
        return caches.reports if self.as_csv else caches.report_pages


@dataclass(frozen=True)
class Tables:
    """A report's tidy tables, as computed for one state of the log."""

    name: str
    tree_size: int
    root: str
    as_of: str
    as_of_source: str
    tables: tuple[TidyTable, ...]

    def table(self, name: str) -> TidyTable:
        """The table called ``name``; another name is answered with the tables there are."""
        for table in self.tables:
            if table.name == name:
                return table
        names = ", ".join(t.name for t in self.tables)
        raise e.NotFound(
            f"report {self.name} has no table {name!r}; its tables are: {names}", field="table"
        )

    def head(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "tree_size": self.tree_size,
            "root": self.root,
            "as_of": self.as_of,
            "as_of_source": self.as_of_source,
        }


def report_tables(gate: LedgerGate, name: str, as_of: str | None) -> Tables:
    """The report's tables for the log's current state (blocking; remembered)."""

    def compute() -> tuple[int, Tables, int]:
        report = report_table(gate, name, as_of)
        tables = tuple(tidy_tables(report, gate.caches.tidy))
        found = Tables(
            name, report.tree_size, report.root, report.as_of, report.as_of_source, tables
        )
        cells = sum(len(t.rows) * len(t.download.columns) for t in tables)
        return report.tree_size, found, cells * CELL_WEIGHT

    found = for_state(gate, gate.caches.report_tables, lambda state: (name, as_of, state), compute)
    return cast(Tables, found)  # the only values that cache holds


def address(name: str, table: str | None, **query: Any) -> str:
    """The path of a report's tables (or of one table) with ``query``, as the pages link them."""
    path = f"/v1/reports/{name}/tables" + ("" if table is None else f"/{table}")
    given = [(k, v) for k, v in query.items() if v is not None]
    return path + ("?" + urlencode(given) if given else "")


def described(tidy: TidyTable) -> dict[str, Any]:
    """How a table's rows join the table they belong to, and its columns."""
    download = tidy.download
    return {
        "table": tidy.name,
        "parent": download.parent,
        "key": list(download.key),
        "joins_on": list(download.joins_on),
        "columns": list(download.columns),
    }


def encode_json(value: dict[str, Any]) -> Encoded:
    body = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Encoded("application/json", body.encode("utf-8")).compressed()


def tables_index(gate: LedgerGate, name: str, as_of: str | None, tree_size: int | None) -> Encoded:
    """The report's tables: key, columns, parent, number of rows and address of each."""

    def compute() -> tuple[int, Encoded, int]:
        found = pinned(report_tables(gate, name, as_of), tree_size)
        listed = [
            {
                **described(t),
                "total": len(t.rows),
                "href": address(name, t.name, tree_size=found.tree_size, as_of=as_of),
            }
            for t in found.tables
        ]
        answer = encode_json({**found.head(), "tables": listed})
        return found.tree_size, answer, answer.weight

    return remembered_page(gate, Asked(name, None, as_of), tree_size, compute)


def table_page(
    gate: LedgerGate,
    name: str,
    table: str,
    as_of: str | None,
    offset: int,
    limit: int,
    tree_size: int | None,
) -> Encoded:
    """One page of a table's rows, with the state it reflects and the next page's address."""

    def compute() -> tuple[int, Encoded, int]:
        found = pinned(report_tables(gate, name, as_of), tree_size)
        tidy = found.table(table)
        columns = tidy.download.columns
        rows = tidy.rows[offset : offset + limit]
        after = offset + len(rows)
        answer = encode_json(
            {
                **found.head(),
                **described(tidy),
                "offset": offset,
                "limit": limit,
                "total": len(tidy.rows),
                "items": [{c: row.get(c) for c in columns} for row in rows],
                "next": address(
                    name, table, offset=after, limit=limit, tree_size=found.tree_size, as_of=as_of
                )
                if after < len(tidy.rows)
                else None,
            }
        )
        return found.tree_size, answer, answer.weight

    return remembered_page(gate, Asked(name, table, as_of, offset, limit), tree_size, compute)


def table_csv(
    gate: LedgerGate, name: str, table: str, as_of: str | None, tree_size: int | None
) -> Encoded:
    """The whole table as CSV, each row naming the checkpoint (as the site's downloads)."""

    def compute() -> tuple[int, Encoded, int]:
        found = pinned(report_tables(gate, name, as_of), tree_size)
        tidy = found.table(table)
        answer = encode_csv(tidy, table, found.as_of_source).compressed()
        return found.tree_size, answer, answer.weight

    return remembered_page(gate, Asked(name, table, as_of, as_csv=True), tree_size, compute)


def pinned(tables: Tables, tree_size: int | None) -> Tables:
    """``tables``, if computed at the tree size asked for (when one is)."""
    if tree_size is not None and tables.tree_size != tree_size:
        raise ReportMovedOn(tree_size, tables.tree_size)
    return tables


def remembered_page(
    gate: LedgerGate,
    asked: Asked,
    tree_size: int | None,
    compute: Callable[[], tuple[int, Encoded, int]],
) -> Encoded:
    """An answer about the report's tables, remembered for the state of the log it reflects.

    A ``tree_size`` other than the log's is refused before anything is looked
    up; ``compute`` checks it again against the tables it reads, which may be
    of a later state than the one looked at first.
    """

    def key_of(state: LogState) -> tuple[Asked, int, int, str]:
        if tree_size is not None and state[0] != tree_size:
            raise ReportMovedOn(tree_size, state[0])
        return asked.key(state)

    return for_state(gate, asked.cache(gate.caches), key_of, compute)
