"""The methodology page: docs/methodology.md (English) and docs/methodology.ur.md (Urdu) as HTML.

Raw HTML in the Markdown is escaped, never passed through (lines holding only an
HTML comment, such as the markers of a generated table, are left out). Two things make the
documents readable where journalists read them, on a phone and in Urdu: every
table is wrapped in the site's scrolling frame and every body cell carries its
column's heading (``data-label``), so the stylesheet can show each row as a card
on a narrow screen; and inline code (field names, rule ids) is marked
left-to-right, so it stays whole inside right-to-left Urdu text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import escape

from public_site.i18n import Language, translations
from public_site.labels import SCROLL_HINT

DOCS = Path(__file__).resolve().parent.parent / "docs"
METHODOLOGY = DOCS / "methodology.md"
COMMENT_LINE = re.compile(r"^<!--.*-->$", re.MULTILINE)
"""A line holding only an HTML comment (the generated table's markers): not for readers."""


def translation_of(english: Path, code: str) -> Path:
    """The translated document beside an English one: ``methodology.md`` → ``methodology.ur.md``."""
    return english if code == "en" else english.with_suffix(f".{code}.md")


def _table_opener(hint: str, code: str, direction: str) -> Any:
    """The opening of a table: the site's scrolling region, named by the heading above the table.

    The region is the same as ``table_wrap`` in macros.html: labelled, focusable,
    with a hint in the page's language that the stylesheet shows while it scrolls.
    """

    def table_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        heading = next(
            (
                tokens[i + 1].content
                for i in range(idx - 1, -1, -1)
                if tokens[i].type == "heading_open"
            ),
            "",
        )
        return (
            f'<div class="table-wrap" role="region" aria-label="{escape(heading)}" tabindex="0">'
            f'<p class="scroll-hint" lang="{code}" dir="{direction}" aria-hidden="true">'
            f'{escape(hint)}</p>\n<table class="cards">\n'
        )

    return table_open


def _table_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</table></div>\n"


def _label_cells(tokens: list[Token]) -> None:
    """Give every body cell the text of its column's heading, and inline code a direction."""
    headings: list[str] = []
    column = 0
    in_head = False
    for i, token in enumerate(tokens):
        if token.type == "thead_open":
            in_head, headings = True, []
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            column = 0
        elif token.type == "th_open" and in_head:
            inline = tokens[i + 1]
            headings.append("".join(c.content for c in inline.children or []) or inline.content)
        elif token.type == "td_open":
            if column < len(headings):
                token.attrSet("data-label", headings[column])
            column += 1
        if token.children:
            for child in token.children:
                if child.type == "code_inline":
                    child.attrSet("dir", "ltr")


def render_methodology(path: Path, language: Language) -> str | None:
    """A Markdown document as HTML for a page in ``language`` (None when the file does not exist)."""
    if not path.exists():
        return None
    hint = translations(language.code).gettext(SCROLL_HINT)
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.add_render_rule("table_open", _table_opener(hint, language.code, language.direction))
    md.add_render_rule("table_close", _table_close)
    tokens = md.parse(COMMENT_LINE.sub("", path.read_text("utf-8")))
    _label_cells(tokens)
    return str(md.renderer.render(tokens, md.options, {}))
