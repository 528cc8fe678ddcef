"""Flags: what the committee must look at, and where its inquiry stands.

A flag is raised by a rule (``release.no_basis``, ``custody.past_24h``, …) about
one *subject* event (the release or the arrest). Its status follows the
committee's workflow on that subject (the audit area keys inquiries by the
subject event id): ``open`` → ``explanation_requested`` → ``explanation_given`` →
``finding_recorded``. A flag never disappears: a finding only changes its status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.projections.facts import Facts

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}

RULES: dict[str, tuple[str, str, str]] = {
    "release.no_basis": (
        "high",
        "Released with legal basis 'none': no lawful basis recorded.",
        "CrPC s.63: an arrested person may be discharged only on his own bond, on bail,"
        " or under the special order of a Magistrate.",
    ),
    "release.on_instructions": (
        "critical",
        "Released on someone's instructions, not on a lawful basis.",
        "CrPC s.63: only a bond, bail or a Magistrate's special order discharges an"
        " arrested person; an official's instruction is none of these.",
    ),
    "release.order_not_found": (
        "high",
        "The order the release cites is not in the log (or was retracted, or is not an order).",
        "CrPC s.63 and the section of the basis: a release on an order needs that order.",
    ),
    "release.order_wrong_kind": (
        "high",
        "The order the release cites is of another kind than its legal basis needs.",
        "The section of the basis: bail rests on a bail grant under that section (CrPC"
        " ss.496-498, ATA s.21-D); acquittal on an acquittal (ss.249-A, 265-K); s.63"
        " discharge on a Magistrate's order; withdrawal on consent (s.494); compounding on"
        " permission (s.345).",
    ),
    "release.order_mismatch": (
        "high",
        "The order the release cites is for another person or another case.",
        "CrPC s.63: the order must discharge this person in this case.",
    ),
    "release.order_after_release": (
        "high",
        "The order the release cites was issued after the release.",
        "CrPC s.63: the person may be discharged under an order, so the order comes first.",
    ),
    "release.s169_no_magistrate_order": (
        "medium",
        "Released under s.169 with no magistrate's order on the case within 7 days.",
        "CrPC s.169: release on a bond to appear before a Magistrate empowered to take"
        " cognizance on a police report; s.173: the report goes to the Magistrate.",
    ),
    "release.before_production": (
        "medium",
        "Released before being produced before a magistrate, neither on bond or police"
        " bail nor on a court order.",
        "Constitution Art. 10(2) and CrPC s.61: production before a magistrate within 24"
        " hours; s.63: discharge only on bond, bail or a Magistrate's special order.",
    ),
    "release.rearrested_for_new_shooting": (
        "high",
        "The person released was later arrested for a shooting that happened after the release.",
        "No section: a pattern the committee must see, not by itself a breach of law.",
    ),
    "release.sentence_not_recorded": (
        "high",
        "Released as having served a sentence, but the log holds no conviction and sentence"
        " in the case before the release.",
        "A sentence can be served only after a conviction and a sentence (PPC s.53 lists"
        " the punishments a court imposes); the ledger holds neither.",
    ),
    "release.s496_bail_non_bailable": (
        "high",
        "Released on s.496 bail although the case names a non-bailable offence, or the FIR"
        " does not record the offences as bailable.",
        'CrPC s.496 applies to "any person other than a person accused of a non-bailable'
        ' offence"; non-bailable offences fall under s.497.',
    ),
    "release.police_bail_prohibited": (
        "high",
        "Bailed by the police under s.497 for an offence punishable with death, imprisonment"
        " for life or ten years, or with no offence recorded.",
        'CrPC s.497(1): such a person "shall not be so released if there appear reasonable'
        " grounds for believing that he has been guilty of an offence punishable with death"
        ' or imprisonment for life or imprisonment for ten years".',
    ),
    "custody.past_24h": (
        "high",
        "Held past the custody limit without production before a magistrate (journey time"
        " excluded).",
        "Constitution Art. 10(2); CrPC s.61 (24 hours exclusive of the journey to the"
        " Magistrate's Court); ATA s.21-E(1) for Anti-Terrorism Court cases.",
    ),
    "custody.remand_over_15_days": (
        "high",
        "Police remand granted in the case totals more than the limit (15 days).",
        'CrPC s.167(2): detention authorised "for a term not exceeding fifteen days in the'
        ' whole"; s.167(3): police custody needs recorded reasons.',
    ),
    "custody.remand_order_too_long": (
        "high",
        "A single remand order is longer than the law allows at one time.",
        'CrPC s.344: no remand "for a term exceeding fifteen days at a time"; ATA'
        " s.21-E(1): police custody up to thirty days at one time in Anti-Terrorism Court"
        " cases.",
    ),
    "custody.held_past_remand": (
        "high",
        "Still held by the police after the remand expired or was refused, without being"
        " produced again or released.",
        'Constitution Art. 10(2): no detention beyond 24 hours "without the authority of a'
        ' magistrate"; CrPC ss.61, 167 (remand) and 344 (remand by the court).',
    ),
}
"""Rule id → (severity, what happened, the law it breaks). Rule ids are shared with the
simulator and the site."""

BASIS_RULES = frozenset(
    {
        "release.no_basis",
        "release.on_instructions",
        "release.order_not_found",
        "release.order_mismatch",
        "release.order_after_release",
        "release.s169_no_magistrate_order",
        "release.order_wrong_kind",
        "release.sentence_not_recorded",
        "release.s496_bail_non_bailable",
        "release.police_bail_prohibited",
    }
)
"""Rules that say a release's lawful basis is missing: a release raising one is *unexplained*
unless the committee finds it explained."""


@dataclass
class Flag:
    rule: str
    subject: str
    case: str
    person: str
    occurred_at: str
    evidence: dict[str, Any]
    derived_from: list[str]
    status: str = "open"
    finding: str | None = None
    inquiry: list[str] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return RULES[self.rule][0]

    @property
    def flag_id(self) -> str:
        return f"{self.rule}:{self.subject}"

    def to_row(self) -> dict[str, Any]:
        return {
            "flag": self.flag_id,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status,
            "finding": self.finding,
            "case": self.case,
            "person": self.person,
            "subject_event": self.subject,
            "occurred_at": self.occurred_at,
            "description": RULES[self.rule][1],
            "law": RULES[self.rule][2],
            "evidence": self.evidence,
            "inquiry": self.inquiry,
            "derived_from": self.derived_from,
        }


def inquiry_status(facts: Facts, subject: str) -> tuple[str, str | None, list[str]]:
    """(status, finding, inquiry event ids) of the committee's workflow on a subject event."""
    status, finding = "open", None
    ids = facts.inquiries.get(subject, [])
    for event_id in ids:
        event = facts.events[event_id]
        kind = event["type"]
        if kind == "audit.finding_recorded":
            status, finding = "finding_recorded", event["data"].get("finding")
        elif kind == "explanation.given" and status != "finding_recorded":
            status = "explanation_given"
        elif kind == "explanation.requested" and status == "open":
            status = "explanation_requested"
    return status, finding, list(ids)


def with_status(facts: Facts, flags: list[Flag]) -> list[Flag]:
    for flag in flags:
        flag.status, flag.finding, flag.inquiry = inquiry_status(facts, flag.subject)
        flag.derived_from = _unique(flag.derived_from + flag.inquiry)
    return sorted(
        flags, key=lambda f: (f.occurred_at, SEVERITY_ORDER[f.severity], f.rule, f.subject)
    )


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in ids:
        seen.setdefault(i, None)
    return list(seen)
