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
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, Template
from markupsafe import Markup, escape

from public_site import labels
from public_site.i18n import Formatter, Language, translations
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
    "verify_event": N_("Verify event"),
    "sealed": N_(
        "This event also carries personal details sealed to the court and the committee; they are not published."
    ),
}
MARKERS = re.compile(r"@@(TITLE|SLUG|CONTENT)@@")


class CasePages:
    """Renders the case pages of one language: ``page(case_detail)`` gives the HTML of one."""

    def __init__(self, env: Environment, language: Language, frame: str) -> None:
        gettext: Callable[[str], str] = translations(language.code).gettext
        fmt = Formatter(language)
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
        self.lang = language.code
        self.context: dict[str, Any] = {
            "entries": self.entries,
            "base": "../../",
            "lang": language.code,
            "t": translated(WORDS),
            "moment": fmt.moment,
            "day": fmt.day,
            "number": fmt.number,
            "types": translated(labels.EVENT_TYPES),
            "entry_status": translated(labels.ENTRY_STATUS),
            "rules": translated(labels.RULES),
            "severity": translated(labels.SEVERITY),
            "flag_status": translated(labels.FLAG_STATUS),
            "findings": translated(labels.FINDINGS),
        }

    def entries(self, events: list[dict[str, Any]]) -> Markup:
        """The timeline's entries as HTML: every value escaped, as the template would (kept in Python for speed)."""
        t, out = self.words, []
        for e in events:
            event_id, status = _text(e["event_id"]), _text(e["status"])
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
            data = "".join(
                f"<dt>{_text(key)}</dt><dd>{_value(value)}</dd>"
                for key, value in sorted(e["data"].items(), key=_key_order)
            )
            sealed = f'<p class="sealed-note">{_text(t["sealed"])}</p>' if e["sealed"] else ""
            out.append(
                f'<li class="entry entry-{status}">\n'
                f'  <div class="when">{_text(self.fmt.moment(e["occurred_at"]))}</div>\n'
                f'  <div class="what"><strong>{_text(self.types.get(e["type"], e["type"]))}</strong>'
                f' <code class="type">{_text(e["type"])}</code>\n'
                f'  — {_text(t["recorded_by"])} <span class="recorder">{_text(e["recorder"])}</span>\n'
                f"  {badges}\n  </div>\n"
                f'  <dl class="data" lang="en" dir="ltr">{data}</dl>\n'
                f"  {sealed}\n"
                f'  <p class="verify-link">{_text(t["event"])} <a class="event" href="../../{self.lang}/verify.html#'
                f'{event_id}" title="{_text(t["verify_event"])} {event_id}"><code>{event_id[:10]}</code></a>'
                f" · {_text(t['log_position'])} {_text(self.fmt.number(e['leaf_index']))}</p>\n</li>\n"
            )
        return Markup("".join(out))

    def page(self, detail: dict[str, Any]) -> str:
        values = {
            "TITLE": str(escape(f"{self.case_word} {detail['case']}")),
            "SLUG": str(escape(file_slug(detail["case"]))),
            "CONTENT": self.body.render(self.context, c=detail),
        }
        parts = self.frame
        return "".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts))


def _text(value: Any) -> str:
    """``markupsafe.escape`` for plain values, without building a Markup per value (the hot path of a build)."""
    if isinstance(value, Markup):
        return str(value)
    return (
        str(value)
        .replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _key_order(item: tuple[Any, Any]) -> Any:
    """Jinja's ``dictsort``: by key, ignoring case."""
    key = item[0]
    return key.lower() if isinstance(key, str) else key


def _value(value: Any) -> Markup:
    """One data value as the timeline shows it: mappings as "k: v; …", lists joined, None as a dash."""
    if isinstance(value, dict):
        return Markup("; ").join(
            Markup("{}: {}").format(k, v) for k, v in sorted(value.items(), key=_key_order)
        )
    if isinstance(value, (list, tuple)):
        return Markup(", ").join(value)
    if value is None:
        return Markup("–")
    return escape(value)
