"""The custody clock: production within the limit, remand within its limits, nobody
held by the police after a remand expired or was refused, who is held now.

* production within 24 hours of arrest, the journey to the court excluded
  (Constitution Art. 10(2), CrPC s.61; ATA s.21-E(1) for Anti-Terrorism Court
  cases);
* police (physical) remand at most 15 days in the whole (CrPC s.167(2)); in an
  Anti-Terrorism Court case at most 30 days at one time (ATA s.21-E(1));
  judicial custody at most 15 days at a time (s.344);
* once a police remand has expired or was refused, the person is produced again
  or released: the police may hold nobody without a magistrate's authority
  beyond the same 24 hours (Art. 10(2), s.61).

The 24-hour and 15-day limits come from the charter's policy
(``custody_limit_hours``, ``remand_limit_days``), so a ledger chartered with
other limits is judged by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ledger.projections.casework import CaseFile, Spell
from ledger.projections.facts import DAY, HOUR, Event, Facts, seconds
from ledger.projections.flagging import Count, Flag, Waits
from ledger.projections.law import ATA_REMAND_DAYS, S344_REMAND_DAYS, is_ata_case, police_remand
from ledger.projections.reuse import VariedRow, shared
from ledger.projections.statistics import round_half_even
from ledger.statements import format_time


def _journey_hours(production: Event | None) -> float:
    minutes = production["data"].get("journey_minutes") if production else None
    return float(minutes or 0) / 60.0


def _custody_flag(
    rule: str, case: CaseFile, spell: Spell, at: str, evidence: dict[str, Any], ids: list[str]
) -> Flag:
    arrest = spell.arrest
    return Flag(
        rule=rule,
        subject=arrest["id"],
        case=case.case,
        person=spell.person,
        occurred_at=at,
        evidence={"arrest": arrest["id"], **evidence},
        derived_from=[arrest["id"], *ids],
    )


def _production_flag(
    facts: Facts, case: CaseFile, spell: Spell, limit_h: float, waits: Waits
) -> list[Flag]:
    first = spell.productions[0] if spell.productions else None
    held_until = first["occurred_at"] if first else spell.end or facts.as_of
    count = Count("hours_without_production", seconds(spell.start), _journey_hours(first))
    held_hours = count.hours(seconds(held_until))
    running = first is None and spell.end is None
    if held_hours <= limit_h:
        if running:
            waits.until(count.since + limit_h * HOUR)
        return []
    flag = _custody_flag(
        "custody.past_24h",
        case,
        spell,
        spell.start,
        {
            "arrested_at": spell.start,
            "produced_at": first["occurred_at"] if first else None,
            "released_at": spell.end,
            "journey_hours_excluded": round(count.less, 2),
            count.field: count.evidence(seconds(held_until)),
            "limit_hours": limit_h,
            "missing": "custody.produced within the limit"
            if first is None
            else "production within the limit (it came late)",
        },
        ([first["id"]] if first else []) + ([spell.release["id"]] if spell.release else []),
    )
    return [waits.counting(flag, count) if running else flag]


def _order_length_flags(case: CaseFile, spell: Spell, ata: bool) -> list[Flag]:
    flags: list[Flag] = []
    for produced in spell.productions:
        data = produced["data"]
        if not data.get("remand_granted"):
            continue
        days = int(data.get("remand_days", 0))
        if police_remand(produced):
            if not ata:
                continue  # judged by the s.167 total below
            limit, law = ATA_REMAND_DAYS, "ATA s.21-E(1)"
        else:
            limit, law = S344_REMAND_DAYS, "CrPC s.344"
        if days > limit:
            flags.append(
                _custody_flag(
                    "custody.remand_order_too_long",
                    case,
                    spell,
                    produced["occurred_at"],
                    {
                        "production": produced["id"],
                        "custody": data.get("custody") or "police",
                        "remand_days": days,
                        "limit_days": limit,
                        "missing": f"a remand of at most {limit} days at a time ({law})",
                    },
                    [produced["id"]],
                )
            )
            break
    return flags


def _past_remand_flag(
    facts: Facts, case: CaseFile, spell: Spell, grace_h: float, waits: Waits
) -> list[Flag]:
    """After each production, police custody is authorised until the remand expires
    (none if refused); judicial custody is the court's, not checked here. The next
    production or the release must come within the grace after that."""
    productions = spell.productions
    for n, produced in enumerate(productions):
        data = produced["data"]
        if data.get("remand_granted") and not police_remand(produced):
            continue
        start = seconds(produced["occurred_at"])
        authorised = start + (
            int(data.get("remand_days", 0)) * DAY if data.get("remand_granted") else 0
        )
        following = productions[n + 1]["occurred_at"] if n + 1 < len(productions) else None
        ended = following or spell.end or facts.as_of
        count = Count("hours_past_authority", authorised)
        over = count.hours(seconds(ended))
        running = not (following or spell.end)
        if over <= grace_h:
            if running:
                waits.until(authorised + grace_h * HOUR)
            continue
        refused = not data.get("remand_granted")
        flag = _custody_flag(
            "custody.held_past_remand",
            case,
            spell,
            produced["occurred_at"],
            {
                "production": produced["id"],
                "remand": "refused"
                if refused
                else f"{data.get('remand_days')} days of police remand",
                "authority_ended_at": produced["occurred_at"] if refused else _time(authorised),
                "held_until": ended if following or spell.end else None,
                count.field: count.evidence(seconds(ended)),
                "grace_hours": grace_h,
                "missing": "a new production or the release within the grace after the remand "
                + ("was refused" if refused else "expired"),
            },
            [produced["id"]] + ([spell.release["id"]] if spell.release else []),
        )
        return [waits.counting(flag, count) if running else flag]
    return []


def _time(moment: float) -> str:
    return format_time(datetime.fromtimestamp(moment, UTC))


def custody_flags(facts: Facts, files: dict[str, CaseFile]) -> list[Flag]:
    """Production, remand-length and past-remand flags per spell; the s.167 total per
    case (subject: the arrest)."""
    return [flag for case in files.values() for flag in case_custody_flags(facts, case)]


def case_custody_flags(facts: Facts, case: CaseFile, waits: Waits | None = None) -> list[Flag]:
    """The custody flags of one case. While a spell is open they depend on the time of the
    latest event (``facts.as_of``): the person is still held; ``waits`` is told how."""
    waits = Waits() if waits is None else waits
    limit_h = custody_limit_hours(facts)
    limit_days = int(facts.policy["remand_limit_days"])
    flags: list[Flag] = []
    ata = is_ata_case(case.arrests, case.charges)
    remand_total = 0
    remand_flagged = ata  # the ATA's remand is judged per order (s.21-E), not in total
    for spell in case.spells:
        flags += _production_flag(facts, case, spell, limit_h, waits)
        flags += _order_length_flags(case, spell, ata)
        flags += _past_remand_flag(facts, case, spell, limit_h, waits)
        for produced in spell.productions:
            if police_remand(produced):
                remand_total += int(produced["data"].get("remand_days", 0))
            if remand_total > limit_days and not remand_flagged:
                remand_flagged = True
                productions = [
                    p["id"]
                    for s in case.spells
                    for p in s.productions
                    if p["occurred_at"] <= produced["occurred_at"] and police_remand(p)
                ]
                flags.append(
                    _custody_flag(
                        "custody.remand_over_15_days",
                        case,
                        spell,
                        produced["occurred_at"],
                        {
                            "remand_days_total": remand_total,
                            "limit_days": limit_days,
                            "crossed_by": produced["id"],
                            "productions": productions,
                            "missing": f"police remand of at most {limit_days} days in the whole (s.167(2))",
                        },
                        productions,
                    )
                )
    return flags


def current_holdings(facts: Facts, files: dict[str, CaseFile]) -> list[dict[str, Any]]:
    """Everyone in custody at ``as_of``: how long, produced or not, police remand so far."""
    return [row for case in files.values() for row in case_holdings(facts, case)]


def case_holdings(facts: Facts, case: CaseFile) -> list[dict[str, Any]]:
    """The rows of ``current_holdings`` for one case: its spells not yet ended by a release."""
    return holdings_at(case_held(facts, case), facts.as_of, custody_limit_hours(facts))


def custody_limit_hours(facts: Facts) -> float:
    """The charter's limit on custody before production, in hours (``custody_limit_hours``)."""
    return float(facts.policy["custody_limit_hours"])


@dataclass(frozen=True)
class Held:
    """One spell of a case not yet ended by a release, apart from the time of the latest
    event: its row of ``current_holdings`` with the hours in custody and whether they passed
    the limit unproduced left None, and when the arrest was (seconds). ``holdings_at`` fills
    them in for a time, so a move of that time reads no case again."""

    row: dict[str, Any]
    since: float

    def counted(self, hours: float, past: bool) -> dict[str, Any]:
        """The row with its hours in custody and whether they passed the limit unproduced."""
        return VariedRow(self.row, hours_in_custody=hours, past_limit_unproduced=past)


def case_held(facts: Facts, case: CaseFile) -> list[Held]:
    """A case's spells still in custody, each as a ``Held``."""
    if all(spell.release is not None for spell in case.spells):
        return []
    remand = sum(
        int(p["data"].get("remand_days", 0))
        for s in case.spells
        for p in s.productions
        if police_remand(p)
    )
    return [
        Held(
            shared(
                {
                    "case": case.case,
                    "person": spell.person,
                    "arrested_at": spell.start,
                    "hours_in_custody": None,
                    "produced": bool(spell.productions),
                    "remand_days_total": remand,
                    "past_limit_unproduced": None,
                    "groups": facts.groups_of(spell.person, spell.start),
                    "derived_from": [spell.arrest["id"], *(p["id"] for p in spell.productions)],
                }
            ),
            seconds(spell.start),
        )
        for spell in case.spells
        if spell.release is None
    ]


def holdings_at(held: Sequence[Held], as_of: str, limit_h: float) -> list[dict[str, Any]]:
    """The rows of ``current_holdings`` for the spells ``held``, counted to ``as_of`` (the time
    of the latest event); read-only, sharing their lists with the rows kept in ``held``."""
    return list(Counted.of(held, as_of, limit_h).rows)


@dataclass(frozen=True)
class Counted:
    """The people ``held`` counted to a time: each one's hours in custody and whether they
    are past the limit unproduced (arrays, the floats ``round((as_of - arrest) / HOUR, 1)``
    gives, by ``round_half_even``), and their rows; with what does not depend on the time
    (each arrest's time and whether the person was produced), read once."""

    at: tuple[str, float]
    since: np.ndarray
    produced: np.ndarray
    hours: np.ndarray
    past: np.ndarray
    rows: tuple[dict[str, Any], ...]

    @classmethod
    def of(
        cls, held: Sequence[Held], as_of: str, limit_h: float, before: Counted | None = None
    ) -> Counted:
        """Counted to ``as_of`` under ``limit_h``; with ``before`` (the same ``held`` counted
        to another time), a row whose hours and flag did not change is the row before."""
        if not held:
            empty = np.empty(0)
            return cls((as_of, limit_h), empty, empty.astype(bool), empty, empty.astype(bool), ())
        if before is not None and len(before.rows) != len(held):
            before = None
        if before is not None:
            since, produced = before.since, before.produced
        else:
            since = np.fromiter((spell.since for spell in held), dtype=float, count=len(held))
            produced = np.fromiter((s.row["produced"] for s in held), dtype=bool, count=len(held))
        exact = (seconds(as_of) - since) / HOUR
        hours = round_half_even(exact, 1)
        past = ~produced & (exact > limit_h)
        if before is not None:
            rows = list(before.rows)
            moved = np.flatnonzero((hours != before.hours) | (past != before.past))
            for i, h, p in zip(
                moved.tolist(), hours[moved].tolist(), past[moved].tolist(), strict=True
            ):
                rows[i] = held[i].counted(h, p)
        else:
            rows = [
                s.counted(h, p) for s, h, p in zip(held, hours.tolist(), past.tolist(), strict=True)
            ]
        return cls((as_of, limit_h), since, produced, hours, past, tuple(rows))
