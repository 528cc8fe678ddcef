"""Violence interruption beside enforcement: shootings, mediations and responses by area."""

from __future__ import annotations

from typing import Any

from ledger.projections.facts import Event, Facts


class Areas:
    """The interruption table as it is built: one row per area, with what the rows read."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.incident_area: dict[str, str] = {}
        self.counted: dict[str, str] = {}
        """Each incident counted, and the report counted for it."""
        self.responded: set[str] = set()
        """The incidents a response counted names (its area is read from the incident)."""

    def row(self, area: str) -> dict[str, Any]:
        return self.rows.setdefault(
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

    def add_shooting(self, incident: str, reported: Event) -> None:
        """Count a reported shooting, after the shootings already counted in its area (a row
        lists its reports, then its mediations and responses)."""
        data = reported["data"]
        area = str(data.get("area", ""))
        self.incident_area[incident] = area
        self.counted[incident] = reported["id"]
        r = self.row(area)
        r["derived_from"].insert(r["shootings"], reported["id"])
        r["shootings"] += 1
        r["killed"] += int(data.get("killed", 0))
        r["injured"] += int(data.get("injured", 0))

    def add_interruption(self, event: Event) -> None:
        """Count a mediation session or a hospital or community response."""
        data = event["data"]
        if event["type"] == "mediation.held":
            r = self.row(str(data.get("area", "")))
            r["mediations"] += 1
            outcome = data.get("outcome")
            key = {"agreement": "agreements", "ongoing": "ongoing", "failed": "failed"}.get(
                str(outcome)
            )
            if key:
                r[key] += 1
        elif event["type"] == "hospital.response":
            self.responded.add(data.get("incident", ""))
            r = self.row(self.incident_area.get(data.get("incident", ""), "(unknown area)"))
            r["hospital_responses"] += 1
            r["victims_reached"] += int(data.get("victims_reached", 0))
        else:
            if not data.get("area"):
                self.responded.add(data.get("incident", ""))
            r = self.row(
                str(
                    data.get("area")
                    or self.incident_area.get(data.get("incident", ""), "(unknown area)")
                )
            )
            r["community_responses"] += 1
            r["community_participants"] += int(data.get("participants", 0))
        r["derived_from"].append(event["id"])

    def table(self) -> list[dict[str, Any]]:
        """The rows, the areas with most shootings first."""
        return sorted(self.rows.values(), key=lambda r: (-r["shootings"], r["area"]))


def interruption_areas(facts: Facts) -> Areas:
    """Every counted shooting, in the order of the incidents, then every counted mediation
    session and response, in log order."""
    areas = Areas()
    for incident, entry in facts.incidents.items():
        reported = entry["reported"]
        if reported and facts.counts(reported):
            areas.add_shooting(incident, facts.events[reported])
    for event_id in facts.interruption:
        if facts.counts(event_id):
            areas.add_interruption(facts.events[event_id])
    return areas


def interruption_rows(facts: Facts) -> list[dict[str, Any]]:
    """One row per area: shootings (killed, injured), mediations by outcome, hospital and community responses."""
    return interruption_areas(facts).table()
