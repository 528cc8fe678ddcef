"""Words the site shows for the ledger's codes (outcomes, rules, statuses, event types).

The codes are the binding identifiers shared with the projections; the words
are UI strings, marked with ``N_`` so ``pybabel extract`` collects them and
translated at render time with the page's catalog. An unknown code is shown
as it is (never hidden).
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a UI string for extraction; it is translated where it is shown."""
    return message


OUTCOMES = {
    "kept": N_("Kept"),
    "kept_late": N_("Kept late"),
    "broken": N_("Broken"),
    "pending": N_("Pending"),
}

STEP_STATUS = {
    "met": N_("done in time"),
    "met_late": N_("done late"),
    "missed": N_("missed"),
    "awaiting": N_("deadline ahead"),
    "not_due": N_("not due"),
}

FLAG_STATUS = {
    "open": N_("Open"),
    "explanation_requested": N_("Explanation requested"),
    "explanation_given": N_("Explanation given (awaiting the committee's finding)"),
    "finding_recorded": N_("Finding recorded"),
}

FINDINGS = {
    "explained": N_("explained"),
    "unexplained": N_("unexplained"),
    "unlawful": N_("unlawful"),
    "referred": N_("referred"),
}

SEVERITY = {
    "critical": N_("Critical"),
    "high": N_("High"),
    "medium": N_("Medium"),
    "low": N_("Low"),
}

RULES = {
    "release.no_basis": N_("Released with no lawful basis"),
    "release.on_instructions": N_("Released on someone's instructions"),
    "release.order_not_found": N_("The order named is not in the log"),
    "release.order_mismatch": N_("The order named is for another person or case"),
    "release.order_after_release": N_("The order came after the release"),
    "release.s169_no_magistrate_order": N_("Section 169 release without a magistrate's order"),
    "release.before_production": N_("Released before production before a magistrate"),
    "release.rearrested_for_new_shooting": N_("Released, then arrested for a new shooting"),
    "custody.past_24h": N_("Held past the custody limit without production"),
    "custody.remand_over_15_days": N_("Remand over the legal limit"),
    "release.order_wrong_kind": N_("The order named is of the wrong kind for the basis"),
    "release.sentence_not_recorded": N_("Sentence served, but no conviction or sentence recorded"),
    "release.s496_bail_non_bailable": N_("Section 496 bail in a non-bailable offence"),
    "release.police_bail_prohibited": N_("Police bail for an offence that excludes it"),
    "custody.remand_order_too_long": N_("A remand order longer than the law allows at one time"),
    "custody.held_past_remand": N_("Held after the remand expired or was refused"),
}

TRIGGERS = {
    "by_member": N_("shooting by a member"),
    "attack_on_group": N_("attack on the group"),
}

EVENT_TYPES = {
    "arrest.made": N_("Arrest"),
    "custody.produced": N_("Produced before a magistrate"),
    "custody.transferred": N_("Custody transferred"),
    "release.recorded": N_("Release"),
    "instruction.reported": N_("Instruction reported"),
    "charge.filed": N_("Charge filed"),
    "charge.withdrawn": N_("Charge withdrawn"),
    "bail.granted": N_("Bail granted"),
    "bail.denied": N_("Bail denied"),
    "hearing.held": N_("Hearing"),
    "verdict.delivered": N_("Verdict"),
    "sentence.imposed": N_("Sentence"),
    "court.order_issued": N_("Court order"),
    "shooting.reported": N_("Shooting reported"),
    "shooting.attributed": N_("Shooting attributed"),
    "explanation.requested": N_("Explanation requested"),
    "explanation.given": N_("Explanation given"),
    "audit.finding_recorded": N_("Committee finding"),
    "event.corrected": N_("Correction"),
    "event.retracted": N_("Retraction"),
}

ENTRY_STATUS = {
    "counted": N_("counted"),
    "corrected": N_("corrected"),
    "retracted": N_("retracted"),
}

TEST_METRICS = {
    "promise_kept": N_("Promise kept"),
    "arrest_on_time": N_("Arrest on time"),
    "release": N_("Release"),
    "unexplained_release": N_("Unexplained release"),
    "charge": N_("Charge"),
    "conviction": N_("Conviction"),
    "time_to_arrest": N_("Time to arrest"),
    "time_to_charge": N_("Time to charge"),
    "time_to_verdict": N_("Time to verdict"),
    "time_to_release": N_("Time to release"),
}

AS_OF_SOURCES = {
    "checkpoint": N_("the time signed in the checkpoint"),
    "requested": N_("the time requested when the site was built"),
    "latest_event": N_(
        "the time of the latest event, because the checkpoint carries no usable signed time"
    ),
}

NOT_TESTABLE = {
    reason: reason
    for reason in (
        N_("fewer than two groups with data"),
        N_("no variation: every case has the same outcome"),
        N_("fewer than two groups with cases"),
        N_("no event yet: every case is still open (censored)"),
        N_(
            "no variation to compare: at every event time at most one group was at risk, or every case at risk had the event at once"
        ),
        N_("the log-rank variance cannot be inverted on these data"),
        N_("the log-rank statistic is undefined on these data"),
        N_("no transfer of an officer is recorded"),
        N_("no officer time follows an arrest of this group's members"),
        N_("all officer time follows an arrest of this group's members: no base to compare"),
    )
}
"""Why a statistic could not be computed, as the projections say it (``statistics.not_testable``)."""

COURT_STAGES = {
    "arrest_to_charge": N_("Arrest to charge"),
    "charge_to_first_hearing": N_("Charge to first hearing"),
    "first_hearing_to_verdict": N_("First hearing to verdict"),
    "arrest_to_verdict": N_("Arrest to verdict"),
}

CASE_OUTCOMES = {
    "held_uncharged": N_("Held, not charged"),
    "released_uncharged": N_("Released, not charged"),
    "charged": N_("Charged, awaiting verdict"),
    "charge_withdrawn": N_("Charge withdrawn"),
    "convicted": N_("Convicted"),
    "acquitted": N_("Acquitted"),
    "discharged": N_("Discharged"),
    "no_arrest": N_("No arrest recorded"),
}
"""Where a case stands (``pages.case_outcome``), in the order the cases page's filter lists them."""

SCROLL_HINT = N_("Scroll sideways to see every column")
"""Shown above a table while it is wider than its region (templates' ``table_wrap`` and the methodology's tables)."""
