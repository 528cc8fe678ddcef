"""Charts as SVG from matplotlib: text stays text, each chart titled and described.

Every chart is drawn with the Agg backend and saved as SVG with
``svg.fonttype = 'none'`` (labels are ``<text>``, readable by screen readers,
searchable, and shaped by the browser, which is what makes Urdu labels work),
math parsing off (a ``$`` in a group name is just a dollar sign), a fixed hash
salt and no date (the same figures give the same bytes, so incremental builds
skip them). ``<title>`` and ``<desc>`` are added to each SVG; the page shows
the table of the chart's numbers beside it.

Colours are the Okabe–Ito palette (distinguishable with colour-vision
deficiencies); outcomes are also told apart by hatching.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "ceasefire-ledger",
        "text.parse_math": False,
        "font.family": ["Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", "sans-serif"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.labelcolor": "#222222",
        "xtick.color": "#222222",
        "ytick.color": "#222222",
    }
)
import logging  # noqa: E402

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

OUTCOME_COLOURS = {
    "kept": "#0072B2",
    "kept_late": "#56B4E9",
    "broken": "#D55E00",
    "pending": "#999999",
}
OUTCOME_HATCH = {"kept": "", "kept_late": "..", "broken": "//", "pending": ""}
LINE_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#000000")

Translate = Callable[[str], str]


def _svg(fig: Any, title: str, desc: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    start = text.index("<svg")
    head_end = text.index(">", start) + 1
    labelled = text[start:head_end].replace("<svg ", '<svg role="img" ', 1)
    return (
        text[:start]
        + labelled
        + f"\n <title>{escape(title)}</title>\n <desc>{escape(desc)}</desc>"
        + text[head_end:]
    )


def outcomes_by_group(
    rows: Sequence[dict[str, Any]], labels: dict[str, str], title: str, desc: str, axis_label: str
) -> str:
    """Horizontal stacked bars: kept, kept late, broken, pending triggers per group."""
    shown = [r for r in rows if r.get("triggers")]
    height = max(1.6, 0.45 * len(shown) + 1.1)
    fig, ax = plt.subplots(figsize=(7.2, height))
    names = [str(r["name"])[:40] for r in shown]
    left = [0] * len(shown)
    for outcome in ("kept", "kept_late", "broken", "pending"):
        values = [int(r.get(outcome, 0)) for r in shown]
        ax.barh(
            names,
            values,
            left=left,
            color=OUTCOME_COLOURS[outcome],
            hatch=OUTCOME_HATCH[outcome],
            edgecolor="white",
            linewidth=0.6,
            label=labels[outcome],
        )
        left = [a + b for a, b in zip(left, values, strict=False)]
    ax.invert_yaxis()
    ax.set_xlabel(axis_label)
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    return _svg(fig, title, desc)


def monthly_outcomes(
    months: Sequence[tuple[str, dict[str, int]]],
    month_label: Callable[[str], str],
    labels: dict[str, str],
    title: str,
    desc: str,
    axis_label: str,
) -> str:
    """Stacked columns per month of the shooting: how its promise turned out."""
    fig, ax = plt.subplots(figsize=(11, 3.4))
    xs = [month_label(m) for m, _ in months]
    bottom = [0] * len(months)
    for outcome in ("kept", "kept_late", "broken", "pending"):
        values = [counts.get(outcome, 0) for _, counts in months]
        ax.bar(
            xs,
            values,
            bottom=bottom,
            color=OUTCOME_COLOURS[outcome],
            hatch=OUTCOME_HATCH[outcome],
            edgecolor="white",
            linewidth=0.6,
            label=labels[outcome],
        )
        bottom = [a + b for a, b in zip(bottom, values, strict=False)]
    ax.set_ylabel(axis_label)
    if len(xs) > 8:
        ax.tick_params(axis="x", labelrotation=45)
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    return _svg(fig, title, desc)


def time_to_arrest(
    curves: Sequence[tuple[str, list[dict[str, Any]]]],
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
) -> str:
    """Kaplan–Meier step curves: share of triggers with nobody arrested yet, by hours since the shooting."""
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
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
            linestyle=("-", "--", ":", "-.")[n % 4],
            label=label[:40],
        )
    ax.set_ylim(0, 1.02)
    arrests = [float(p["time"]) for _, curve in curves for p in curve if p["events"]]
    if arrests:  # open cases are counted until as_of; show the range where arrests happen
        ax.set_xlim(0, max(arrests) * 1.15 + 1)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=9)
    return _svg(fig, title, desc)
