"""Readable tables whose cells wrap at spaces only, drawn line by line.

``ledger report`` prints a report's rows as a table with rich's heavy-headed
box. Rich lays out every cell of a table through its whole rendering pipeline
(a renderable, its padding, its segments, each cropped and split into lines),
about 0.3 ms a cell: a cold ``ledger report promises``, every trigger a row,
took 15.6 s at 100k events (2.4 s as JSON) and 85 s at a million. The layout itself is simple once each column's
width is fixed (``print_fitted`` fixes them), so the lines are written here,
as rich draws them: the same box, each cell wrapped by rich's own rules (a
cell that fits its width is taken as it is, any other is wrapped by
``rich.text.Text.wrap``, and each wrapping is done once per text and width),
headers aligned to the bottom of their row, cells to the top, the title
centred. A cell's text is printed as it is, never read as markup.
``tests/core/test_fitted.py`` compares the lines with rich's own rendering.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text

PLAIN = re.compile(r"[^\x00-\x1f\x7f]*")
"""Text with no control character: rich would take it as it is (it strips some and
breaks lines at others)."""


def cells(text: str) -> int:
    """The terminal cells ``text`` takes, as rich counts them (printable ASCII: one a
    character)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


class Wrapped:
    """Each text's lines at a width as rich wraps it (``overflow="fold"``), each line
    padded to the width with the cell's space on either side. A text that fits is taken
    as it is; any other is wrapped once per width."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.seen: dict[tuple[str, int], tuple[str, ...]] = {}

    def lines(self, text: str, width: int) -> tuple[str, ...]:
        taken = cells(text)
        if taken <= width and (text.isprintable() or PLAIN.fullmatch(text)):
            return (f" {text}{' ' * (width - taken)} ",)
        key = (text, width)
        lines = self.seen.get(key)
        if lines is None:
            wrapped = Text(text).wrap(self.console, width, justify="left", overflow="fold")
            plain = [line.plain for line in wrapped] or [""]
            lines = tuple(f" {line}{' ' * (width - cell_len(line))} " for line in plain)
            self.seen[key] = lines
        return lines


def _row(
    wrapped: Sequence[tuple[str, ...]], widths: Sequence[int], bottom: bool
) -> list[tuple[str, ...]]:
    """One row's lines, each its cells' lines (``Wrapped.lines``); the shorter cells filled
    with blank lines below (``bottom``: above, as rich aligns headers)."""
    height = max(map(len, wrapped))
    if height == 1:
        return [tuple(lines[0] for lines in wrapped)]
    columns = []
    for lines, width in zip(wrapped, widths, strict=True):
        blank = (" " * (width + 2),) * (height - len(lines))
        columns.append(blank + lines if bottom else lines + blank)
    return list(zip(*columns, strict=True))


def _rule(widths: Sequence[int], left: str, bar: str, joint: str, right: str) -> str:
    return left + joint.join(bar * (w + 2) for w in widths) + right


@dataclass(frozen=True)
class Fitted:
    """A table whose columns have fixed widths: its title, headers, rows and widths."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[int]

    def width(self) -> int:
        """The cells a line of the table takes: each column, its padding and its border,
        then the last border."""
        return sum(self.widths) + 3 * len(self.widths) + 1

    def print(self, console: Any) -> None:
        """Print the table drawn line by line (``Drawn``); or, when it is wider than the
        console (a word longer than the console is wide), by rich itself, which shrinks
        every column to fit and folds the words that no longer do."""
        if self.width() <= console.width:
            Drawn(console, self).print(console)
            return
        from rich.table import Table

        table = Table(title=Text(self.title))
        for header, width in zip(self.headers, self.widths, strict=True):
            table.add_column(Text(header), width=width, overflow="fold")
        for row in self.rows:
            table.add_row(*map(Text, row))
        console.print(table)


class Drawn:
    """A table's lines as rich draws it with its heavy-headed box: the title's lines,
    centred; the head (the top edge, the headers' lines as cells, the headers' rule);
    the body (rows and the bottom edge)."""

    def __init__(self, console: Any, table: Fitted) -> None:
        wrap = Wrapped(console)
        title, headers, rows, widths = table.title, table.headers, table.rows, table.widths
        centred = Text(title).wrap(console, table.width(), justify="center", overflow="fold")
        self.title = [line.plain for line in centred] if title else []
        self.top = _rule(widths, "┏", "━", "┳", "┓")
        self.headers = _row(
            [wrap.lines(h, w) for h, w in zip(headers, widths, strict=True)], widths, True
        )
        self.rule = _rule(widths, "┡", "━", "╇", "┩")
        self.body = [
            "│" + "│".join(parts) + "│"
            for row in rows
            for parts in _row(
                [wrap.lines(c, w) for c, w in zip(row, widths, strict=True)], widths, False
            )
        ]
        self.body.append(_rule(widths, "└", "─", "┴", "┘"))

    def lines(self) -> list[str]:
        """Every line, unstyled."""
        heads = ["┃" + "┃".join(parts) + "┃" for parts in self.headers]
        return [*self.title, self.top, *heads, self.rule, *self.body]

    def print(self, console: Any) -> None:
        """Print the lines: on a terminal the title in italic and the headers in bold, as
        rich styles them; the body as it is, in one write."""
        for line in self.title:
            console.print(Text(line, style="italic"), soft_wrap=True)
        console.print(Text(self.top), soft_wrap=True)
        for parts in self.headers:
            text = Text("┃")
            for part in parts:
                text.append(part, style="bold")
                text.append("┃")
            console.print(text, soft_wrap=True)
        console.print(Text(self.rule), soft_wrap=True)
        console.file.write("\n".join(self.body) + "\n")
        console.file.flush()
