"""A case read as a file: custody spells, charges, hearings, verdict, orders.

A *custody spell* runs from an arrest to the release that ends it (or is still
open). Within it the person is produced before a magistrate (s.61 CrPC) and
remanded (s.167). A case may hold more than one spell (re-arrest on the same
case after a release). Everything here is a pure function of ``Facts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.projections.facts import Event, Facts


@dataclass
class Spell:
    """One stretch of custody: arrest, productions, transfers, the release."""

    case: str
    person: str
    arrest: Event
    productions: list[Event] = field(default_factory=list)
    release: Event | None = None

    @property
    def start(self) -> str:
        return str(self.arrest["occurred_at"])

    @property
    def end(self) -> str | None:
        return str(self.release["occurred_at"]) if self.release else None


@dataclass
class CaseFile:
    """Everything recorded on one case, in log order, with custody spells."""

    case: str
    person: str
    events: list[Event]
    spells: list[Spell]
    charges: list[Event]
    withdrawals: list[Event]
    hearings: list[Event]
    verdict: Event | None
    sentences: list[Event]
    orders: list[Event]
    instructions: list[Event]
    bail_denied: list[Event]

    @property
    def arrests(self) -> list[Event]:
        return [s.arrest for s in self.spells]

    @property
    def releases(self) -> list[Event]:
        return [s.release for s in self.spells if s.release is not None]

    @property
    def first_arrest(self) -> Event | None:
        return self.spells[0].arrest if self.spells else None

    def incidents(self) -> list[str]:
        out: list[str] = []
        for arrest in self.arrests:
            for incident in arrest["data"].get("incidents", []):
                if incident not in out:
                    out.append(incident)
        return out


def case_file(facts: Facts, case: str) -> CaseFile | None:
    events = facts.case_events(case)
    if not events:
        return None
    person = str(facts.cases[case]["person"] or "")
    spells: list[Spell] = []
    by_type: dict[str, list[Event]] = {}
    for event in events:
        kind = event["type"]
        by_type.setdefault(kind, []).append(event)
        if kind == "arrest.made":
            spells.append(Spell(case, str(event["data"].get("person", person)), event))
        elif kind == "custody.produced" and spells and spells[-1].release is None:
            spells[-1].productions.append(event)
        elif kind == "release.recorded" and spells and spells[-1].release is None:
            spells[-1].release = event
    verdicts = by_type.get("verdict.delivered", [])
    return CaseFile(
        case=case,
        person=person,
        events=events,
        spells=spells,
        charges=by_type.get("charge.filed", []),
        withdrawals=by_type.get("charge.withdrawn", []),
        hearings=by_type.get("hearing.held", []),
        verdict=verdicts[0] if verdicts else None,
        sentences=by_type.get("sentence.imposed", []),
        orders=[
            e
            for e in events
            if e["type"] in ("court.order_issued", "bail.granted", "verdict.delivered")
        ],
        instructions=by_type.get("instruction.reported", []),
        bail_denied=by_type.get("bail.denied", []),
    )


def all_case_files(facts: Facts) -> dict[str, CaseFile]:
    """Every case with at least one counted event, in the order cases were opened."""
    out: dict[str, CaseFile] = {}
    for case in facts.cases:
        found = case_file(facts, case)
        if found is not None:
            out[case] = found
    return out


def public_event(event: Event) -> dict[str, Any]:
    """What a report may show of an event: never sealed content, only that it exists."""
    return {
        "event_id": event["id"],
        "leaf_index": event["i"],
        "type": event["type"],
        "occurred_at": event["occurred_at"],
        "recorder": event["recorder"],
    }
