"""Steps for features/lifecycles.feature, in the users' words, on a real ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from ledger.aggregates.case import Case
from ledger.aggregates.inquiry import Inquiry
from ledger.errors import LedgerError
from tests.vocabulary.conftest import Scene

scenarios("lifecycles.feature")

GROUPS = {"Lyari": "lyari-gang", "Kutchi Rabita": "kutchi-rabita"}
DAY = "2026-03-{:02d}T10:00:00Z"


@dataclass
class Story:
    """What the scenario did last: an event id, or the refusal, and the log before it."""

    scene: Scene
    outcome: str | LedgerError | None = None
    before: tuple[int, bytes] = (0, b"")
    events: dict[str, str] = field(default_factory=dict)

    def attempt(self, type: str, recorder: str | None = None, **kw: Any) -> None:
        ledger = self.scene.ledger
        self.before = (ledger.size, ledger.root())
        try:
            self.outcome = self.scene.record(type, recorder, **kw)
        except LedgerError as exc:
            self.outcome = exc


@pytest.fixture
def story(tmp_path: Path, db_url: str) -> Iterator[Story]:
    """A fresh keyring and chartered ledger on the scenario's database (SQLite or PostgreSQL)."""
    scene = Scene.create(tmp_path, db=db_url)
    yield Story(scene)
    scene.close()


def _case(story: Story, key: str) -> Case:
    case = story.scene.ledger.store.load(Case, Case.id_for(key))
    assert case is not None
    return case


# --- the city ------------------------------------------------------------------------------
@given("the Lyari and Kutchi Rabita groups are registered")
def groups(story: Story) -> None:
    story.scene.record("group.registered", group="lyari-gang", name="Lyari Gang")
    story.scene.record(
        "group.registered", group="kutchi-rabita", name="Kutchi Rabita", kind="ethnic"
    )


@given("P-17 is a member of the Lyari group and P-18 of Kutchi Rabita")
def members(story: Story) -> None:
    for person, group in (("P-17", "lyari-gang"), ("P-18", "kutchi-rabita")):
        story.scene.record("person.registered", person=person)
        story.scene.record("membership.asserted", person=person, group=group)


@given("officer OFF-3 serves at Kalakot police station")
def officer(story: Story) -> None:
    story.scene.record("officer.registered", officer="OFF-3", station="Kalakot police station")


@given(parsers.parse("the Lyari group was warned on {day:d} March"))
def warned(story: Story, day: int) -> None:
    story.scene.record("warning.issued", groups=["lyari-gang"], at=DAY.format(day))


@given(parsers.parse("a shooting on {day:d} March was attributed to {person} of the Lyari group"))
def shooting(story: Story, day: int, person: str) -> None:
    story.scene.record("shooting.reported", incident="INC-1", at=DAY.format(day))
    story.scene.record(
        "shooting.attributed",
        incident="INC-1",
        suspects=[person],
        groups=["lyari-gang"],
        target_groups=[],
    )


# --- enforcement ---------------------------------------------------------------------------
@given(parsers.parse("the police arrested {person} in case {case} on {day:d} March"))
def arrested(story: Story, person: str, case: str, day: int) -> None:
    story.events["arrest"] = story.scene.record(
        "arrest.made", case=case, person=person, incidents=[], at=DAY.format(day)
    )


@given(parsers.parse("the police released {person} in case {case} on {day:d} March"))
def released(story: Story, person: str, case: str, day: int) -> None:
    story.events["release"] = story.scene.record(
        "release.recorded",
        case=case,
        person=person,
        legal_basis="none",
        order_event=None,
        order_number=None,
        at=DAY.format(day),
    )


@when(
    parsers.parse(
        "the police record a release of {person} in case {case} with no legal basis"
        ' on instructions from "{who}"'
    )
)
def release_on_instructions(story: Story, person: str, case: str, who: str) -> None:
    story.attempt(
        "release.recorded",
        case=case,
        person=person,
        legal_basis="on_instructions",
        order_event=None,
        order_number=None,
        instructions_from=who,
    )


@when(parsers.parse("the police record a release of {person} in case {case} with no legal basis"))
def release_without_basis(story: Story, person: str, case: str) -> None:
    story.attempt(
        "release.recorded",
        case=case,
        person=person,
        legal_basis="none",
        order_event=None,
        order_number=None,
    )


@when(parsers.parse("the police arrest {person} in case {case} again"))
def arrest_again(story: Story, person: str, case: str) -> None:
    story.attempt("arrest.made", case=case, person=person, incidents=[])


@given(parsers.parse("the court granted {person} bail in case {case}"))
def bail_granted(story: Story, person: str, case: str) -> None:
    story.events["bail"] = story.scene.record("bail.granted", case=case, person=person)


@when(parsers.parse("the police record a release of {person} in case {case} on that bail order"))
def release_on_bail(story: Story, person: str, case: str) -> None:
    story.attempt("release.recorded", case=case, person=person, order_event=story.events["bail"])


@when(
    parsers.parse(
        "the police record a release of {person} in case {case} on bail without naming the order"
    )
)
def release_on_unnamed_bail(story: Story, person: str, case: str) -> None:
    story.attempt("release.recorded", case=case, person=person, order_event=None)


@when(parsers.parse("the police record that {person} was granted bail in case {case}"))
def police_bail(story: Story, person: str, case: str) -> None:
    story.attempt("bail.granted", "police", case=case, person=person)


# --- court ---------------------------------------------------------------------------------
@given(parsers.parse("the prosecutor charged {person} in case {case}"))
@when(parsers.parse('the prosecutor charges {person} in case {case} with "{offence}"'))
def charge(story: Story, person: str, case: str, offence: str = "PPC 302") -> None:
    story.attempt("charge.filed", case=case, person=person, charges=[offence])


@when(parsers.parse("the court convicts {person} in case {case}"))
def convict(story: Story, person: str, case: str) -> None:
    story.attempt(
        "verdict.delivered", case=case, person=person, verdict="convicted", section="trial"
    )


@when(parsers.parse("the court sentences {person} in case {case}"))
def sentence(story: Story, person: str, case: str) -> None:
    story.attempt("sentence.imposed", case=case, person=person)


# --- audit ---------------------------------------------------------------------------------
@given("the committee asked the police to explain the release")
@when("the committee asks the police to explain the release")
def ask(story: Story) -> None:
    story.attempt(
        "explanation.requested",
        subject=story.events["release"],
        addressed_to="police",
        due="2026-12-01T00:00:00Z",
    )


@when(parsers.parse("the {institution} explain the release"))
@when(parsers.parse("the {institution} explains the release"))
def explain(story: Story, institution: str) -> None:
    story.attempt(
        "explanation.given", institution, subject=story.events["release"], supporting_events=[]
    )


@when(parsers.parse('the committee finds the release "{finding}"'))
def find(story: Story, finding: str) -> None:
    story.attempt("audit.finding_recorded", subject=story.events["release"], finding=finding)


# --- corrections and interruption ----------------------------------------------------------
@when(parsers.parse("the {institution} retracts the arrest"))
@when(parsers.parse("the {institution} retract the arrest"))
def retract(story: Story, institution: str) -> None:
    story.attempt("event.retracted", institution, original=story.events["arrest"])


@when(
    parsers.parse("the {institution} record a mediation between the Lyari and Kutchi Rabita groups")
)
def mediation(story: Story, institution: str) -> None:
    story.attempt(
        "mediation.held", institution, incident="INC-1", groups=["lyari-gang", "kutchi-rabita"]
    )


# --- outcomes ------------------------------------------------------------------------------
@then("the release is recorded")
@then("the mediation is recorded")
def recorded(story: Story) -> None:
    assert isinstance(story.outcome, str), f"refused: {story.outcome}"


@then(parsers.parse("{person} is no longer in custody in case {case}"))
def not_in_custody(story: Story, person: str, case: str) -> None:
    assert not isinstance(story.outcome, LedgerError), f"refused: {story.outcome}"
    assert not _case(story, case).in_custody


@then(parsers.parse('it is refused as "{code}" at "{where}"'))
def refused(story: Story, code: str, where: str) -> None:
    assert isinstance(story.outcome, LedgerError), "it was recorded"
    assert (story.outcome.code, story.outcome.field) == (code, where), str(story.outcome)


@then("the log is unchanged")
def unchanged(story: Story) -> None:
    ledger = story.scene.ledger
    assert (ledger.size, ledger.root()) == story.before


@then(parsers.parse("case {case} shows a conviction and a sentence"))
def convicted(story: Story, case: str) -> None:
    assert not isinstance(story.outcome, LedgerError), f"refused: {story.outcome}"
    found = _case(story, case)
    assert found.convicted and found.sentence is not None


@then(parsers.parse('the inquiry into the release is closed with the finding "{finding}"'))
def inquiry_closed(story: Story, finding: str) -> None:
    inquiry = story.scene.ledger.store.load(Inquiry, Inquiry.id_for(story.events["release"]))
    assert inquiry is not None and not inquiry.is_open and inquiry.finding == finding
