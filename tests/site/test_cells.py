"""The cells a long table repeats (links and badges), written in Python: what each prints."""

from __future__ import annotations

from public_site.cells import Cells, text
from public_site.i18n import LANGUAGES, Formatter, Language, translations

ENGLISH, URDU = LANGUAGES


def cells(language: Language = ENGLISH, base: str = "../") -> Cells:
    gettext = translations(language.code).gettext
    names = {"lyari": "Lyari <b>Front</b>", "kemari": 'Kemari "Dock"'}
    return Cells(
        base,
        language.code,
        gettext,
        Formatter(language),
        group_pages={"lyari"},
        group_name=lambda group: names.get(group, group),
    )


def test_text_escapes_as_autoescape_does_and_leaves_markup_as_it_is() -> None:
    from markupsafe import Markup, escape

    hostile = "<script>alert('x') & \"y\"</script>"
    assert text(hostile) == str(escape(hostile))
    assert text(12) == "12" and text(Markup("<i>x</i>")) == "<i>x</i>"


def test_links_are_relative_to_the_page_and_escape_what_they_show() -> None:
    page = cells(base="../../")
    event = "ab" * 32
    assert page.event(event) == (
        f'<a class="event" href="../../en/verify.html#{event}" title="Verify event">'
        f"<code>{event[:10]}</code></a>"
    )
    assert page.event(None) == "–" and page.event("") == "–"
    assert page.case_link("FIR:7<") == '<a href="../../en/cases/FIR~7&lt;.html">FIR:7&lt;</a>'
    assert page.case_link(None) == "–"


def test_a_group_links_to_its_page_only_where_it_has_one_and_lists_join_in_the_language() -> None:
    page = cells()
    lyari = '<a href="../en/groups/lyari.html">Lyari &lt;b&gt;Front&lt;/b&gt;</a>'
    assert page.group_link("lyari") == lyari
    assert page.group_link("kemari") == "Kemari &#34;Dock&#34;"
    assert page.groups(["lyari", "kemari"]) == f"{lyari}, Kemari &#34;Dock&#34;"
    assert page.groups([]) == "–"
    urdu = cells(URDU)
    assert urdu.groups(["kemari", "kemari"]) == "Kemari &#34;Dock&#34;، Kemari &#34;Dock&#34;"


def test_badges_name_their_code_in_the_page_language_and_unknown_codes_as_they_are() -> None:
    english, urdu = cells(), cells(URDU)
    assert english.outcome("broken") == '<span class="badge outcome-broken">Broken</span>'
    assert english.severity("critical") == '<span class="badge severity-critical">Critical</span>'
    assert english.status("finding_recorded", "unlawful") == (
        '<span class="status status-finding_recorded">Finding recorded: unlawful</span>'
    )
    assert english.status("open") == '<span class="status status-open">Open</span>'
    assert (
        english.severity("<odd>") == '<span class="badge severity-&lt;odd&gt;">&lt;odd&gt;</span>'
    )
    said = urdu.outcome("broken")
    assert said.startswith('<span class="badge outcome-broken">') and "Broken" not in said
