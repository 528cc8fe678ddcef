"""Violence interruption and the committee's inquiries."""

from __future__ import annotations

from ledger.aggregates.incident import Incident
from ledger.aggregates.inquiry import Inquiry
from ledger.aggregates.mediation import Mediation
from ledger.errors import CaseRuleViolation, UnauthorizedRole, UnknownReference
from tests.vocabulary.conftest import Scene
from tests.vocabulary.test_enforcement import CASE
from tests.vocabulary.test_registry import refused


def test_mediation_sessions_and_responses_are_recorded(city: Scene) -> None:
    city.record("mediation.held", "interrupters")
    city.record("mediation.held", "interrupters", outcome="agreement")
    city.record("hospital.response", "interrupters")
    city.record("community.response", "interrupters")
    mediation = city.ledger.store.load(Mediation, Mediation.id_for("MED-2026-007"))
    assert mediation is not None and mediation.outcome == "agreement"
    assert len(mediation.sessions) == 2
    incident = city.ledger.store.load(Incident, Incident.id_for("INC-2026-0412"))
    assert incident is not None and incident.has_response("HR-0412-1")


def test_mediation_between_unregistered_groups_is_refused(city: Scene) -> None:
    err = city.refuse("mediation.held", groups=["lyari-gang", "ghost"])
    refused(err, UnknownReference, "data.groups[1]")


def test_mediation_recorded_by_the_police_is_refused(city: Scene) -> None:
    refused(city.refuse("mediation.held", "police"), UnauthorizedRole, "type")


def test_response_to_an_unreported_shooting_is_refused(city: Scene) -> None:
    refused(city.refuse("hospital.response", incident="INC-404"), UnknownReference, "data.incident")


def test_the_same_response_twice_is_refused(city: Scene) -> None:
    city.record("community.response")
    refused(city.refuse("community.response"), CaseRuleViolation, "data.response")


def released(city: Scene) -> str:
    city.arrest()
    return city.record(
        "release.recorded",
        case=CASE,
        legal_basis="on_instructions",
        order_event=None,
        instructions_from="MNA of the area",
    )


def test_the_inquiry_into_a_release_is_recorded(city: Scene) -> None:
    release = released(city)
    city.record("explanation.requested", subject=release, due="2027-01-01T00:00:00Z")
    city.record("explanation.given", "police", subject=release, supporting_events=[])
    city.record("audit.finding_recorded", subject=release)
    inquiry = city.ledger.store.load(Inquiry, Inquiry.id_for(release))
    assert inquiry is not None and not inquiry.is_open and inquiry.finding == "unexplained"


def test_explanation_of_an_event_not_in_the_log_is_requested_in_vain(city: Scene) -> None:
    err = city.refuse("explanation.requested", subject="cd" * 32, due="2027-01-01T00:00:00Z")
    refused(err, UnknownReference, "data.subject")


def test_explanation_asked_of_an_unknown_institution_is_refused(city: Scene) -> None:
    release = released(city)
    err = city.refuse(
        "explanation.requested", subject=release, addressed_to="isi", due="2027-01-01T00:00:00Z"
    )
    refused(err, UnknownReference, "data.addressed_to")


def test_explanation_due_before_it_was_asked_is_refused(city: Scene) -> None:
    release = released(city)
    err = city.refuse("explanation.requested", subject=release, due="2026-01-01T00:00:00Z")
    refused(err, CaseRuleViolation, "data.due")


def test_explanation_nobody_asked_for_is_refused(city: Scene) -> None:
    release = released(city)
    err = city.refuse("explanation.given", "police", subject=release, supporting_events=[])
    refused(err, CaseRuleViolation, "data.subject")


def test_explanation_by_an_institution_not_addressed_is_refused(city: Scene) -> None:
    release = released(city)
    city.record("explanation.requested", subject=release, due="2027-01-01T00:00:00Z")
    err = city.refuse("explanation.given", "court", subject=release, supporting_events=[])
    refused(err, UnauthorizedRole, "recorder")


def test_explanation_after_the_finding_is_refused(city: Scene) -> None:
    release = released(city)
    city.record("explanation.requested", subject=release, due="2027-01-01T00:00:00Z")
    city.record("audit.finding_recorded", subject=release)
    err = city.refuse("explanation.given", "police", subject=release, supporting_events=[])
    refused(err, CaseRuleViolation, "data.subject")


def test_explanation_citing_events_not_in_the_log_is_refused(city: Scene) -> None:
    release = released(city)
    city.record("explanation.requested", subject=release, due="2027-01-01T00:00:00Z")
    err = city.refuse("explanation.given", "police", subject=release)
    refused(err, UnknownReference, "data.supporting_events[0]")


def test_finding_recorded_by_the_police_is_refused(city: Scene) -> None:
    release = released(city)
    refused(
        city.refuse("audit.finding_recorded", "police", subject=release), UnauthorizedRole, "type"
    )
