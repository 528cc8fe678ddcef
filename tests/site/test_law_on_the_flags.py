"""The flags say what happened and the law it breaks, in both languages, from the one rules table
the methodology prints too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from markupsafe import escape

from ledger.projections.flag_rules import RULES
from public_site.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
ACTS = (
    "Code of Criminal Procedure 1898",
    "Anti-Terrorism Act 1997",
    "Constitution of Pakistan 1973",
    "Pakistan Penal Code 1860",
)


def test_every_rule_names_the_act_and_section_it_rests_on() -> None:
    for rule, spec in RULES.items():
        if spec.law.startswith("No section"):
            assert rule == "release.rearrested_for_new_shooting"
            continue
        assert any(act in spec.law for act in ACTS), rule
        assert "section" in spec.law or "Article" in spec.law, rule


def test_every_rule_is_worded_in_urdu() -> None:
    urdu = translations("ur").gettext
    texts = [t for spec in RULES.values() for t in (spec.happened, spec.raised_when, spec.law)]
    untranslated = [t for t in texts if urdu(t) == t]
    assert not untranslated, untranslated[:3]


def test_the_flagged_releases_show_what_happened_and_the_law_in_both_languages(
    hostile_site: dict[str, Any],
) -> None:
    out: Path = hostile_site["out"]
    rule = RULES["release.on_instructions"]
    urdu = translations("ur").gettext
    flagged = 'data-rule="release.on_instructions"'
    english, page = (
        next(
            t
            for p in (out / lang).glob("releases-by-month-*.html")
            if flagged in (t := p.read_text("utf-8"))
        )
        for lang in ("en", "ur")
    )
    assert str(escape(rule.happened)) in english and str(escape(rule.law)) in english
    assert str(escape(urdu(rule.happened))) in page and str(escape(urdu(rule.law))) in page
    assert "ضابطۂ فوجداری 1898" in page and 'lang="en"' not in page.split('id="row-table"')[1]


def test_the_methodology_prints_the_rules_table_the_flags_read() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate_rules_md.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    english = (ROOT / "docs" / "methodology.md").read_text("utf-8")
    urdu = (ROOT / "docs" / "methodology.ur.md").read_text("utf-8")
    for rule, spec in RULES.items():
        assert spec.law in english and f"(`{rule}`)" in urdu, rule


def test_a_stale_rules_table_is_caught(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import generate_rules_md as generator
    finally:
        sys.path.remove(str(ROOT / "docs"))
    stale = tmp_path / "methodology.md"
    stale.write_text(f"# M\n\n{generator.BEGIN}\n| old |\n{generator.END}\n", "utf-8")
    table = generator.rules_table(translations("en").gettext)
    assert generator.with_table(stale.read_text("utf-8"), table, stale) != stale.read_text("utf-8")
    assert table in generator.with_table(stale.read_text("utf-8"), table, stale)


def test_the_urdu_methodology_is_served_right_to_left_with_tables_for_a_phone(
    hostile_site: dict[str, Any],
) -> None:
    out: Path = hostile_site["out"]
    page = (out / "ur" / "methodology.html").read_text("utf-8")
    assert '<html lang="ur" dir="rtl">' in page
    assert "طریقۂ کار: لیجر کے اعداد و شمار کیسے نکالے جاتے ہیں" in page
    assert 'td data-label="کون سا قانون ٹوٹتا ہے"' in page
    assert re.search(
        r'<div class="table-wrap" role="region" aria-label="[^"]+" tabindex="0">'
        r'<p class="scroll-hint" lang="ur" dir="rtl" aria-hidden="true">[^<]+</p>\s*<table class="cards">',
        page,
    )
    assert "<!--" not in page.split("<main", 1)[1] and "&lt;!--" not in page
    english = (out / "en" / "methodology.html").read_text("utf-8")
    assert "how the ledger's figures are computed" in english
    assert 'td data-label="the law it breaks"' in english
