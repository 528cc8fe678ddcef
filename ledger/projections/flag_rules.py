"""The flag rules and the law each rests on: the one table the flags, the site and the
methodology read.

Every rule names its severity, what happened (in words a journalist can print), when it
is raised (precisely, for the methodology) and the law the release or the detention
breaks, naming the act and the section. The words are English here; the site shows
them in Urdu through its catalogs (the texts are marked with ``N_`` for extraction),
and ``docs/generate_rules_md.py`` writes the rules table of ``docs/methodology.md``
and of its Urdu translation from this table, so the pages and the documentation
cannot disagree.

The quotations come from the texts as published (see "The texts the rules rest on"
in docs/methodology.md, which says where each was found and which were not found).
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a text for the site's catalogs; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Rule:
    severity: str
    happened: str
    """What happened, in words: the flag's ``description``."""
    raised_when: str
    """When the rule is raised, precisely (Markdown: field and event names in backticks)."""
    law: str
    """The law it breaks: the act, the section and what the section says."""


RULES: dict[str, Rule] = {
    "release.no_basis": Rule(
        "high",
        N_("Released with no lawful basis recorded (legal basis: none)."),
        N_("`legal_basis` is `none`"),
        N_(
            "Code of Criminal Procedure 1898, section 63: an arrested person may be discharged only on his own bond, on bail, or under the special order of a Magistrate."
        ),
    ),
    "release.on_instructions": Rule(
        "critical",
        N_("Released on someone's instructions, not on a lawful basis."),
        N_(
            "`legal_basis` is `on_instructions`, or `instructions_from` is set, or an `instruction.reported` of kind `release` on the case was received at or before the release"
        ),
        N_(
            "Code of Criminal Procedure 1898, section 63: only the person's own bond, bail or a Magistrate's special order discharges an arrested person; an official's instruction is none of these."
        ),
    ),
    "release.order_not_found": Rule(
        "high",
        N_("The order the release names is not in the log (or was retracted, or is not an order)."),
        N_("the `order_event` is not in the log, was retracted, or is not an order statement"),
        N_(
            "Code of Criminal Procedure 1898, section 63, and the section of the legal basis: a release on an order needs that order."
        ),
    ),
    "release.order_wrong_kind": Rule(
        "high",
        N_("The order the release names is of another kind than its legal basis needs."),
        N_(
            "the order is not of the kind the basis rests on (the table above): an acquittal resting on a conviction, bail resting on a remand order or on bail under another section"
        ),
        N_(
            "The section of the legal basis: bail rests on a grant of bail under that section (Code of Criminal Procedure 1898, sections 496 to 498; Anti-Terrorism Act 1997, section 21-D); an acquittal on an acquittal (CrPC sections 249-A and 265-K); a section 63 discharge on a Magistrate's order; a withdrawal on the court's consent (section 494); compounding on the court's permission (section 345)."
        ),
    ),
    "release.order_mismatch": Rule(
        "high",
        N_("The order the release names is for another person or another case."),
        N_("the order is for another person or another case"),
        N_(
            "Code of Criminal Procedure 1898, section 63: the order must discharge this person in this case."
        ),
    ),
    "release.order_after_release": Rule(
        "high",
        N_("The order the release names was issued after the release."),
        N_("the order's `occurred_at` is after the release"),
        N_(
            "Code of Criminal Procedure 1898, section 63: a person is discharged under an order, so the order comes first."
        ),
    ),
    "release.s169_no_magistrate_order": Rule(
        "medium",
        N_(
            "Released on a bond under section 169, and no magistrate's order on the case followed within 7 days."
        ),
        N_(
            "`s169_bond` and no `court.order_issued` on the case within 7 days (raised once they passed); the 7 days are the ledger's policy, not the statute's"
        ),
        N_(
            "Code of Criminal Procedure 1898, section 169: the person is released on a bond to appear before a Magistrate empowered to take cognizance on a police report; section 173: the report goes to the Magistrate."
        ),
    ),
    "release.before_production": Rule(
        "medium",
        N_(
            "Released before being produced before a magistrate, neither on a bond or police bail nor on a court order."
        ),
        N_(
            "released before any `custody.produced` in the spell, not on a bond (s.169) or police bail (ss.496, 497), and not on a counted court order; a lawful release on a bond within 24 hours is not flagged"
        ),
        N_(
            "Constitution of Pakistan 1973, Article 10(2), and Code of Criminal Procedure 1898, section 61: production before a magistrate within 24 hours; CrPC section 63: discharge only on a bond, on bail or on a Magistrate's special order."
        ),
    ),
    "release.rearrested_for_new_shooting": Rule(
        "high",
        N_(
            "The person released was later arrested for a shooting that happened after the release."
        ),
        N_("the person released is later arrested for a shooting after the release"),
        N_(
            "No section: a pattern the committee must see, not by itself a breach of law; it tells the committee what the release cost."
        ),
    ),
    "release.sentence_not_recorded": Rule(
        "high",
        N_(
            "Released as having served a sentence, but the log holds no conviction and sentence in the case before the release."
        ),
        N_("`sentence_complete` with no conviction or no sentence in the case before the release"),
        N_(
            "Pakistan Penal Code 1860, section 53 lists the punishments a court imposes: a sentence can be served only after a conviction and a sentence, and the log holds neither."
        ),
    ),
    "release.s496_bail_non_bailable": Rule(
        "high",
        N_(
            "Released on section 496 bail although the case names a non-bailable offence, or the FIR does not record the offences as bailable."
        ),
        N_(
            "bail under s.496 (the police's or a court's) where the case names PPC 302 or 324, names no offence, or the FIR does not record its offences as bailable"
        ),
        N_(
            'Code of Criminal Procedure 1898, section 496, applies to "any person other than a person accused of a non-bailable offence"; non-bailable offences fall under section 497.'
        ),
    ),
    "release.police_bail_prohibited": Rule(
        "high",
        N_(
            "Bailed by the police under section 497 for an offence punishable with death, imprisonment for life or imprisonment for ten years, or with no offence recorded."
        ),
        N_("police bail under s.497 where the case names PPC 302 or 324, or names no offence"),
        N_(
            'Code of Criminal Procedure 1898, section 497(1): such a person "shall not be so released if there appears reasonable grounds for believing that he has been guilty of an offence punishable with death or imprisonment for life or imprisonment for ten years".'
        ),
    ),
    "custody.past_24h": Rule(
        "high",
        N_(
            "Held past the custody limit without being produced before a magistrate (the journey to the court excluded)."
        ),
        N_(
            "the time from arrest to the first production, minus the `journey_minutes` recorded on that production, exceeds the charter's `custody_limit_hours` (24); also when still unproduced or released unproduced past it"
        ),
        N_(
            'Constitution of Pakistan 1973, Article 10(2): every person arrested "shall be produced before a magistrate within a period of twenty-four hours of such arrest, excluding the time necessary for the journey"; Code of Criminal Procedure 1898, section 61 (the same 24 hours); Anti-Terrorism Act 1997, section 21-E(1), in Anti-Terrorism Court cases.'
        ),
    ),
    "custody.remand_over_15_days": Rule(
        "high",
        N_("Police remand granted in the case adds up to more than the limit of 15 days."),
        N_(
            "police (physical) remand granted in the case totals more than the charter's `remand_limit_days` (15); not in Anti-Terrorism Court cases"
        ),
        N_(
            'Code of Criminal Procedure 1898, section 167(2): detention authorised "for a term not exceeding fifteen days in the whole"; section 167(3): police custody needs recorded reasons.'
        ),
    ),
    "custody.remand_order_too_long": Rule(
        "high",
        N_("A single remand order is longer than the law allows at one time."),
        N_(
            "one judicial-custody remand longer than 15 days, or one police remand longer than 30 days in an Anti-Terrorism Court case"
        ),
        N_(
            'Code of Criminal Procedure 1898, section 344: no remand "for a term exceeding fifteen days at a time"; Anti-Terrorism Act 1997, section 21-E(1): police custody up to thirty days at one time in Anti-Terrorism Court cases.'
        ),
    ),
    "custody.held_past_remand": Rule(
        "high",
        N_(
            "Still held by the police after the remand expired or was refused, without being produced again or released."
        ),
        N_(
            "after a police remand expired (production + `remand_days`) or was refused, the person was neither produced again nor released within the charter's `custody_limit_hours`"
        ),
        N_(
            'Constitution of Pakistan 1973, Article 10(2): no one may be detained beyond 24 hours "without the authority of a magistrate"; Code of Criminal Procedure 1898, sections 61, 167 (remand) and 344 (remand by the court).'
        ),
    ),
}
"""Rule id → its severity, what happened, when it is raised and the law it breaks. Rule ids
are shared with the simulator and the site."""
