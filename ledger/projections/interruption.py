"""Violence interruption beside enforcement: shootings, mediations and responses by area."""

from __future__ import annotations

from typing import Any

from ledger.projections.facts import Facts


def interruption_rows(facts: Facts) -> list[dict[str, Any]]:
    """One row per area: shootings (killed, injured), mediations by outcome, hospital and community responses."""
    areas: dict[str, dict[str, Any]] = {}

    def row(area: str) -> dict[str, Any]:
        return areas.setdefault(
            area,
            {
                "area": area,
                "shootings": 0,
                "killed": 0,
                "injured": 0,
                "mediations": 0,
                "agreements": 0,
                "ongoing": 0,
                "failed": 0,
                "hospital_responses": 0,
                "victims_reached": 0,
                "community_responses": 0,
                "community_participants": 0,
                "derived_from": [],
            },
        )

    incident_area: dict[str, str] = {}
    for incident, entry in facts.incidents.items():
        reported = entry["reported"]
        if not reported or not facts.counts(reported):
            continue
        data = facts.events[reported]["data"]
        area = str(data.get("area", ""))
        incident_area[incident] = area
        r = row(area)
        r["shootings"] += 1
        r["killed"] += int(data.get("killed", 0))
        r["injured"] += int(data.get("injured", 0))
        r["derived_from"].append(reported)
    for event_id in facts.interruption:
        if not facts.counts(event_id):
            continue
        event = facts.events[event_id]
        data = event["data"]
        if event["type"] == "mediation.held":
            r = row(str(data.get("area", "")))
            r["mediations"] += 1
            outcome = data.get("outcome")
            key = {"agreement": "agreements", "ongoing": "ongoing", "failed": "failed"}.get(
                str(outcome)
            )
            if key:
                r[key] += 1
        elif event["type"] == "hospital.response":
            r = row(incident_area.get(data.get("incident", ""), "(unknown area)"))
            r["hospital_responses"] += 1
            r["victims_reached"] += int(data.get("victims_reached", 0))
        else:
            r = row(
                str(
                    data.get("area")
                    or incident_area.get(data.get("incident", ""), "(unknown area)")
                )
            )
            r["community_responses"] += 1
            r["community_participants"] += int(data.get("participants", 0))
        r["derived_from"].append(event_id)
    return sorted(areas.values(), key=lambda r: (-r["shootings"], r["area"]))
