"""The citizens' committee at work: asking for explanations of flagged releases.

For some flagged releases (always the first of each rule, then about two in
five) the committee requests an explanation from the police; the police answer
most requests; the committee records a finding on most. Where each inquiry
stands at the end is written to the manifest, so the audit queue's statuses can
be checked.
"""

from __future__ import annotations

from datetime import datetime

from ledger.simulation.planning import Planner
from ledger.simulation.timeline import Link, days

FINDINGS = {
    "release.on_instructions": ("unlawful", "referred"),
    "release.no_basis": ("unexplained", "unlawful"),
}
EXPLANATIONS = (
    "The station house officer released the accused on a verbal direction; no written order exists.",
    "The release was made in good faith; the order will be placed on record.",
    "The investigating officer was on leave; the release was authorised by the duty officer.",
)


class Committee:
    def __init__(self, city: Planner) -> None:
        self.city = city
        self.asked: set[str] = set()

    def maybe_inquire(self, release: Link, rule: str, at: datetime) -> None:
        c, rng = self.city, self.city.rng
        if rule in self.asked and rng.random() > 0.4:
            return
        requested = at + days(rng.uniform(3, 10))
        due = requested + days(14)
        if not c.plan(
            "explanation.requested",
            "committee",
            requested,
            {
                "subject": release,
                "addressed_to": "police",
                "due": due.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "questions": "On what legal basis, and on whose order, was the accused released? "
                "Place the order on record.",
            },
            refs=[release],
        ):
            return
        self.asked.add(rule)
        status, finding = "explanation_requested", None
        if rng.random() < 0.65 and c.plan(
            "explanation.given",
            "police",
            requested + days(rng.uniform(4, 13)),
            {"subject": release, "explanation": rng.choice(EXPLANATIONS), "supporting_events": []},
            refs=[release],
        ):
            status = "explanation_given"
        if rng.random() < 0.7:
            finding = rng.choice(FINDINGS.get(rule, ("unexplained", "unlawful", "referred")))
            if c.plan(
                "audit.finding_recorded",
                "committee",
                requested + days(rng.uniform(15, 30)),
                {
                    "subject": release,
                    "finding": finding,
                    "summary": "The release rests on no order of a court for this person and case.",
                },
                refs=[release],
            ):
                status = "finding_recorded"
            else:
                finding = None
        c.manifest.add(
            "inquiry",
            f"The committee asked the police to explain a release ({rule}).",
            subject=release,
            rule=rule,
            status=status,
            finding=finding,
        )
