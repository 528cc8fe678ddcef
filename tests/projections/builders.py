"""Statement dicts as the log stores them, built by hand for projection unit tests.

Projections are pure functions of statement dicts, so these tests need no
ledger: ``CityLog`` hands out log positions and content-like ids, and knows the
contract's field names so each test states only what matters to it. The data
of every statement is valid for its type (``ledger schema``): the facts fold it
with the typed evolve functions, which refuse anything else. The rules are not
applied, so a test may record what the ledger would refuse (a step in a case
nobody opened, an officer never registered) to show how a report reads it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto import public_key_text
from ledger.keyring import Keyring
from ledger.projections.facts import Facts
from ledger.projections.service import statements_from_ledger
from ledger.simulation import CityConfig, simulate
from tests.conftest import Clock, chartered_ledger

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def simulated_statements(
    keyring: Keyring, path: Path, city: CityConfig, now: datetime
) -> list[dict[str, Any]]:
    """The statements of ``city`` simulated through the signed path into a ledger at
    ``path``, in log order."""
    ledger = chartered_ledger(str(path), keyring, Clock(now))
    simulate(ledger, keyring.directory, city, workers=1, batch_size=500)
    out = list(statements_from_ledger(ledger))
    ledger.close()
    return out


def at(**delta: float) -> str:
    return (T0 + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


RECORDERS = {
    "police": "police",
    "court": "court",
    "prosecution": "prosecutor",
    "committee": "committee",
    "interrupters": "interrupters",
}


def public_key_of(institution: str) -> str:
    """A real Ed25519 public key, the same for the same institution in every test."""
    seed = hashlib.sha256(institution.encode()).digest()
    return public_key_text(Ed25519PrivateKey.from_private_bytes(seed).public_key())


class CityLog:
    """A growing list of statement dicts, each with event_id and leaf_index."""

    def __init__(self, *, custody_limit_hours: int = 24, remand_limit_days: int = 15) -> None:
        self.statements: list[dict[str, Any]] = []
        self.add(
            "ledger.chartered",
            "committee",
            {
                "name": "test",
                "origin": "test/log",
                "log_key": "k",
                "institutions": [
                    {"id": i, "name": i, "role": r, "signing_keys": [public_key_of(i)]}
                    for i, r in RECORDERS.items()
                ],
                "policy": {
                    "custody_limit_hours": custody_limit_hours,
                    "remand_limit_days": remand_limit_days,
                },
            },
            at(),
        )

    def add(
        self, type: str, recorder: str, data: dict[str, Any], occurred_at: str, sealed: bool = False
    ) -> str:
        index = len(self.statements)
        event_id = hashlib.sha256(f"{index}:{type}:{occurred_at}".encode()).hexdigest()
        statement = {
            "type": type,
            "recorder": recorder,
            "key_id": f"key-{recorder}",
            "occurred_at": occurred_at,
            "recorded_at": occurred_at,
            "data": data,
            "refs": [],
            "event_id": event_id,
            "leaf_index": index,
        }
        if sealed:
            statement["sealed"] = {"alg": "test", "ciphertext": "opaque"}
        self.statements.append(statement)
        return event_id

    def facts(self) -> Facts:
        return Facts().apply_all(self.statements)

    # --- the contract's vocabulary, with defaults -------------------------------------------------
    def group(self, group: str, when: str | None = None) -> str:
        return self.add(
            "group.registered",
            "police",
            {
                "group": group,
                "name": group.title(),
                "kind": "political_wing",
                "area": "Lyari",
                "affiliation": None,
            },
            when or at(),
        )

    def person(self, person: str, group: str | None = None, when: str | None = None) -> str:
        eid = self.add(
            "person.registered",
            "police",
            {"person": person, "area": "Lyari", "birth_year": 1990},
            when or at(),
            sealed=True,
        )
        if group:
            self.add(
                "membership.asserted",
                "police",
                {
                    "person": person,
                    "group": group,
                    "role_in_group": "member",
                    "basis": "intelligence",
                },
                when or at(),
            )
        return eid

    def officer(self, officer: str, station: str = "Kalakot", when: str | None = None) -> str:
        return self.add(
            "officer.registered",
            "police",
            {"officer": officer, "rank": "SI", "station": station, "unit": "Ceasefire"},
            when or at(),
            sealed=True,
        )

    def transfer(
        self, officer: str, when: str, from_station: str = "Kalakot", to_station: str = "Lines"
    ) -> str:
        return self.add(
            "officer.transferred",
            "police",
            {
                "officer": officer,
                "from_station": from_station,
                "to_station": to_station,
                "order_ref": f"T-{len(self.statements)}",
                "ordered_by": "DIG South",
                "reason": "admin",
            },
            when,
        )

    def warning(
        self,
        warning: str,
        groups: list[str],
        *,
        arrest_hours: int = 48,
        enforcement_days: int = 7,
        charge_days: int = 14,
        attacks: bool = False,
        until_days: float = 365,
    ) -> str:
        return self.add(
            "warning.issued",
            "police",
            {
                "warning": warning,
                "kind": "call_in",
                "groups": groups,
                "effective_from": at(),
                "effective_until": at(days=until_days),
                "covered_acts": ["shooting", "killing"],
                "covers_attacks_on_groups": attacks,
                "deadlines": {
                    "arrest_hours": arrest_hours,
                    "enforcement_days": enforcement_days,
                    "charge_days": charge_days,
                },
                "terms": "any shooting brings a crackdown",
            },
            at(),
        )

    def shooting(
        self,
        incident: str,
        when: str,
        *,
        suspects: list[str] | None = None,
        groups: list[str] | None = None,
        targets: list[str] | None = None,
    ) -> str:
        """A shooting reported, and attributed when it names a suspect or a group."""
        eid = self.add(
            "shooting.reported",
            "police",
            {
                "incident": incident,
                "area": "Lyari",
                "killed": 1,
                "injured": 0,
                "source": "police",
                "description": "x",
            },
            when,
        )
        if not (suspects or groups or targets):
            return eid
        self.add(
            "shooting.attributed",
            "police",
            {
                "incident": incident,
                "suspects": suspects or [],
                "groups": groups or [],
                "target_groups": targets or [],
                "basis": "witnesses",
                "confidence": "probable",
            },
            when,
        )
        return eid

    def arrest(
        self,
        case: str,
        person: str,
        when: str,
        incidents: list[str] | None = None,
        officer: str = "OFF-1",
        **extra: Any,
    ) -> str:
        return self.add(
            "arrest.made",
            "police",
            {
                "case": case,
                "person": person,
                "incidents": incidents or [],
                "grounds": "named",
                "officer": officer,
                "station": "Kalakot",
                **extra,
            },
            when,
        )

    def produce(self, case: str, person: str, when: str, remand_days: int = 0, **extra: Any) -> str:
        return self.add(
            "custody.produced",
            "police",
            {
                "case": case,
                "person": person,
                "magistrate": "JM",
                "remand_granted": remand_days > 0,
                "remand_days": remand_days,
                "order_number": None,
                **extra,
            },
            when,
        )

    def order(
        self, case: str, person: str, when: str, kind: str = "release", number: str = "ORD-1"
    ) -> str:
        return self.add(
            "court.order_issued",
            "court",
            {
                "case": case,
                "person": person,
                "order_number": number,
                "kind": kind,
                "judge": "J-1",
                "terms": "t",
            },
            when,
        )

    def bail(self, case: str, person: str, when: str, section: str = "s497") -> str:
        return self.add(
            "bail.granted",
            "court",
            {
                "case": case,
                "person": person,
                "section": section,
                "order_number": "BAIL-1",
                "judge": "J-1",
                "conditions": "c",
            },
            when,
        )

    def release(
        self,
        case: str,
        person: str,
        when: str,
        basis: str,
        order_event: str | None = None,
        instructions_from: str | None = None,
        officer: str = "OFF-9",
    ) -> str:
        return self.add(
            "release.recorded",
            "police",
            {
                "case": case,
                "person": person,
                "authorising_officer": officer,
                "legal_basis": basis,
                "order_event": order_event,
                "order_number": None,
                "reasons": "r",
                "instructions_from": instructions_from,
            },
            when,
        )

    def charge(self, case: str, person: str, when: str, charges: list[str] | None = None) -> str:
        return self.add(
            "charge.filed",
            "prosecution",
            {
                "case": case,
                "person": person,
                "charges": charges or ["PPC 302"],
                "prosecutor": "PR-1",
            },
            when,
        )

    def verdict(
        self, case: str, person: str, when: str, verdict: str = "convicted", section: str = "trial"
    ) -> str:
        return self.add(
            "verdict.delivered",
            "court",
            {
                "case": case,
                "person": person,
                "verdict": verdict,
                "section": section,
                "judge": "J-1",
            },
            when,
        )

    def sentence(self, case: str, person: str, when: str, months: int = 3) -> str:
        return self.add(
            "sentence.imposed",
            "court",
            {
                "case": case,
                "person": person,
                "sentence": "s",
                "custodial_months": months,
                "judge": "J-1",
            },
            when,
        )

    def action(
        self, group: str, when: str, incidents: list[str] | None = None, warning: str | None = None
    ) -> str:
        return self.add(
            "enforcement.action",
            "police",
            {
                "action": f"ACT-{len(self.statements)}",
                "group": group,
                "warning": warning,
                "kind": "raid",
                "incidents": incidents or [],
                "description": "d",
            },
            when,
        )

    def instruction(self, case: str, when: str, instruction: str = "release") -> str:
        return self.add(
            "instruction.reported",
            "police",
            {
                "case": case,
                "officer": "OFF-1",
                "instructed_by": "MPA",
                "instruction": instruction,
                "received_at": when,
            },
            when,
        )

    def tick(self, when: str) -> str:
        """Any later event, to move ``as_of`` forward."""
        return self.add(
            "community.response",
            "interrupters",
            {
                "response": f"R-{len(self.statements)}",
                "incident": "none",
                "area": "Lyari",
                "kind": "vigil",
                "participants": 1,
            },
            when,
        )
