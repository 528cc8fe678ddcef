"""The pages ``ledger serve`` shows people: the API's documentation and the site's 404 page.

The documentation pages must work on a machine with no internet, under a
Content-Security-Policy that forbids other hosts: a real browser (Debian's
Chromium) opens them from ``ledger serve`` on a loopback port and must see
every operation rendered with no request leaving 127.0.0.1. A mistyped site
address gets the site's HTML page in the address's language; the API's
addresses keep their problem+json answers.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.docs import ASSETS
from api.settings import Settings
from ledger.errors import DocsAssetMissing, InvalidArgument
from ledger.keyring import Keyring
from tests.api.conftest import small_ledger
from tests.conftest import Clock
from tests.reliability.support import LEDGER_CMD, serving
from tests.site.browser import PageWatch, axe_violations
from tests.site.conftest import build_from

OPERATIONS = {"/docs": (".opblock", ())}
"""Each documentation page, the element it renders once per operation, and what it tries to
load from elsewhere (nothing)."""


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory, shared_keyring: Keyring) -> dict[str, Any]:
    """A small chartered ledger with a checkpoint, and its site built once."""
    root = tmp_path_factory.mktemp("served-pages")
    db = str(root / "ledger.db")
    small_ledger(db, shared_keyring, Clock())
    build_from(db, root / "site")
    return {"db": db, "keys": shared_keyring.directory, "site": root / "site"}


@pytest.fixture(scope="module")
def client(city: dict[str, Any]) -> Iterator[TestClient]:
    app = create_app(Settings(db=city["db"], site_dir=city["site"]))
    with TestClient(app) as test_client:
        yield test_client


# --- the site's 404 page, and the API's problem+json ---------------------------------


@pytest.mark.parametrize(
    ("path", "lang", "direction", "heading"),
    [
        ("/en/no-such-page.html", "en", "ltr", "Page not found"),
        ("/en/groups/no/such/group.html", "en", "ltr", "Page not found"),
        ("/ur/casez.html", "ur", "rtl", "صفحہ نہیں ملا"),
        ("/ur/cases/FIR-404.html", "ur", "rtl", "صفحہ نہیں ملا"),
        ("/no-such-page", "en", "ltr", "Page not found"),
    ],
)
def test_a_mistyped_site_address_gets_the_sites_404_page_in_its_language(
    client: TestClient, path: str, lang: str, direction: str, heading: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}" dir="{direction}">' in answer.text
    assert f"<h1>{heading}</h1>" in answer.text
    assert f'href="/{lang}/index.html"' in answer.text  # home, from any depth
    assert 'href="/static/site.css"' in answer.text


def test_an_existing_site_page_is_served_as_it_was_built(client: TestClient) -> None:
    answer = client.get("/ur/index.html")
    assert answer.status_code == 200
    assert '<html lang="ur" dir="rtl">' in answer.text and "صفحہ نہیں ملا" not in answer.text


def test_the_compressed_log_is_served_as_a_gzip_file_that_gives_back_the_log(
    client: TestClient,
) -> None:
    answer = client.get("/data/export/log.jsonl.gz")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in answer.headers  # the file itself, not a compressed transfer
    lines = gzip.decompress(answer.content).splitlines()
    assert len(lines) == json.loads(client.get("/data/manifest.json").text)["tree_size"] > 0


@pytest.mark.parametrize("path", ["/v1/no-such-thing", "/v1", "/v1/reports/groups/extra"])
def test_an_unknown_api_address_keeps_its_problem_json_answer(
    client: TestClient, path: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "not_found"


def test_a_site_directory_without_the_404_page_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>an old build</p>")
    with pytest.raises(InvalidArgument) as refused:
        create_app(Settings(db=str(tmp_path / "ledger.db"), site_dir=tmp_path))
    assert refused.value.field == "LEDGER_SITE"
    assert "404.html" in refused.value.message and "ledger site build" in refused.value.message


# --- the documentation pages' files ---------------------------------------------------


def test_the_docs_pages_load_only_files_of_this_server(client: TestClient) -> None:
    for path in OPERATIONS:
        answer = client.get(path)
        assert answer.status_code == 200
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self';" in policy
        sources = re.findall(r'(?:src|href)="([^"]+)"', answer.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200, source
    refused = client.get("/docs/assets/swagger-ui-bundle.js.map")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_the_app_refuses_to_start_without_the_docs_packages(tmp_path: Path) -> None:
    with pytest.raises(DocsAssetMissing) as refused:
        create_app(Settings(db=str(tmp_path / "ledger.db"), node_modules=tmp_path))
    assert refused.value.field == "LEDGER_NODE_MODULES"
    assert "npm install" in refused.value.message and "swagger-ui-dist" in refused.value.message


def test_ledger_serve_refuses_to_start_without_the_docs_packages(
    city: dict[str, Any], tmp_path: Path
) -> None:
    served = subprocess.run(
        [LEDGER_CMD, "serve", "--db", city["db"], "--keys", str(city["keys"]), "--port", "0"],
        env={**os.environ, "LEDGER_NODE_MODULES": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 2, served.stderr
    assert "docs_asset_missing" in served.stderr and "npm install" in served.stderr
    assert "Traceback" not in served.stderr + served.stdout


def test_every_npm_asset_is_a_pinned_dependency() -> None:
    import json

    manifest = json.loads((Path(__file__).resolve().parents[2] / "package.json").read_text())
    packages = {a.package for a in ASSETS.values() if a.package is not None}
    assert packages == {"swagger-ui-dist"}
    for package in packages:
        assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["dependencies"][package]), package


# --- in a real browser, from `ledger serve` -------------------------------------------


@pytest.fixture(scope="module")
def server(city: dict[str, Any]) -> Iterator[str]:
    """``ledger serve --site`` on a loopback port the system picks; its address."""
    with serving(city["db"], city["keys"], "--site", str(city["site"])) as address:
        yield address


class Network:
    """Every request a page makes, and those that reached the network for another host."""

    def __init__(self, context: Any, address: str) -> None:
        self.requested: list[str] = []
        self.left: list[str] = []
        host = urlsplit(address).hostname

        def elsewhere(url: str) -> bool:
            return urlsplit(url).hostname != host

        def stop(route: Any) -> None:
            self.left.append(route.request.url)
            route.abort()

        self.blocked: list[str] = []
        context.route(elsewhere, stop)  # called only for what would go out on the network
        context.on("request", lambda r: self.requested.append(r.url))
        context.on(
            "requestfailed",
            lambda r: self.blocked.append(r.url) if r.failure == "csp" else None,
        )

    def other_hosts(self) -> list[str]:
        return [
            u
            for u in self.requested
            if not u.startswith("data:")
            and urlsplit(u.removeprefix("blob:")).hostname != "127.0.0.1"
        ]


@pytest.mark.parametrize("path", list(OPERATIONS))
def test_the_api_docs_render_every_operation_without_leaving_this_machine(
    browser: Any, server: str, client: TestClient, path: str
) -> None:
    schema = client.get("/openapi.json").json()
    operations = sum(len(methods) for methods in schema["paths"].values())
    selector, refused_by_policy = OPERATIONS[path]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    network = Network(context, server)
    page = context.new_page()
    watch = PageWatch(page, server)
    page.goto(server + path)
    page.wait_for_selector(selector)
    page.wait_for_load_state("networkidle")
    rendered = page.locator(selector).count()
    context.close()
    assert rendered == operations > 10
    assert network.left == [], network.left
    assert network.other_hosts() == list(refused_by_policy) == network.blocked
    assert [e for e in watch.errors if not any(url in e for url in refused_by_policy)] == []


@pytest.mark.parametrize(("lang", "heading"), [("en", "Page not found"), ("ur", "صفحہ نہیں ملا")])
def test_a_reader_who_mistypes_an_address_reads_why_in_their_language_and_finds_home(
    browser: Any, server: str, lang: str, heading: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    network = Network(context, server)
    page = context.new_page()
    watch = PageWatch(page, server)
    answer = page.goto(f"{server}/{lang}/cases/no/such/case.html")
    assert answer.status == 404
    assert page.locator("h1").inner_text() == heading
    assert page.evaluate("getComputedStyle(document.body).direction") == (
        "rtl" if lang == "ur" else "ltr"
    )
    violations = axe_violations(page)
    page.locator("main a").first.click()
    page.wait_for_load_state()
    home = page.url
    context.close()
    assert violations == []
    assert home == f"{server}/{lang}/index.html"
    assert network.left == [] and network.other_hosts() == []
    assert [e for e in watch.errors if "404" not in e] == []
