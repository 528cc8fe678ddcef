"""The Atom feeds, one per language: well-formed, absolute, in their language, linked from every page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.errors import InvalidArgument
from public_site.feeds import DEFAULT_BASE_URL, parse_base_url

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
URDU_SCRIPT = re.compile("[\u0600-\u06ff]")


def feed(out: Path, lang: str) -> ET.Element:
    return ET.parse(out / lang / "feed.xml").getroot()  # raises on a feed that is not well-formed


def absolute_links(root: ET.Element) -> list[str]:
    return [link.attrib["href"] for link in root.iter(f"{ATOM}link")]


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_each_language_has_a_well_formed_atom_feed_with_absolute_ids_and_links(
    hostile_site: dict[str, Any], lang: str
) -> None:
    out: Path = hostile_site["out"]
    root = feed(out, lang)
    assert root.tag == f"{ATOM}feed" and root.attrib[XML_LANG] == lang
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= 2, "the hostile city has a flag and a broken promise"
    ids = [e.findtext(f"{ATOM}id") or "" for e in [root, *entries]]
    assert all(urlsplit(i).scheme for i in ids) and len(set(ids)) == len(ids), ids
    for entry in entries:
        assert entry.findtext(f"{ATOM}updated") and entry.findtext(f"{ATOM}title")
    links = absolute_links(root)
    assert links and all(h.startswith(DEFAULT_BASE_URL) for h in links), links
    for href in links:
        assert (out / href[len(DEFAULT_BASE_URL) :]).is_file(), href
    assert f"{DEFAULT_BASE_URL}{lang}/feed.xml" in links
    titles = " ".join(e.findtext(f"{ATOM}title") or "" for e in entries)
    assert bool(URDU_SCRIPT.search(titles)) == (lang == "ur"), titles


def test_the_feeds_say_what_happened_and_the_law_in_their_language(
    hostile_site: dict[str, Any],
) -> None:
    summaries = {
        lang: " ".join(s.text or "" for s in feed(hostile_site["out"], lang).iter(f"{ATOM}summary"))
        for lang in ("en", "ur")
    }
    assert "Code of Criminal Procedure 1898, section 63" in summaries["en"]
    assert "مجموعہ ضابطۂ فوجداری 1898، دفعہ 63" in summaries["ur"]
    codes = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", summaries["en"] + summaries["ur"])
    assert not codes, "rules, statuses and steps are worded, not coded"
    assert "done in time" in summaries["en"] and "وقت پر ہوا" in summaries["ur"]


def test_every_page_links_both_feeds(hostile_site: dict[str, Any]) -> None:
    out: Path = hostile_site["out"]
    alternate = re.compile(
        r'<link rel="alternate" type="application/atom\+xml" hreflang="(\w+)"[^>]* href="([^"]+)"'
    )
    pages = list(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        found = dict(alternate.findall(page.read_text("utf-8")))
        assert set(found) == {"en", "ur"}, page
        for lang, href in found.items():
            # A 404 page is shown at any mistyped address, so its links start at the root.
            where = "/" if page.name == "404.html" else ""
            target = urljoin(where + page.relative_to(out).as_posix(), href)
            assert target == f"{where}{lang}/feed.xml", (page, href)


def test_the_base_url_makes_the_feed_links(hostile_site: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(
        app,
        [
            "site",
            "build",
            str(out),
            "--db",
            hostile_site["db"],
            "--base-url",
            "https://news.example/ledger",
        ],
    )
    assert result.exit_code == 0, result.output
    for lang in ("en", "ur"):
        links = absolute_links(feed(out, lang))
        assert all(h.startswith("https://news.example/ledger/") for h in links), links


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("ftp://news.example/", "http:// or https://"),
        ("news.example", "http:// or https://"),
        ("http://", "no host"),
        ("https://editor:secret@news.example/", "user name or password"),
        ("https://news.example/?page=1", "query"),
        ("https://news.example/#top", "fragment"),
        ("https://news.example:99999/", "port"),
        ("https://news.example/my site", "spaces"),
        ("", "empty"),
    ],
)
def test_a_bad_base_url_is_refused_before_anything_is_written(
    hostile_site: dict[str, Any], tmp_path: Path, bad: str, why: str
) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(why)) as refused:
        parse_base_url(bad)
    assert refused.value.field == "base_url"
    out = tmp_path / "site"
    result = CliRunner().invoke(
        app, ["site", "build", str(out), "--db", hostile_site["db"], "--base-url", bad]
    )
    assert result.exit_code != 0 and "--base-url" in result.output and why in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_good_base_url_is_kept_with_one_final_slash() -> None:
    assert parse_base_url("http://127.0.0.1:8000") == DEFAULT_BASE_URL
    assert parse_base_url("HTTPS://news.example/a/b/") == "https://news.example/a/b/"
