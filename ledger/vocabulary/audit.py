"""Audit: the citizens' committee asks an institution to explain an event
(usually a flagged release), the institution answers, the committee records its
finding.

The inquiry is keyed by the subject event. Only the institution addressed may
answer, and only while the inquiry is open, so the record of who was asked and
who answered stays trustworthy. A finding closes the inquiry; a new request
reopens it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ledger.admission import Decision, Entry
from ledger.aggregates.inquiry import Inquiry
from ledger.errors import CaseRuleViolation, UnauthorizedRole, UnknownReference
from ledger.vocabulary.base import EventData, EventId, PlannedTime, Recorded, Ref, Text, event_type
from ledger.vocabulary.registry import no_repeats

AREA = "audit"
_SUBJECT = "5be0c3f2a1d94e7b8c6f0a2d4e6b8c1a3f5d7e9b2c4a6e8f0d1b3c5a7e9f2b4d"


class ExplanationRequested(EventData):
    subject: EventId = Field(description="The event to be explained")
    addressed_to: Ref = Field(description="Institution id asked to explain")
    questions: Text
    due: PlannedTime


class ExplanationGiven(EventData):
    subject: EventId
    explanation: Text
    supporting_events: Annotated[list[EventId], AfterValidator(no_repeats)] = Field(
        default_factory=list, description="Events that support the explanation, e.g. the order"
    )


class AuditFindingRecorded(EventData):
    subject: EventId
    finding: Literal["explained", "unexplained", "unlawful", "referred"]
    summary: Text


def _open_or_record(d: Decision, subject: str) -> None:
    inquiry = d.get(Inquiry, subject)
    if inquiry is None:
        d.open(Inquiry, subject)
    else:
        d.record(inquiry)


def _on_explanation_requested(entry: Entry, data: ExplanationRequested, d: Decision) -> None:
    """The subject must be in the log, the institution addressed must be chartered, and
    the due date must be after the request."""
    d.require_event(data.subject, field="data.subject")
    if d.registry.role_of(data.addressed_to) is None:
        raise UnknownReference(
            f"no institution {data.addressed_to!r} is chartered", field="data.addressed_to"
        )
    if data.due <= entry.statement.body["occurred_at"]:
        raise CaseRuleViolation("the due date must be after the request", field="data.due")
    _open_or_record(d, data.subject)


def _on_explanation_given(entry: Entry, data: ExplanationGiven, d: Decision) -> None:
    """Only while an inquiry into the subject is open, only by an institution it
    addressed; supporting events must be in the log."""
    inquiry = d.get(Inquiry, data.subject)
    if inquiry is None or not inquiry.is_open:
        raise CaseRuleViolation(
            "no explanation of this event has been requested (or the inquiry is closed)",
            field="data.subject",
        )
    recorder = entry.statement.recorder
    if not inquiry.is_addressed_to(recorder):
        raise UnauthorizedRole(
            f"the inquiry asked {', '.join(sorted(inquiry.addressed))}, not {recorder}",
            field="recorder",
        )
    for i, event_id in enumerate(data.supporting_events):
        d.require_event(event_id, field=f"data.supporting_events[{i}]")
    d.record(inquiry)


def _on_finding_recorded(entry: Entry, data: AuditFindingRecorded, d: Decision) -> None:
    """The subject must be in the log. A finding may follow a request or stand alone;
    it closes the inquiry."""
    d.require_event(data.subject, field="data.subject")
    _open_or_record(d, data.subject)


# --- evolution: how each statement changes the lifecycle it is recorded on ----------------
def _evolve_explanation_requested(
    data: ExplanationRequested, inquiry: Inquiry, event: Recorded
) -> None:
    inquiry.requests.append(event.kept(with_recorder=True))
    inquiry.addressed.add(data.addressed_to)


def _evolve_explanation_given(data: ExplanationGiven, inquiry: Inquiry, event: Recorded) -> None:
    inquiry.explanations.append(event.kept(with_recorder=True))
    inquiry.answered.add(event.recorder)


def _evolve_finding_recorded(data: AuditFindingRecorded, inquiry: Inquiry, event: Recorded) -> None:
    inquiry.findings.append(event.kept(with_recorder=True))
    inquiry.addressed.clear()
    inquiry.answered.clear()


event_type(
    "explanation.requested",
    area=AREA,
    summary="The committee asks an institution to explain an event by a due date.",
    data=ExplanationRequested,
    roles=("committee",),
    handler=_on_explanation_requested,
    evolve=_evolve_explanation_requested,
    example={
        "subject": _SUBJECT,
        "addressed_to": "police",
        "questions": "On what legal basis, and on whose order, was P-17 released on 3 April?",
        "due": "2026-04-17T12:00:00Z",
    },
)
event_type(
    "explanation.given",
    area=AREA,
    summary="The institution addressed answers the committee, pointing at supporting events.",
    data=ExplanationGiven,
    roles=("police", "prosecutor", "court", "interrupters", "committee"),
    handler=_on_explanation_given,
    evolve=_evolve_explanation_given,
    example={
        "subject": _SUBJECT,
        "explanation": "Released on the bail order of ATC II; the order is attached.",
        "supporting_events": ["3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e2f4b6d8c0a1e3f5b7d9c2a4e6f8b0d1c3a"],
    },
)
event_type(
    "audit.finding_recorded",
    area=AREA,
    summary="The committee records its finding on an event: explained, unexplained, unlawful, referred.",
    data=AuditFindingRecorded,
    roles=("committee",),
    handler=_on_finding_recorded,
    evolve=_evolve_finding_recorded,
    example={
        "subject": _SUBJECT,
        "finding": "unexplained",
        "summary": "No order matches the release; the SHO's verbal instruction is on record.",
    },
)
