"""The site's charts, as SVG drawn into the page so the browser sets their text.

Three charts: promises kept and broken per group (stacked bars), per month of
the shooting (stacked columns), and time to arrest (Kaplan–Meier step curves).
``public_site.chart_drawing`` writes the SVG; what it guarantees (text the
browser shapes, Urdu right to left, no inline style under the site's CSP, ids
prefixed with the chart's name, the same bytes for the same figures) holds for
every chart here.

The SVG is inline, not an ``<img>``: an SVG image cannot use the page's
``@font-face`` fonts, so Urdu labels would fall back to whatever the reader has.
A standalone file of the wide drawing, with its own ``@font-face`` rules, is
written beside the pages for download.

Each chart is drawn twice by one code path, given a ``Size``: ``wide`` for
desktops and ``narrow`` for phones. The narrow drawing is about as many units
wide as a phone shows CSS pixels, so its labels stay at least 10 px tall at
390 px rather than a scaled-down 6 px; ``site.css`` shows one of the two.
Group names longer than a drawing's ``chars`` (or than the room they have) are
cut with an ellipsis, and the full name is the label's ``<title>``.

Colours are the Okabe–Ito palette (distinguishable with colour-vision
deficiencies); outcomes are also told apart by hatching, and the lines of the
time-to-arrest chart by a dash pattern as well as a colour. A legend lists
only what the chart shows, and when the chart holds no data at all it says so
in words. A chart whose title is in Urdu runs its legends right to left; the
axes keep numbers growing to the right, as in the tables beside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from public_site.chart_drawing import (
    Box,
    Drawing,
    Key,
    LegendLayout,
    Linear,
    axis,
    axis_ticks,
    hatch,
    legend,
    legend_layout,
    tick_labels_width,
)
from public_site.chart_drawing import n as coordinate
from public_site.chart_text import fit, is_rtl, text_width, truncate

OUTCOMES = ("kept", "kept_late", "broken", "pending")
OUTCOME_COLOURS = {
    "kept": "#0072B2",
    "kept_late": "#56B4E9",
    "broken": "#D55E00",
    "pending": "#999999",
}
OUTCOME_HATCH = {"kept": "", "kept_late": "..", "broken": "//", "pending": ""}
LINE_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#000000",
    "#56B4E9",
    "#882255",
    "#999933",
    "#332288",
)
"""Okabe–Ito without its pale yellow, then three of Paul Tol's: ten colours, all legible on white."""
LINE_DASHES = ("", "6 3", "2 3", "7 3 2 3")
"""Cycled beside the colours: (colour, dash) pairs stay distinct for 20 lines."""


@dataclass(frozen=True)
class Size:
    """One drawing: its name (in ids), width in SVG units, type size, and the longest name shown."""

    name: str
    width: float
    font: float
    chars: int

    @property
    def pad(self) -> float:
        return self.font * 0.8


WIDE = Size("wide", 560, 11, 40)
NARROW = Size("narrow", 360, 12, 28)
"""At 390 px a phone shows the narrow drawing about 362 px wide: 12-unit text is 12 px there."""


@dataclass(frozen=True)
class Chart:
    """One chart in two drawings, each an ``<svg>`` element ready to sit in a page."""

    wide: str
    narrow: str

    def standalone(self, font_css: str) -> str:
        """The wide drawing as a file of its own, its text set in the fonts ``font_css`` declares."""
        start = self.wide.index(">") + 1
        style = "text { font-family: system-ui, 'Noto Sans', 'Noto Naskh Arabic', sans-serif; }"
        return (
            '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
            + self.wide[:start]
            + f'\n <style type="text/css">{escape(font_css)}{style}</style>'
            + self.wide[start:]
            + "\n"
        )


Draw = Callable[[Drawing, Size], float]
"""Draws one chart into a drawing of the given size; returns the height it used."""


def _both(
    name: str, draw: Draw | None, title: str, desc: str, no_data: str, wide: Size = WIDE
) -> Chart:
    """The wide and the narrow drawing; ``draw`` None means there is nothing to draw."""

    def one(size: Size) -> str:
        d = Drawing(f"{name}-{size.name}", size.width, urdu=is_rtl(title))
        height = draw(d, size) if draw else _nothing(d, size, no_data)
        return d.svg(height, title, desc)

    return Chart(one(wide), one(NARROW))


def _nothing(d: Drawing, size: Size, message: str) -> float:
    """A drawing that says in words why it has no marks."""
    lines, _ = fit(message, size.font, d.width - 4 * size.pad, lines=3)
    used = d.text(d.width / 2, 2 * size.pad, lines, size.font, edge="middle")
    d.plot = Box(size.pad, size.pad, d.width - 2 * size.pad, used + 2 * size.pad)
    return d.plot.bottom + size.pad


def _outcome_fills(
    d: Drawing, shown: Sequence[str], labels: dict[str, str], size: Size
) -> tuple[dict[str, str], LegendLayout]:
    """Each shown outcome's fill (its colour, hatched) and the legend of them, across the top."""
    fills = {o: hatch(d, o, OUTCOME_COLOURS[o], OUTCOME_HATCH[o]) for o in shown}
    keys = [Key(labels[o], fill=fills[o]) for o in shown]
    key = legend_layout(d, keys, d.width - 2 * size.pad, size.font, size.chars)
    legend(d, key, size.pad, size.pad)
    return fills, key


def _count(value: Any) -> int:
    """A count from the reports: a whole number, never negative (anything else counts 0)."""
    return (
        int(value) if isinstance(value, int | float) and math.isfinite(value) and value > 0 else 0
    )


def _stacks(
    bars: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, list[int]], list[int], list[str]]:
    """Each outcome's count in each bar, each bar's total, and the outcomes that occur at all.

    An outcome that never happened is left out of the bars and of the legend:
    a legend entry for it would say nothing.
    """
    values = {o: [_count(bar.get(o, 0)) for bar in bars] for o in OUTCOMES}
    totals = [sum(values[o][i] for o in OUTCOMES) for i in range(len(bars))]
    return values, totals, [o for o in OUTCOMES if any(values[o])]


def outcomes_by_group(
    name: str,
    rows: Sequence[dict[str, Any]],
    labels: dict[str, str],
    title: str,
    desc: str,
    axis_label: str,
    *,
    no_data: str,
) -> Chart:
    """Horizontal stacked bars: kept, kept late, broken, pending triggers per group."""
    shown = [r for r in rows if r.get("triggers")]
    values, totals, outcomes = _stacks(shown)

    def draw(d: Drawing, size: Size) -> float:
        f, pad = size.font, size.pad
        fills, key = _outcome_fills(d, outcomes, labels, size)
        top = pad + key.height + f * 0.5
        names = [fit(str(r["name"]), f, d.width * 0.38, lines=2, chars=size.chars) for r in shown]
        label_width = max(text_width(line, f) for lines, _ in names for line in lines)
        pitch = max(f * 2.3, max(len(ls) * d.line(" ".join(ls), f) for ls, _ in names) + f * 0.5)
        bar = min(pitch * 0.7, f * 2)  # rows are tall when names wrap; bars stay as thick
        left = pad + label_width + f * 0.6
        ticks, tick_text = axis_ticks(
            d, max(totals), d.width - left - pad, f, integer=True, across=True
        )
        right = pad + text_width(tick_text[-1], f) / 2
        d.plot = Box(left, top, d.width - left - right, pitch * len(shown))
        x = Linear(0, ticks[-1], d.plot.x, d.plot.right)
        below = axis(d, x, ticks, tick_text, f, across=True, grid=True)
        axis(d, x, [], [], f, across=False)  # the groups' baseline
        for i, row in enumerate(shown):
            middle = top + (i + 0.5) * pitch
            done = 0
            for outcome in outcomes:
                value = values[outcome][i]
                if value:
                    d.bar(
                        x(done), middle - bar / 2, x(done + value), middle + bar / 2, fills[outcome]
                    )
                    done += value
            lines, cut = names[i]
            block = len(lines) * d.line(" ".join(lines), f)
            d.text(
                left - f * 0.6,
                middle - block / 2,
                lines,
                f,
                edge="right",
                full=str(row["name"]) if cut else "",
            )
        axis_title, _ = fit(axis_label, f, d.plot.w, lines=2)
        below += d.text(d.plot.x + d.plot.w / 2, below + f * 0.2, axis_title, f, edge="middle")
        return below + pad

    return _both(name, draw if sum(totals) else None, title, desc, no_data)


def monthly_outcomes(
    name: str,
    months: Sequence[tuple[str, dict[str, int]]],
    month_label: Callable[[str], str],
    labels: dict[str, str],
    title: str,
    desc: str,
    axis_label: str,
    *,
    no_data: str,
) -> Chart:
    """Stacked columns per month of the shooting: how its promise turned out."""
    xs = [month_label(m) for m, _ in months]
    values, totals, outcomes = _stacks([counts for _, counts in months])

    def draw(d: Drawing, size: Size) -> float:
        f, pad = size.font, size.pad
        fills, key = _outcome_fills(d, outcomes, labels, size)
        top = pad + key.height + f * 0.5
        axis_title, _ = fit(axis_label, f, d.width - 2 * pad, lines=2)
        top += d.text(pad, top, axis_title, f, edge="left") + d.line("0", f) / 2 + f * 0.3
        height = f * 16
        ticks, tick_text = axis_ticks(d, max(totals), height, f, integer=True, across=False)
        left = pad + tick_labels_width(tick_text, f) + 8
        # Every k-th month is labelled, never rotated: rotated right-to-left text is
        # anchored at its other end and runs off the chart. The first and last labels,
        # centred under their columns, must stay inside the drawing.
        month_labels = [truncate(x, f, (d.width - 2 * pad) / 3) for x in xs]
        label = max(text_width(x, f) for x in month_labels)
        # Widening a margin narrows every column, which moves the first and last centres
        # in again: the margins are widened until both labels fit (each step shrinks what
        # is missing by the number of months, so a few dozen steps settle it).
        start, right = left, pad
        for _ in range(60):
            band = (d.width - left - right) / len(xs)
            left = max(start, pad + label / 2 - band / 2)
            right = max(pad, pad + label / 2 - band / 2)
        band = (d.width - left - right) / len(xs)
        every = max(1, math.ceil((label + f) / band))
        d.plot = Box(left, top, d.width - left - right, height)
        y = Linear(0, ticks[-1], d.plot.bottom, d.plot.y)
        axis(d, y, ticks, tick_text, f, across=False, grid=True)
        for i in range(len(xs)):
            done = 0
            for outcome in outcomes:
                value = values[outcome][i]
                if value:
                    column = left + (i + 0.15) * band
                    d.bar(column, y(done + value), column + band * 0.7, y(done), fills[outcome])
                    done += value
        shown = range(0, len(xs), every)
        x = Linear(0, len(xs), d.plot.x, d.plot.right)
        below = axis(
            d, x, [i + 0.5 for i in shown], [month_labels[i] for i in shown], f, across=True
        )
        return below + pad

    return _both(
        name, draw if sum(totals) else None, title, desc, no_data, replace(WIDE, width=880)
    )


@dataclass(frozen=True)
class Steps:
    """A curve's points in time order: the hours, the share with no arrest yet, and whether
    the point is an arrest."""

    time: np.ndarray
    survival: np.ndarray
    arrest: np.ndarray


def _points(curve: Sequence[dict[str, Any]]) -> Steps:
    """A curve's points in time order; points that are not numbers are left out.

    A curve of a million events' triggers has thousands of points: when every
    time and share is a number, as the reports write them, they are read a
    column at a time; otherwise each point is read by itself."""
    try:
        times = [p["time"] for p in curve]
        shares = [p["survival"] for p in curve]
        numbers = {type(v) for v in times} | {type(v) for v in shares} <= {int, float}
    except (KeyError, TypeError):
        numbers = False
    if numbers:
        arrest = [bool(p.get("events")) for p in curve]
    else:
        times, shares, arrest = [], [], []
        for p in curve:
            try:
                hours, share = float(p["time"]), float(p["survival"])
            except (KeyError, TypeError, ValueError):
                continue
            times.append(hours)
            shares.append(share)
            arrest.append(bool(p.get("events")))
    time, survival = np.array(times, dtype=float), np.array(shares, dtype=float)
    finite = np.isfinite(time) & np.isfinite(survival)
    order = np.argsort(time[finite], kind="stable")
    return Steps(
        time[finite][order], survival[finite][order], np.array(arrest, dtype=bool)[finite][order]
    )


STEP_COLUMN = 0.25
"""Width in units of the drawing (CSS pixels) within which a step curve's drops are drawn as one."""


def _step_path(points: Steps, x: Linear, y: Linear, last_tick: float, right: float) -> str:
    """The SVG path of a step curve from (0, 1) through ``points`` (time, survival), cut at the
    axis's last tick.

    A curve of a million events' triggers has thousands of steps, most of them
    within a pixel of another; the drops that fall in one column of
    ``STEP_COLUMN`` are drawn as one drop, at the column's first step, to its
    last height, and a step that does not change the height (a censored time)
    only carries the line on. So the path has at most two commands a column and
    runs within a quarter of a pixel of every step; the report's rows hold the
    exact steps. The steps are sorted into columns a column of numbers at a
    time; only the columns' first drops are written one by one.
    """
    drawn_x, drawn = coordinate(x(0)), coordinate(y(1))  # where the path is
    path = [f"M{drawn_x} {drawn}"]
    shown = int(np.searchsorted(points.time, last_tick, side="right"))  # up to the last tick
    survival = points.survival[:shown]
    before = np.concatenate(([1.0], survival[:-1]))  # the share each step starts from
    drops = np.flatnonzero(survival != before)  # a step at the same height carries the line on
    at = x.many(points.time[drops])
    column = np.floor(at / STEP_COLUMN)
    first = np.ones(len(drops), dtype=bool)  # a column's first drop
    first[1:] = column[1:] != column[:-1]
    for reached, run_to in zip(before[drops[first]].tolist(), at[first].tolist(), strict=True):
        drawn = _draw(path, "V", coordinate(y(reached)), drawn)  # the last column's drop
        drawn_x = _draw(path, "H", coordinate(run_to), drawn_x)  # then across
    reached = float(survival[-1]) if shown else 1.0
    if shown < len(points.time):
        end = right
    else:
        end = x(float(points.time[shown - 1])) if shown else x(0)
    _draw(path, "V", coordinate(y(reached)), drawn)
    _draw(path, "H", coordinate(end), drawn_x)
    return "".join(path)


def _draw(path: list[str], command: str, to: str, at: str) -> str:
    """``command`` to ``to`` unless the path is there already; where the path is then."""
    if to != at:
        path.append(f"{command}{to}")
    return to


def time_to_arrest(
    name: str,
    curves: Sequence[tuple[str, list[dict[str, Any]]]],
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    *,
    no_data: str,
) -> Chart:
    """Kaplan–Meier step curves: share of triggers with nobody arrested yet, by hours since the shooting.

    Open cases are counted until the checkpoint, so a curve may run on long after
    the last arrest; the hours axis ends a little after the last arrest, where
    the curves tell groups apart.
    """
    numbered = [(i, label, _points(curve)) for i, (label, curve) in enumerate(curves)]
    # the colour stays with the curve's place
    drawn = [curve for curve in numbered if len(curve[2].time)]
    arrests = [float(p.time[p.arrest].max()) for _, _, p in drawn if p.arrest.any()]
    times = [float(p.time.max()) for _, _, p in drawn]
    end = max(arrests) * 1.15 + 1 if arrests else max(times, default=1.0)
    end = end if end > 0 else 1.0

    def draw(d: Drawing, size: Size) -> float:
        f, pad = size.font, size.pad
        axis_title, _ = fit(y_label, f, d.width - 2 * pad, lines=2)
        top = pad + d.text(pad, pad, axis_title, f, edge="left") + d.line("0", f) / 2 + f * 0.3
        height = f * 17
        y_ticks, y_text = axis_ticks(d, 1, height, f, integer=False, across=False)
        left = pad + tick_labels_width(y_text, f) + 8
        x_ticks, x_text = axis_ticks(d, end, d.width - left - pad, f, integer=False, across=True)
        right = pad + text_width(x_text[-1], f) / 2
        d.plot = Box(left, top, d.width - left - right, height)
        y = Linear(0, 1.04, d.plot.bottom, d.plot.y)
        x = Linear(x_ticks[0], x_ticks[-1], d.plot.x, d.plot.right)
        axis(d, y, y_ticks, y_text, f, across=False, grid=True)
        below = axis(d, x, x_ticks, x_text, f, across=True)
        keys = []
        for index, label, points in drawn:
            colour = LINE_COLOURS[index % len(LINE_COLOURS)]
            dash = LINE_DASHES[index % len(LINE_DASHES)]
            d.mark(
                "path",
                d=_step_path(points, x, y, x_ticks[-1], d.plot.right),
                fill="none",
                stroke=colour,
                stroke_width=2,
                stroke_linejoin="round",
                **({"stroke_dasharray": dash} if dash else {}),
            )
            keys.append(Key(label, stroke=colour, dash=dash))
        x_title, _ = fit(x_label, f, d.plot.w, lines=2)
        below += d.text(d.plot.x + d.plot.w / 2, below + f * 0.2, x_title, f, edge="middle")
        key = legend_layout(d, keys, d.width - 2 * pad, f, size.chars)
        legend(d, key, pad, below + f * 0.6)
        return below + f * 0.6 + key.height + pad

    return _both(name, draw if drawn else None, title, desc, no_data)
