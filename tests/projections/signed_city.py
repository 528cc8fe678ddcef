"""A small city recorded through the real signed path (keys, rules, store), for end-to-end tests."""

from __future__ import annotations

from typing import Any

from ledger.service import Ledger
from tests.conftest import Clock, Recorder


class SignedCity:
    """Records statements one by one at the clock's time, advancing it as the story goes."""

    def __init__(self, ledger: Ledger, recorder: Recorder, clock: Clock) -> None:
        self.ledger = ledger
        self.recorder = recorder
        self.clock = clock
        self.ids: dict[str, str] = {}

    def record(
        self,
        name: str,
        type: str,
        recorder: str,
        data: dict[str, Any],
        *,
        hours: float = 1,
        sealed: dict[str, Any] | None = None,
    ) -> str:
        self.clock.advance(hours=hours)
        statement = self.recorder.sign(type, recorder, data, sealed=sealed)
        self.ledger.append([statement])
        self.ids[name] = statement.event_id
        return statement.event_id


def record_city(city: SignedCity) -> SignedCity:
    """Two groups warned; a kept promise, an undone one, a broken one; a correction and a retraction."""
    r = city.record
    for g in ("lyari-wing", "kalakot-gang"):
        r(
            f"group:{g}",
            "group.registered",
            "police",
            {
                "group": g,
                "name": g.title(),
                "kind": "criminal_gang",
                "area": "Lyari",
                "affiliation": None,
            },
        )
    for p, g in (("P-1", "lyari-wing"), ("P-2", "kalakot-gang"), ("P-3", "lyari-wing")):
        r(
            f"person:{p}",
            "person.registered",
            "police",
            {"person": p, "area": "Lyari", "birth_year": 1990},
            sealed={"name": f"Name of {p}", "id_number": "42201-0000000-1", "address": "Lyari"},
        )
        r(
            f"member:{p}",
            "membership.asserted",
            "police",
            {"person": p, "group": g, "role_in_group": "member", "basis": "named in FIRs"},
        )
    for o in ("OFF-1", "OFF-2"):
        r(
            f"officer:{o}",
            "officer.registered",
            "police",
            {"officer": o, "rank": "SI", "station": "Kalakot", "unit": "Ceasefire"},
            sealed={"name": f"Officer {o}", "badge_number": "B-1"},
        )
    now = city.clock.stamp()
    until = city.clock.stamp(days=365)
    r(
        "warning",
        "warning.issued",
        "police",
        {
            "warning": "W-1",
            "kind": "call_in",
            "groups": ["lyari-wing", "kalakot-gang"],
            "effective_from": now,
            "effective_until": until,
            "covered_acts": ["shooting", "killing"],
            "covers_attacks_on_groups": True,
            "deadlines": {"arrest_hours": 48, "enforcement_days": 7, "charge_days": 14},
            "terms": "any shooting",
        },
    )
    # 1: kept
    r(
        "shot1",
        "shooting.reported",
        "police",
        {
            "incident": "INC-1",
            "area": "Lyari",
            "killed": 1,
            "injured": 0,
            "source": "police",
            "description": "d",
        },
    )
    r(
        "attr1",
        "shooting.attributed",
        "police",
        {
            "incident": "INC-1",
            "suspects": ["P-2"],
            "groups": ["kalakot-gang"],
            "target_groups": [],
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
            "person": "P-2",
            "incidents": ["INC-1"],
            "grounds": "g",
            "officer": "OFF-1",
            "station": "Kalakot",
        },
        hours=5,
    )
    r(
        "produce1",
        "custody.produced",
        "police",
        {
            "case": "FIR-1",
            "person": "P-2",
            "magistrate": "JM",
            "remand_granted": True,
            "remand_days": 7,
            "order_number": None,
        },
        hours=10,
    )
    r(
        "action1",
        "enforcement.action",
        "police",
        {
            "action": "A-1",
            "group": "kalakot-gang",
            "warning": "W-1",
            "kind": "raid",
            "incidents": ["INC-1"],
            "description": "d",
        },
        hours=24,
    )
    r(
        "charge1",
        "charge.filed",
        "prosecution",
        {"case": "FIR-1", "person": "P-2", "charges": ["PPC 302"], "prosecutor": "PR-1"},
        hours=48,
    )
    # 2: undone by a release on instructions
    r(
        "shot2",
        "shooting.reported",
        "police",
        {
            "incident": "INC-2",
            "area": "Lyari",
            "killed": 0,
            "injured": 2,
            "source": "hospital",
            "description": "d",
        },
        hours=24,
    )
    r(
        "attr2",
        "shooting.attributed",
        "police",
        {
            "incident": "INC-2",
            "suspects": ["P-1"],
            "groups": ["lyari-wing"],
            "target_groups": ["kalakot-gang"],
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
            "person": "P-1",
            "incidents": ["INC-2"],
            "grounds": "g",
            "officer": "OFF-2",
            "station": "Lyari",
        },
        hours=3,
    )
    r(
        "instruction2",
        "instruction.reported",
        "police",
        {
            "case": "FIR-2",
            "officer": "OFF-2",
            "instructed_by": "MPA",
            "instruction": "release",
            "received_at": city.clock.stamp(hours=2),
        },
        hours=3,
    )
    r(
        "release2",
        "release.recorded",
        "police",
        {
            "case": "FIR-2",
            "person": "P-1",
            "authorising_officer": "OFF-1",
            "legal_basis": "on_instructions",
            "order_event": None,
            "order_number": None,
            "reasons": "r",
            "instructions_from": "MPA",
        },
        hours=3,
    )
    r(
        "transfer",
        "officer.transferred",
        "police",
        {
            "officer": "OFF-2",
            "from_station": "Kalakot",
            "to_station": "Thatta",
            "order_ref": "T-1",
            "ordered_by": "DIG South",
            "reason": "exigencies",
        },
        hours=72,
    )
    # 3: broken: nobody arrested; its attribution is corrected, a mistaken shooting retracted
    r(
        "shot3",
        "shooting.reported",
        "police",
        {
            "incident": "INC-3",
            "area": "Kalakot",
            "killed": 2,
            "injured": 0,
            "source": "community",
            "description": "d",
        },
        hours=24,
    )
    r(
        "attr3",
        "shooting.attributed",
        "police",
        {
            "incident": "INC-3",
            "suspects": [],
            "groups": ["kalakot-gang"],
            "target_groups": [],
            "basis": "b",
            "confidence": "suspected",
        },
    )
    r(
        "correct3",
        "event.corrected",
        "police",
        {
            "original": city.ids["attr3"],
            "reason": "wrong group",
            "corrected_data": {
                "incident": "INC-3",
                "suspects": ["P-3"],
                "groups": ["lyari-wing"],
                "target_groups": [],
                "basis": "b",
                "confidence": "probable",
            },
        },
    )
    r(
        "shot4",
        "shooting.reported",
        "interrupters",
        {
            "incident": "INC-4",
            "area": "Lyari",
            "killed": 0,
            "injured": 0,
            "source": "interrupters",
            "description": "fireworks",
        },
    )
    r(
        "retract4",
        "event.retracted",
        "interrupters",
        {"original": city.ids["shot4"], "reason": "fireworks"},
    )
    r(
        "explain?",
        "explanation.requested",
        "committee",
        {
            "subject": city.ids["release2"],
            "addressed_to": "police",
            "questions": "Who instructed?",
            "due": city.clock.stamp(days=14),
        },
    )
    r(
        "mediation",
        "mediation.held",
        "interrupters",
        {
            "mediation": "M-1",
            "area": "Lyari",
            "groups": ["lyari-wing", "kalakot-gang"],
            "incident": "INC-2",
            "outcome": "ongoing",
            "participants_count": 6,
        },
        hours=24 * 10,
    )
    city.ledger.sign_checkpoint()
    return city
