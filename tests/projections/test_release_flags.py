"""Each release rule raises its flag exactly when it should, and not otherwise."""

from __future__ import annotations

from ledger.projections.analysis import Analysis
from tests.projections.builders import CityLog, at


def rules_for(log: CityLog, subject: str) -> set[str]:
    analysis = Analysis(log.facts(), len(log.statements), "00")
    return {f.rule for f in analysis.flags if f.subject == subject}


def arrested(log: CityLog, case: str = "FIR-1", person: str = "P-1") -> str:
    log.person(person)
    arrest = log.arrest(case, person, at(hours=1))
    log.produce(case, person, at(hours=10), remand_days=3)
    return arrest


def test_release_on_bail_granted_before_release_raises_no_flag() -> None:
    log = CityLog()
    arrested(log)
    bail = log.bail("FIR-1", "P-1", at(days=2))
    release = log.release("FIR-1", "P-1", at(days=2, hours=2), "bail_s497", order_event=bail)
    log.tick(at(days=30))
    assert rules_for(log, release) == set()


def test_release_with_no_basis_is_flagged() -> None:
    log = CityLog()
    arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "none")
    assert "release.no_basis" in rules_for(log, release)


def test_release_on_instructions_is_flagged_critical() -> None:
    log = CityLog()
    arrested(log)
    release = log.release(
        "FIR-1", "P-1", at(days=2), "on_instructions", instructions_from="MPA Lyari"
    )
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [(f.rule, f.severity) for f in flags] == [("release.on_instructions", "critical")]


def test_instruction_reported_before_a_bailed_release_flags_it_as_on_instructions() -> None:
    log = CityLog()
    arrested(log)
    instruction = log.instruction("FIR-1", at(days=1))
    bail = log.bail("FIR-1", "P-1", at(days=2))
    release = log.release("FIR-1", "P-1", at(days=2, hours=1), "bail_s497", order_event=bail)
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.on_instructions"]
    assert flags[0].evidence["instructions_reported"] == [instruction]


def test_instruction_reported_after_the_release_does_not_flag_it() -> None:
    log = CityLog()
    arrested(log)
    bail = log.bail("FIR-1", "P-1", at(days=2))
    release = log.release("FIR-1", "P-1", at(days=2, hours=1), "bail_s497", order_event=bail)
    log.instruction("FIR-1", at(days=3))
    assert rules_for(log, release) == set()


def test_order_event_that_is_not_an_order_is_flagged_not_found() -> None:
    log = CityLog()
    arrest = arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "bail_s497", order_event=arrest)
    assert rules_for(log, release) == {"release.order_not_found"}


def test_order_for_another_person_is_a_mismatch() -> None:
    log = CityLog()
    arrested(log)
    arrested(log, "FIR-2", "P-2")
    other = log.bail("FIR-2", "P-2", at(days=1))
    release = log.release("FIR-1", "P-1", at(days=2), "bail_s497", order_event=other)
    assert rules_for(log, release) == {"release.order_mismatch"}


def test_order_issued_after_the_release_is_flagged() -> None:
    log = CityLog()
    arrested(log)
    release_id_placeholder = log.order("FIR-1", "P-1", at(days=3))
    # the release names an order that (by its occurred_at) came a day later
    release = log.release(
        "FIR-1", "P-1", at(days=2), "remand_refused", order_event=release_id_placeholder
    )
    assert rules_for(log, release) == {"release.order_after_release"}


def test_s169_bond_without_magistrate_order_is_flagged_only_after_seven_days() -> None:
    log = CityLog()
    arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "s169_bond")
    log.tick(at(days=8))
    assert rules_for(log, release) == set()
    log.tick(at(days=9, hours=1))
    assert rules_for(log, release) == {"release.s169_no_magistrate_order"}


def test_s169_bond_with_magistrate_order_within_seven_days_is_not_flagged() -> None:
    log = CityLog()
    arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "s169_bond")
    log.order("FIR-1", "P-1", at(days=5), kind="other")
    log.tick(at(days=30))
    assert rules_for(log, release) == set()


def test_release_before_production_without_court_order_is_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    arrest = log.arrest("FIR-1", "P-1", at(hours=1))
    release = log.release("FIR-1", "P-1", at(hours=5), "s169_bond")
    log.order("FIR-1", "P-1", at(days=1), kind="other")
    log.tick(at(days=30))
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.before_production"]
    assert flags[0].evidence["arrest"] == arrest


def test_release_before_production_on_a_court_order_is_not_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1))
    order = log.order("FIR-1", "P-1", at(hours=3))
    release = log.release("FIR-1", "P-1", at(hours=5), "remand_refused", order_event=order)
    assert rules_for(log, release) == set()


def test_released_person_arrested_for_a_later_shooting_flags_the_release() -> None:
    log = CityLog()
    arrested(log)
    bail = log.bail("FIR-1", "P-1", at(days=2))
    release = log.release("FIR-1", "P-1", at(days=2, hours=1), "bail_s497", order_event=bail)
    shooting = log.shooting("INC-9", at(days=20), suspects=["P-1"])
    new_arrest = log.arrest("FIR-9", "P-1", at(days=21), incidents=["INC-9"])
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.rearrested_for_new_shooting"]
    assert (
        flags[0].evidence["new_arrest"] == new_arrest and flags[0].evidence["shooting"] == shooting
    )


def test_rearrest_for_a_shooting_before_the_release_is_not_an_escalation() -> None:
    log = CityLog()
    log.shooting("INC-1", at(hours=0))
    arrested(log)
    bail = log.bail("FIR-1", "P-1", at(days=2))
    release = log.release("FIR-1", "P-1", at(days=2, hours=1), "bail_s497", order_event=bail)
    log.arrest("FIR-2", "P-1", at(days=21), incidents=["INC-1"])
    assert rules_for(log, release) == set()


def test_flag_status_follows_the_committee_workflow_and_never_disappears() -> None:
    log = CityLog()
    arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "none")

    def status() -> list[tuple[str, str | None]]:
        return [
            (f.status, f.finding)
            for f in Analysis(log.facts(), 1, "00").flags
            if f.subject == release
        ]

    assert status() == [("open", None)]
    log.add(
        "explanation.requested",
        "committee",
        {"subject": release, "addressed_to": "police", "questions": "why?", "due": at(days=10)},
        at(days=3),
    )
    assert status() == [("explanation_requested", None)]
    log.add(
        "explanation.given",
        "police",
        {"subject": release, "explanation": "x", "supporting_events": []},
        at(days=4),
    )
    assert status() == [("explanation_given", None)]
    log.add(
        "audit.finding_recorded",
        "committee",
        {"subject": release, "finding": "unlawful", "summary": "s"},
        at(days=5),
    )
    assert status() == [("finding_recorded", "unlawful")]
