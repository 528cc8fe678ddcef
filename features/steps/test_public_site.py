"""Steps for features/public_site.feature: a real signed ledger, the built site, Debian's Chromium."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_bdd import given, scenarios, then, when
from typer.testing import CliRunner

from cli.main import app
from ledger.service import Ledger
from public_site.build import build_site
from public_site.source import open_ledger_source
from tests.conftest import Clock, Recorder
from tests.site.browser import PageWatch, SiteServer
from tests.site.city import record_hostile_city

scenarios("public_site.feature")


@pytest.fixture
def journalist(browser: Any) -> Iterator[dict[str, Any]]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield {"page": context.new_page()}
    context.close()


@given(
    "the Lyari front and the Kemari dock gang were warned, and each was the subject of a shooting",
    target_fixture="city",
)
def city(ledger: Ledger, recorder: Recorder, clock: Clock) -> dict[str, str]:
    return record_hostile_city(ledger, recorder, clock).ids


@given("the public site was built from the latest signed checkpoint", target_fixture="site")
def site(ledger: Ledger, tmp_path: Path, journalist: dict[str, Any]) -> Iterator[dict[str, Any]]:
    source = open_ledger_source(ledger)
    try:
        build_site(source, tmp_path / "site")
    finally:
        source.close()
    checkpoint = ledger.latest_checkpoint()
    with SiteServer(tmp_path / "site") as server:
        journalist["watch"] = PageWatch(journalist["page"], server.url)
        yield {"url": server.url, "checkpoint": checkpoint}


@when("she opens the English home page")
def open_home(journalist: dict[str, Any], site: dict[str, Any]) -> None:
    journalist["page"].goto(site["url"] + "en/index.html")


@then("she sees the number of promises kept and broken")
def sees_headline(journalist: dict[str, Any]) -> None:
    headline = journalist["page"].inner_text(".headline")
    assert "promises kept" in headline and "promises broken" in headline


@then(
    "the Kemari dock gang's promise is shown as kept, the unpursued attack on it as broken,"
    " and the Lyari front's as broken"
)
def per_group(journalist: dict[str, Any]) -> None:
    page = journalist["page"]

    def figures(group: str) -> dict[str, str]:
        card = page.locator(".group-card", has_text=group).first
        return {
            figure: card.locator(f"[data-figure='{figure}'] dd").inner_text().split("\n")[0]
            for figure in ("triggers", "kept", "broken", "pending")
        }

    # the Lyari front's shooting at the protected Kemari gang counts under the group attacked
    assert figures("Kemari Dock Gang") == {
        "triggers": "2",
        "kept": "1",
        "broken": "1",
        "pending": "0",
    }
    assert figures("Lyari") == {"triggers": "1", "kept": "0", "broken": "1", "pending": "0"}


@then("the page names the checkpoint's tree size and root")
def names_checkpoint(journalist: dict[str, Any], site: dict[str, Any]) -> None:
    stamp = journalist["page"].inner_text(".stamp")
    assert str(site["checkpoint"].size) in stamp and site["checkpoint"].root.hex()[:16] in stamp
    assert not journalist["watch"].errors and not journalist["watch"].dialogs


@when("she switches the language to Urdu")
def switch(journalist: dict[str, Any]) -> None:
    journalist["page"].click("a.switch-to-ur")
    journalist["page"].wait_for_load_state()  # the click returns once the page is committed


@then("the page is in Urdu and reads right to left")
def in_urdu(journalist: dict[str, Any]) -> None:
    page = journalist["page"]
    assert page.url.endswith("/ur/index.html")
    assert page.evaluate(
        "[document.documentElement.lang, getComputedStyle(document.body).direction]"
    ) == ["ur", "rtl"]
    assert "وعدے" in page.inner_text("h1")


@when("she opens the Lyari front's page in Urdu on her phone")
def open_group_on_phone(journalist: dict[str, Any], site: dict[str, Any]) -> None:
    page = journalist["page"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site["url"] + "ur/groups/lyari-front.html")


@when("she follows the first month its flagged releases are counted in")
def follow_flag_month(journalist: dict[str, Any]) -> None:
    page = journalist["page"]
    page.locator("a[href*='/releases-by-month-']").first.click()
    page.wait_for_load_state()
    assert "/ur/releases-by-month-" in page.url and "?group=lyari-front" in page.url


@then(
    "the month's page is set to the Lyari front and shows its flags, each with the law it breaks in Urdu"
)
def only_the_groups_flags(journalist: dict[str, Any]) -> None:
    page = journalist["page"]
    expect(page.locator("#row-filters select[data-filter='group']")).to_have_value("lyari-front")
    shown = page.locator("#row-table tbody tr:visible")
    rows = page.locator("#row-table tbody tr")
    # the script hides the other groups' rows once the page has loaded: wait for it
    expect(shown).to_have_count(
        sum(1 for r in rows.all() if "lyari-front" in str(r.get_attribute("data-group")).split())
    )
    assert shown.count() >= 1
    for row in shown.all():
        assert "lyari-front" in str(row.get_attribute("data-group")).split()
        assert "ضابطۂ فوجداری 1898" in row.locator(".flag-law small").inner_text()


@then("the page is no wider than her phone's screen")
def fits_the_phone(journalist: dict[str, Any]) -> None:
    page = journalist["page"]
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@when("she opens the verify page for the release of the Lyari front's member")
def open_verify(journalist: dict[str, Any], site: dict[str, Any], city: dict[str, str]) -> None:
    journalist["page"].goto(site["url"] + f"en/verify.html#{city['release1']}")


def _result(page: Any) -> str:
    page.wait_for_selector(
        "#verify-result[data-state='valid'], #verify-result[data-state='invalid']"
    )
    return str(page.get_attribute("#verify-result", "data-state"))


@then("the page says the event is valid")
def says_valid(journalist: dict[str, Any]) -> None:
    assert _result(journalist["page"]) == "valid"


@when("she changes the legal basis in the statement and verifies again")
def tamper(journalist: dict[str, Any]) -> None:
    page = journalist["page"]
    page.fill("#leaf-text", page.input_value("#leaf-text").replace("on_instructions", "bail_s497"))
    page.click("#verify-button")


@then("the page says the event is invalid")
def says_invalid(journalist: dict[str, Any]) -> None:
    assert _result(journalist["page"]) == "invalid"


EXPORT_FILES = ("log.jsonl.gz", "checkpoints.txt", "checkpoint", "log.vkey", "manifest.json")


@when("she downloads the five files of the site's export as they are")
def download_export(journalist: dict[str, Any], site: dict[str, Any], tmp_path: Path) -> None:
    folder = tmp_path / "downloaded"
    folder.mkdir()
    for name in EXPORT_FILES:
        with urllib.request.urlopen(site["url"] + f"data/export/{name}") as answer:
            (folder / name).write_bytes(answer.read())
    journalist["export"] = folder


@when('she runs "ledger verify --export" on the directory')
def run_verify(journalist: dict[str, Any]) -> None:
    folder = journalist["export"]
    journalist["verified"] = CliRunner().invoke(app, ["verify", "--export", str(folder)])


@then("it says the log is OK up to the site's checkpoint")
def says_ok(journalist: dict[str, Any], site: dict[str, Any]) -> None:
    result = journalist["verified"]
    said = " ".join(result.output.split())
    size = site["checkpoint"].size
    assert result.exit_code == 0, result.output
    assert f"OK: {size} events" in said and f"latest at size {size}" in said


@when("a download of the compressed log is cut short and she runs the check again")
def cut_short(journalist: dict[str, Any]) -> None:
    log = journalist["export"] / "log.jsonl.gz"
    log.write_bytes(log.read_bytes()[: len(log.read_bytes()) // 2])
    run_verify(journalist)


@then("the check fails and names the damaged download")
def names_damage(journalist: dict[str, Any]) -> None:
    result = journalist["verified"]
    said = " ".join(result.output.split())
    assert result.exit_code == 5, result.output
    assert "log.jsonl.gz cannot be decompressed" in said and "Traceback" not in result.output
