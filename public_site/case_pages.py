"""Case pages, the bulk of the site: one frame per language, a lean body per case.

A city of a million events has tens of thousands of cases, each with a page in
English and in Urdu, so this is where a build spends its time. Everything a
case page shares with the others (head, navigation, checkpoint stamp, footer)
is rendered once per language from ``case.html``, whose markers are then
filled per case with escaped values; the body comes from ``case_body.html``,
which needs no macros and no per-entry translation because the words are
translated once here. Autoescape stays on: every value goes through
MarkupSafe, in the template or here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, Template
from markupsafe import Markup, escape

from public_site import labels
from public_site.cells import Cells
from public_site.cells import text as _text
from public_site.i18n import Language, formatter, translations
from public_site.labels import N_
from public_site.pages import file_slug

WORDS = {
    "cases": N_("Cases"),
    "case": N_("Case"),
    "person": N_("Person (pseudonym):"),
    "flags": N_("Flags"),
    "timeline": N_("Timeline"),
    "recorded_by": N_("recorded by"),
    "event": N_("Event"),
    "log_position": N_("log position"),
    "sealed": N_(
        "This event also carries personal details sealed to the court and the committee; they are not published."
    ),
}
MARKERS = re.compile(r"@@(TITLE|SLUG|CONTENT)@@")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
"""A ledger time, shown as a date and time in the page's language (the whole value: ``fullmatch``)."""


class CasePages:
    """Renders the case pages of one language: ``page(case_detail)`` gives the HTML of one."""

    def __init__(self, env: Environment, language: Language, frame: str) -> None:
        gettext: Callable[[str], str] = translations(language.code).gettext
        fmt = formatter(language)
        self.case_word = gettext(WORDS["case"])
        self.frame = MARKERS.split(frame)  # static text at even positions, marker names at odd ones
        self.body: Template = env.get_template("case_body.html")

        def translated(table: dict[str, str]) -> dict[str, str]:
            return {code: gettext(text) for code, text in table.items()}

        self.words = translated(WORDS)
        self.fmt = fmt
        self.types = translated(labels.EVENT_TYPES)
        self.entry_status = translated(labels.ENTRY_STATUS)
        self.rules = translated(labels.RULES)
        self.roles = translated(labels.ROLES)
        self.fields = translated(labels.FIELDS)
        self.values = {field: translated(codes) for field, codes in labels.VALUES.items()}
        self.booleans = {flag: gettext(word) for flag, word in labels.BOOLEANS.items()}
        base = "../../"  # a case page's root, as seen from <lang>/cases/
        self.cells = Cells(base, language.code, gettext, fmt)
        self.context: dict[str, Any] = {
            "entries": self.entries,
            "cells": self.cells,
            "base": base,
            "lang": language.code,
            "t": self.words,
            "day": fmt.day,
            "rules": self.rules,
            "comma": fmt.comma,
            "stop": fmt.stop,
        }

    def entries(self, events: list[dict[str, Any]]) -> Markup:
        """The timeline's entries as HTML: every value escaped, as the template would (kept in Python for speed)."""
        t, out = self.words, []
        for e in events:
            status = _text(e["status"])
            badges = (
                ""
                if e["status"] == "counted"
                else (
                    f'<span class="badge status-{status}">{_text(self.entry_status.get(e["status"], e["status"]))}</span>'
                )
            )
            badges += "".join(
                f'<span class="badge severity-high">{_text(self.rules.get(r, r))}</span>'
                for r in e["flags"]
            )
            data = self.data_list(e["data"])
            sealed = f'<p class="sealed-note">{_text(t["sealed"])}</p>' if e["sealed"] else ""
            out.append(
                f'<li class="entry entry-{status}"><div class="when">{_text(self.fmt.moment(e["occurred_at"]))}</div>'
                f'<div class="what"><strong>{_text(self.types.get(e["type"], e["type"]))}</strong>'
                f' — {_text(t["recorded_by"])} <span class="recorder">{_text(self.recorder(e))}</span>'
                f"{' ' if badges else ''}{badges}</div>\n"
                f'<dl class="data">{data}</dl>{sealed}\n'
                f'<p class="verify-link">{_text(t["event"])} {self.cells.event(e["event_id"])}'
                f" · {_text(t['log_position'])} {_text(self.fmt.number(e['leaf_index']))}</p></li>\n"
            )
        return Markup("".join(out))

    def recorder(self, entry: Mapping[str, Any]) -> str:
        """Who recorded an entry, by the role the charter gives the institution (its id if none)."""
        role = entry.get("recorder_role")
        return self.roles.get(role, entry["recorder"]) if role else str(entry["recorder"])

    def data_list(self, data: Mapping[str, Any]) -> str:
        """The public data of a statement as ``<dt>``/``<dd>`` pairs: plain names for the fields,
        plain words for the codes of closed lists and for yes/no; what recorders wrote is shown
        as written, each value set in the direction of its own first letters (``unicode-bidi:
        plaintext`` on ``dl.data dd`` in the site's stylesheet, as ``dir="auto"`` would, once
        per site instead of once per value)."""
        return "".join(
            f"<dt>{_text(self.fields.get(key, key))}</dt><dd>{self.value(key, value)}</dd>"
            for key, value in sorted(data.items(), key=_key_order)
        )

    def value(self, field: str, value: Any) -> str:
        if isinstance(value, str):  # most values: tried first, before the slower check of a Mapping
            if len(value) == 20 and TIME.fullmatch(value):
                return _text(self.fmt.moment(value))
            codes = self.values.get(field)
            return _text(codes.get(value, value) if codes is not None else value)
        if isinstance(value, bool):
            return _text(self.booleans[value])
        if value is None:
            return "–"
        if isinstance(value, (int, float)):
            return _text(value)
        if isinstance(value, Mapping):
            return "; ".join(
                f"{_text(self.fields.get(k, k))}: {self.value(k, v)}"
                for k, v in sorted(value.items(), key=_key_order)
            )
        if isinstance(value, (list, tuple)):
            return self.cells.list_comma.join(self.value(field, v) for v in value)
        return _text(value)

    def page(self, detail: dict[str, Any]) -> str:
        values = {
            "TITLE": str(escape(f"{self.case_word} {detail['case']}")),
            "SLUG": str(escape(file_slug(detail["case"]))),
            "CONTENT": self.body.render(self.context, c=detail),
        }
        parts = self.frame
        return "".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts))


def _key_order(item: tuple[Any, Any]) -> Any:
    """Jinja's ``dictsort``: by key, ignoring case."""
    key = item[0]
    return key.lower() if isinstance(key, str) else key
