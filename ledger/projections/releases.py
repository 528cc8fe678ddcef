"""Release flags: releases that nothing in the ledger explains.

Each rule is a pure function of one release, its case file and the facts; it
returns the flags it raises with their evidence (event ids, times, the order
named, what is missing). See docs/methodology.md for the statute behind each.
"""

from __future__ import annotations

from typing import Any

from ledger.projections.casework import CaseFile, Spell
from ledger.projections.facts import DAY, ORDER_TYPES, Event, Facts, seconds
from ledger.projections.flagging import BASIS_RULES, Flag, Waits
from ledger.projections.law import (
    NO_ORDER_BEFORE_PRODUCTION,
    ORDER_FOR_BASIS,
    describe_order,
    offence_key,
    order_fits,
    prohibited,
)

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


def _counted_order(facts: Facts, order_id: str | None) -> Event | None:
    """The order statement named, if it is in the log, counts, and is an order."""
    order = facts.event(order_id) if order_id else None
    if order is None or order["type"] not in ORDER_TYPES or not facts.counts(order_id or ""):
        return None
    return order


def _order_rules(facts: Facts, spell: Spell, release: Event) -> list[Flag]:
    """The order a release cites must be in the log, of the kind its basis rests on,
    for this person and case, and issued before the release."""
    data = release["data"]
    order_id = data.get("order_event")
    if not order_id:
        return []
    order = _counted_order(facts, order_id)
    if order is None:
        found = facts.event(order_id)
        if found is None:
            why = "is not in the log"
        elif not facts.counts(order_id):
            why = "was retracted"
        else:
            why = f"is a {found['type']}, not an order"
        return [
            _flag(
                "release.order_not_found",
                spell,
                release,
                {
                    "order_event": order_id,
                    "missing": f"a court order, bail grant or verdict (the event {why})",
                },
                [order_id] if found else [],
            )
        ]
    flags: list[Flag] = []
    basis = str(data.get("legal_basis"))
    if not order_fits(basis, order):
        kind, field, values = ORDER_FOR_BASIS[basis]
        flags.append(
            _flag(
                "release.order_wrong_kind",
                spell,
                release,
                {
                    "order_event": order_id,
                    "order_is": describe_order(order),
                    "missing": f"a {kind} with {field} {' or '.join(sorted(values))} for a release under {basis}",
                },
                [order_id],
            )
        )
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


def _sentence_rule(case: CaseFile, spell: Spell, release: Event) -> list[Flag]:
    """A release on ``sentence_complete`` needs a conviction and a sentence in the case,
    both before the release."""
    if release["data"].get("legal_basis") != "sentence_complete":
        return []
    at = release["occurred_at"]
    verdict = case.verdict
    convicted = (
        verdict is not None
        and verdict["data"].get("verdict") == "convicted"
        and verdict["occurred_at"] <= at
    )
    sentences = [s for s in case.sentences if s["occurred_at"] <= at]
    if convicted and sentences:
        return []
    missing = [
        w for w, have in (("a conviction", convicted), ("a sentence", bool(sentences))) if not have
    ]
    return [
        _flag(
            "release.sentence_not_recorded",
            spell,
            release,
            {"missing": " and ".join(missing) + f" in case {case.case} before the release"},
            [],
        )
    ]


def _offences(case: CaseFile, spell: Spell, at: str) -> list[str]:
    """Offences named by the spell's arrest and by charges filed before ``at``."""
    named = [str(o) for o in spell.arrest["data"].get("offences", [])]
    for charge in case.charges:
        if charge["occurred_at"] <= at:
            named += [str(c) for c in charge["data"].get("charges", [])]
    out: list[str] = []
    for offence in named:
        key = offence_key(offence)
        if key not in out:
            out.append(key)
    return out


def _bail_section(facts: Facts, release: Event) -> str | None:
    """The bail section a release relies on: its basis, or the section of the bail
    grant it cites."""
    basis = str(release["data"].get("legal_basis"))
    if basis in ("police_bail_s496", "bail_s496", "police_bail_s497"):
        return basis
    order = _counted_order(facts, release["data"].get("order_event"))
    if (
        order is not None
        and order["type"] == "bail.granted"
        and order["data"].get("section") == "s496"
    ):
        return "bail_s496"
    return None


def _bail_rules(facts: Facts, case: CaseFile, spell: Spell, release: Event) -> list[Flag]:
    """s.496 bail only outside non-bailable offences; police bail under s.497 never for
    offences punishable with death, imprisonment for life or ten years."""
    section = _bail_section(facts, release)
    if section is None:
        return []
    offences = _offences(case, spell, release["occurred_at"])
    excluded = prohibited(offences)
    if section == "police_bail_s497":
        if offences and not excluded:
            return []
        why = f"the case names {', '.join(excluded)}" if excluded else "the FIR names no offence"
        return [
            _flag(
                "release.police_bail_prohibited",
                spell,
                release,
                {
                    "offences": offences,
                    "missing": f"an offence police may bail under s.497(1) ({why})",
                },
                [],
            )
        ]
    declared = spell.arrest["data"].get("offences_bailable") is True
    if offences and declared and not excluded:
        return []
    if excluded:
        why = f"the case names the non-bailable {', '.join(excluded)}"
    elif not offences:
        why = "the FIR names no offence"
    else:
        why = "the FIR does not record the offences as bailable"
    return [
        _flag(
            "release.s496_bail_non_bailable",
            spell,
            release,
            {"offences": offences, "missing": f"a bailable offence for bail under s.496 ({why})"},
            [],
        )
    ]


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


def _s169_rule(
    facts: Facts, case: CaseFile, spell: Spell, release: Event, waits: Waits
) -> list[Flag]:
    if release["data"].get("legal_basis") != "s169_bond":
        return []
    start = seconds(release["occurred_at"])
    deadline = start + S169_GRACE_DAYS * DAY
    if seconds(facts.as_of) <= deadline:
        waits.until(deadline)
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
    """A release before any production is lawful on a bond or police bail (s.63) or on a
    counted court order; anything else is flagged."""
    if spell.productions:
        return []
    if release["data"].get("legal_basis") in NO_ORDER_BEFORE_PRODUCTION:
        return []
    if _counted_order(facts, release["data"].get("order_event")) is not None:
        return []
    return [
        _flag(
            "release.before_production",
            spell,
            release,
            {
                "arrest": spell.arrest["id"],
                "arrested_at": spell.start,
                "missing": "custody.produced in this custody spell, a bond or police bail, or a court order",
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
    return [flag for case in files.values() for flag in case_release_flags(facts, files, case)]


def case_release_flags(
    facts: Facts, files: dict[str, CaseFile], case: CaseFile, waits: Waits | None = None
) -> list[Flag]:
    """The release flags one case raises; ``files`` are every case (a re-arrest is on another).
    An s.169 bond in its grace waits on the time of the latest event (``waits`` is told)."""
    waits = Waits() if waits is None else waits
    flags: list[Flag] = []
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
        flags += _s169_rule(facts, case, spell, release, waits)
        flags += _sentence_rule(case, spell, release)
        flags += _bail_rules(facts, case, spell, release)
        flags += _before_production_rule(facts, spell, release)
        flags += _rearrest_rule(facts, files, spell, release)
    return flags


def reads_beyond_case(facts: Facts, files: dict[str, CaseFile], case: CaseFile) -> set[str]:
    """Subjects outside the case its release flags read (``kind:id``, as ``Facts`` journals
    them): the orders its releases cite, and the later arrests of the same person with the
    shootings they name (``_rearrest_rule``)."""
    out: set[str] = set()
    for spell in case.spells:
        out.add(f"person:{spell.person}")
        if spell.release is not None and spell.release["data"].get("order_event"):
            out.add(f"event:{spell.release['data']['order_event']}")
        for other_case in facts.person_cases.get(spell.person, []):
            other = files.get(other_case)
            for arrest in other.arrests if other else []:
                out.update(f"incident:{i}" for i in arrest["data"].get("incidents", []))
    return out


def unexplained_releases(flags: list[Flag]) -> dict[str, list[str]]:
    """Release event id → the basis rules it raised, unless the committee found it explained."""
    out: dict[str, list[str]] = {}
    for flag in flags:
        if flag.rule in BASIS_RULES and flag.finding != "explained":
            out.setdefault(flag.subject, []).append(flag.rule)
    return out
