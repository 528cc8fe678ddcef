"""Flags: what the committee must look at, and where its inquiry stands.

A flag is raised by a rule (``release.no_basis``, ``custody.past_24h``, …) about
one *subject* event (the release or the arrest). Its status follows the
committee's workflow on that subject (the audit area keys inquiries by the
subject event id): ``open`` → ``explanation_requested`` → ``explanation_given`` →
``finding_recorded``. A flag never disappears: a finding only changes its status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from ledger.projections.facts import HOUR, Facts
from ledger.projections.flag_rules import RULES

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}

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


class Waits:
    """How a case's flags wait on the time of the latest event, found while they are raised:
    ``moment`` is the earliest such time (seconds) at which a flag may be raised, or change
    otherwise than in its count of hours; ``math.inf`` when the time alone raises nothing.
    A rule that compares a running time with a limit names the moment the limit is crossed
    (``until``); the moment is taken a second early, since the rules compare the times, in
    whole seconds, as floats. A flag raised that counts the hours of a spell still running
    is named with what it counts (``counting``): a later time changes that count alone, and
    the flag stays raised (the hours only grow)."""

    __slots__ = ("moment", "counts")

    def __init__(self) -> None:
        self.moment = math.inf
        self.counts: list[Count] = []

    def until(self, crossed: float) -> None:
        """A flag is raised once the time of the latest event passes ``crossed``."""
        self.moment = min(self.moment, crossed - 1.0)

    def counting(self, flag: Flag, count: Count) -> Flag:
        """``flag``, raised, counts in its evidence the hours to the time of the latest
        event (``count``); the flag itself is handed back."""
        self.counts.append(count._replace(flag=flag))
        return flag


class Count(NamedTuple):
    """What a flag counts to the time of the latest event: in its evidence's ``field``,
    the hours from ``since`` (seconds) less ``less`` hours, to hundredths (``hours``)."""

    field: str
    since: float
    less: float = 0.0
    flag: Flag | None = None
    """The flag counting (``Waits.counting`` names it)."""

    def hours(self, now: float) -> float:
        """The hours from ``since`` to ``now`` (seconds), less ``less``: unrounded, as the
        rules compare them with their limits."""
        return (now - self.since) / HOUR - self.less

    def evidence(self, now: float) -> float:
        """The count the flag's evidence shows at ``now``."""
        return round(self.hours(now), 2)


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
        return RULES[self.rule].severity

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
            "description": RULES[self.rule].happened,
            "law": RULES[self.rule].law,
            "evidence": self.evidence,
            "inquiry": self.inquiry,
            "derived_from": self.derived_from,
        }


def inquiry_status(facts: Facts, subject: str) -> tuple[str, str | None, list[str]]:
    """(status, finding, inquiry event ids) of the committee's workflow on a subject event.

    A finding closes the flag; a new request after it reopens it, as it reopens the
    inquiry (``ledger.vocabulary.audit``): the status is the request's again and the
    closed finding is no longer the flag's (it stays among the inquiry's events).
    """
    status, finding = "open", None
    ids = facts.inquiries.get(subject, [])
    for event_id in ids:
        event = facts.events[event_id]
        kind = event["type"]
        if kind == "audit.finding_recorded":
            status, finding = "finding_recorded", event["data"].get("finding")
        elif kind == "explanation.given" and status != "finding_recorded":
            status = "explanation_given"
        elif kind == "explanation.requested" and status in ("open", "finding_recorded"):
            status, finding = "explanation_requested", None
    return status, finding, list(ids)


def with_status(facts: Facts, flags: list[Flag]) -> list[Flag]:
    for flag in flags:
        _attach_status(facts, flag)
    return sorted(flags, key=flag_order)


def statused(facts: Facts, flag: Flag) -> Flag:
    """A copy of ``flag`` with the committee's status attached (``with_status`` of one flag)."""
    return _attach_status(facts, replace(flag))


def flag_order(flag: Flag) -> tuple[str, int, str, str]:
    """Where a flag sorts among the others: by time, then severity, rule and subject."""
    return (flag.occurred_at, SEVERITY_ORDER[flag.severity], flag.rule, flag.subject)


def _attach_status(facts: Facts, flag: Flag) -> Flag:
    flag.status, flag.finding, flag.inquiry = inquiry_status(facts, flag.subject)
    flag.derived_from = _unique(flag.derived_from + flag.inquiry)
    return flag


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in ids:
        seen.setdefault(i, None)
    return list(seen)
