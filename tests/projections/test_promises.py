"""Promise outcomes: kept, kept late, broken, pending, and undone by an unexplained release."""

from __future__ import annotations

from typing import Any

from ledger.projections.analysis import Analysis
from tests.projections.builders import CityLog, at


def city() -> CityLog:
    log = CityLog()
    log.group("lyari-wing")
    log.group("other-gang")
    log.person("P-1", "lyari-wing")
    log.person("P-2", "other-gang")
    log.warning("W-1", ["lyari-wing"], arrest_hours=48, enforcement_days=7, charge_days=14)
    return log


def triggers(log: CityLog) -> list[dict[str, Any]]:
    return Analysis(log.facts(), 1, "00").triggers


def test_all_consequences_by_their_deadlines_is_kept() -> None:
    log = city()
    shot = log.shooting("INC-1", at(days=10), suspects=["P-1"])
    arrest = log.arrest("FIR-1", "P-1", at(days=11), incidents=["INC-1"])
    log.produce("FIR-1", "P-1", at(days=11, hours=5), remand_days=7)
    action = log.action("lyari-wing", at(days=12), incidents=["INC-1"])
    charge = log.charge("FIR-1", "P-1", at(days=20))
    (t,) = triggers(log)
    assert (t["trigger_event"], t["outcome"], t["groups"]) == (shot, "kept", ["lyari-wing"])
    assert (t["arrest"]["event"], t["enforcement"]["event"], t["charge"]["event"]) == (
        arrest,
        action,
        charge,
    )
    assert t["hours_to_arrest"] == 24.0


def test_arrest_after_its_deadline_is_kept_late() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    log.arrest("FIR-1", "P-1", at(days=13), incidents=["INC-1"])
    log.produce("FIR-1", "P-1", at(days=13, hours=5), remand_days=7)
    log.action("lyari-wing", at(days=12), incidents=["INC-1"])
    log.charge("FIR-1", "P-1", at(days=20))
    (t,) = triggers(log)
    assert (t["outcome"], t["arrest"]["status"]) == ("kept_late", "met_late")


def test_no_arrest_after_the_deadline_is_broken() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), groups=["lyari-wing"])
    log.tick(at(days=12, hours=1))
    (t,) = triggers(log)
    assert (t["outcome"], t["arrest"]["status"]) == ("broken", "missed")


def test_deadlines_still_ahead_are_pending() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    log.arrest("FIR-1", "P-1", at(days=11), incidents=["INC-1"])
    (t,) = triggers(log)
    assert (t["outcome"], t["enforcement"]["status"], t["charge"]["status"]) == (
        "pending",
        "awaiting",
        "awaiting",
    )


def test_a_trigger_is_open_until_its_arrest_and_judged_alike_between_its_deadlines() -> None:
    """A trigger's time to arrest runs to the arrest once made, and before it to the time
    judged at, where it is summarised (``arrest_durations``): the trigger itself does not
    depend on that time. A trigger is judged the same at every time until its first open
    deadline passes (the arrest, 48 hours after the shooting, while it is awaited; the
    action, 7 days), then until the next (the charge, 14 days), then from then on."""
    from ledger.projections import promises
    from ledger.projections.equality import arrest_durations
    from ledger.projections.facts import DAY, HOUR, seconds

    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    log.tick(at(days=10, hours=30))
    (waiting,) = triggers(log)
    shot = seconds(at(days=10))
    judged = seconds(at(days=10, hours=30))
    assert waiting["hours_to_arrest"] is None
    assert "hours_open" not in waiting
    assert arrest_durations([waiting], judged) == ([30.0], [False])
    assert arrest_durations([waiting], judged + 90 * 60) == ([31.5], [False])
    analysis = Analysis(log.facts(), 1, "00")
    assert analysis.triggers
    (basis,) = analysis.records.triggers._bases["INC-1"]
    arrest_due = shot + 48 * HOUR
    assert promises.judged_alike(basis, judged) == (-float("inf"), arrest_due)
    assert promises.judge(basis, arrest_due) == promises.judge(basis, judged)
    assert promises.judge(basis, arrest_due + 1)["arrest"]["status"] == "missed"

    log.arrest("FIR-1", "P-1", at(days=11, hours=12), incidents=["INC-1"])
    log.tick(at(days=13))
    (arrested,) = triggers(log)
    assert arrested["hours_to_arrest"] == 36.0
    assert arrest_durations([arrested], seconds(at(days=40))) == ([36.0], [True])

    analysis = Analysis(log.facts(), 1, "00")
    assert analysis.triggers
    (basis,) = analysis.records.triggers._bases["INC-1"]
    action_due, charge_due = shot + 7 * DAY, shot + 14 * DAY
    judged = seconds(at(days=13))
    assert promises.judged_alike(basis, judged) == (-float("inf"), action_due)
    assert promises.judge(basis, action_due) == promises.judge(basis, judged)
    assert promises.judge(basis, action_due + 1) != promises.judge(basis, judged)
    assert promises.judged_alike(basis, action_due + 1) == (action_due, charge_due)
    assert promises.judged_alike(basis, charge_due + 1) == (charge_due, float("inf"))
    assert promises.judge(basis, charge_due + 1)["outcome"] == "broken"


def test_unexplained_release_of_the_arrested_shooter_undoes_the_promise() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    log.arrest("FIR-1", "P-1", at(days=11), incidents=["INC-1"])
    log.produce("FIR-1", "P-1", at(days=11, hours=5), remand_days=7)
    log.action("lyari-wing", at(days=12), incidents=["INC-1"])
    log.charge("FIR-1", "P-1", at(days=13))
    release = log.release("FIR-1", "P-1", at(days=14), "on_instructions", instructions_from="MPA")
    (t,) = triggers(log)
    assert (t["outcome"], t["undone_by"]) == ("broken", release)


def test_committee_finding_a_release_explained_restores_the_promise() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    log.arrest("FIR-1", "P-1", at(days=11), incidents=["INC-1"])
    log.produce("FIR-1", "P-1", at(days=11, hours=5), remand_days=7)
    log.action("lyari-wing", at(days=12), incidents=["INC-1"])
    log.charge("FIR-1", "P-1", at(days=13))
    release = log.release("FIR-1", "P-1", at(days=14), "none")
    log.add(
        "audit.finding_recorded",
        "committee",
        {"subject": release, "finding": "explained", "summary": "s"},
        at(days=20),
    )
    (t,) = triggers(log)
    assert (t["outcome"], t["undone_by"]) == ("kept", None)


def test_shooting_by_an_uncovered_group_is_not_a_trigger() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-2"])
    assert triggers(log) == []


def test_shooting_at_a_covered_group_triggers_only_when_the_warning_covers_attacks() -> None:
    log = city()
    log.shooting("INC-1", at(days=10), suspects=["P-2"], targets=["lyari-wing"])
    assert triggers(log) == []
    log.warning("W-2", ["lyari-wing"], attacks=True)
    (t,) = triggers(log)
    assert (t["warning"], t["trigger"], t["groups"]) == ("W-2", "attack_on_group", ["lyari-wing"])
    assert t["shooter_groups"] == ["other-gang"]


def test_shooting_outside_the_effective_period_is_not_a_trigger() -> None:
    log = CityLog()
    log.group("lyari-wing")
    log.person("P-1", "lyari-wing")
    log.warning("W-1", ["lyari-wing"], until_days=5)
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    assert triggers(log) == []


def test_membership_withdrawn_before_the_shooting_does_not_make_a_trigger() -> None:
    log = city()
    log.add(
        "membership.withdrawn",
        "police",
        {"person": "P-1", "group": "lyari-wing", "reason": "left"},
        at(days=5),
    )
    log.shooting("INC-1", at(days=10), suspects=["P-1"])
    assert triggers(log) == []
