"""Steps for features/committee.feature: the audit queue and the committee's signed actions."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.api_scene import *  # noqa: F401,F403  (fixture and shared steps)
from features.steps.api_scene import Served

scenarios("committee.feature")


def post_statement(served: Served, type: str, recorder: str, **data: object) -> None:
    scene = served.scene
    served.post(scene.sign(scene.draft(type, recorder, **data)).to_dict())


@given(parsers.parse('the police posted the release of {person} "on instructions" from "{who}"'))
def posted_release(served: Served, person: str, who: str) -> None:
    post_statement(
        served,
        "release.recorded",
        "police",
        case="FIR-112-2026-KALAKOT",
        person=person,
        legal_basis="on_instructions",
        order_event=None,
        order_number=None,
        instructions_from=who,
        reasons="Released on a telephoned instruction.",
    )
    assert served.answer.status_code == 201, served.answer.text
    served.ids["release"] = served.answer.json()["event_id"]


def flag_on_release(served: Served, status: str | None = None) -> dict[str, object]:
    params = {"rule": "release.on_instructions", **({"status": status} if status else {})}
    answer = served.http.get("/v1/audit/flags", params=params)
    assert answer.status_code == 200, answer.text
    flags = [f for f in answer.json()["flags"] if f["subject_event"] == served.ids["release"]]
    assert len(flags) == 1, answer.json()
    return flags[0]


@when("the committee reads the audit queue of open flags")
def read_open_flags(served: Served) -> None:
    served.ids["flag"] = flag_on_release(served, "open")  # type: ignore[assignment]


@then(parsers.parse('the release of {person} is flagged "{rule}" in case {case}'))
def release_flagged(served: Served, person: str, rule: str, case: str) -> None:
    flag = served.ids["flag"]
    assert (flag["rule"], flag["person"], flag["case"]) == (rule, person, case)  # type: ignore[index]


@when("the committee posts a request to the police to explain the release")
def request_explanation(served: Served) -> None:
    post_statement(
        served,
        "explanation.requested",
        "committee",
        subject=served.ids["release"],
        addressed_to="police",
        questions="On whose order was P-17 released?",
        due="2026-04-17T12:00:00Z",
    )
    assert served.answer.status_code == 201, served.answer.text


@when(parsers.parse('the committee posts its finding that the release was "{finding}"'))
def record_finding(served: Served, finding: str) -> None:
    post_statement(
        served,
        "audit.finding_recorded",
        "committee",
        subject=served.ids["release"],
        finding=finding,
        summary="No order explains the release.",
    )
    assert served.answer.status_code == 201, served.answer.text


@when(parsers.parse('the police post a finding that their own release was "{finding}"'))
def police_finding(served: Served, finding: str) -> None:
    post_statement(
        served,
        "audit.finding_recorded",
        "police",
        subject=served.ids["release"],
        finding=finding,
        summary="All in order.",
    )


@then(parsers.parse('the flag on the release has status "{status}"'))
def flag_status(served: Served, status: str) -> None:
    assert flag_on_release(served, status)["status"] == status


@then(parsers.parse('the flag on the release has status "{status}" with finding "{finding}"'))
def flag_finding(served: Served, status: str, finding: str) -> None:
    flag = flag_on_release(served, status)
    assert (flag["status"], flag["finding"]) == (status, finding)


@then("the flag is still in the queue of all flags")
def flag_never_disappears(served: Served) -> None:
    assert flag_on_release(served)["rule"] == "release.on_instructions"
