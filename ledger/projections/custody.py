"""The custody clock: production within the limit (s.61), total remand (s.167), who is held now.

Limits come from the charter's policy (``custody_limit_hours``,
``remand_limit_days``), not from constants, so a ledger chartered with other
limits is judged by them.
"""

from __future__ import annotations

from typing import Any

from ledger.projections.casework import CaseFile
from ledger.projections.facts import HOUR, Facts, seconds
from ledger.projections.flagging import Flag


def custody_flags(facts: Facts, files: dict[str, CaseFile]) -> list[Flag]:
    """custody.past_24h per spell and custody.remand_over_15_days per case (subject: the arrest)."""
    limit_h = float(facts.policy["custody_limit_hours"])
    limit_days = int(facts.policy["remand_limit_days"])
    flags: list[Flag] = []
    for case in files.values():
        remand_total = 0
        remand_flagged = False
        for spell in case.spells:
            arrest = spell.arrest
            first_production = spell.productions[0]["occurred_at"] if spell.productions else None
            held_until = first_production or spell.end or facts.as_of
            held_hours = (seconds(held_until) - seconds(spell.start)) / HOUR
            if held_hours > limit_h:
                flags.append(
                    Flag(
                        rule="custody.past_24h",
                        subject=arrest["id"],
                        case=case.case,
                        person=spell.person,
                        occurred_at=spell.start,
                        evidence={
                            "arrest": arrest["id"],
                            "arrested_at": spell.start,
                            "produced_at": first_production,
                            "released_at": spell.end,
                            "hours_without_production": round(held_hours, 2),
                            "limit_hours": limit_h,
                            "missing": "custody.produced within the limit"
                            if first_production is None
                            else "production within the limit (it came late)",
                        },
                        derived_from=[arrest["id"]]
                        + ([spell.productions[0]["id"]] if spell.productions else [])
                        + ([spell.release["id"]] if spell.release else []),
                    )
                )
            for produced in spell.productions:
                if produced["data"].get("remand_granted"):
                    remand_total += int(produced["data"].get("remand_days", 0))
                if remand_total > limit_days and not remand_flagged:
                    remand_flagged = True
                    productions = [
                        p["id"]
                        for s in case.spells
                        for p in s.productions
                        if p["occurred_at"] <= produced["occurred_at"]
                    ]
                    flags.append(
                        Flag(
                            rule="custody.remand_over_15_days",
                            subject=arrest["id"],
                            case=case.case,
                            person=spell.person,
                            occurred_at=produced["occurred_at"],
                            evidence={
                                "arrest": arrest["id"],
                                "remand_days_total": remand_total,
                                "limit_days": limit_days,
                                "crossed_by": produced["id"],
                                "productions": productions,
                            },
                            derived_from=[arrest["id"], *productions],
                        )
                    )
    return flags


def current_holdings(facts: Facts, files: dict[str, CaseFile]) -> list[dict[str, Any]]:
    """Everyone in custody at ``as_of``: how long, produced or not, remand so far."""
    limit_h = float(facts.policy["custody_limit_hours"])
    rows: list[dict[str, Any]] = []
    for case in files.values():
        remand = sum(
            int(p["data"].get("remand_days", 0))
            for s in case.spells
            for p in s.productions
            if p["data"].get("remand_granted")
        )
        for spell in case.spells:
            if spell.release is not None:
                continue
            hours = (seconds(facts.as_of) - seconds(spell.start)) / HOUR
            rows.append(
                {
                    "case": case.case,
                    "person": spell.person,
                    "arrested_at": spell.start,
                    "hours_in_custody": round(hours, 1),
                    "produced": bool(spell.productions),
                    "remand_days_total": remand,
                    "past_limit_unproduced": not spell.productions and hours > limit_h,
                    "groups": facts.groups_of(spell.person, spell.start),
                    "derived_from": [spell.arrest["id"], *(p["id"] for p in spell.productions)],
                }
            )
    return rows
