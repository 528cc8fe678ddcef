"""Every value a page shows is in plain words, in the page's language: never a raw code.

A journalist reads ``Bail by a court in a bailable offence``, not ``bail_s496``; ``yes``,
not ``True``; and on an Urdu page, Urdu in every table cell and label. What the recorders
wrote (names, areas, reasons) and the identifiers (case numbers, pseudonyms, group slugs,
event ids) are shown as recorded: the Urdu check allows a Latin text only when it is one
of those values, taken from the public log itself (the values of closed lists, which the
site must translate, are left out of that allowance). The scan reads every built page of
both test sites, in both languages; the last tests show it saying no.
"""

from __future__ import annotations

import gzip
import json
import re
import typing
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from ledger.projections.flag_rules import RULES
from ledger.projections.report_names import REPORT_NAMES
from ledger.vocabulary import load_all
from ledger.vocabulary.base import VOCABULARY
from public_site import labels
from public_site.build import shown
from public_site.i18n import translations

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PYTHON_WORDS = re.compile(r"\b(?:True|False|None)\b")
LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:;'’&/()+_-]*")
LETTER = re.compile(r"[A-Za-z]")
HEX = re.compile(r"^[0-9a-f]{6,64}…?$")
FILE = re.compile(r"^[\w./-]+\.(?:csv|json|jsonl|xml|txt|vkey)$")
FIXED = {"UTC", "CSV", "JSON", "Atom"}
"""Latin words an Urdu page may show in a cell or label: formats and the time zone."""
LABELLING = {"td", "th", "dt", "dd", "label", "option", "caption", "summary", "legend"}
SKIPPED = {"script", "style", "head", "pre"}
VOID = {"br", "img", "input", "link", "meta", "hr", "wbr", "source", "area", "col"}
DOWNLOADS = {*REPORT_NAMES, "flags"}
"""The names of the downloadable tables, as the downloads page lists them."""
GOVERNANCE = ("ledger.", "key.", "head.")
"""Statements whose data the pages never show (the charter, keys, appointments)."""


def closed_fields() -> set[tuple[str, str]]:
    """(event type, field) of every field holding a code or a yes/no: the site must word them."""
    load_all()

    def closed(annotation: Any) -> bool:
        if annotation is bool or typing.get_origin(annotation) is typing.Literal:
            return True
        return any(closed(a) for a in typing.get_args(annotation))

    return {
        (name, f)
        for name, spec in VOCABULARY.items()
        for f, info in spec.data.model_fields.items()
        if closed(info.annotation)
    }


def recorded_values(log: Path) -> set[str]:
    """Every text recorded in the public data of the city's statements (``log``: the site's
    compressed log), except codes."""
    closed = closed_fields()
    values: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            values.add(shown(value).strip())  # as a page prints it: bidi overrides as their codes
        elif isinstance(value, list):
            for item in value:
                add(item)

    for line in gzip.decompress(log.read_bytes()).splitlines():  # bytes: lines end at \n only
        statement = json.loads(line)
        if statement["type"].startswith(GOVERNANCE):
            continue
        for name, value in statement["data"].items():
            if (statement["type"], name) not in closed:
                add(value)
    return values


class Allowed:
    """The recorded values and identifiers a cell may show as they are, found within a text."""

    def __init__(self, values: set[str]) -> None:
        self.values = values
        longest_first = sorted((v for v in values if len(v) > 1), key=len, reverse=True)
        self.pattern = re.compile(
            "|".join(rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])" for v in longest_first)
            or r"(?!)"
        )

    def remove(self, text: str) -> str:
        """The text without the recorded values it holds."""
        return "" if text.strip() in self.values else self.pattern.sub(" ", text)


@cache
def dotted_codes() -> re.Pattern[str]:
    """Event types and rule ids: codes with a dot, which a page must name in words."""
    load_all()
    codes = sorted(set(VOCABULARY) | set(RULES), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, codes)) + r")(?!\w)")


class Scan(HTMLParser):
    """Collects, for one page, every raw code and (on an Urdu page) every English text in a
    cell or label that is not a recorded value or an identifier."""

    def __init__(self, *, urdu: bool, allowed: Allowed, methodology: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.urdu = urdu
        self.allowed = allowed
        self.methodology = methodology
        self.problems: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        open_tags = set(self.stack)
        if not data.strip() or SKIPPED & open_tags:
            return
        if "code" in open_tags and self.methodology:
            return  # the methodology documents the codes of the downloads, in code
        text = data.strip()
        for pattern in (SNAKE, PYTHON_WORDS):
            for match in pattern.finditer(data):
                self.problems.append(f"raw code {match.group(0)!r} in {text!r}")
        for match in dotted_codes().finditer(data):
            self.problems.append(f"raw code {match.group(0)!r} in {text!r}")
        if self.urdu and LABELLING & open_tags and LETTER.search(data):
            for match in LATIN.finditer(self.allowed.remove(data)):
                latin = match.group(0).strip(" .,:;()'’")
                if LETTER.search(latin) and not self.is_allowed(latin, "code" in open_tags):
                    self.problems.append(f"English {latin!r} in a cell or label: {text!r}")

    def is_allowed(self, text: str, in_code: bool) -> bool:
        """A recorded value or identifier, a file or report name, or words anyone reads."""
        if HEX.match(text) or FILE.match(text):
            return True
        if in_code and text in DOWNLOADS:
            return True
        return all(w in FIXED or len(w) == 1 for w in re.findall(r"[A-Za-z]+", text))


def problems_of(
    page: str, *, urdu: bool, allowed: set[str], methodology: bool = False
) -> list[str]:
    return scan(page, urdu=urdu, allowed=Allowed(allowed), methodology=methodology)


def scan(page: str, *, urdu: bool, allowed: Allowed, methodology: bool) -> list[str]:
    scan = Scan(urdu=urdu, allowed=allowed, methodology=methodology)
    scan.feed(page)
    scan.close()
    return scan.problems


def site_problems(out: Path) -> dict[str, list[str]]:
    allowed = recorded_values(out / "data" / "export" / "log.jsonl.gz")
    manifest = json.loads((out / "data" / "manifest.json").read_text("utf-8"))
    allowed |= {manifest["origin"], (out / "data" / "log.vkey").read_text("utf-8").strip()}
    recorded = Allowed(allowed)
    found: dict[str, list[str]] = {}
    for path in sorted(out.rglob("*.html")):
        relative = path.relative_to(out).as_posix()
        if relative.endswith("/downloads.html"):
            # The downloads page is the data dictionary of the CSV files: it names each
            # column and each value the files hold as the files spell them, each beside
            # its explanation in the page's language (tests/site/test_downloads.py).
            continue
        problems = scan(
            path.read_text("utf-8"),
            urdu=relative.startswith("ur/"),
            allowed=recorded,
            methodology=relative.endswith("/methodology.html"),
        )
        if problems:
            found[relative] = problems
    return found


def pages(out: Path) -> Iterable[str]:
    return [p.relative_to(out).as_posix() for p in out.rglob("*.html")]


@pytest.mark.parametrize("site", ["hostile_site", "simulated_site"])
def test_every_page_of_both_languages_shows_plain_words_not_codes(
    site: str, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)["out"]
    scanned = list(pages(out))
    assert any(p.startswith("ur/cases/") for p in scanned) and "en/releases.html" in scanned
    found = site_problems(out)
    assert not found, {page: problems[:3] for page, problems in list(found.items())[:5]}


def test_the_simulated_site_words_the_codes_it_shows(simulated_site: dict[str, Any]) -> None:
    """The scan above passes because the words are there, not because the codes never came up."""
    out: Path = simulated_site["out"]
    urdu = translations("ur").gettext
    english = " ".join(p.read_text("utf-8") for p in (out / "en" / "cases").glob("*.html"))
    timelines = " ".join(p.read_text("utf-8") for p in (out / "ur" / "cases").glob("*.html"))
    for words in (
        labels.FIELDS["remand_granted"],
        labels.ROLES["police"],
        labels.ROLES["court"],
        labels.BOOLEANS[True],
        labels.LEGAL_BASES["bail_s497"],
    ):
        assert str(escape(words)) in english, words
        assert str(escape(urdu(words))) in timelines, words
    court = (out / "ur" / "court.html").read_text("utf-8")
    assert any(urdu(w) in court for w in labels.ADJOURNMENT_REASONS.values())


def test_the_scan_finds_a_snake_case_code() -> None:
    page = "<table><tr><td>bail_s496</td></tr></table>"
    assert problems_of(page, urdu=False, allowed=set()) == ["raw code 'bail_s496' in 'bail_s496'"]


def test_the_scan_finds_a_raw_boolean_and_a_rule_id() -> None:
    page = "<dl><dt>Remand granted</dt><dd>True</dd></dl><p>release.on_instructions</p>"
    found = problems_of(page, urdu=False, allowed=set())
    assert any("'True'" in p for p in found) and any("release.on_instructions" in p for p in found)


def test_the_scan_finds_english_in_an_urdu_cell_but_allows_recorded_values() -> None:
    page = (
        "<table><tr><th>درج کنندہ</th><td>police</td><td>court</td>"
        "<td>Saudabad police station</td><td><a>FIR-1</a></td><td>What is missing</td></tr></table>"
    )
    found = problems_of(page, urdu=True, allowed={"Saudabad police station", "FIR-1"})
    assert [p.split(":")[0] for p in found] == [
        "English 'police' in a cell or label",
        "English 'court' in a cell or label",
        "English 'What is missing' in a cell or label",
    ]


def test_the_scan_finds_a_raw_code_inside_code_except_on_the_methodology() -> None:
    page = "<table><tr><td><code>on_instructions</code></td></tr></table>"
    assert problems_of(page, urdu=True, allowed=set())
    assert not problems_of(page, urdu=True, allowed=set(), methodology=True)


def test_a_built_page_carrying_a_raw_code_fails_the_site_scan(
    hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    """The whole-site scan, on a copy of the hostile site whose release page shows a code."""
    import shutil

    out = tmp_path / "site"
    shutil.copytree(hostile_site["out"], out)
    page = out / "ur" / "releases.html"
    text = page.read_text("utf-8")
    assert "<tbody>" in text
    page.write_text(text.replace("<tbody>", "<tbody><tr><td>witness_absent</td></tr>", 1), "utf-8")
    assert site_problems(out) == {
        "ur/releases.html": [
            "raw code 'witness_absent' in 'witness_absent'",
            "English 'witness_absent' in a cell or label: 'witness_absent'",
        ]
    }


def literal_values(annotation: Any) -> set[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return {str(v) for v in typing.get_args(annotation)}
    return {v for a in typing.get_args(annotation) for v in literal_values(a)}


def test_every_field_and_every_code_of_the_vocabulary_has_plain_words() -> None:
    """A new event type, field or code cannot reach a timeline raw: this fails first."""
    load_all()
    unnamed, unworded = [], []
    for name, spec in VOCABULARY.items():
        for field_name, info in spec.data.model_fields.items():
            if field_name not in labels.FIELDS:
                unnamed.append(f"{name}.{field_name}")
            words = labels.VALUES.get(field_name, {})
            unworded += [
                f"{name}.{field_name}={code}"
                for code in sorted(literal_values(info.annotation))
                if code not in words
            ]
    assert not unnamed and not unworded, (unnamed[:5], unworded[:5])
    assert labels.FIELDS.keys() >= {"arrest_hours", "enforcement_days", "charge_days"}


def test_every_plain_word_has_an_urdu_translation() -> None:
    urdu = translations("ur").gettext
    tables = [labels.FIELDS, labels.ROLES, labels.BOOLEANS, *labels.VALUES.values()]
    missing = [w for table in tables for w in table.values() if urdu(w) == w]
    assert not missing, missing[:5]
