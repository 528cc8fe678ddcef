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

ROLES = {
    "committee": N_("the citizens' committee"),
    "police": N_("the police"),
    "prosecutor": N_("the prosecution"),
    "court": N_("the court"),
    "interrupters": N_("the violence interrupters"),
}
"""Who recorded a statement, by the role the charter gives the institution."""

BOOLEANS = {True: N_("yes"), False: N_("no")}

FIELDS = {
    "action": N_("Action"),
    "addressed_to": N_("Addressed to"),
    "adjournment_reason": N_("Reason for the adjournment"),
    "affiliation": N_("Affiliation"),
    "anti_terrorism_act": N_("Under the Anti-Terrorism Act"),
    "area": N_("Area"),
    "arrest_hours": N_("Hours to arrest"),
    "authorising_officer": N_("Officer who authorised it"),
    "basis": N_("Basis"),
    "birth_year": N_("Year of birth"),
    "case": N_("Case"),
    "charge_days": N_("Days to charge"),
    "charges": N_("Charges"),
    "community_responses": N_("Community responses"),
    "conditions": N_("Conditions"),
    "confidence": N_("Confidence"),
    "corrected_data": N_("Corrected data"),
    "corrected_occurred_at": N_("Corrected time"),
    "covered_acts": N_("Acts covered"),
    "covers_attacks_on_groups": N_("Attacks on the groups covered"),
    "custodial_months": N_("Months in prison"),
    "custody": N_("Remanded to"),
    "deadlines": N_("Deadlines"),
    "description": N_("Description"),
    "due": N_("Due by"),
    "effective_from": N_("In force from"),
    "effective_until": N_("In force until"),
    "endorsement": N_("Endorsement"),
    "enforcement_days": N_("Days to act against the group"),
    "explanation": N_("Explanation"),
    "finding": N_("Finding"),
    "from_facility": N_("From"),
    "from_station": N_("From station"),
    "grounds": N_("Grounds"),
    "group": N_("Group"),
    "groups": N_("Groups"),
    "head": N_("Head of the department"),
    "hospital": N_("Hospital"),
    "incident": N_("Shooting"),
    "incidents": N_("Shootings"),
    "injured": N_("Injured"),
    "institution": N_("Institution"),
    "institution_name": N_("Name of the institution"),
    "institutions": N_("Institutions"),
    "instructed_by": N_("Instructed by"),
    "instruction": N_("Instruction"),
    "instructions_from": N_("Instructions from"),
    "journey_minutes": N_("Journey to the court (minutes)"),
    "judge": N_("Judge"),
    "key_id": N_("Key id"),
    "killed": N_("Killed"),
    "kind": N_("Kind"),
    "legal_basis": N_("Legal basis"),
    "log_key": N_("Log key"),
    "magistrate": N_("Magistrate"),
    "mediation": N_("Mediation"),
    "name": N_("Name"),
    "next_date": N_("Next hearing"),
    "offences": N_("Offences named in the FIR"),
    "offences_bailable": N_("The FIR records the offences as bailable"),
    "officer": N_("Officer"),
    "order_event": N_("Order (event)"),
    "order_number": N_("Order number"),
    "order_ref": N_("Order reference"),
    "ordered_by": N_("Ordered by"),
    "origin": N_("Log name"),
    "original": N_("Original event"),
    "outcome": N_("Outcome"),
    "participants": N_("Participants"),
    "participants_count": N_("Participants"),
    "permission_event": N_("Court's permission (event)"),
    "person": N_("Person (pseudonym)"),
    "policy": N_("Policy"),
    "prosecutor": N_("Prosecutor"),
    "public_key": N_("Public key"),
    "purpose": N_("Purpose"),
    "questions": N_("Questions"),
    "rank": N_("Rank"),
    "reason": N_("Reason"),
    "reasons": N_("Reasons"),
    "received_at": N_("Received at"),
    "remand_days": N_("Remand (days)"),
    "remand_granted": N_("Remand granted"),
    "response": N_("Response"),
    "role": N_("Role"),
    "role_in_group": N_("Role in the group"),
    "section": N_("Section"),
    "sentence": N_("Sentence"),
    "source": N_("Reported by"),
    "station": N_("Police station"),
    "subject": N_("Event inquired into"),
    "summary": N_("Summary"),
    "supporting_events": N_("Supporting events"),
    "suspects": N_("Suspects (pseudonyms)"),
    "target_groups": N_("Groups shot at"),
    "term_end": N_("Term ends"),
    "term_start": N_("Term starts"),
    "terms": N_("Terms"),
    "to_facility": N_("To"),
    "to_station": N_("To station"),
    "unit": N_("Unit"),
    "verdict": N_("Verdict"),
    "victims_reached": N_("Victims reached"),
    "vkey": N_("Verifier key"),
    "warning": N_("Warning"),
}
"""Plain names of the fields of the public data, as a case timeline lists them."""

LEGAL_BASES = {
    "bail_s496": N_("bail by a court in a bailable offence (CrPC section 496)"),
    "bail_s497": N_("bail by a court in a non-bailable offence (CrPC section 497)"),
    "bail_s498": N_("bail by the High Court or Court of Session (CrPC section 498)"),
    "bail_ata_21d": N_("bail by an Anti-Terrorism Court (ATA section 21-D)"),
    "police_bail_s496": N_("bail taken by the police in a bailable offence (CrPC section 496)"),
    "police_bail_s497": N_("bail taken by the police in a non-bailable offence (CrPC section 497)"),
    "remand_refused": N_("the magistrate refused remand (CrPC section 167)"),
    "s169_bond": N_("released on a bond for lack of evidence (CrPC section 169)"),
    "s63_discharge": N_("discharged on a magistrate's special order (CrPC section 63)"),
    "acquittal_s249a": N_("acquitted by a magistrate (CrPC section 249-A)"),
    "acquittal_s265k": N_("acquitted by the Court of Session (CrPC section 265-K)"),
    "acquittal_at_trial": N_("acquitted after trial"),
    "withdrawal_s494": N_("the prosecution withdrew with the court's consent (CrPC section 494)"),
    "compounding_s345": N_("the offence was compounded (CrPC section 345)"),
    "sentence_complete": N_("the sentence was served"),
    "none": N_("no lawful basis given"),
    "on_instructions": N_("on someone's instructions"),
}

ADJOURNMENT_REASONS = {
    "prosecution_not_ready": N_("the prosecution was not ready"),
    "defence_not_ready": N_("the defence was not ready"),
    "witness_absent": N_("a witness was absent"),
    "judge_unavailable": N_("the judge was not available"),
    "accused_not_produced": N_("the accused was not produced"),
    "file_not_available": N_("the file was not available"),
    "other": N_("another reason"),
}

GROUP_KINDS = {
    "political_wing": N_("political party's armed wing"),
    "ethnic": N_("ethnic group"),
    "sectarian": N_("sectarian group"),
    "criminal_gang": N_("criminal gang"),
    "other": N_("other"),
}

VALUES: dict[str, dict[str, str]] = {
    "legal_basis": LEGAL_BASES,
    "adjournment_reason": ADJOURNMENT_REASONS,
    "kind": {
        **GROUP_KINDS,
        "call_in": N_("call-in meeting"),
        "custom_notification": N_("custom notification"),
        "raid": N_("raid"),
        "search": N_("search"),
        "asset_seizure": N_("seizure of assets"),
        "group_arrests": N_("arrests across the group"),
        "patrol_surge": N_("more patrols"),
        "remand": N_("remand"),
        "remand_refused": N_("remand refused"),
        "release": N_("release"),
        "discharge_s63": N_("discharge (CrPC section 63)"),
        "transfer": N_("transfer"),
        "production": N_("production of the accused"),
        "withdrawal_permission_s494": N_("permission to withdraw (CrPC section 494)"),
        "compounding_permission_s345": N_("permission to compound (CrPC section 345)"),
        "vigil": N_("vigil"),
        "march": N_("march"),
        "meeting": N_("meeting"),
    },
    "source": {
        "police": N_("the police"),
        "hospital": N_("a hospital"),
        "interrupters": N_("violence interrupters"),
        "community": N_("the community"),
    },
    "confidence": {
        "suspected": N_("suspected"),
        "probable": N_("probable"),
        "confirmed": N_("confirmed"),
    },
    "role_in_group": {"member": N_("member"), "leader": N_("leader"), "associate": N_("associate")},
    "custody": {"police": N_("police custody"), "judicial": N_("judicial custody (jail)")},
    "instruction": {
        "release": N_("release someone"),
        "drop_charges": N_("drop the charges"),
        "do_not_arrest": N_("do not arrest"),
        "transfer_custody": N_("move someone to other custody"),
        "other": N_("something else"),
    },
    "section": {
        "s496": N_("CrPC section 496"),
        "s497": N_("CrPC section 497"),
        "s498": N_("CrPC section 498"),
        "ata_21d": N_("ATA section 21-D"),
        "s249a": N_("CrPC section 249-A"),
        "s265k": N_("CrPC section 265-K"),
        "trial": N_("after trial"),
    },
    "outcome": {
        "adjourned": N_("adjourned"),
        "evidence_recorded": N_("evidence recorded"),
        "arguments_heard": N_("arguments heard"),
        "reserved": N_("judgment reserved"),
        "other": N_("other"),
        "agreement": N_("agreement"),
        "ongoing": N_("ongoing"),
        "failed": N_("failed"),
    },
    "verdict": {
        "convicted": N_("convicted"),
        "acquitted": N_("acquitted"),
        "discharged": N_("discharged"),
    },
    "finding": FINDINGS,
    "covered_acts": {
        "shooting": N_("shooting"),
        "killing": N_("killing"),
        "armed_attack": N_("armed attack"),
    },
    "purpose": {"signing": N_("signing"), "sealing": N_("sealing"), "log": N_("the log")},
    "role": ROLES,
}
"""Field → code → plain words: the values of the vocabulary's closed lists (its ``Literal`` fields)."""

FEW = N_(
    "Rates with fewer than 5 records are not shown as percentages: the count is shown instead."
)
NOTES: dict[str, tuple[str, ...]] = {
    "promises": (
        N_(
            "One row per trigger: a shooting and a group, counted once however many warnings cover it; an attack on a protected group counts under the group attacked."
        ),
        N_(
            "Broken: a deadline passed without the consequence, or an arrest ended in a release nothing explains. Pending: a deadline is still ahead of the time the deadlines are judged at."
        ),
    ),
    "groups": (
        N_(
            "Rates count decided records only, with the pending ones beside them: release rates over custody spells that ended in a release or a verdict, charge rates over cases charged or released uncharged, conviction rates over cases with a verdict."
        ),
        N_(
            "Times to arrest (hours), to charge, to verdict and to release (days) are read from Kaplan-Meier curves, which count the records still open until the time the deadlines are judged at; “not reached” means more than half still wait."
        ),
        N_(
            "Rate ratios compare a group with all other groups, with a 95 per cent interval (Katz); when a count is 0, half a record is added to each cell."
        ),
        N_(
            "Tests across groups are exact where feasible, and corrected with Holm's method as one family."
        ),
    ),
    "releases": (
        N_("A flag never disappears: a finding of the committee changes its status."),
        N_(
            "A release counts as unexplained while a rule about its legal basis is raised and the committee has not found it explained."
        ),
    ),
    "custody": (
        N_(
            "Custody limit before production: %(hours)s hours (CrPC section 61); police remand: at most %(days)s days in all (CrPC section 167). Both come from the charter's policy."
        ),
    ),
    "officers": (
        N_(
            "Retaliation signals count transfers, one each: how many came within %(window)s days after the transferred officer arrested a member of the group, against the share of officer time those windows take (exact binomial test, one-sided), corrected with Holm's method across groups. A signal is a question for the committee, not a finding."
        ),
    ),
    "court": (
        N_(
            "Durations in days from the start of each stage: the Kaplan-Meier median over the cases that reached its start, counting the cases still waiting until the time the deadlines are judged at (“not reached”: more than half still wait)."
        ),
        FEW,
    ),
    "interruption": (),
}
"""Notes under each table, for readers (the projections' own notes, with field names, stay in
the downloads). ``%(…)s`` take the charter's limits and the officers' window."""

METHOD_KINDS = {
    "Fisher": N_("exact test"),
    "Freeman-Halton exact": N_("exact test"),
    "Pearson": N_("approximate test (chi-square)"),
    "Monte Carlo": N_("test by simulation"),
    "log-rank": N_("comparison of the time-to-event curves"),
}
"""The kind of test, in words, by the start of the projections' method name (the full name is
in the downloads and the methodology)."""


def method_kind(method: str) -> str | None:
    """The plain words for a test's method, or None when the method is not one of the known kinds."""
    return next((words for start, words in METHOD_KINDS.items() if method.startswith(start)), None)


RULES_TABLE = (N_("rule"), N_("severity"), N_("raised when"), N_("the law it breaks"))
"""The headings of the methodology's rules table (``docs/generate_rules_md.py``)."""

NO_GROUP = N_("(no group)")
"""How the site names the projections' ``(no group)``: people who belong to no group."""

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

RELEASE_EXPLAINED = {
    "unexplained": N_("unexplained"),
    "explained": N_("no basis rule raised, or found explained by the committee"),
}
"""Whether a release is explained: ``unexplained`` while a rule found no lawful basis for it and
the committee has not found it explained (a release's row on the site, ``SiteData.releases``)."""
SCROLL_HINT = N_("Scroll sideways to see every column")
"""Shown above a table while it is wider than its region (templates' ``table_wrap`` and the methodology's tables)."""
