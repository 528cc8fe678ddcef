"""Charts as SVG from matplotlib, drawn into the page so the browser sets their text.

Every chart is drawn with the Agg backend and saved as SVG with
``svg.fonttype = 'none'``: labels stay ``<text>`` elements, so the browser
shapes Urdu (joined letters, right to left) with the page's own Urdu font,
readers can search and copy them, and screen readers can read them. Matplotlib
draws no Arabic shaping itself; had it drawn the glyphs, Urdu would come out in
isolated letter forms.

The SVG is then made fit to live inside the page (``Chart``):

* inline, not an ``<img>``: an SVG image cannot use the page's ``@font-face``
  fonts, so Urdu labels would fall back to whatever the reader has;
* inline styles become presentation attributes, because the site's
  Content-Security-Policy forbids inline styles (``style-src 'self'``); the
  font comes from ``site.css``;
* every ``id`` is prefixed with the chart's name, so two charts on one page
  never share an id;
* text containing Urdu runs right to left (``direction="rtl"``), with its
  anchor mirrored so it stays where matplotlib placed it; other text is
  marked left to right, so an Urdu page's ``dir="rtl"`` does not move it.

Each chart is drawn twice by one drawing function, given a ``Drawing``: ``WIDE``
for desktops and ``NARROW`` for phones, a figure about as many points wide as a
phone has CSS pixels, so its labels are at least 10 px tall there rather than a
scaled-down 4 px. ``site.css`` shows one of them.
A standalone file of the wide drawing, with its own ``@font-face`` rules, is
written beside the pages for download.

Drawing uses math parsing off (a ``$`` in a group name is just a dollar sign),
a fixed hash salt and no date (the same figures give the same bytes, so
incremental builds skip them).

Colours are the Okabe–Ito palette (distinguishable with colour-vision
deficiencies); outcomes are also told apart by hatching, and the lines of the
time-to-arrest chart by a line style as well as a colour.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from public_site.fonts import CHART_FAMILY, FACES, NODE_MODULES  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "ceasefire-ledger",
        "text.parse_math": False,
        "font.family": ["DejaVu Sans", "sans-serif"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.labelcolor": "#222222",
        "xtick.color": "#222222",
        "ytick.color": "#222222",
    }
)
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

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
LINE_STYLES = ("-", "--", ":", "-.")
"""Cycled beside the colours: (colour, style) pairs stay distinct for 20 lines."""


Translate = Callable[[str], str]

_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_STYLE = re.compile(r' style="([^"]*)"')
_TEXT = re.compile(r"<text([^>]*)>([^<]*)</text>")
_DROPPED = ("font-family",)
_MIRRORED_ANCHOR = {"start": "end", "end": "start"}


@dataclass(frozen=True)
class Drawing:
    """One of a chart's two drawings: how wide it is, and so how large its text and what fits.

    Widths are in inches (72 SVG units each) and font sizes in units.
    """

    name: str
    """``wide`` or ``narrow``: the suffix of the drawing's ids."""
    width: float
    timeline_width: float
    """The width of a chart with one column a month, which spreads wider on a desktop."""
    font: float
    legend: float
    longest_name: int
    """Names longer than this are cut with an ellipsis."""
    legend_columns: int
    """At most this many outcomes side by side in a legend."""
    month_labels: int
    """At most this many months labelled under a timeline; labels are never rotated."""
    curve_legend: tuple[tuple[str, Any], ...]
    """Where the legend of line charts goes (matplotlib's ``legend`` arguments)."""


WIDE = Drawing("wide", 7.2, 11, 10.0, 9.0, 40, 4, 8, ())
NARROW = Drawing(
    "narrow",
    4.6,
    4.6,
    12.0,
    12.0,
    20,
    2,
    4,
    (("ncol", 2), ("loc", "upper center"), ("bbox_to_anchor", (0.5, -0.22))),
)
DRAWINGS = (WIDE, NARROW)


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


def _attributes(style: str, rtl: bool) -> str:
    """CSS declarations of a ``style`` attribute as SVG presentation attributes."""
    out = []
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name or name in _DROPPED:
            continue
        if name == "font-size" and value.endswith("px"):
            value = value[:-2]
        if rtl and name == "text-anchor":
            value = _MIRRORED_ANCHOR.get(value, value)
        out.append(f' {name}="{value}"')
    return "".join(out)


def _text(match: re.Match[str]) -> str:
    attributes, content = match.group(1), match.group(2)
    rtl = bool(_ARABIC_SCRIPT.search(content))
    attributes = _STYLE.sub(lambda m: _attributes(m.group(1), rtl), attributes)
    # Each label's direction is set, never inherited: an Urdu page is dir="rtl", and an
    # inherited rtl would mirror the anchor of Latin names and numbers too.
    attributes += ' direction="rtl" unicode-bidi="embed"' if rtl else ' direction="ltr"'
    return f"<text{attributes}>{content}</text>"


def _inline(svg: str, prefix: str, title: str, desc: str) -> str:
    """Matplotlib's SVG file as an element for a page under a strict CSP (see the module's doc)."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<defs>\s*</defs>", "", svg)
    svg = _TEXT.sub(_text, svg)
    svg = _STYLE.sub(lambda m: _attributes(m.group(1), False), svg)
    svg = re.sub(r' id="([^"]+)"', rf' id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', svg)
    head_end = svg.index(">") + 1
    head = re.sub(r' (width|height)="[^"]*"', "", svg[:head_end])
    head = head.replace(
        "<svg ", '<svg class="chart-svg" stroke-linejoin="round" stroke-linecap="butt" ', 1
    )
    return (
        head
        + f"\n <title>{escape(title)}</title>\n <desc>{escape(desc)}</desc>"
        + svg[head_end:].rstrip()
    )


@cache
def _measure_urdu_as_the_browser_sets_it() -> None:
    """Give matplotlib the chart font's metrics, so it lays out Urdu labels at their true width.

    Matplotlib only places and measures the labels (the browser draws them); without
    the Naskh face it would measure Urdu in a font that lacks ے and ہ. The package's
    ``.woff`` (zlib, which fontTools reads without extra codecs) is unpacked to a
    TrueType file matplotlib can load. The font files are checked by the build first.
    """
    face = next(f for f in FACES if f.family == CHART_FAMILY and f.subset == "arabic")
    font = TTFont(face.source(NODE_MODULES).with_suffix(".woff"))
    font.flavor = None
    path = Path(tempfile.mkdtemp(prefix="ledger-chart-font-")) / f"{face.slug}-arabic.ttf"
    font.save(path)
    font_manager.fontManager.addfont(str(path))
    plt.rcParams["font.family"] = ["DejaVu Sans", CHART_FAMILY]


def _svg(fig: Any, prefix: str, title: str, desc: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return _inline(buffer.getvalue(), prefix, title, desc)


def _short(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _drawn(name: str, draw: Callable[[Drawing], Any], title: str, desc: str) -> Chart:
    _measure_urdu_as_the_browser_sets_it()
    wide, narrow = (_svg(draw(d), f"{name}-{d.name}", title, desc) for d in DRAWINGS)
    return Chart(wide, narrow)


def _outcomes_shown(values: dict[str, list[int]]) -> list[str]:
    """Outcomes with at least one trigger: a legend entry for an outcome that never happened says nothing."""
    return [o for o in OUTCOMES if any(values[o])] or ["pending"]


def _stacked(
    bars: Callable[..., Any],
    places: Sequence[str],
    values: dict[str, list[int]],
    outcomes: Sequence[str],
    labels: dict[str, str],
    base: str,
) -> None:
    """One stack of outcome bars per place; ``base`` names where each outcome starts (left or bottom)."""
    start = [0] * len(places)
    for outcome in outcomes:
        bars(
            places,
            values[outcome],
            **{base: start},
            color=OUTCOME_COLOURS[outcome],
            hatch=OUTCOME_HATCH[outcome],
            edgecolor="white",
            linewidth=0.6,
            label=labels[outcome],
        )
        start = [a + b for a, b in zip(start, values[outcome], strict=True)]


def _outcome_legend(ax: Any, drawing: Drawing, outcomes: Sequence[str]) -> None:
    ax.legend(
        ncol=min(drawing.legend_columns, len(outcomes)),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
        fontsize=drawing.legend,
    )


def outcomes_by_group(
    name: str,
    rows: Sequence[dict[str, Any]],
    labels: dict[str, str],
    title: str,
    desc: str,
    axis_label: str,
) -> Chart:
    """Horizontal stacked bars: kept, kept late, broken, pending triggers per group."""
    shown = [r for r in rows if r.get("triggers")]
    values = {o: [int(r.get(o, 0)) for r in shown] for o in OUTCOMES}
    outcomes = _outcomes_shown(values)

    def draw(drawing: Drawing) -> Any:
        height = max(1.6, 0.45 * len(shown) + 1.1)
        fig, ax = plt.subplots(figsize=(drawing.width, height))
        names = [_short(str(r["name"]), drawing.longest_name) for r in shown]
        _stacked(ax.barh, names, values, outcomes, labels, "left")
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(axis_label, fontsize=drawing.font)
        ax.tick_params(labelsize=drawing.font)
        _outcome_legend(ax, drawing, outcomes)
        return fig

    return _drawn(name, draw, title, desc)


def monthly_outcomes(
    name: str,
    months: Sequence[tuple[str, dict[str, int]]],
    month_label: Callable[[str], str],
    labels: dict[str, str],
    title: str,
    desc: str,
    axis_label: str,
) -> Chart:
    """Stacked columns per month of the shooting: how its promise turned out."""
    xs = [month_label(m) for m, _ in months]
    values = {o: [counts.get(o, 0) for _, counts in months] for o in OUTCOMES}
    outcomes = _outcomes_shown(values)

    def draw(drawing: Drawing) -> Any:
        fig, ax = plt.subplots(figsize=(drawing.timeline_width, 3.4))
        _stacked(ax.bar, xs, values, outcomes, labels, "bottom")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(axis_label, fontsize=drawing.font)
        ax.tick_params(labelsize=drawing.font)
        # Every k-th month is labelled instead of rotating the labels: rotated right-to-left
        # text is anchored at the other end and would run off the chart.
        step = -(-len(xs) // drawing.month_labels) if xs else 1
        ax.set_xticks(range(len(xs)), [x if n % step == 0 else "" for n, x in enumerate(xs)])
        _outcome_legend(ax, drawing, outcomes)
        return fig

    return _drawn(name, draw, title, desc)


def time_to_arrest(
    name: str,
    curves: Sequence[tuple[str, list[dict[str, Any]]]],
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
) -> Chart:
    """Kaplan–Meier step curves: share of triggers with nobody arrested yet, by hours since the shooting."""
    arrests = [float(p["time"]) for _, curve in curves for p in curve if p["events"]]

    def draw(drawing: Drawing) -> Any:
        fig, ax = plt.subplots(figsize=(drawing.width, 3.6))
        for n, (label, curve) in enumerate(curves):
            if not curve:
                continue
            xs = [0.0] + [float(p["time"]) for p in curve]
            ys = [1.0] + [float(p["survival"]) for p in curve]
            ax.step(
                xs,
                ys,
                where="post",
                color=LINE_COLOURS[n % len(LINE_COLOURS)],
                linewidth=2,
                linestyle=LINE_STYLES[n % len(LINE_STYLES)],
                label=_short(label, drawing.longest_name),
            )
        ax.set_ylim(0, 1.02)
        if arrests:  # open cases are counted until as_of; show the range where arrests happen
            ax.set_xlim(0, max(arrests) * 1.15 + 1)
        ax.set_xlabel(x_label, fontsize=drawing.font)
        ax.set_ylabel(y_label, fontsize=drawing.font)
        ax.tick_params(labelsize=drawing.font)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=drawing.legend, **dict(drawing.curve_legend))
        return fig

    return _drawn(name, draw, title, desc)
