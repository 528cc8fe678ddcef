"""The desk in Chromium, served by ``ledger serve`` on a loopback port over a real ledger.

The court's story is recorded through the signed path into a SQLite file
(and, for one test, a PostgreSQL schema): a city, an arrest, a charge, each
person's name sealed to the court and the committee. The server's own
background signer keeps the checkpoint current.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.sealing import load_sealing_key, save_sealing_key
from tests.reliability.support import serving
from tests.vocabulary.conftest import Scene

CASE = "FIR-112-2026-KALAKOT"
NAME = "Zarina Bibi Qalandrani"
"""The name sealed in P-17's registration: the browser must show it and never send it."""
SEAL_PASSPHRASE = "chenab seal 1956"
"""The passphrase of the court's sealing key written protected: typed into the page, never sent."""


@dataclass
class Desk:
    """A served ledger: its address, its keys directory and the story's event ids."""

    url: str
    keys: Path
    ids: dict[str, str]
    scene: Scene
    protected_seal_key: Path
    """The court's sealing key again, protected by ``SEAL_PASSPHRASE`` as ``ledger`` writes it."""


def court_story(scene: Scene) -> dict[str, str]:
    """P-17 (whose name is sealed) is arrested, produced and charged in one case."""
    scene.record("group.registered", group="lyari-gang", name="Lyari Gang")
    ids = {"person": scene.record("person.registered", person="P-17", sealed={"name": NAME})}
    scene.record("membership.asserted", person="P-17", group="lyari-gang")
    scene.record("officer.registered", officer="OFF-3")
    scene.record("shooting.reported", incident="INC-2026-0412")
    ids["arrest"] = scene.arrest(CASE, "P-17")
    ids["produced"] = scene.record("custody.produced", case=CASE, person="P-17")
    ids["charge"] = scene.charge(CASE, "P-17")
    scene.ledger.sign_checkpoint()
    return ids


def desk_over(root: Path, db: str | None = None) -> Iterator[Desk]:
    """The court's story in a new ledger (SQLite in ``root``, or ``db``), served; stops after."""
    scene = Scene.create(root, db)
    try:
        ids = court_story(scene)
    finally:
        scene.ledger.close()
    keys = scene.keyring.directory
    protected = root / "protected" / "court.seal.key"
    court = load_sealing_key(keys / "court.seal.key", None)
    protected.parent.mkdir()
    save_sealing_key(protected, court, SEAL_PASSPHRASE.encode())
    with serving(db or str(root / "ledger.db"), keys) as address:
        yield Desk(address, keys, ids, scene, protected)


@pytest.fixture(scope="session")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One server for every module here: the tests only add statements (a hearing) that no
    other test counts, so they share the ledger and pay for one story and one server."""
    yield from desk_over(tmp_path_factory.mktemp("desk"))


@pytest.fixture
def page(browser: Any, desk: Desk) -> Iterator[Any]:
    """A fresh page on the desk's origin (an empty page, so modules import from there)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.goto(desk.url + "/desk/js/hpke.js")
    yield tab
    context.close()
