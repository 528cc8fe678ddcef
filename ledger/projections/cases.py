"""The history of a case or a person across institutions, each event with its proof.

What the special court reads: every statement recorded on the case (police,
prosecution, court, committee), the shootings it rests on, the orders its
releases name, the committee's inquiries, and corrections, in log order. Each
entry shows who recorded it (institution and role, key id), its public data,
whether it has a sealed part (never the sealed content), whether it was
corrected or retracted, and an inclusion proof against the latest checkpoint
so a reader can check it against the signed tree.
"""

from __future__ import annotations

from typing import Any, Protocol

from ledger.errors import NotFound
from ledger.projections.facts import Event, Facts


class Prover(Protocol):
    def inclusion(self, event_id: str, leaf_index: int) -> dict[str, Any] | None:
        """{leaf_index, tree_size, hashes (base64)} against the latest checkpoint, or None if newer."""


def _related(facts: Facts, ids: list[str]) -> list[str]:
    """The ids plus what explains them: shootings of the arrests, orders named, inquiries, corrections."""
    out: dict[str, None] = dict.fromkeys(ids)
    for event_id in ids:
        event = facts.events[event_id]
        data = event["data"]
        for incident in data.get("incidents", []) if event["type"] == "arrest.made" else []:
            entry = facts.incidents.get(incident)
            if entry:
                for e in [entry["reported"], *entry["attributions"]]:
                    if e:
                        out.setdefault(e, None)
        if event["type"] == "release.recorded" and data.get("order_event") in facts.events:
            out.setdefault(data["order_event"], None)
    for event_id in list(out):
        for e in facts.inquiries.get(event_id, []):
            out.setdefault(e, None)
        for e in facts.events[event_id].get("corrections", []):
            out.setdefault(e, None)
    return sorted(out, key=lambda e: facts.events[e]["i"])


def timeline_entry(
    facts: Facts, event: Event, prover: Prover | None, flags: dict[str, list[str]]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "event_id": event["id"],
        "leaf_index": event["i"],
        "type": event["type"],
        "occurred_at": event["occurred_at"],
        "recorded_at": event["recorded_at"],
        "recorder": event["recorder"],
        "recorder_role": facts.institutions.get(event["recorder"]),
        "key_id": event["key_id"],
        "data": event["data"],
        "sealed": event["sealed"],
        "status": "retracted"
        if "retracted_by" in event
        else ("corrected" if "original_data" in event else "counted"),
        "corrections": list(event.get("corrections", [])),
        "flags": flags.get(event["id"], []),
    }
    if "original_data" in event:
        entry["original_data"] = event["original_data"]
    if "original_occurred_at" in event:
        entry["original_occurred_at"] = event["original_occurred_at"]
    entry["proof"] = prover.inclusion(event["id"], event["i"]) if prover is not None else None
    return entry


def case_history(
    facts: Facts, case: str, prover: Prover | None, flags: dict[str, list[str]]
) -> dict[str, Any]:
    ids = facts.case_mentions.get(case)
    if not ids:
        raise NotFound(f"no case {case!r} is recorded in the ledger")
    person = facts.cases.get(case, {}).get("person") or facts.events[ids[0]]["data"].get("person")
    events = [timeline_entry(facts, facts.events[e], prover, flags) for e in _related(facts, ids)]
    return {
        "case": case,
        "person": person,
        "events": events,
        "derived_from": [e["event_id"] for e in events],
    }


def person_history(
    facts: Facts, person: str, prover: Prover | None, flags: dict[str, list[str]]
) -> dict[str, Any]:
    ids = list(facts.person_mentions.get(person, []))
    if not ids:
        raise NotFound(f"no person {person!r} is recorded in the ledger")
    cases = facts.person_cases.get(person, [])
    for case in cases:
        ids += facts.case_mentions.get(case, [])
    for incident_id in facts.incidents.values():
        for e in incident_id["attributions"]:
            if person in facts.events[e]["data"].get("suspects", []):
                ids.append(e)
    events = [
        timeline_entry(facts, facts.events[e], prover, flags)
        for e in _related(facts, list(dict.fromkeys(ids)))
    ]
    memberships = [dict(m) for m in facts.memberships.get(person, [])]
    return {
        "person": person,
        "cases": cases,
        "memberships": memberships,
        "events": events,
        "derived_from": [e["event_id"] for e in events],
    }
