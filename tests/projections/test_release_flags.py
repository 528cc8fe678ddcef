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
    release_id_placeholder = log.order("FIR-1", "P-1", at(days=3), kind="remand_refused")
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


def test_release_before_production_without_bond_bail_or_court_order_is_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    arrest = log.arrest("FIR-1", "P-1", at(hours=1))
    release = log.release("FIR-1", "P-1", at(hours=5), "on_instructions")
    log.tick(at(days=30))
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert {f.rule for f in flags} == {"release.before_production", "release.on_instructions"}
    production = next(f for f in flags if f.rule == "release.before_production")
    assert production.evidence["arrest"] == arrest


def test_lawful_release_on_bond_within_24_hours_before_production_is_not_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1))
    release = log.release("FIR-1", "P-1", at(hours=5), "s169_bond")
    log.order("FIR-1", "P-1", at(days=1), kind="other")
    log.tick(at(days=30))
    assert rules_for(log, release) == set()


def test_release_before_production_on_a_court_order_is_not_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1))
    order = log.order("FIR-1", "P-1", at(hours=3), kind="remand_refused")
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


def test_flag_status_follows_the_committee_workflow_reopens_and_never_disappears() -> None:
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
    log.add(
        "explanation.requested",
        "committee",
        {"subject": release, "addressed_to": "court", "questions": "again?", "due": at(days=20)},
        at(days=6),
    )
    assert status() == [("explanation_requested", None)], "a new request reopens the flag"
    log.add(
        "audit.finding_recorded",
        "committee",
        {"subject": release, "finding": "referred", "summary": "s"},
        at(days=7),
    )
    assert status() == [("finding_recorded", "referred")]


def test_release_citing_an_order_not_in_the_log_is_flagged_not_found() -> None:
    log = CityLog()
    arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "bail_s497", order_event="ab" * 32)
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.order_not_found"]
    assert "not in the log" in flags[0].evidence["missing"]


def test_bail_release_citing_a_non_bail_order_is_flagged_wrong_kind() -> None:
    log = CityLog()
    arrested(log)
    order = log.order("FIR-1", "P-1", at(days=1), kind="remand")
    release = log.release("FIR-1", "P-1", at(days=2), "bail_s497", order_event=order)
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.order_wrong_kind"]
    assert flags[0].evidence["order_is"] == "court order of kind remand"


def test_bail_release_citing_bail_under_another_section_is_flagged_wrong_kind() -> None:
    log = CityLog()
    arrested(log)
    bail = log.bail("FIR-1", "P-1", at(days=1), section="s498")
    release = log.release("FIR-1", "P-1", at(days=2), "bail_s497", order_event=bail)
    assert rules_for(log, release) == {"release.order_wrong_kind"}


def test_acquittal_release_resting_on_a_conviction_is_flagged_wrong_kind() -> None:
    log = CityLog()
    arrested(log)
    log.charge("FIR-1", "P-1", at(days=3))
    verdict = log.verdict("FIR-1", "P-1", at(days=40), verdict="convicted")
    release = log.release("FIR-1", "P-1", at(days=41), "acquittal_at_trial", order_event=verdict)
    assert rules_for(log, release) == {"release.order_wrong_kind"}


def test_acquittal_release_resting_on_an_acquittal_is_not_flagged() -> None:
    log = CityLog()
    arrested(log)
    log.charge("FIR-1", "P-1", at(days=3))
    verdict = log.verdict("FIR-1", "P-1", at(days=40), verdict="acquitted", section="s265k")
    release = log.release("FIR-1", "P-1", at(days=41), "acquittal_s265k", order_event=verdict)
    assert rules_for(log, release) == set()


def test_release_on_sentence_complete_with_no_verdict_is_flagged() -> None:
    log = CityLog()
    arrested(log)
    release = log.release("FIR-1", "P-1", at(days=2), "sentence_complete")
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.sentence_not_recorded"]
    assert flags[0].evidence["missing"].startswith("a conviction and a sentence")


def test_release_on_sentence_complete_after_conviction_and_sentence_is_not_flagged() -> None:
    log = CityLog()
    arrested(log)
    log.charge("FIR-1", "P-1", at(days=3))
    log.verdict("FIR-1", "P-1", at(days=40))
    log.sentence("FIR-1", "P-1", at(days=45))
    release = log.release("FIR-1", "P-1", at(days=140), "sentence_complete")
    assert rules_for(log, release) == set()


def test_court_s496_bail_in_a_murder_case_is_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1), offences=["PPC 302(b)", "PPC 34"])
    log.produce("FIR-1", "P-1", at(hours=10), remand_days=3)
    bail = log.bail("FIR-1", "P-1", at(days=2), section="s496")
    release = log.release("FIR-1", "P-1", at(days=2, hours=2), "bail_s496", order_event=bail)
    flags = [f for f in Analysis(log.facts(), 1, "00").flags if f.subject == release]
    assert [f.rule for f in flags] == ["release.s496_bail_non_bailable"]
    assert "PPC 302" in flags[0].evidence["missing"]


def test_s496_bail_with_no_offence_recorded_is_flagged() -> None:
    log = CityLog()
    arrested(log)
    bail = log.bail("FIR-1", "P-1", at(days=2), section="s496")
    release = log.release("FIR-1", "P-1", at(days=2, hours=2), "bail_s496", order_event=bail)
    assert rules_for(log, release) == {"release.s496_bail_non_bailable"}


def test_police_station_bail_in_a_bailable_offence_is_not_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1), offences=["PPC 147"], offences_bailable=True)
    release = log.release("FIR-1", "P-1", at(hours=6), "police_bail_s496")
    log.tick(at(days=30))
    assert rules_for(log, release) == set()


def test_police_station_bail_in_a_murder_case_is_flagged_even_if_marked_bailable() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1), offences=["PPC 324"], offences_bailable=True)
    release = log.release("FIR-1", "P-1", at(hours=6), "police_bail_s496")
    assert rules_for(log, release) == {"release.s496_bail_non_bailable"}


def test_police_bail_under_s497_for_an_offence_punishable_with_death_is_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1), offences=["PPC 302"])
    release = log.release("FIR-1", "P-1", at(hours=6), "police_bail_s497")
    assert rules_for(log, release) == {"release.police_bail_prohibited"}


def test_police_bail_under_s497_outside_the_prohibitory_clause_is_not_flagged() -> None:
    log = CityLog()
    log.person("P-1")
    log.arrest("FIR-1", "P-1", at(hours=1), offences=["PPC 381-A"])
    release = log.release("FIR-1", "P-1", at(hours=6), "police_bail_s497")
    assert rules_for(log, release) == set()


def test_every_flag_row_says_what_happened_and_which_law_it_breaks() -> None:
    log = CityLog()
    arrested(log)
    log.release("FIR-1", "P-1", at(days=2), "sentence_complete")
    rows = [f.to_row() for f in Analysis(log.facts(), 1, "00").flags]
    assert rows and all(r["description"] and r["law"] for r in rows)
