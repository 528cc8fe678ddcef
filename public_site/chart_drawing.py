"""SVG for the charts, written by our own code: nice ticks, scales, axes, marks and legends.

The charts are a few stacked bars and step lines. A plotting library took half a
second to draw each one, and the SVG it wrote then had to be rewritten for the
page. Writing the SVG here gives exactly what the page needs, in microseconds:

* every label is a ``<text>`` element that the browser sets in the page's fonts,
  so it shapes Urdu (joined letters, right to left) and readers can search and
  copy the labels. Text with Urdu in it runs right to left (``direction="rtl"``);
  other text is marked left to right, so the ``dir="rtl"`` of an Urdu page does
  not move it. Callers place text by its *visual* edge (``left``, ``middle``,
  ``right``); the ``text-anchor`` that puts that edge there depends on the
  direction, and is chosen here;
* presentation attributes only, never a ``style`` attribute: the site's
  Content-Security-Policy forbids inline styles (``style-src 'self'``), and the
  font family comes from ``site.css``;
* every ``id`` begins with the drawing's prefix, so two charts on one page
  never share one;
* numbers are written with at most two decimals and never as NaN: the same
  figures give the same bytes, and incremental builds skip unchanged files;
* the marks (bars, lines) sit in one group clipped to the plot.

Where text goes is worked out from ``public_site.chart_text``'s estimates.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np

from public_site.chart_text import baseline, fit, is_rtl, line_height, text_width

INK = "#222222"
AXIS = "#444444"
GRID = "#e3e3e3"


def nice_step(span: float, count: int, *, integer: bool = False) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten that splits ``span`` into about ``count`` parts."""
    raw = span / max(1, count)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    multipliers = (
        (1.0, 2.0, 5.0, 10.0) if integer and magnitude < 10 else (1.0, 2.0, 2.5, 5.0, 10.0)
    )
    step = next(m * magnitude for m in multipliers if m * magnitude >= raw * (1 - 1e-9))
    return max(1.0, round(step)) if integer else step


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Evenly spaced round values from at or below ``low`` to at or above ``high``: at least two.

    Degenerate ranges still give an axis: no finite bound reads as 0 to 1, and
    a single value (all zeros, one point) is widened above it, by one unit when it
    is zero or the ticks are whole numbers, else by half its size.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    low, high = min(low, high), max(low, high)
    if high - low < max(1e-12, abs(low) * 1e-9):  # one value, up to rounding
        high = low + (1.0 if integer or abs(low) < 1e-12 else abs(low) / 2)
    step = nice_step(high - low, count, integer=integer)
    first = math.floor(low / step + 1e-9)
    last = max(first + 1, math.ceil(high / step - 1e-9))
    return [float(f"{k * step:.12g}") for k in range(first, last + 1)]


def decimals(step: float) -> int:
    """How many decimals the labels of ticks ``step`` apart need (0.25: 2, 0.2: 1, 5: 0)."""
    places = 0
    while places < 6 and abs(round(step, places) - step) > 1e-9:
        places += 1
    return places


def number(value: float, places: int = 0) -> str:
    """A tick label: Western digits, comma thousands (both languages' convention)."""
    return f"{value:,.{places}f}" if places else f"{round(value):,d}"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Linear:
    """Maps the domain ``d0``–``d1`` onto ``r0``–``r1`` (values outside are held at the ends)."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        share = (value - self.d0) / (self.d1 - self.d0) if self.d1 != self.d0 else 0.0
        return self.r0 + min(1.0, max(0.0, share)) * (self.r1 - self.r0)

    def many(self, values: np.ndarray) -> np.ndarray:
        """Each of ``values`` mapped, by the same arithmetic as one at a time."""
        if self.d1 == self.d0:
            share = np.zeros_like(values)
        else:
            share = (values - self.d0) / (self.d1 - self.d0)
        mapped: np.ndarray = self.r0 + np.minimum(1.0, np.maximum(0.0, share)) * (self.r1 - self.r0)
        return mapped


def n(value: float) -> str:
    """A coordinate as written: at most two decimals, no ``-0``, never NaN or infinity."""
    if not math.isfinite(value):
        raise ValueError(f"a chart coordinate is not a finite number: {value!r}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _xml_char(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs") and char not in "\ufffe\uffff"


def xml_text(text: str) -> str:
    """``text`` as XML character data: escaped, without the control characters XML forbids."""
    return escape("".join(c for c in text if c in "\t\n" or _xml_char(c)))


def _attribute(value: str | float) -> str:
    return n(value) if isinstance(value, float | int) else escape(value, {'"': "&quot;"})


def _attributes(attributes: dict[str, str | float]) -> str:
    """Keyword arguments as SVG attributes: ``stroke_width=2`` is ``stroke-width="2"``."""
    return "".join(
        f' {name.replace("_", "-")}="{_attribute(value)}"' for name, value in attributes.items()
    )


@dataclass(frozen=True)
class Key:
    """A legend entry: a filled square (``fill``) or a line (``stroke`` and ``dash``)."""

    label: str
    fill: str = ""
    stroke: str = ""
    dash: str = ""


@dataclass
class Drawing:
    """One ``<svg>`` being drawn: its definitions, its marks (clipped to ``plot``) and the rest."""

    prefix: str
    width: float
    urdu: bool = False
    """The chart is on an Urdu page: its legends run right to left, its text is set in Naskh."""
    plot: Box = Box(0, 0, 0, 0)
    defs: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)

    def ref(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def line(self, text: str, size: float) -> float:
        """The pitch of lines of ``text`` in this drawing (see ``line_height``)."""
        return line_height(text, size, self.urdu)

    def define(self, element: str) -> None:
        self.defs.append(element)

    def element(self, tag: str, **attributes: str | float) -> None:
        """An element outside the plot's marks: axes, ticks, grid lines, legend swatches."""
        self.body.append(f"<{tag}{_attributes(attributes)}/>")

    def mark(self, tag: str, **attributes: str | float) -> None:
        """A bar or a line, drawn over the grid and clipped to the plot."""
        self.marks.append(f"<{tag}{_attributes(attributes)}/>")

    def bar(self, x0: float, y0: float, x1: float, y1: float, fill: str) -> None:
        """A bar, or a segment of a stacked one, edged in white to part it from its neighbours.

        Its edges are rounded before its size is taken, so segments that meet share
        an edge exactly and the bar ends where the scale says, to the written digit.
        """
        left, top, right, bottom = (round(v, 2) for v in (x0, y0, x1, y1))
        self.mark(
            "rect",
            x=left,
            y=top,
            width=round(right - left, 2),
            height=round(bottom - top, 2),
            fill=fill,
            stroke="#ffffff",
            stroke_width=0.6,
        )

    def text(
        self,
        x: float,
        top: float,
        lines: Sequence[str],
        size: float,
        *,
        edge: str = "left",
        full: str = "",
        fill: str = INK,
    ) -> float:
        """Lines of text whose ``edge`` (left, middle, right) is at ``x``, the first line box at ``top``.

        ``full`` (the whole text, when the lines shorten it) becomes the text's
        ``<title>``, shown when a reader points at it. Returns the height used.
        """
        joined = " ".join(lines)
        rtl = is_rtl(joined)
        anchor = {"left": "end" if rtl else "start", "middle": "middle"}.get(
            edge, "start" if rtl else "end"
        )
        direction = ' direction="rtl" unicode-bidi="embed"' if rtl else ' direction="ltr"'
        pitch = self.line(joined, size)
        first = top + baseline(joined, size, self.urdu)
        head = f'<text font-size="{n(size)}" text-anchor="{anchor}" fill="{fill}"{direction}'
        title = f"<title>{xml_text(full)}</title>" if full else ""
        if len(lines) == 1 and not title:
            self.body.append(f'{head} x="{n(x)}" y="{n(first)}">{xml_text(lines[0])}</text>')
        else:
            spans = "".join(
                f'<tspan x="{n(x)}" y="{n(first + i * pitch)}">{xml_text(line)}</tspan>'
                for i, line in enumerate(lines)
            )
            self.body.append(f"{head}>{title}{spans}</text>")
        return pitch * len(lines)

    def svg(self, height: float, title: str, desc: str) -> str:
        """The finished ``<svg>`` element, named by its title and described by its desc."""
        clip = self.ref("plot")
        p = self.plot
        defs = [
            f'<clipPath id="{clip}"><rect x="{n(p.x)}" y="{n(p.y)}" width="{n(p.w)}" height="{n(p.h)}"/></clipPath>',
            *self.defs,
        ]
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {n(self.width)} {n(height)}"'
            f' role="img" aria-labelledby="{self.ref("title")}" aria-describedby="{self.ref("desc")}">',
            f' <title id="{self.ref("title")}">{xml_text(title)}</title>',
            f' <desc id="{self.ref("desc")}">{xml_text(desc)}</desc>',
            f" <defs>{''.join(defs)}</defs>",
            *(f" {e}" for e in self.body),
            f' <g id="{self.ref("marks")}" clip-path="url(#{clip})">',
            *(f"  {m}" for m in self.marks),
            " </g>",
            "</svg>",
        ]
        return "\n".join(parts)


def hatch(d: Drawing, name: str, colour: str, pattern: str) -> str:
    """A fill of ``colour`` with white stripes (``//``) or dark dots (``..``); plain for ``""``."""
    if not pattern:
        return colour
    ref = d.ref(f"hatch-{name}")
    marks = {
        "//": '<path d="M3 0V6" stroke="#ffffff" stroke-width="1.6"/>',
        "..": '<circle cx="3" cy="3" r="1.1" fill="#0b3a5a"/>',
    }[pattern]
    rotate = ' patternTransform="rotate(45)"' if pattern == "//" else ""
    d.define(
        f'<pattern id="{ref}" width="6" height="6" patternUnits="userSpaceOnUse"{rotate}>'
        f'<rect width="6" height="6" fill="{colour}"/>{marks}</pattern>'
    )
    return f"url(#{ref})"


def axis_ticks(
    d: Drawing, high: float, length: float, size: float, *, integer: bool, across: bool
) -> tuple[list[float], list[str]]:
    """Round ticks from 0 to at least ``high`` on an axis ``length`` long, and their labels.

    As many ticks as leave room for their labels: side by side on an axis
    running ``across`` (the last label centred on the axis's end, so half of it
    is counted against the length), one above the other on an upright axis.
    """
    for count in range(8 if across else 6, 0, -1):
        ticks = nice_ticks(0, high, count, integer=integer)
        labels = [number(t, 0 if integer else decimals(ticks[1] - ticks[0])) for t in ticks]
        if across:
            room = (length - text_width(labels[-1], size) / 2) / (len(ticks) - 1)
            need = tick_labels_width(labels, size) + size
        else:
            room, need = length / (len(ticks) - 1), d.line("0", size) + size * 0.4
        if room >= need:
            break
    return ticks, labels


def axis(
    d: Drawing,
    scale: Linear,
    ticks: Sequence[float],
    labels: Sequence[str],
    size: float,
    *,
    across: bool,
    grid: bool = False,
) -> float:
    """The bottom (``across``) or the left axis of ``d.plot``: its line, ticks, labels and grid.

    Returns the y below the bottom axis's labels (the plot's bottom for the left axis).
    The bottom axis's labels start half a line below it, clear of the lowest label
    of a left axis.
    """
    p = d.plot
    top = p.bottom + d.line("0", size) / 2 + 2
    for value, label in zip(ticks, labels, strict=True):
        at = scale(value)
        if across:
            line, tick = f"M{n(at)} {n(p.y)}V{n(p.bottom)}", f"M{n(at)} {n(p.bottom)}v4"
            d.text(at, top, [label], size, edge="middle")
        else:
            line, tick = f"M{n(p.x)} {n(at)}H{n(p.right)}", f"M{n(p.x)} {n(at)}h-4"
            d.text(p.x - 7, at - d.line(label, size) / 2, [label], size, edge="right")
        if grid:
            d.element("path", d=line, stroke=GRID, stroke_width=0.8)
        d.element("path", d=tick, stroke=AXIS, stroke_width=0.8)
    spine = (
        f"M{n(p.x)} {n(p.bottom)}H{n(p.right)}" if across else f"M{n(p.x)} {n(p.y)}V{n(p.bottom)}"
    )
    d.element("path", d=spine, stroke=AXIS, stroke_width=0.8)
    return top + d.line("0", size) if across else p.bottom


def tick_labels_width(labels: Sequence[str], size: float) -> float:
    return max((text_width(label, size) for label in labels), default=0.0)


_KEY_GAP, _KEY_SPACING = 0.45, 1.4
"""Between a legend swatch and its label, and between columns, in ems."""


@dataclass(frozen=True)
class LegendLayout:
    """A legend's keys, their labels as fitted, and its grid of equal columns."""

    keys: tuple[Key, ...]
    lines: tuple[tuple[list[str], bool], ...]
    size: float
    width: float
    columns: int
    column: float
    row: float

    @property
    def height(self) -> float:
        return 0.0 if not self.keys else self.row * -(-len(self.keys) // self.columns)


def _swatch(key: Key, size: float) -> float:
    return size * (2.4 if key.stroke else 1.1)


def legend_layout(
    d: Drawing, keys: Sequence[Key], width: float, size: float, chars: int
) -> LegendLayout:
    """Keys in as many equal columns as fit ``width``; labels too wide for one column are cut."""
    gap, spacing = size * _KEY_GAP, size * _KEY_SPACING
    swatch = max((_swatch(k, size) for k in keys), default=0.0)
    lines = tuple(fit(k.label, size, width - swatch - gap, chars=chars) for k in keys)
    item = swatch + gap + max((text_width(t[0][0], size) for t in lines), default=0.0)
    columns = max(1, min(len(keys), int((width + spacing) // (item + spacing))))
    row = max((d.line(k.label, size) for k in keys), default=0.0)
    return LegendLayout(tuple(keys), lines, size, width, columns, item + spacing, row)


def legend(d: Drawing, layout: LegendLayout, x0: float, top: float) -> None:
    """The legend centred in ``x0``–``x0 + layout.width``; its columns run right to left when ``d.urdu``."""
    size = layout.size
    gap, spacing = size * _KEY_GAP, size * _KEY_SPACING
    block = layout.columns * layout.column - spacing
    start = x0 + (layout.width - block) / 2
    for i, (key, (lines, cut)) in enumerate(zip(layout.keys, layout.lines, strict=True)):
        column, row = i % layout.columns, i // layout.columns
        if d.urdu:
            column = layout.columns - 1 - column
        left = start + column * layout.column
        right = left + layout.column - spacing
        middle = top + row * layout.row + layout.row / 2
        swatch = _swatch(key, size)
        sx = right - swatch if d.urdu else left
        if key.stroke:
            d.element(
                "path",
                d=f"M{n(sx)} {n(middle)}h{n(swatch)}",
                stroke=key.stroke,
                stroke_width=2,
                **({"stroke_dasharray": key.dash} if key.dash else {}),
            )
        else:
            side = size * 0.9
            d.element(
                "rect",
                x=sx + (swatch - side) / 2,
                y=middle - side / 2,
                width=side,
                height=side,
                fill=key.fill,
            )
        tx, edge = (sx - gap, "right") if d.urdu else (sx + swatch + gap, "left")
        y = middle - d.line(lines[0], size) / 2
        d.text(tx, y, lines, size, edge=edge, full=key.label if cut else "")
