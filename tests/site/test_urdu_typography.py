"""Urdu as a reader sees it: every glyph in the shipped fonts, shaped, and legible on a phone.

Each built Urdu page is loaded in Debian's Chromium. For every piece of Urdu text
(HTML and chart SVG alike) the check measures the text in its own font with two
different fallbacks: if any letter were missing from our font, the fallback would
draw it and the two widths would differ. A word drawn joined must differ in width
from its letters drawn one by one (isolated letters mean no shaping), and no
Arabic presentation-form code point may appear (text shaped by a program that is
not the browser). Chart labels must be legible on a phone, and, set in the
browser's own fonts, neither overlap nor leave their chart.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import FontMissing
from public_site.fonts import font_files
from public_site.i18n import LANGUAGES, Formatter
from tests.site.browser import SiteServer

URDU_CHECK = r"""
async (urduPage = true) => {
  const ARABIC = /[\u0600-\u06FF\u0750-\u077F]/;
  const DUAL_JOINING = /[\u0628\u067E\u062A\u0679\u062B\u062C\u0686\u062D\u062E\u0633\u0634\u0635\u0636\u0637\u0638\u0639\u063A\u0641\u0642\u06A9\u06AF\u0644\u0645\u0646\u06C1\u06BE\u06CC\u0626]/;
  const DUAL_JOINING_ALL = new RegExp(DUAL_JOINING.source, 'g');
  const PRESENTATION = /[\uFB50-\uFDFF\uFE70-\uFEFE]/;
  const problems = [];
  await document.fonts.ready;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (!text) continue;
    if (PRESENTATION.test(text)) problems.push(`presentation forms (unshaped Urdu): ${text.slice(0, 60)}`);
    if (ARABIC.test(text)) texts.push([node.parentElement, text]);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [alt]')) {
    for (const name of ['aria-label', 'title', 'alt']) {
      const value = el.getAttribute(name) || '';
      if (PRESENTATION.test(value)) problems.push(`presentation forms in ${name}: ${value.slice(0, 60)}`);
    }
  }
  if (!texts.length) problems.push(urduPage ? 'no Urdu text on an Urdu page' : 'no Urdu text on the page');
  const canvas = document.createElement('canvas').getContext('2d');
  const width = (font, text) => { canvas.font = font; return canvas.measureText(text).width; };
  const families = new Set();
  for (const [el, text] of texts) {
    const style = getComputedStyle(el);
    const family = style.fontFamily.split(',')[0].trim().replace(/^"|"$/g, '');
    if (family !== 'Noto Nastaliq Urdu' && family !== 'Noto Naskh Arabic' && family !== 'Urdu in Naskh') {
      problems.push(`Urdu set in "${family}", not a shipped font: ${text.slice(0, 40)}`);
      continue;
    }
    families.add(family);
    const weight = style.fontWeight;
    try {
      await document.fonts.load(`${weight} 20px "${family}"`, text);
    } catch (error) {
      problems.push(`${family} did not load: ${error}`);
      continue;
    }
    // "Urdu in Naskh" holds the Arabic script only: on English pages the spaces between
    // Urdu words come from the English font, by design, so only the letters are compared.
    const letters = family === 'Urdu in Naskh' ? text.replace(/\s+/g, '') : text;
    const a = width(`${weight} 20px "${family}", monospace`, letters);
    const b = width(`${weight} 20px "${family}", serif`, letters);
    if (Math.abs(a - b) > 0.01) {
      const missing = [...new Set(letters)].filter(
        c => Math.abs(width(`${weight} 20px "${family}", monospace`, c) - width(`${weight} 20px "${family}", serif`, c)) > 0.01);
      problems.push(`glyphs missing from ${family}: ${missing.join(' ')} in ${text.slice(0, 40)}`);
    }
    // a letter that joins on both sides, not last: the word must be drawn joined
    const word = text.split(/\s+/)
      .filter(w => /^[\u0600-\u06FF]{3,}$/.test(w) && (w.slice(0, -1).match(DUAL_JOINING_ALL) || []).length >= 2)
      .sort((x, y) => y.length - x.length)[0];
    if (word) {
      const joined = width(`${weight} 40px "${family}"`, word);
      const apart = [...word].reduce((sum, c) => sum + width(`${weight} 40px "${family}"`, c), 0);
      if (Math.abs(joined - apart) < 1) problems.push(`"${word}" is not joined in ${family}`);
    }
  }
  for (const face of document.fonts) {
    if (face.status === 'error') problems.push(`font face ${face.family} ${face.weight} failed to load`);
  }
  if (urduPage && ![...document.fonts].some(f => f.family.replace(/"/g, '') === 'Noto Nastaliq Urdu' && f.status === 'loaded'))
    problems.push('Noto Nastaliq Urdu was never loaded');
  return {problems: problems.slice(0, 8), families: [...families]};
}
"""


def urdu_problems(page: Any, url: str, *, urdu_page: bool = True) -> dict[str, Any]:
    page.goto(url)  # waits for the load event; the check itself awaits the fonts
    result: dict[str, Any] = page.evaluate(URDU_CHECK, urdu_page)
    return result


def test_an_urdu_name_on_an_english_page_is_drawn_in_the_shipped_font(
    browser: Any, hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    """Recorded data may be in Urdu (a group's name): English pages draw it joined, no boxes."""
    site = tmp_path / "site"
    shutil.copytree(hostile_site["out"], site)
    groups = site / "en" / "groups.html"
    name = "<td>\u0644\u06cc\u0627\u0631\u06cc \u06af\u0631\u0648\u06c1 \u06a9\u06d2 \u0644\u0648\u06af</td>"
    html = groups.read_text("utf-8")
    groups.write_text(html.replace("</main>", f"<table><tr>{name}</tr></table></main>"), "utf-8")
    with SiteServer(site) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        result = urdu_problems(page, server.url + "en/groups.html", urdu_page=False)
        context.close()
    assert result["problems"] == [] and "Urdu in Naskh" in result["families"], result


def test_every_urdu_page_is_set_in_the_shipped_fonts_and_shaped(
    browser: Any, hostile_site: dict[str, Any]
) -> None:
    root = hostile_site["out"]
    pages = sorted(p.relative_to(root).as_posix() for p in (root / "ur").rglob("*.html"))
    problems, chart_families = {}, set()
    with SiteServer(root) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        for path in pages:
            result = urdu_problems(page, server.url + path)
            if result["problems"]:
                problems[path] = result["problems"]
            if page.locator("svg.chart-svg").count():
                chart_families.update(result["families"])
                texts = page.eval_on_selector_all(
                    "svg.chart-svg text", "els => els.map(e => e.textContent)"
                )
                assert any("\u0600" <= c <= "\u06ff" for t in texts for c in t), path
        context.close()
    assert not problems, problems
    assert len(pages) > 15
    assert chart_families == {"Noto Nastaliq Urdu", "Noto Naskh Arabic"}


def test_the_check_fails_when_the_urdu_font_is_missing_or_text_is_preshaped(
    browser: Any, hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(hostile_site["out"], site)
    for face in (site / "static" / "fonts").glob("noto-nastaliq-urdu-arabic-*.woff2"):
        face.unlink()
    groups = site / "ur" / "groups.html"
    html = groups.read_text("utf-8")
    groups.write_text(html.replace("</main>", "<p>\ufe8e\ufedf\ufee3</p></main>"), "utf-8")
    with SiteServer(site) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        missing = urdu_problems(page, server.url + "ur/index.html")["problems"]
        preshaped = urdu_problems(page, server.url + "ur/groups.html")["problems"]
        context.close()
    assert any("Noto Nastaliq Urdu" in p for p in missing), missing
    assert any("presentation forms" in p for p in preshaped), preshaped


def test_chart_labels_are_legible_on_a_phone(browser: Any, hostile_site: dict[str, Any]) -> None:
    with SiteServer(hostile_site["out"]) as server:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        for lang in ("ur", "en"):
            page.goto(server.url + f"{lang}/groups.html")
            sizes = page.eval_on_selector_all(
                "svg.chart-svg text",
                """els => els.filter(e => e.getClientRects().length)
                    .map(e => parseFloat(e.getAttribute('font-size')) * e.ownerSVGElement.getScreenCTM().a)""",
            )
            assert sizes, lang
            assert min(sizes) >= 10, (lang, min(sizes))
        context.close()


CHART_TEXT_CHECK = r"""
async () => {
  await document.fonts.ready;
  const problems = [];
  for (const svg of document.querySelectorAll('svg.chart-svg')) {
    if (!svg.getClientRects().length) continue;
    const chart = svg.getAttribute('aria-labelledby');
    const view = svg.viewBox.baseVal;
    const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()]);
    for (const [text, b] of boxes)
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > view.width + 0.5 || b.y + b.height > view.height + 0.5)
        problems.push(`${chart}: "${text}" leaves the chart`);
    boxes.forEach(([ta, a], i) => boxes.slice(i + 1).forEach(([tb, b]) => {
      const across = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const down = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (across > 0.5 && down > 0.5) problems.push(`${chart}: "${ta}" overlaps "${tb}"`);
    }));
  }
  return problems;
}
"""
"""Text boxes as the browser sets them (in the page's fonts) that overlap or leave their chart."""


def test_chart_labels_neither_overlap_nor_leave_the_chart_in_the_browsers_fonts(
    browser: Any, hostile_site: dict[str, Any]
) -> None:
    problems, charts_seen = [], 0
    with SiteServer(hostile_site["out"]) as server:
        for width in (390, 1280):
            context = browser.new_context(viewport={"width": width, "height": 844})
            page = context.new_page()
            for lang in ("ur", "en"):
                for name in ("index", "groups", "groups/lyari-front"):
                    page.goto(server.url + f"{lang}/{name}.html")
                    problems += [
                        f"{width} {lang}/{name} {p}" for p in page.evaluate(CHART_TEXT_CHECK)
                    ]
                    charts_seen += page.locator("svg.chart-svg:visible").count()
            context.close()
        assert not problems, problems
        assert charts_seen == 2 * 2 * 5
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(server.url + "ur/groups.html")
        page.evaluate(
            """() => {
              const svg = [...document.querySelectorAll('svg.chart-svg')].find(s => s.getClientRects().length);
              const [a, b, c] = [...svg.querySelectorAll('text')].filter(t => !t.querySelector('tspan'));
              b.setAttribute('x', a.getAttribute('x')); b.setAttribute('y', a.getAttribute('y'));
              c.setAttribute('x', '-50');
            }"""
        )
        found = page.evaluate(CHART_TEXT_CHECK)
        context.close()
    assert any("overlaps" in p for p in found) and any("leaves the chart" in p for p in found), (
        found
    )


def test_the_build_names_the_font_package_and_its_install_command_when_fonts_are_missing(
    tmp_path: Path,
) -> None:
    with pytest.raises(FontMissing) as caught:
        font_files(tmp_path)
    assert "@fontsource/noto-nastaliq-urdu" in str(caught.value)
    assert "npm install" in str(caught.value)
    files = font_files()
    assert all(path.is_file() for path in files.files.values())
    assert "Noto Nastaliq Urdu" in files.css() and "Noto Naskh Arabic" in files.css()


def test_urdu_dates_times_and_digits_follow_one_convention() -> None:
    urdu = Formatter(LANGUAGES[1])
    assert urdu.moment("2026-03-07T19:00:07Z") == "7 مارچ 2026، 19:00:07 UTC"
    assert urdu.moment("2026-03-07T19:00:07.250+00:00") == "7 مارچ 2026، 19:00:07 UTC"
    assert urdu.day("2026-03-07") == "7 مارچ 2026"
    assert urdu.month("2026-03") == "مارچ 2026"
    assert urdu.number(1204) == "1,204" and urdu.percent(0.66) == "66%"
    assert (urdu.stop, urdu.comma, urdu.semicolon) == ("۔", "،", "؛")
    english = Formatter(LANGUAGES[0])
    assert english.moment("2026-03-07T19:00:07Z") == "Mar 7, 2026, 7:00:07\u202fPM UTC"


LATIN_BETWEEN_URDU = re.compile(r"[\u0600-\u06ff][)\d]*[;,.] [\d(,]*\s?[\u0600-\u06ff]")
"""A Latin semicolon, comma or full stop set between two Urdu words (or their figures)."""


def test_urdu_sentences_the_site_writes_use_urdu_punctuation(hostile_site: dict[str, Any]) -> None:
    pages = sorted((hostile_site["out"] / "ur").rglob("*.html"))
    assert pages, "no Urdu page was built"
    found = {}
    for page in pages:
        text = re.sub(r"<[^>]+>", "", page.read_text("utf-8"))
        hits = LATIN_BETWEEN_URDU.findall(text)
        if hits:
            found[page.name] = hits[:3]
    assert not found, found
    assert LATIN_BETWEEN_URDU.search("ہفتے; گروہ") and not LATIN_BETWEEN_URDU.search("ہفتے؛ گروہ")


@given(
    st.floats(0, 1e15, allow_nan=False, exclude_min=True, exclude_max=True)
    | st.integers(0, 10**9).map(lambda n: n + 0.5)
    | st.integers(0, 10**6).map(lambda n: n / 8)
    | st.sampled_from([0.0, -0.0, 0.5, 1.5, 2.5, 1e15, 1e16, -2.5, math.inf, 1e-300]),
    st.sampled_from(LANGUAGES),
)
def test_a_number_shown_whole_is_written_as_babel_writes_it(value: float, language: Any) -> None:
    """A non-negative float shown without decimals (hours and days in custody) is written
    without Babel's pattern parser: its text is Babel's, ties rounded to even included."""
    expected = format_decimal(value, format="#,##0", locale=Locale.parse(language.babel))
    assert Formatter(language).number(value) == expected
