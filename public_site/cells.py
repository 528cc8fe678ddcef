"""The markup a table's cells repeat, in Python: links to an event, a case or a group, and badges.

A long table calls these once or more for each of its rows: at a million
events the flags, the people held and a group's releases run to tens of
thousands of rows, and a Jinja macro call costs several times what its markup
does. So the pieces are written here once, for the templates (as ``cells``
in every page's context) and for the case pages, and each returns the HTML a
template would have printed: every value escaped as autoescape escapes it
(``text``), and the catalog's words put in as they are, as Jinja's ``_()``
puts them in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from markupsafe import Markup

from public_site import labels
from public_site.i18n import Formatter
from public_site.pages import file_slug


def text(value: Any) -> str:
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


class Cells:
    """The cells of one page: its links are relative to ``base`` (the site's root as seen from the page).

    ``group_pages`` are the groups that have a page of their own, and ``group_name`` names a
    group; a page that shows no group (a case page) leaves them out."""

    def __init__(
        self,
        base: str,
        lang: str,
        gettext: Callable[[str], str],
        fmt: Formatter,
        group_pages: Collection[str] = (),
        group_name: Callable[[str], str] = str,
    ) -> None:
        self.gettext = gettext
        self.root = f"{base}{lang}/"
        self.verify = gettext("Verify event")
        self.list_comma = text(fmt.comma) + " "
        self.group_pages = group_pages
        self.group_name = group_name

    def label(self, table: dict[str, str], code: Any) -> str:
        """A code of a closed list in the page's language (the code itself if the list lacks it)."""
        return self.gettext(table[code]) if code in table else str(code)

    def event(self, event_id: str | None) -> Markup:
        """A link to an event on the verify page, showing the start of its id ("–" for none)."""
        if not event_id:
            return Markup("–")
        shown = text(event_id)
        return Markup(
            f'<a class="event" href="{self.root}verify.html#{shown}" title="{self.verify}">'
            f"<code>{text(event_id[:10])}</code></a>"
        )

    def case_link(self, case: str | None) -> Markup:
        if not case:
            return Markup("–")
        return Markup(f'<a href="{self.root}cases/{text(file_slug(case))}.html">{text(case)}</a>')

    def group_link(self, group: str) -> Markup:
        """A group's name, linked to its page where it has one."""
        name = text(self.group_name(group))
        if group in self.group_pages:
            return Markup(f'<a href="{self.root}groups/{text(file_slug(group))}.html">{name}</a>')
        return Markup(name)

    def groups(self, groups: Sequence[str]) -> Markup:
        if not groups:
            return Markup("–")
        return Markup(self.list_comma.join(self.group_link(group) for group in groups))

    def outcome(self, code: str) -> Markup:
        return Markup(
            f'<span class="badge outcome-{text(code)}">{text(self.label(labels.OUTCOMES, code))}</span>'
        )

    def severity(self, code: str) -> Markup:
        return Markup(
            f'<span class="badge severity-{text(code)}">{text(self.label(labels.SEVERITY, code))}</span>'
        )

    def status(self, code: str, finding: str | None = None) -> Markup:
        """A flag's status, with the committee's finding when there is one."""
        found = f": {text(self.label(labels.FINDINGS, finding))}" if finding else ""
        return Markup(
            f'<span class="status status-{text(code)}">'
            f"{text(self.label(labels.FLAG_STATUS, code))}{found}</span>"
        )
