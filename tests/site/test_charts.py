"""The charts' SVG, read back as XML: axes for degenerate ranges, marks inside the plot, labels
that neither collide nor leave the drawing, Urdu right to left, and the same bytes every time.

Where labels sit is checked against the module's own conservative text estimates;
``test_urdu_typography`` checks in Chromium that the browser's text fits them.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from public_site import charts
from public_site.chart_drawing import Linear, nice_ticks
from public_site.chart_text import baseline, fit, is_rtl, line_height, text_width

SVG = "{http://www.w3.org/2000/svg}"
LABELS = {"kept": "Kept", "kept_late": "Kept late", "broken": "Broken", "pending": "Pending"}
URDU_LABELS = {
    "kept": "پورا ہوا",
    "kept_late": "تاخیر سے پورا ہوا",
    "broken": "ٹوٹا",
    "pending": "زیرِ التوا",
}
NOTHING = "No triggering shooting is recorded."


def by_group(rows: list[dict[str, Any]], title: str = "Promises by group") -> charts.Chart:
    labels = URDU_LABELS if is_rtl(title) else LABELS
    return charts.outcomes_by_group("g", rows, labels, title, "d", "Triggers", no_data=NOTHING)


def by_month(months: list[tuple[str, dict[str, int]]], title: str = "By month") -> charts.Chart:
    labels = URDU_LABELS if is_rtl(title) else LABELS
    return charts.monthly_outcomes(
        "m", months, lambda m: m, labels, title, "d", "Triggers", no_data=NOTHING
    )


def arrests(curves: list[tuple[str, list[dict[str, Any]]]], title: str = "Time") -> charts.Chart:
    return charts.time_to_arrest("t", curves, title, "d", "Hours", "Share", no_data=NOTHING)


def drawings(chart: charts.Chart) -> list[ET.Element]:
    return [ET.fromstring(chart.wide), ET.fromstring(chart.narrow)]


def texts(svg: ET.Element) -> list[str]:
    """Every visible line of text (a ``<title>`` inside a label is not drawn)."""
    out = []
    for text in svg.iter(f"{SVG}text"):
        spans = text.findall(f"{SVG}tspan")
        out += [s.text or "" for s in spans] if spans else [text.text or ""]
    return out


def marks(svg: ET.Element) -> list[ET.Element]:
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("id", "").endswith("-marks"))
    return list(group)


def plot_area(svg: ET.Element) -> tuple[float, float, float, float]:
    rect = next(svg.iter(f"{SVG}clipPath")).find(f"{SVG}rect")
    assert rect is not None
    x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
    return x, y, x + float(rect.get("width", 0)), y + float(rect.get("height", 0))


def mark_points(mark: ET.Element) -> list[tuple[float, float]]:
    """The corners of a bar, or every point a line passes through."""
    if mark.tag == f"{SVG}rect":
        x, y = float(mark.get("x", "nan")), float(mark.get("y", "nan"))
        w, h = float(mark.get("width", "nan")), float(mark.get("height", "nan"))
        assert w >= 0 and h >= 0
        return [(x, y), (x + w, y + h)]
    points, x, y = [], math.nan, math.nan
    for command, value in re.findall(r"([MHV])([^MHV]+)", mark.get("d", "")):
        numbers = [float(v) for v in value.split()]
        if command == "M":
            x, y = numbers
        elif command == "H":
            x = numbers[0]
        else:
            y = numbers[0]
        points.append((x, y))
    return points


def label_boxes(svg: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Each line of text with its estimated box, from its anchor, direction and size."""
    urdu = is_rtl(svg.findtext(f"{SVG}title") or "")
    boxes = []
    for text in svg.iter(f"{SVG}text"):
        size = float(text.get("font-size", "nan"))
        rtl = text.get("direction") == "rtl"
        spans = text.findall(f"{SVG}tspan") or [text]
        joined = " ".join(s.text or "" for s in spans)
        anchor = text.get("text-anchor")
        for span in spans:
            line = span.text or ""
            x, y = float(span.get("x", "nan")), float(span.get("y", "nan"))
            width = text_width(line, size)
            left = {
                "middle": x - width / 2,
                "start": x - width if rtl else x,
                "end": x if rtl else x - width,
            }[anchor or ""]
            top = y - baseline(joined, size, urdu)
            boxes.append((line, left, top, left + width, top + line_height(joined, size, urdu)))
    return boxes


def check_drawing(svg: ET.Element, source: str, prefix: str) -> None:
    """What every drawing must hold, whatever the figures."""
    for element in svg.iter():
        assert "style" not in element.attrib and element.tag != f"{SVG}style"
        for value in element.attrib.values():
            assert "nan" not in value.lower() and "inf" not in value.lower(), element.attrib
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == f"{prefix}-title"
    ids = [e.get("id", "") for e in svg.iter() if e.get("id")]
    assert ids and all(i.startswith(prefix + "-") for i in ids) and len(set(ids)) == len(ids)
    for ref in re.findall(r"url\(#([^)]+)\)", source):
        assert ref in ids, ref
    x0, y0, x1, y1 = plot_area(svg)
    for mark in marks(svg):
        for x, y in mark_points(mark):
            assert x0 - 1e-6 <= x <= x1 + 1e-6 and y0 - 1e-6 <= y <= y1 + 1e-6, (
                mark.attrib,
                x0,
                y0,
                x1,
                y1,
            )
    width, height = (float(v) for v in svg.get("viewBox", "").split()[2:])
    boxes = label_boxes(svg)
    for line, left, top, right, bottom in boxes:
        assert (
            -0.01 <= left and right <= width + 0.01 and -0.01 <= top and bottom <= height + 0.01
        ), (line, left, top, right, bottom, width, height)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = min(a[3], b[3]) - max(a[1], b[1]), min(a[4], b[4]) - max(a[2], b[2])
            assert min(overlap) <= 0.02, (a, b)  # coordinates are written to 0.01
    for text in svg.iter(f"{SVG}text"):
        assert float(text.get("font-size", 0)) >= 11
        spans = text.findall(f"{SVG}tspan") or [text]
        content = " ".join(s.text or "" for s in spans)  # what is drawn, not the <title>
        assert text.get("direction") == ("rtl" if is_rtl(content) else "ltr"), content


def check_chart(chart: charts.Chart, name: str) -> None:
    for svg, source, size in (
        (ET.fromstring(chart.wide), chart.wide, "wide"),
        (ET.fromstring(chart.narrow), chart.narrow, "narrow"),
    ):
        check_drawing(svg, source, f"{name}-{size}")


def test_nice_ticks_of_a_range_are_round_and_cover_it() -> None:
    assert nice_ticks(0, 22, 6, integer=True) == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(0, 1, 5) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 68.2, 8) == [0, 10, 20, 30, 40, 50, 60, 70]
    assert nice_ticks(0, 3, 8, integer=True) == [0, 1, 2, 3]


def test_nice_ticks_of_degenerate_ranges_still_make_an_axis() -> None:
    assert nice_ticks(0, 0, 5, integer=True) == [0, 1]  # all zeros
    assert nice_ticks(0, 0, 5) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(7, 7, 5, integer=True) == [7, 8]  # a single point
    ticks = nice_ticks(0.3, 0.3, 5)
    assert ticks[0] <= 0.3 < ticks[-1]
    assert nice_ticks(math.nan, 5, 5) == nice_ticks(0, 1, 5) == nice_ticks(0, math.inf, 5)
    assert nice_ticks(10, 0, 2, integer=True) == nice_ticks(0, 10, 2, integer=True)


@given(
    st.floats(-1e9, 1e9),
    st.floats(-1e9, 1e9),
    st.integers(1, 10),
    st.booleans(),
)
def test_nice_ticks_are_evenly_spaced_round_numbers_covering_any_range(
    a: float, b: float, count: int, integer: bool
) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(a, b, count, integer=integer)
    step = ticks[1] - ticks[0]
    slack = step * 1e-6  # a bound within rounding error of a tick counts as on it
    assert len(ticks) >= 2 and ticks[0] <= low + slack and ticks[-1] >= high - slack
    assert all(
        math.isclose(y - x, step, rel_tol=1e-6) for x, y in zip(ticks, ticks[1:], strict=False)
    )
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
    if integer:
        assert all(t == int(t) for t in ticks)
    if high > low:
        assert len(ticks) <= count + 3


@pytest.mark.parametrize(
    "chart",
    [
        by_group([]),
        by_group([{"name": "Silent", "triggers": 0, "kept": 0}]),
        by_group([{"name": "Zeros", "triggers": 2, "kept": 0, "broken": 0}]),
        by_month([]),
        by_month([("2026-01", {}), ("2026-02", {"kept": 0})]),
        arrests([]),
        arrests([("A", []), ("B", [])]),
    ],
    ids=[
        "no-groups",
        "no-triggers",
        "all-zeros",
        "no-months",
        "zero-months",
        "no-curves",
        "empty-curves",
    ],
)
def test_a_chart_with_nothing_to_draw_says_so_in_words(chart: charts.Chart) -> None:
    for svg in drawings(chart):
        assert texts(svg) == [NOTHING]
        assert marks(svg) == []


def test_a_chart_with_figures_draws_them_and_says_nothing_of_missing_data() -> None:
    for chart in (
        by_group([{"name": "One", "triggers": 1, "kept": 1}]),
        by_month([("2026-01", {"broken": 1})]),
        arrests([("One", [{"time": 5.0, "survival": 0.0, "events": 1}])]),
    ):
        for svg in drawings(chart):
            assert NOTHING not in texts(svg)
            assert marks(svg)


def test_one_group_and_one_point_make_a_whole_chart() -> None:
    chart = by_group([{"name": "Lyari Front", "triggers": 3, "kept": 1, "broken": 2}])
    check_chart(chart, "g")
    wide = ET.fromstring(chart.wide)
    assert "Lyari Front" in texts(wide) and {"Kept", "Broken"} <= set(texts(wide))
    assert "Pending" not in texts(wide) and "Kept late" not in texts(
        wide
    )  # empty outcomes left out
    assert len(marks(wide)) == 2
    single = arrests([("One", [{"time": 0.0, "survival": 0.5, "events": 1}])])
    check_chart(single, "t")


def test_long_names_are_cut_with_an_ellipsis_and_given_whole_in_a_title() -> None:
    long = "The Very Long Name Of A Group That Has Been Recorded In Full By The Police"
    chart = by_group(
        [{"name": long, "triggers": 1, "kept": 1}, {"name": "Short", "triggers": 1, "kept": 2}]
    )
    check_chart(chart, "g")
    for svg in drawings(chart):
        lines = texts(svg)
        assert long not in lines and any(line.endswith("…") for line in lines)
        titles = [t.findtext(f"{SVG}title") for t in svg.iter(f"{SVG}text")]
        assert long in titles
        short = next(t for t in svg.iter(f"{SVG}text") if "".join(t.itertext()) == "Short")
        assert short.find(f"{SVG}title") is None


def test_fit_wraps_words_and_cuts_only_what_does_not_fit() -> None:
    assert fit("Lyari Youth Front", 12, 500) == (["Lyari Youth Front"], False)
    lines, cut = fit("Lyari Youth Front", 12, 90, lines=2)
    assert lines == ["Lyari Youth", "Front"] and not cut
    lines, cut = fit("Lyari Youth Front of the West", 12, 90, lines=2)
    assert len(lines) == 2 and lines[1].endswith("…") and cut
    assert all(text_width(line, 12) <= 90 for line in lines)
    assert fit("abcdefghij", 12, 1000, chars=5) == (["abcd…"], True)


def test_urdu_labels_run_right_to_left_with_their_anchor_mirrored() -> None:
    urdu_name, latin_name = "لیاری یوتھ فرنٹ", "Lyari Front"
    chart = by_group(
        [
            {"name": urdu_name, "triggers": 1, "kept": 1},
            {"name": latin_name, "triggers": 1, "broken": 1},
        ],
        title="گروہ وار وعدے",
    )
    check_chart(chart, "g")
    svg = ET.fromstring(chart.wide)
    by_text = {"".join(t.itertext()): t for t in svg.iter(f"{SVG}text")}
    urdu, latin = by_text[urdu_name], by_text[latin_name]
    assert urdu.get("direction") == "rtl" and urdu.get("unicode-bidi") == "embed"
    assert latin.get("direction") == "ltr"
    # both names end at the same place, left of the bars: the right edge of RTL text is its start
    assert (urdu.get("text-anchor"), latin.get("text-anchor")) == ("start", "end")
    assert urdu.get("x") == latin.get("x")
    # an Urdu legend runs right to left: the first outcome is right of the second
    kept, broken = by_text[URDU_LABELS["kept"]], by_text[URDU_LABELS["broken"]]
    assert float(kept.get("x", 0)) > float(broken.get("x", 0))
    english = ET.fromstring(by_group([{"name": "A", "triggers": 1, "kept": 1, "broken": 1}]).wide)
    by_text = {"".join(t.itertext()): t for t in english.iter(f"{SVG}text")}
    assert float(by_text["Kept"].get("x", 0)) < float(by_text["Broken"].get("x", 0))


def test_hostile_names_are_text_not_markup() -> None:
    chart = by_group([{"name": "<script>alert(1)</script>\x00&", "triggers": 1, "kept": 1}])
    check_chart(chart, "g")
    assert "<script>" not in chart.wide and "&lt;script&gt;" in chart.wide
    assert "<script>alert(1)</script>&" in texts(ET.fromstring(chart.wide))


def test_the_same_figures_give_the_same_bytes_and_two_charts_share_no_id() -> None:
    rows = [{"name": "A", "triggers": 2, "kept": 1, "kept_late": 1}]
    assert by_group(rows) == by_group(rows)
    other = charts.outcomes_by_group("other", rows, LABELS, "T", "d", "x", no_data=NOTHING)
    ids = [
        e.get("id")
        for c in (by_group(rows), other)
        for svg in drawings(c)
        for e in svg.iter()
        if e.get("id")
    ]
    assert len(ids) == len(set(ids)) > 8


def test_the_standalone_file_carries_its_fonts_and_is_valid_svg() -> None:
    chart = by_month([("2026-01", {"kept": 3, "broken": 1})])
    css = '@font-face { font-family: "Noto Naskh Arabic"; src: url("a.woff2"); }\n'
    file = chart.standalone(css)
    assert file.startswith('<?xml version="1.0"')
    svg = ET.fromstring(file.split("\n", 1)[1])
    style = svg.find(f"{SVG}style")
    assert style is not None and "@font-face" in (style.text or "")
    assert svg.get("viewBox") == ET.fromstring(chart.wide).get("viewBox")


def test_the_narrow_drawing_is_as_wide_as_a_phone_and_lines_differ_by_dash_as_well_as_colour() -> (
    None
):
    curves = [(f"G{i}", [{"time": 1.0 + i, "survival": 0.5, "events": 1}]) for i in range(5)]
    chart = arrests(curves)
    narrow = ET.fromstring(chart.narrow)
    assert narrow.get("viewBox", "").split()[2] == str(charts.NARROW.width)
    lines = [(m.get("stroke"), m.get("stroke-dasharray")) for m in marks(narrow)]
    assert len(set(lines)) == 5 and len({dash for _, dash in lines}) == 4


NAMES = st.text(min_size=0, max_size=60) | st.sampled_from(
    ["لیاری یوتھ فرنٹ", "کراچی کے مشرقی علاقے کی بہت لمبے نام والی تنظیم", "W" * 45, "Orangi Town"]
)
COUNTS = st.integers(0, 10**6)
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "name": NAMES,
            "triggers": st.integers(0, 3),
            "kept": COUNTS,
            "kept_late": COUNTS,
            "broken": COUNTS,
            "pending": COUNTS,
        }
    ),
    max_size=12,
)
TITLES = st.sampled_from(["Promises", "گروہ وار پورے اور ٹوٹے وعدے"])
ODD = st.sampled_from([math.nan, math.inf, -math.inf])
POINTS = st.lists(
    st.fixed_dictionaries(
        {
            "time": st.floats(-10, 10**6) | ODD,  # hours: at most a century
            "survival": st.floats(-0.5, 1.5) | ODD,
            "events": st.integers(0, 2),
        }
    ),
    max_size=30,
)


@given(ROWS, TITLES)
def test_any_groups_make_bars_inside_the_plot_and_labels_that_fit(
    rows: list[dict[str, Any]], title: str
) -> None:
    check_chart(by_group(rows, title), "g")


@given(
    st.lists(
        st.tuples(NAMES, st.fixed_dictionaries({"kept": COUNTS, "broken": COUNTS})), max_size=40
    ),
    TITLES,
)
def test_any_months_make_columns_inside_the_plot_and_labels_that_fit(
    months: list[tuple[str, dict[str, int]]], title: str
) -> None:
    check_chart(by_month(months, title), "m")


def test_the_first_and_last_month_labels_stay_inside_when_both_margins_widen() -> None:
    """Labels as wide as a third of the chart, on one to thirteen months: widening a margin
    narrows the columns and moves the first and last labels in again."""
    for count in range(1, 14):
        check_chart(by_month([("0" * 38, {"kept": 1})] * count, "Months"), "m")


@given(st.lists(st.tuples(NAMES, POINTS), max_size=12), TITLES)
def test_any_curves_make_lines_inside_the_plot_and_labels_that_fit(
    curves: list[tuple[str, list[dict[str, Any]]]], title: str
) -> None:
    check_chart(arrests(curves, title), "t")


def _vertices(path: str) -> list[tuple[float, float]]:
    """The corners of a path of ``M``, ``H`` and ``V`` commands, in order."""
    commands = re.findall(r"([MHV])([-\d. ]+)", path)
    assert "".join(c + a for c, a in commands) == path
    x, y = (float(v) for v in commands[0][1].split())
    corners = [(x, y)]
    for command, argument in commands[1:]:
        x, y = (float(argument), y) if command == "H" else (x, float(argument))
        corners.append((x, y))
    return corners


def _height_at(corners: list[tuple[float, float]], at: float) -> float:
    """The height a step path has reached at ``at`` (after any drop there)."""
    return [y for x, y in corners if x <= at][-1]


@given(
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3)), max_size=300),
    st.floats(1, 200),
    st.sampled_from([1.0, 0.3, 7.0]),
)
def test_a_step_curve_is_drawn_within_a_column_of_every_step_and_ends_where_it_does(
    steps: list[tuple[float, int]], last_tick: float, pixels: float
) -> None:
    time, survival, points = 0.0, 1.0, []
    for gap, drop in steps:  # hours after the step before, and arrests (in 40ths)
        time, survival = time + gap, max(0.0, survival - drop / 40)
        points.append((time, survival, drop > 0))
    x = Linear(0, last_tick, 10, 10 + last_tick * pixels)  # a step past the last tick is cut
    y = Linear(0, 1, 200, 50)
    right = x(last_tick)
    every = [f"M{charts.coordinate(x(0))} {charts.coordinate(y(1))}"]
    placed = [x(0)]  # where each step is, before its coordinates are rounded
    for time, share, _ in points:  # every step drawn: the path before thinning
        if time > last_tick:
            every.append(f"H{charts.coordinate(right)}")
            placed.append(right)
            break
        every.append(f"H{charts.coordinate(x(time))}V{charts.coordinate(y(share))}")
        placed.append(x(time))
    full = _vertices("".join(every))
    thin = _vertices(charts._step_path(steps_of(points), x, y, last_tick, right))
    assert (thin[0], thin[-1]) == (full[0], full[-1])
    column = charts.STEP_COLUMN + 0.011  # coordinates are written to two decimals
    for at in sorted({a for a, _ in full + thin} | {a + 0.1 for a, _ in full}):
        assert _height_at(full, at) <= _height_at(thin, at) <= _height_at(full, at + column)
    # the columns the steps fall in, as the thinning finds them: rounded to two decimals, a step
    # can move into the next column (11.746 is written 11.75)
    columns = {math.floor(a / charts.STEP_COLUMN) for a in placed}
    assert len(thin) <= 2 * len(columns) + 2


def steps_of(points: list[tuple[float, float, bool]]) -> charts.Steps:
    time, survival, arrest = zip(*points, strict=True) if points else ((), (), ())
    return charts.Steps(np.array(time, float), np.array(survival, float), np.array(arrest, bool))


def points_one_at_a_time(curve: list[dict[str, Any]]) -> list[tuple[float, float, bool]]:
    """A curve's points as they were read before: each point by itself (the reference)."""
    points = []
    for p in curve:
        try:
            time, survival = float(p["time"]), float(p["survival"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(time) and math.isfinite(survival):
            points.append((time, survival, bool(p.get("events"))))
    return sorted(points, key=lambda p: p[0])


def stepped_one_at_a_time(
    points: list[tuple[float, float, bool]],
    x: Linear,
    y: Linear,
    last_tick: float,
    right: float,
) -> str:
    """A step curve's path as it was drawn before: a step at a time (the reference)."""
    drawn_x, drawn = charts.coordinate(x(0)), charts.coordinate(y(1))
    path = [f"M{drawn_x} {drawn}"]
    reached, run_to = 1.0, x(0)
    column: int | None = None
    for time, survival, _ in points:
        if time > last_tick:
            run_to = right
            break
        run_to = x(time)
        if survival == reached:
            continue
        here = math.floor(run_to / charts.STEP_COLUMN)
        if here != column:
            drawn = charts._draw(path, "V", charts.coordinate(y(reached)), drawn)
            drawn_x = charts._draw(path, "H", charts.coordinate(run_to), drawn_x)
            column = here
        reached = survival
    charts._draw(path, "V", charts.coordinate(y(reached)), drawn)
    charts._draw(path, "H", charts.coordinate(run_to), drawn_x)
    return "".join(path)


TIMES = st.floats(0, 2000) | st.integers(0, 2000) | st.sampled_from([0.0, 1.0, 1.5, 2.5])
ANY_VALUE = TIMES | ODD | st.sampled_from(["1.5", " 7 ", "x", None, True, [], {}])


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["time", "survival", "events"]), ANY_VALUE | st.integers(0, 2)
        ),
        max_size=40,
    )
    | st.lists(
        st.fixed_dictionaries(
            {"time": TIMES, "survival": st.sampled_from([1.0, 0.9, 0.75, 0.5, 0.0]) | TIMES},
            optional={"events": st.integers(0, 2)},
        ),
        max_size=200,
    ),
    st.floats(0.5, 2500),
    st.floats(1, 2000),
)
def test_a_curve_is_read_and_stepped_as_one_point_at_a_time_read_and_stepped_it(
    curve: list[dict[str, Any]], last_tick: float, width: float
) -> None:
    """The points of a curve are read, sorted and stepped a column of numbers at a time; the
    points and the path are those of reading and stepping them one by one, whatever the
    curve holds (numbers, text, nothing, keys missing) and wherever the axis is cut."""
    expected = points_one_at_a_time(curve)
    read = charts._points(curve)
    assert (
        list(zip(read.time.tolist(), read.survival.tolist(), read.arrest.tolist(), strict=True))
        == expected
    )
    x, y = Linear(0, last_tick, 40, 40 + width), Linear(0, 1.04, 300, 20)
    right = x(last_tick)
    assert charts._step_path(read, x, y, last_tick, right) == stepped_one_at_a_time(
        expected, x, y, last_tick, right
    )


@given(
    st.lists(st.floats(-1e6, 1e6), max_size=20),
    st.floats(-100, 100),
    st.floats(-100, 100) | st.just(None),
    st.floats(0, 900),
    st.floats(0, 900),
)
def test_a_scale_maps_many_values_as_it_maps_each(
    values: list[float], d0: float, d1: float | None, r0: float, r1: float
) -> None:
    """The same floats a value at a time and a column at a time, an empty domain included."""
    scale = Linear(d0, d0 if d1 is None else d1, r0, r1)
    assert scale.many(np.array(values, float)).tolist() == [scale(v) for v in values]
