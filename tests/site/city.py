"""Ledgers to build the site from, recorded through the real signed path.

``record_hostile_city`` is a small city whose public data is hostile (a group
named with a script tag, reasons with attribute injections) and whose sealed
parts hold known values, so tests can check that markup is escaped and that
nothing sealed is published. ``simulated_city`` runs ``ledger simulate``
(with its manifest of sealed values) into a fresh database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app
from ledger.service import Ledger
from tests.conftest import Clock, Recorder
from tests.projections.signed_city import SignedCity

HOSTILE_NAME = '<script>alert(1)</script>Lyari " onmouseover=alert(2) x="'
HOSTILE_AREA = "Lyari <b>bold</b> \u202eevil\u202c\x1b[31m"
"""An area whose last word a browser would show reversed ("live"), by the RLO override, and
that ends with a terminal's escape sequence (ESC is not allowed in XML)."""
HOSTILE_REASON = '" onmouseover=alert(3) data-x="<img src=x onerror=alert(4)> \u202elaw'
"""Also on the case pages, whose entries are built outside the templates: its last word ends an
RLO override."""
SEALED_VALUES = [
    "Sealed Name Qadir Baloch",
    "42201-5555555-1",
    "House 9 Sealed Street",
    "Badge S-77-SEALED",
    "Officer Sealedname Khan",
    "Witness Sealed Farida",
]


def record_hostile_city(ledger: Ledger, recorder: Recorder, clock: Clock) -> SignedCity:
    """Two groups (one with a hostile name), a broken promise, an unexplained release, sealed details."""
    city = SignedCity(ledger, recorder, clock)
    r = city.record
    r(
        "g1",
        "group.registered",
        "police",
        {
            "group": "lyari-front",
            "name": HOSTILE_NAME,
            "kind": "criminal_gang",
            "area": HOSTILE_AREA,
            "affiliation": None,
        },
    )
    r(
        "g2",
        "group.registered",
        "police",
        {
            "group": "kemari:dock",
            "name": "Kemari Dock Gang",
            "kind": "criminal_gang",
            "area": "Kemari",
            "affiliation": "PX",
        },
    )
    r(
        "p1",
        "person.registered",
        "police",
        {"person": "P-1", "area": "Lyari", "birth_year": 1990},
        sealed={
            "name": SEALED_VALUES[0],
            "id_number": SEALED_VALUES[1],
            "address": SEALED_VALUES[2],
        },
    )
    r(
        "p2",
        "person.registered",
        "police",
        {"person": "P-2", "area": "Kemari", "birth_year": 1992},
        sealed={
            "name": "Sealed Second Person",
            "id_number": "42201-6666666-1",
            "address": "Sealed Lane",
        },
    )
    r(
        "m1",
        "membership.asserted",
        "police",
        {
            "person": "P-1",
            "group": "lyari-front",
            "role_in_group": "member",
            "basis": "FIR history",
        },
    )
    r(
        "m2",
        "membership.asserted",
        "police",
        {
            "person": "P-2",
            "group": "kemari:dock",
            "role_in_group": "member",
            "basis": "FIR history",
        },
    )
    r(
        "o1",
        "officer.registered",
        "police",
        {"officer": "OFF-1", "rank": "SI", "station": "Kalakot", "unit": "CPU"},
        sealed={"name": SEALED_VALUES[4], "badge_number": SEALED_VALUES[3]},
    )
    r(
        "w",
        "warning.issued",
        "police",
        {
            "warning": "W-1",
            "kind": "call_in",
            "groups": ["lyari-front", "kemari:dock"],
            "effective_from": clock.stamp(),
            "effective_until": clock.stamp(days=365),
            "covered_acts": ["shooting", "killing"],
            "covers_attacks_on_groups": True,
            "deadlines": {"arrest_hours": 48, "enforcement_days": 7, "charge_days": 14},
            "terms": "any shooting",
        },
    )
    r(
        "s1",
        "shooting.reported",
        "police",
        {
            "incident": "INC-1",
            "area": "Lyari",
            "killed": 1,
            "injured": 0,
            "source": "police",
            "description": HOSTILE_REASON,
        },
    )
    r(
        "a1",
        "shooting.attributed",
        "police",
        {
            "incident": "INC-1",
            "suspects": ["P-1"],
            "groups": ["lyari-front"],
            "target_groups": ["kemari:dock"],
            "basis": "witnesses",
            "confidence": "probable",
        },
    )
    r(
        "arrest1",
        "arrest.made",
        "police",
        {
            "case": "FIR-1",
            "person": "P-1",
            "incidents": ["INC-1"],
            "grounds": HOSTILE_REASON,
            "officer": "OFF-1",
            "station": "Kalakot",
        },
    )
    r(
        "release1",
        "release.recorded",
        "police",
        {
            "case": "FIR-1",
            "person": "P-1",
            "authorising_officer": "OFF-1",
            "legal_basis": "on_instructions",
            "order_event": None,
            "order_number": None,
            "reasons": HOSTILE_REASON,
            "instructions_from": "MPA <i>x</i>",
        },
        sealed={"reasons_naming": SEALED_VALUES[5]},
        hours=5,
    )
    r(
        "s2",
        "shooting.reported",
        "police",
        {
            "incident": "INC-2",
            "area": "Kemari",
            "killed": 0,
            "injured": 1,
            "source": "hospital",
            "description": "market",
        },
        hours=24,
    )
    r(
        "a2",
        "shooting.attributed",
        "police",
        {
            "incident": "INC-2",
            "suspects": ["P-2"],
            "groups": ["kemari:dock"],
            "target_groups": [],
            "basis": "b",
            "confidence": "confirmed",
        },
    )
    r(
        "arrest2",
        "arrest.made",
        "police",
        {
            "case": "FIR-2",
            "person": "P-2",
            "incidents": ["INC-2"],
            "grounds": "g",
            "officer": "OFF-1",
            "station": "Kemari",
        },
        hours=3,
    )
    r(
        "produce2",
        "custody.produced",
        "police",
        {
            "case": "FIR-2",
            "person": "P-2",
            "magistrate": "JM Kemari",
            "remand_granted": True,
            "remand_days": 7,
            "order_number": None,
        },
    )
    r(
        "action2",
        "enforcement.action",
        "police",
        {
            "action": "A-2",
            "group": "kemari:dock",
            "warning": "W-1",
            "kind": "raid",
            "incidents": ["INC-2"],
            "description": "raid",
        },
    )
    r(
        "charge2",
        "charge.filed",
        "prosecution",
        {"case": "FIR-2", "person": "P-2", "charges": ["PPC 324"], "prosecutor": "PR-1"},
        hours=24,
    )
    r(
        "mediation",
        "mediation.held",
        "interrupters",
        {
            "mediation": "M-1",
            "area": "Lyari",
            "groups": ["lyari-front", "kemari:dock"],
            "incident": "INC-1",
            "outcome": "ongoing",
            "participants_count": 4,
        },
        hours=24 * 20,
    )
    ledger.sign_checkpoint()
    return city


def simulated_city(directory: Path, months: int = 3) -> tuple[str, dict[str, Any]]:
    """Run ``ledger init`` and ``ledger simulate``; return (database path, manifest)."""
    runner = CliRunner()
    db, keys, manifest = directory / "sim.db", directory / "keys", directory / "manifest.json"
    for args in (
        ["init", "--db", str(db), "--keys", str(keys)],
        [
            "simulate",
            "--db",
            str(db),
            "--keys",
            str(keys),
            "--months",
            str(months),
            "--groups",
            "5",
            "--manifest",
            str(manifest),
        ],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return str(db), json.loads(manifest.read_text("utf-8"))


def site_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".site-state.json")
