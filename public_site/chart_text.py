"""How much room a chart label takes, estimated without the fonts: widths, line heights, fitting.

No font file is read at build time, so the charts cannot measure their text,
only estimate it. The width factors below (in ems, per character) were measured
in Chromium for the widest fonts a reader may get, and rounded up: DejaVu Sans
for Latin letters and digits, Noto Naskh Arabic (the chart font) and Noto
Nastaliq Urdu for Urdu. A label may have room to spare; it never runs into its
neighbour (``tests/site/test_urdu_typography.py`` checks this in Chromium).

Urdu lines are given far more height than Latin ones: Naskh's font box, which
holds the marks above and below its letters, is 1.7 em tall, and Nastaliq (the
fallback) is taller still. An Urdu page sets *all* chart text in Naskh, Latin
names and digits included, so there every line is given that height.

Text that does not fit is wrapped at spaces and then cut with an ellipsis; the
caller gives the whole text as the label's ``<title>``.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

_WIDE_ARABIC = frozenset("سشصضےۓ")
_NARROW_LATIN = frozenset("iljtfrI.,:;'|!()[]/-")
_WIDEST_LATIN = frozenset("mwMW@%")

LATIN_LINE, ARABIC_LINE = 1.3, 1.9
"""Line pitch in ems: Naskh's font box is 1.7 em tall (DejaVu Sans's 1.17)."""
_ASCENT = {False: 0.95, True: 1.1}
_DESCENT = {False: 0.25, True: 0.65}


def is_rtl(text: str) -> bool:
    """Whether ``text`` holds Urdu (or other Arabic-script) letters, and so runs right to left."""
    return bool(ARABIC_SCRIPT.search(text))


def _advance(char: str) -> float:
    """A conservative advance width of one character, in ems."""
    if char in " \u00a0":
        return 0.32
    category = unicodedata.category(char)
    if category[0] == "M" or category == "Cf":
        return 0.0  # zer, zabar and other marks sit on a letter; joiners take no room
    if ARABIC_SCRIPT.match(char):
        return 0.95 if char in _WIDE_ARABIC else 0.58
    if char.isdigit():
        return 0.66
    if char in _NARROW_LATIN:
        return 0.42
    if char in _WIDEST_LATIN or char == ELLIPSIS:
        return 1.0
    if unicodedata.east_asian_width(char) in "WF":
        return 1.05
    if char.isupper():
        return 0.76
    if char.islower():
        return 0.62
    return 0.8


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` set at ``size`` units (never less than the browser draws it)."""
    return size * sum(_advance(c) for c in text)


def line_height(text: str, size: float, urdu_font: bool = False) -> float:
    """The pitch of lines of ``text``: tall when it holds Urdu or is set in the Urdu chart font.

    An Urdu page sets every chart label in Noto Naskh Arabic (``site.css``),
    Latin names and digits included, so their boxes are as tall as Urdu ones.
    """
    return size * (ARABIC_LINE if urdu_font or is_rtl(text) else LATIN_LINE)


def baseline(text: str, size: float, urdu_font: bool = False) -> float:
    """Distance from the top of a line box (``line_height``) to the text's baseline."""
    tall = urdu_font or is_rtl(text)
    box = size * (_ASCENT[tall] + _DESCENT[tall])
    return (line_height(text, size, tall) - box) / 2 + size * _ASCENT[tall]


def truncate(text: str, size: float, width: float) -> str:
    """``text`` cut to fit ``width``, ending in an ellipsis when cut."""
    if text_width(text, size) <= width:
        return text
    budget = width - text_width(ELLIPSIS, size)
    kept, used = [], 0.0
    for char in text:
        used += text_width(char, size)
        if used > budget:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def fit(
    text: str, size: float, width: float, *, lines: int = 1, chars: int = 0
) -> tuple[list[str], bool]:
    """``text`` broken into at most ``lines`` lines that fit ``width``; and whether any was cut.

    ``chars`` (when not 0) first limits the text to that many characters. Words
    go on a line while they fit; the last line takes the rest and is cut with an
    ellipsis, as is any single word wider than ``width``.
    """
    text = " ".join(text.split())
    shortened = bool(chars) and len(text) > chars
    if shortened:
        text = text[: chars - 1].rstrip() + ELLIPSIS
    out: list[str] = []
    words = text.split(" ")
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", size) <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out.append(" ".join(words))
    cut = [truncate(line, size, width) for line in out]
    return cut, shortened or cut != out
