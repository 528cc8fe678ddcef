"""The site generator: what it publishes, what it never publishes, and how it rebuilds."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from typer.testing import CliRunner

import public_site
from cli.main import app
from ledger.export_layout import export_ledger
from ledger.log.tiles import entry_bundle
from ledger.service import Ledger
from ledger.statements import event_id_of_leaf
from public_site.build import FIGURE_PAGES, SECTION_PAGES, SECTIONS, build_site
from public_site.i18n import LANGUAGES, LOCALE_DIR, translations
from public_site.source import open_export_source, open_ledger_source
from tests.conftest import Recorder
from tests.site.city import HOSTILE_NAME, HOSTILE_REASON, SEALED_VALUES, site_files
from tests.site.conftest import build_from


def gettext(lang: str, text: str) -> str:
    return translations(lang).gettext(text)


def test_every_main_page_exists_in_english_and_urdu(hostile_site: dict[str, Any]) -> None:
    out: Path = hostile_site["out"]
    for lang in ("en", "ur"):
        for page in SECTION_PAGES:
            assert (out / lang / f"{page}.html").is_file(), f"{lang}/{page}.html"
    assert (out / "en" / "groups" / "lyari-front.html").is_file()
    assert (out / "ur" / "groups" / "kemari~dock.html").is_file()
    assert (out / "en" / "cases" / "FIR-1.html").is_file()
    assert (out / "en" / "feed.xml").is_file() and (out / "ur" / "feed.xml").is_file()
    assert (out / "index.html").is_file()


def test_the_sections_menu_links_every_section_page_in_order_in_its_language(
    hostile_site: dict[str, Any],
) -> None:
    for lang in ("en", "ur"):
        text = (hostile_site["out"] / lang / "groups" / "lyari-front.html").read_text("utf-8")
        menu = text[text.index('class="wrap sections"') :]
        menu = menu[: menu.index("</nav>")]
        linked = re.findall(rf'href="\.\./\.\./{lang}/(\w+)\.html"', menu)
        assert linked == list(SECTION_PAGES)
        shown = [gettext(lang, label) for _, label in SECTIONS]
        assert re.findall(r">([^<>]+)</a>", menu) == shown
    assert gettext("ur", "Groups") != "Groups"


def test_every_page_states_the_checkpoint_it_reflects_or_links_to_its_page(
    hostile_site: dict[str, Any],
) -> None:
    """Pages of figures name the checkpoint; the others (case pages above all) link to the checkpoint page,
    so a new checkpoint does not rewrite them, and name no checkpoint that would go stale."""
    with Ledger.open(hostile_site["db"]) as ledger:
        checkpoint = ledger.latest_checkpoint()
    assert checkpoint is not None
    root, size = checkpoint.root.hex(), f"<strong>{checkpoint.size}</strong>"
    for lang in ("en", "ur"):
        for page in (hostile_site["out"] / lang).rglob("*.html"):
            text = page.read_text("utf-8")
            stamp = text[text.index('<div class="wrap stamp"') :]
            stamp = stamp[: stamp.index("</div>")]
            name = page.relative_to(hostile_site["out"] / lang).as_posix()
            month = "-by-month-" in name  # a month of a table: its rows, keyed by them
            if not month and (
                name.split("-", 1)[0].removesuffix(".html") in FIGURE_PAGES
                or name.startswith("groups/")
            ):
                assert root[:16] in stamp and size in stamp, page
            elif name not in ("checkpoint.html", "verify.html"):  # they show the checkpoint
                assert f'{lang}/checkpoint.html">' in stamp, page
                assert root[:16] not in text, page
        text = (hostile_site["out"] / lang / "checkpoint.html").read_text("utf-8")
        assert root in text and size in text
    text = (hostile_site["out"] / "ur" / "cases" / "FIR-1.html").read_text("utf-8")
    assert '<html lang="ur" dir="rtl">' in text and gettext("ur", "See the checkpoint") in text
    assert gettext("ur", "See the checkpoint") != "See the checkpoint"


def test_urdu_pages_are_right_to_left_and_localised(hostile_site: dict[str, Any]) -> None:
    text = (hostile_site["out"] / "ur" / "index.html").read_text("utf-8")
    assert '<html lang="ur" dir="rtl">' in text
    assert "کیا وعدے سب کے ساتھ برابر پورے ہو رہے ہیں؟" in text
    assert 'href="../en/index.html"' in text


def test_hostile_names_and_reasons_are_escaped_everywhere(hostile_site: dict[str, Any]) -> None:
    raw = [
        "<script>alert(1)</script>",
        "onmouseover=alert(2) x=",
        "<img src=x onerror=alert(4)>",
        "<b>bold</b>",
    ]
    for path in site_files(hostile_site["out"]):
        if path.suffix not in (".html", ".xml", ".svg"):
            continue
        text = path.read_text("utf-8")
        for needle in raw:
            assert needle not in text.replace('" onmouseover', "").replace(
                "&#34; onmouseover", ""
            ), (path, needle)
        assert "<script>alert" not in text, path
    group_page = (hostile_site["out"] / "en" / "groups" / "lyari-front.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Lyari" in group_page
    assert HOSTILE_NAME not in group_page
    case_page = (hostile_site["out"] / "en" / "cases" / "FIR-1.html").read_text("utf-8")
    assert HOSTILE_REASON not in case_page and "&lt;img src=x onerror=alert(4)&gt;" in case_page


UNSEEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]")


def test_a_bidi_override_or_control_is_shown_as_its_code_on_pages_and_kept_in_the_data(
    hostile_site: dict[str, Any],
) -> None:
    """The hostile area holds RLO "evil" PDF, which a browser would show as "live", then ESC:
    every page shows them as their codes instead, while the log keeps the signed bytes."""
    out = hostile_site["out"]
    for path in site_files(out):
        if path.suffix in (".html", ".xml", ".svg"):
            assert not UNSEEN.search(path.read_text("utf-8")), path
    group_page = (out / "ur" / "groups" / "lyari-front.html").read_text("utf-8")
    assert "[U+202E]evil[U+202C][U+001B][31m" in group_page
    case_page = (out / "ur" / "cases" / "FIR-1.html").read_text("utf-8")
    assert "[U+202E]law" in case_page  # an entry of the case's timeline
    log = gzip.decompress((out / "data" / "export" / "log.jsonl.gz").read_bytes())
    assert json.dumps("\u202eevil\u202c\x1b[31m", ensure_ascii=False)[1:-1].encode() in log


def test_the_templates_print_marks_and_isolates_as_they_are_and_keep_markup_safe() -> None:
    from markupsafe import Markup

    from public_site.build import make_environment

    env = make_environment(LANGUAGES[1])
    template = env.from_string("<p>{{ text }}</p>{{ html }}")
    marks = "\u200f\u200e\u061c \u2067x\u2069"
    assert template.render(text=marks, html="") == f"<p>{marks}</p>"
    assert template.render(text="a\u202db<", html=Markup("<i>\u202bc</i>")) == (
        "<p>a[U+202D]b&lt;</p><i>[U+202B]c</i>"
    )
    assert template.render(text="\x00\ta\r\n\x85\x7f", html="") == (
        "<p>[U+0000]\ta\r\n[U+0085][U+007F]</p>"
    )


def test_nothing_sealed_is_published_by_the_hostile_city(hostile_site: dict[str, Any]) -> None:
    for path in site_files(hostile_site["out"]):
        data = path.read_bytes()
        for value in SEALED_VALUES:
            assert value.encode("utf-8") not in data, (path, value)


def test_nothing_sealed_is_published_from_a_simulated_city(simulated_site: dict[str, Any]) -> None:
    values = [
        v for v in simulated_site["manifest"]["sealed_values"] if isinstance(v, str) and len(v) >= 4
    ]
    assert values, "the simulator's manifest lists its sealed values"
    pattern = re.compile(
        "|".join(re.escape(v) for v in sorted(set(values), key=len, reverse=True)).encode("utf-8")
    )
    files = site_files(simulated_site["out"])
    assert any("tile/entries" in path.as_posix() for path in files), (
        "the log's entry bundles are scanned too"
    )
    for path in files:
        found = pattern.search(path.read_bytes())
        assert found is None, (path, found.group(0) if found else None)


def test_tiles_agree_with_the_ledgers_own_tiles_and_leaves(hostile_site: dict[str, Any]) -> None:
    out: Path = hostile_site["out"]
    with Ledger.open(hostile_site["db"]) as ledger:
        checkpoint = ledger.latest_checkpoint()
        assert checkpoint is not None
        size = checkpoint.size
        assert 0 < size < 256
        assert (out / "data" / "tile" / "0" / f"000.p/{size}").read_bytes() == b"".join(
            ledger.tree.tile_hashes(0, 0, size)
        )
        bundle = (out / "data" / "tile" / "entries" / f"000.p/{size}").read_bytes()
        assert bundle == entry_bundle([ledger.leaf_text(i).encode("utf-8") for i in range(size)])
        prefix = json.loads((out / "data" / "manifest.json").read_text("utf-8"))["id_prefix_length"]
        for event_id in hostile_site["ids"].values():
            shard = json.loads(
                (out / "data" / "ids" / f"{event_id[:prefix]}.json").read_text("utf-8")
            )
            index, proof_size, _ = ledger.inclusion_proof(event_id)
            assert shard[event_id] == index and proof_size == size
            assert event_id_of_leaf(ledger.leaf_text(index).encode("utf-8")) == event_id


def test_rebuilding_an_unchanged_ledger_rewrites_nothing(
    hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    first = build_from(hostile_site["db"], tmp_path / "site")
    second = build_from(hostile_site["db"], tmp_path / "site")
    assert first.files_written > 0
    assert second.files_written == 0 and second.files_removed == 0
    assert second.files_unchanged == first.files_written


@pytest.mark.parametrize("checked", [False, True], ids=["unchecked", "checked first"])
def test_a_ledger_grown_past_its_checkpoint_is_published_as_of_the_checkpoint(
    ledger: Ledger, recorder: Recorder, tmp_path: Path, checked: bool
) -> None:
    """Checked first (as ``ledger site build`` does), the leaves are read where they are
    stored; unchecked, from a pinned copy: either way only the checkpoint's are published."""
    ledger.append(
        [
            recorder.sign(
                "group.registered",
                "police",
                {
                    "group": "g-1",
                    "name": "First",
                    "kind": "other",
                    "area": "Lyari",
                    "affiliation": None,
                },
            )
        ]
    )
    checkpoint = ledger.sign_checkpoint()
    ledger.append(
        [
            recorder.sign(
                "group.registered",
                "police",
                {
                    "group": "g-2",
                    "name": "Unsigned Yet",
                    "kind": "other",
                    "area": "Lyari",
                    "affiliation": None,
                },
            )
        ]
    )
    if checked:
        ledger.verify_before_acting()
    source = open_ledger_source(ledger)
    try:
        result = build_site(source, tmp_path / "site")
    finally:
        source.close()
    assert result.proofs == checkpoint.size == 2
    manifest = json.loads((tmp_path / "site" / "data" / "manifest.json").read_text("utf-8"))
    assert manifest["tree_size"] == 2 and manifest["root"] == checkpoint.root.hex()
    assert (tmp_path / "site" / "en" / "groups" / "g-1.html").exists()
    assert not (tmp_path / "site" / "en" / "groups" / "g-2.html").exists()
    log = gzip.decompress((tmp_path / "site" / "data" / "export" / "log.jsonl.gz").read_bytes())
    assert len(log.splitlines()) == 2 and b"Unsigned Yet" not in log


def test_a_site_built_from_an_export_matches_the_site_built_from_the_ledger(
    hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    with Ledger.open(hostile_site["db"]) as ledger:
        export_ledger(ledger, tmp_path / "export")
    source = open_export_source(tmp_path / "export")
    try:
        build_site(source, tmp_path / "site")
    finally:
        source.close()

    def without_signing_time(
        text: str,
    ) -> str:  # only the database knows when a checkpoint was signed
        return re.sub(r'<div class="wrap stamp".*?</div>', "", text, flags=re.S)

    for page in (
        "en/index.html",
        "ur/groups.html",
        "en/releases.html",
        "data/reports/groups.csv",
        "en/feed.xml",
        "ur/feed.xml",
        "data/checkpoint",
    ):
        ours = (tmp_path / "site" / page).read_text("utf-8")
        assert without_signing_time(ours) == without_signing_time(
            (hostile_site["out"] / page).read_text("utf-8")
        ), page
    log = "data/export/log.jsonl.gz"
    assert (tmp_path / "site" / log).read_bytes() == (hostile_site["out"] / log).read_bytes()


def test_cli_builds_the_site_and_refuses_a_ledger_without_checkpoint(
    hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["site", "build", str(tmp_path / "site"), "--db", hostile_site["db"]]
    )
    assert result.exit_code == 0, result.output
    assert "Built" in result.output and (tmp_path / "site" / "en" / "verify.html").exists()
    empty = runner.invoke(
        app, ["site", "build", str(tmp_path / "other"), "--db", str(tmp_path / "none.db")]
    )
    assert empty.exit_code != 0


def test_the_sites_export_passes_the_check_the_downloads_page_tells_readers_to_run(
    hostile_site: dict[str, Any], tmp_path: Path
) -> None:
    """The five files the Downloads page lists pass ``ledger verify --export`` as they are
    downloaded, and again with log.jsonl.gz decompressed; decompressed, the log is the leaves
    of the entry bundles, in order."""
    from ledger.export_layout import check_export

    export = hostile_site["out"] / "data" / "export"
    downloads = (hostile_site["out"] / "en" / "downloads.html").read_text("utf-8")
    names = ("log.jsonl.gz", "checkpoints.txt", "checkpoint", "log.vkey", "manifest.json")
    assert sorted(p.name for p in export.iterdir()) == sorted(names)
    for name in names:
        assert f'data/export/{name}"' in downloads, name
    assert "gunzip log.jsonl.gz" in downloads
    copy = tmp_path / "downloaded"
    copy.mkdir()
    for name in names:
        (copy / name).write_bytes((export / name).read_bytes())
    as_downloaded = check_export(copy)
    assert as_downloaded.ok, [str(p) for p in as_downloaded.report.problems]
    (copy / "log.jsonl").write_bytes(gzip.decompress((copy / "log.jsonl.gz").read_bytes()))
    (copy / "log.jsonl.gz").unlink()
    checked = check_export(copy)
    assert checked.ok, [str(p) for p in checked.report.problems]
    assert checked.report.checkpoints == 1 and checked.checkpoint_size == checked.report.events > 0
    assert (as_downloaded.report.root, as_downloaded.report.events) == (
        checked.report.root,
        checked.report.events,
    )
    leaves = (copy / "log.jsonl").read_bytes().splitlines()
    bundles = sorted((hostile_site["out"] / "data" / "tile" / "entries").rglob("*"))
    in_bundles = b"".join(p.read_bytes() for p in bundles if p.is_file())
    assert in_bundles == entry_bundle(leaves)


def test_every_ui_string_has_an_urdu_translation() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "ur" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        urdu = {m.id: m.string for m in read_po(handle) if m.id}
    assert template <= set(urdu), sorted(template - set(urdu))[:5]
    untranslated = [k for k, v in urdu.items() if not v]
    assert not untranslated, untranslated[:5]


MARKED = re.compile(
    r"""\b(?:N_|_|gettext)\(\s*(?:"((?:[^"\\]|\\.)+)"|'((?:[^'\\]|\\.)+)')\s*[,)]"""
)


def marked_strings(root: Path) -> set[str]:
    """Every string marked for translation in the site's code and templates."""
    found = set()
    for path in root.rglob("*"):
        if path.suffix in {".py", ".html", ".xml"}:
            for match in MARKED.finditer(path.read_text("utf-8")):
                text = match.group(1) or match.group(2)
                if text != "…":  # the docstring's example of the marker itself
                    found.add(text.replace('\\"', '"'))
    return found


def test_every_marked_string_is_in_the_catalogs() -> None:
    """The template catalog can be stale; what the site marks is what must be translated."""
    marked = marked_strings(Path(public_site.__file__).parent)
    assert len(marked) > 300, "the scan must find the site's strings"
    with (LOCALE_DIR / "ur" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        urdu = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(s for s in marked if not urdu.get(s))
    assert not missing, missing[:10]


def test_the_marked_string_scan_finds_a_missing_label(tmp_path: Path) -> None:
    (tmp_path / "labels.py").write_text('RULES = {"x": N_("A label nobody translated")}\n')
    (tmp_path / "page.html").write_text("<p>{{ _('Another one') }}</p>\n")
    assert marked_strings(tmp_path) == {"A label nobody translated", "Another one"}


def test_the_build_reports_each_step_and_ends_at_the_total_it_announced(
    hostile_site: dict[str, Any],
) -> None:
    steps = hostile_site["steps"]
    totals = {total for _, _, total in steps}
    assert len(totals) == 1 and [done for _, done, _ in steps] == list(range(1, len(steps) + 1))
    assert steps[-1][1:] == (totals.pop(),) * 2 and steps[-1][0] == "done"
    assert sum(1 for what, _, _ in steps if what == "case pages") == len(
        list((hostile_site["out"] / "en" / "cases").glob("*.html"))
    )
