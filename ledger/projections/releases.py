"""Release flags: releases that nothing in the ledger explains.

Each rule is a pure function of one release, its case file and the facts; it
returns the flags it raises with their evidence (event ids, times, the order
named, what is missing). See docs/methodology.md for the statute behind each.
"""

from __future__ import annotations

from typing import Any

from ledger.projections.casework import CaseFile, Spell
from ledger.projections.facts import DAY, ORDER_TYPES, Event, Facts, seconds
from ledger.projections.flagging import BASIS_RULES, Flag

S169_GRACE_DAYS = 7


def _flag(
    rule: str, spell: Spell, release: Event, evidence: dict[str, Any], ids: list[str]
) -> Flag:
    return Flag(
        rule=rule,
        subject=release["id"],
        case=spell.case,
        person=spell.person,
        occurred_at=release["occurred_at"],
        evidence={
            "release": release["id"],
            "released_at": release["occurred_at"],
            "legal_basis": release["data"].get("legal_basis"),
            **evidence,
        },
        derived_from=[release["id"], *ids],
    )


def _order_rules(facts: Facts, spell: Spell, release: Event) -> list[Flag]:
    data = release["data"]
    order_id = data.get("order_event")
    if not order_id:
        return []
    order = facts.event(order_id)
    if order is None or order["type"] not in ORDER_TYPES or not facts.counts(order_id):
        found = None if order is None else order["type"]
        why = "retracted" if order is not None and not facts.counts(order_id) else f"is {found}"
        return [
            _flag(
                "release.order_not_found",
                spell,
                release,
                {
                    "order_event": order_id,
                    "missing": f"a court order, bail grant or verdict (the event {why})",
                },
                [order_id] if order else [],
            )
        ]
    flags: list[Flag] = []
    od = order["data"]
    if od.get("case") != spell.case or od.get("person") != spell.person:
        flags.append(
            _flag(
                "release.order_mismatch",
                spell,
                release,
                {
                    "order_event": order_id,
                    "order_case": od.get("case"),
                    "order_person": od.get("person"),
                    "missing": f"an order for {spell.person} in case {spell.case}",
                },
                [order_id],
            )
        )
    if order["occurred_at"] > release["occurred_at"]:
        flags.append(
            _flag(
                "release.order_after_release",
                spell,
                release,
                {
                    "order_event": order_id,
                    "order_issued_at": order["occurred_at"],
                    "missing": "an order issued before the release",
                },
                [order_id],
            )
        )
    return flags


def _instruction_rule(case: CaseFile, spell: Spell, release: Event) -> list[Flag]:
    data = release["data"]
    instructions = [
        i
        for i in case.instructions
        if i["data"].get("instruction") == "release"
        and i["data"].get("received_at", i["occurred_at"]) <= release["occurred_at"]
    ]
    if (
        data.get("legal_basis") != "on_instructions"
        and not data.get("instructions_from")
        and not instructions
    ):
        return []
    return [
        _flag(
            "release.on_instructions",
            spell,
            release,
            {
                "instructions_from": data.get("instructions_from"),
                "instructions_reported": [i["id"] for i in instructions],
                "missing": "a lawful basis other than someone's instructions",
            },
            [i["id"] for i in instructions],
        )
    ]


def _s169_rule(facts: Facts, case: CaseFile, spell: Spell, release: Event) -> list[Flag]:
    if release["data"].get("legal_basis") != "s169_bond":
        return []
    start = seconds(release["occurred_at"])
    deadline = start + S169_GRACE_DAYS * DAY
    if seconds(facts.as_of) <= deadline:
        return []  # the magistrate may still be informed
    orders = [
        o
        for o in case.orders
        if o["type"] == "court.order_issued" and start <= seconds(o["occurred_at"]) <= deadline
    ]
    if orders:
        return []
    return [
        _flag(
            "release.s169_no_magistrate_order",
            spell,
            release,
            {
                "missing": f"a court.order_issued on case {case.case} within {S169_GRACE_DAYS} days after the release"
            },
            [],
        )
    ]


def _before_production_rule(facts: Facts, spell: Spell, release: Event) -> list[Flag]:
    if spell.productions:
        return []
    order_id = release["data"].get("order_event")
    order = facts.event(order_id) if order_id else None
    if order is not None and order["type"] in ORDER_TYPES and facts.counts(order_id or ""):
        return []
    return [
        _flag(
            "release.before_production",
            spell,
            release,
            {
                "arrest": spell.arrest["id"],
                "arrested_at": spell.start,
                "missing": "custody.produced in this custody spell, or a court order",
            },
            [spell.arrest["id"]],
        )
    ]


def _rearrest_rule(
    facts: Facts, files: dict[str, CaseFile], spell: Spell, release: Event
) -> list[Flag]:
    released_at = release["occurred_at"]
    for other_case in facts.person_cases.get(spell.person, []):
        other = files.get(other_case)
        if other is None:
            continue
        for arrest in other.arrests:
            if arrest["occurred_at"] <= released_at:
                continue
            for incident in arrest["data"].get("incidents", []):
                reported = facts.incidents.get(incident, {}).get("reported")
                shooting = facts.event(reported) if reported else None
                if shooting is not None and shooting["occurred_at"] > released_at:
                    return [
                        _flag(
                            "release.rearrested_for_new_shooting",
                            spell,
                            release,
                            {
                                "new_arrest": arrest["id"],
                                "new_case": other_case,
                                "incident": incident,
                                "shooting": shooting["id"],
                                "shot_at": shooting["occurred_at"],
                            },
                            [arrest["id"], shooting["id"]],
                        )
                    ]
    return []


def release_flags(facts: Facts, files: dict[str, CaseFile]) -> list[Flag]:
    """Every release flag raised by the facts (status not yet attached)."""
    flags: list[Flag] = []
    for case in files.values():
        for spell in case.spells:
            release = spell.release
            if release is None:
                continue
            basis = release["data"].get("legal_basis")
            if basis == "none":
                flags.append(
                    _flag(
                        "release.no_basis",
                        spell,
                        release,
                        {
                            "missing": "any lawful basis (bail, court order, s.169, acquittal, sentence served)"
                        },
                        [],
                    )
                )
            flags += _instruction_rule(case, spell, release)
            flags += _order_rules(facts, spell, release)
            flags += _s169_rule(facts, case, spell, release)
            flags += _before_production_rule(facts, spell, release)
            flags += _rearrest_rule(facts, files, spell, release)
    return flags


def unexplained_releases(flags: list[Flag]) -> dict[str, list[str]]:
    """Release event id → the basis rules it raised, unless the committee found it explained."""
    out: dict[str, list[str]] = {}
    for flag in flags:
        if flag.rule in BASIS_RULES and flag.finding != "explained":
            out.setdefault(flag.subject, []).append(flag.rule)
    return out
