"""What the law asks of a release and of custody, as tables the flag rules read.

Each table cites the section it encodes; docs/methodology.md quotes the text.
Kept apart from the rules so that the committee (and a court) can read, in one
place, which order each legal basis rests on and which offences the ledger
knows to be outside police bail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ledger.projections.facts import Event

ORDER_FOR_BASIS: dict[str, tuple[str, str, frozenset[str]]] = {
    "bail_s496": ("bail.granted", "section", frozenset({"s496"})),
    "bail_s497": ("bail.granted", "section", frozenset({"s497"})),
    "bail_s498": ("bail.granted", "section", frozenset({"s498"})),
    "bail_ata_21d": ("bail.granted", "section", frozenset({"ata_21d"})),
    "remand_refused": ("court.order_issued", "kind", frozenset({"remand_refused"})),
    "s63_discharge": ("court.order_issued", "kind", frozenset({"discharge_s63", "release"})),
    "acquittal_s249a": ("verdict.delivered", "section", frozenset({"s249a"})),
    "acquittal_s265k": ("verdict.delivered", "section", frozenset({"s265k"})),
    "acquittal_at_trial": ("verdict.delivered", "section", frozenset({"trial"})),
    "withdrawal_s494": ("court.order_issued", "kind", frozenset({"withdrawal_permission_s494"})),
    "compounding_s345": ("court.order_issued", "kind", frozenset({"compounding_permission_s345"})),
}
"""Legal basis → the statement it must rest on: (type, field, values that fit).

A bail release rests on a bail grant under that section (CrPC ss.496-498, ATA
s.21-D); remand refused on the magistrate's refusal (s.167); a s.63 discharge on
the magistrate's special order (s.63); an acquittal on a verdict of acquittal or
discharge under that section (ss.249-A, 265-K, after trial); a withdrawal on the
court's consent (s.494); compounding on the court's permission (s.345)."""

S344_REMAND_DAYS = 15
"""CrPC s.344: "No Magistrate shall remand an accused person to custody under this
section for a term exceeding fifteen days at a time"."""
ATA_REMAND_DAYS = 30
"""ATA s.21-E(1): remand to police custody "for which the maximum period allowed may
be ... thirty days at one time" (no total for the whole remand was found)."""

ACQUITTALS = frozenset({"acquitted", "discharged"})

NO_ORDER_BEFORE_PRODUCTION = frozenset({"s169_bond", "police_bail_s496", "police_bail_s497"})
"""Bases on which the police may release before any production: s.63 allows a
discharge "on his own bond, or on bail" (s.169 bond; bail by the officer in
charge of the police station under s.496/s.497)."""

PROHIBITORY: dict[str, str] = {
    "PPC 302": "qatl-i-amd: punishable with death (PPC s.302(a))",
    "PPC 324": "attempt to commit qatl-i-amd: imprisonment up to ten years (PPC s.324)",
}
"""Offences punishable with death, imprisonment for life or imprisonment for ten
years: s.497(1) forbids bail for them ("he shall not be so released"), and they
are not bailable offences, so s.496 bail cannot apply either. Only offences whose
punishment the ledger has checked are listed; anything else is judged on what
the FIR records (``offences_bailable``)."""

_SECTION = re.compile(r"^\s*PPC\s*(?:s\.?\s*)?(\d+)", re.IGNORECASE)


def offence_key(offence: str) -> str:
    """ "PPC 302(b)", "ppc s.302" → "PPC 302"; other laws are kept as written."""
    match = _SECTION.match(offence)
    return f"PPC {match.group(1)}" if match else offence.strip()


def is_ata_case(arrests: Iterable[Event], charges: Iterable[Event]) -> bool:
    """An arrest records the case as under the Anti-Terrorism Act 1997, or a charge
    names a section of that Act ("ATA 7")."""
    if any(a["data"].get("anti_terrorism_act") for a in arrests):
        return True
    return any(
        str(c).strip().upper().startswith("ATA")
        for ch in charges
        for c in ch["data"].get("charges", [])
    )


def police_remand(production: Event) -> bool:
    """A granted remand to police (physical) custody; an older statement without
    ``custody`` meant exactly that."""
    data = production["data"]
    return bool(data.get("remand_granted")) and data.get("custody") in (None, "police")


def order_fits(basis: str, order: Event) -> bool:
    """Whether a counted order statement is of the kind the basis rests on."""
    wanted = ORDER_FOR_BASIS.get(basis)
    if wanted is None:
        return True
    kind, field, values = wanted
    data: dict[str, Any] = order["data"]
    if order["type"] != kind or data.get(field) not in values:
        return False
    return kind != "verdict.delivered" or data.get("verdict") in ACQUITTALS


def describe_order(order: Event) -> str:
    """The kind of an order in words, for a flag's evidence."""
    data = order["data"]
    if order["type"] == "bail.granted":
        return f"bail granted under {data.get('section')}"
    if order["type"] == "verdict.delivered":
        return f"verdict: {data.get('verdict')} ({data.get('section')})"
    return f"court order of kind {data.get('kind')}"


def prohibited(offences: Iterable[str]) -> list[str]:
    """The offences named that s.497(1) excludes from bail (and s.496 with them)."""
    out: list[str] = []
    for offence in offences:
        key = offence_key(offence)
        if key in PROHIBITORY and key not in out:
            out.append(key)
    return out
