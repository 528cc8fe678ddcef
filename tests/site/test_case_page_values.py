"""How a case page shows a statement's public data: each kind of value, in each language."""

from __future__ import annotations

from public_site.build import make_environment
from public_site.case_pages import CasePages
from public_site.i18n import LANGUAGES, Language, formatter, translations

ENGLISH, URDU = LANGUAGES


def pages(language: Language) -> CasePages:
    return CasePages(make_environment(language), language, "@@CONTENT@@")


def test_each_kind_of_value_is_shown_in_plain_words_and_escaped() -> None:
    page = pages(ENGLISH)
    moment = "2026-03-07T19:00:07Z"
    assert page.value("released_at", moment) == formatter(ENGLISH).moment(moment)
    assert "UTC" in page.value("released_at", moment)
    assert page.value("legal_basis", "bail_s497") == (
        "bail by a court in a non-bailable offence (CrPC section 497)"
    )
    assert page.value("reason", "bail_s497") == "bail_s497"  # a code only where its field lists it
    assert page.value("produced", True) == "yes" and page.value("produced", False) == "no"
    assert page.value("killed", 0) == "0" and page.value("rate", 0.5) == "0.5"
    assert page.value("officer", None) == "–"
    assert page.value("reason", "<b>'x' & \"y\"</b>") == (
        "&lt;b&gt;&#39;x&#39; &amp; &#34;y&#34;&lt;/b&gt;"
    )
    assert page.value("suspects", ["P-1", "P-2"]) == "P-1, P-2"
    assert page.value("evidence", {"b": 1, "A": "z"}) == "A: z; b: 1"  # keys ignoring case


def test_only_a_whole_ledger_time_is_shown_as_a_date() -> None:
    page = pages(ENGLISH)
    written = "2026-03-07T19:00:07Z\n"
    assert page.value("reason", written) == written
    assert page.value("reason", "on 2026-03-07T19:00:07Z") == "on 2026-03-07T19:00:07Z"


def test_urdu_pages_use_urdu_words_and_punctuation() -> None:
    page = pages(URDU)
    gettext = translations("ur").gettext
    assert page.value("produced", True) == gettext("yes") != "yes"
    assert page.value("suspects", ["P-1", "P-2"]) == "P-1، P-2"
    moment = "2026-03-07T19:00:07Z"
    assert (
        page.value("released_at", moment)
        == formatter(URDU).moment(moment)
        == ("7 مارچ 2026، 19:00:07 UTC")
    )
