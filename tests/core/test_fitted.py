"""The readable tables of ``ledger report`` drawn line by line (``cli.fitted``) are the
lines rich draws for the same table, and print every cell's text as it is."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.fitted import Drawn, Fitted

WORDS = st.lists(
    st.sampled_from(
        list("ab9-/(),.") + ["گروہ", "کی", "漢字", "é", "ب\u0651", " ", "  ", "\n", "\t"]
    ),
    max_size=16,
).map("".join)
"""Cell texts: words, wide and joined letters, runs of spaces, line breaks and tabs."""


def rich_lines(
    title: str, headers: list[str], rows: list[list[str]], widths: list[int], wide: int = 0
) -> list[str]:
    """The table as rich itself draws it (each text taken literally), unstyled, on a
    console ``wide`` cells wide (by default wider than the table)."""
    total = sum(widths) + 3 * len(widths) + 1
    console = Console(width=wide or total + 5, file=io.StringIO(), color_system=None)
    table = Table(title=Text(title))
    for header, width in zip(headers, widths, strict=True):
        table.add_column(Text(header), width=width, overflow="fold")
    for row in rows:
        table.add_row(*[Text(cell) for cell in row])
    console.print(table)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


def drawn_lines(
    title: str, headers: list[str], rows: list[list[str]], widths: list[int]
) -> list[str]:
    console = Console(width=200, file=io.StringIO(), color_system=None)
    table = Fitted(title, headers, rows, widths)
    Drawn(console, table).print(console)
    printed = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert printed == Drawn(console, table).lines()
    return printed


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[str], list[list[str]], list[int]]:
    columns = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 14), min_size=columns, max_size=columns))
    headers = draw(st.lists(WORDS, min_size=columns, max_size=columns))
    rows = draw(st.lists(st.lists(WORDS, min_size=columns, max_size=columns), max_size=4))
    return draw(WORDS), headers, rows, widths


@settings(max_examples=400, deadline=None)
@given(tables())
def test_a_table_is_drawn_as_rich_draws_it(
    table: tuple[str, list[str], list[list[str]], list[int]],
) -> None:
    assert drawn_lines(*table) == rich_lines(*table)


def test_a_report_like_table_is_drawn_as_rich_draws_it() -> None:
    headers = ["group", "kept rate", "median hours to arrest"]
    rows = [
        ["lyari-youth-front", "775/874 (0.887, 0.864-0.906)", "34.0475"],
        ["gulshan-students-wing", "suppressed (0/0)", ""],
        ["لیاری یوتھ فرنٹ", "x" * 30, "e5f0a63a8c62…"],
    ]
    widths = [21, 12, 8]
    title = "groups (as of 2026-12-05T02:12:14Z, checkpoint) (1/4)"
    drawn = drawn_lines(title, headers, rows, widths)
    assert drawn == rich_lines(title, headers, rows, widths)
    assert any("0.864-0.906)" in line for line in drawn)  # wrapped at a space
    assert any("xxxxxxxxxxxx" in line for line in drawn)  # a word longer than its column folds


def test_a_cell_is_printed_as_written_never_as_markup() -> None:
    console = Console(width=80, file=io.StringIO(), color_system=None)
    Drawn(console, Fitted("[b]t[/b]", ["[red]h"], [["[bold]x[/bold] :fire:"]], [24])).print(console)
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[b]t[/b]" in printed and "[red]h" in printed
    assert "[bold]x[/bold] :fire:" in printed


def test_on_a_terminal_the_title_is_italic_and_the_headers_bold() -> None:
    console = Console(width=80, file=io.StringIO(), force_terminal=True, color_system="standard")
    Drawn(console, Fitted("title", ["head"], [["cell"]], [6])).print(console)
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[3m" in printed and "\x1b[1m" in printed
    body = printed.split("┩", 1)[1]
    assert "\x1b[" not in body and "│ cell   │" in body


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30) | WORDS)
def test_a_text_takes_the_cells_rich_counts(text: str) -> None:
    from rich.cells import cell_len

    from cli.fitted import cells

    assert cells(text) == cell_len(text)


def test_a_table_wider_than_the_console_is_left_to_rich_which_shrinks_it() -> None:
    """A word longer than the console is wide makes the table wider than the console: rich
    then shrinks every column and folds the words that no longer fit, as it always did."""
    title, headers, widths = "case C-1", ["when", "grounds"], [20, 40]
    rows = [["2026-01-01T00:00:00Z", "x" * 40], ["2026-01-02T00:00:00Z", "[kept] as written"]]
    console = Console(width=50, file=io.StringIO(), color_system=None)
    table = Fitted(title, headers, rows, widths)
    table.print(console)
    printed = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert printed == rich_lines(title, headers, rows, widths, wide=50)
    assert max(map(len, printed)) <= 50 and any("[kept]" in line for line in printed)
    fits = Console(width=80, file=io.StringIO(), color_system=None)
    table.print(fits)
    drawn = fits.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert drawn == Drawn(fits, table).lines()
