"""What the Downloads page tells a reader about each CSV file and each of its columns.

The files and their columns are declared once, in ``ledger.projections.tidy``;
here are the words for them, marked with ``N_`` so ``pybabel extract`` collects
them, and translated with the page's catalog. A column means the same in every
file unless ``IN_FILE`` says otherwise for one file. ``tests/site`` fails when
a file or a column has no words here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.projections.tidy import PART_KINDS, PROVENANCE, Download, downloads
from public_site.labels import N_

DERIVED_FROM = N_(
    "The signed events each row of %(parent)s is computed from: one row per row and event."
)
INQUIRY = N_(
    "The committee's inquiry into each flag of %(parent)s: the events that requested an explanation, gave one or recorded a finding."
)

FILES = {
    "promises": N_(
        "One row per trigger: a shooting and the group it counts under, with the promised steps (arrest, action against the group, charge), their deadlines and the outcome."
    ),
    "promises-warnings": N_(
        "The warnings that cover each trigger: one row per trigger and warning."
    ),
    "promises-by-warning": N_(
        "One row per warning: how many triggers it covers and how its promises turned out."
    ),
    "promises-by-warning-groups": N_("The groups each warning covers."),
    "groups": N_(
        "One row per group: promises, arrests, releases, charges and convictions, each rate with its 95 per cent confidence interval, and each time as a Kaplan-Meier median."
    ),
    "groups-tests": N_(
        "The tests of equal treatment across groups: one row per test, with its p-value, or why it cannot be tested."
    ),
    "groups-tests-groups": N_("The groups each test compares."),
    "groups-survival": N_(
        "Kaplan-Meier curves of the time from a triggering shooting to an arrest: one row per group and time at which an arrest happened or a trigger stopped being followed."
    ),
    "releases": N_(
        "One row per flagged release: the rule that raised the flag, its status and the committee's finding."
    ),
    "releases-evidence": N_(
        "What each release flag rests on: one row per fact (a list gives one row per item)."
    ),
    "custody": N_(
        "One row per custody flag: a person held without production, or past a remand that expired, was refused or went beyond the legal limit."
    ),
    "custody-evidence": N_(
        "What each custody flag rests on: one row per fact (a list gives one row per item)."
    ),
    "custody-holdings": N_(
        "Everyone in police custody at the time judged at: one row per case and person."
    ),
    "custody-holdings-groups": N_("The groups of each person in custody."),
    "officers": N_(
        "One row per officer and group: the releases the officer authorised and how many of them are unexplained."
    ),
    "officers-retaliation": N_(
        "One row per group: were officers transferred soon after arresting its members more often than the time those weeks take would explain? An exact binomial test per group."
    ),
    "officers-retaliation-pairs": N_(
        "Each transfer that came within 30 days after the officer arrested a member of the group, with that arrest."
    ),
    "court": N_(
        "One row per group: how long cases take from arrest to charge, hearing and verdict, and the conviction rate."
    ),
    "court-adjournments": N_("Hearings adjourned, by group and reason."),
    "interruption": N_(
        "One row per area: shootings, mediations, and the responses of violence interrupters at hospitals and in the community."
    ),
}
"""A description of each file; ``-derived-from`` and ``-inquiry`` files use the shared ones."""

PART_NAMES = {"rate": N_("A rate"), "ratio": N_("A rate ratio"), "duration": N_("A duration")}

PARTS = {
    "rate": N_(
        "A rate takes seven columns, named after it: _count (how many), _denominator (out of how many decided records), _rate (the share, from 0 to 1), _ci_low and _ci_high (its 95 per cent Wilson confidence interval), _suppressed (yes when the denominator is below 5: then only the counts are given) and _pending (records not yet decided, left out of the denominator)."
    ),
    "ratio": N_(
        "A rate ratio compares a group with all other groups, in nine columns: _ratio (the group's rate divided by the others'), _ci_low and _ci_high (its 95 per cent interval, Katz's log method), _corrected (yes when 0.5 was added to each count because one was 0), _suppressed (yes when a denominator is below 5), _count and _denominator (the group's), _others_count and _others_denominator (all other groups')."
    ),
    "duration": N_(
        "A duration takes four columns: _n (records that reached its start), _events (how many reached its end), _censored (how many were still open at the time judged at) and _median (the Kaplan-Meier median; empty while fewer than half reached the end)."
    ),
}

COLUMNS = {
    "tree_size": N_(
        "The number of events in the log at the signed checkpoint the row was computed at."
    ),
    "root": N_(
        "The log's root hash (hex) at that checkpoint, as in data/checkpoint and data/manifest.json."
    ),
    "as_of": N_(
        "The time deadlines were judged at (UTC): the time signed in the checkpoint, unless another was asked for."
    ),
    "warning": N_("A warning's id, as recorded when it was issued."),
    "incident": N_("The shooting's incident id."),
    "trigger_event": N_("The id of the event that reported the shooting."),
    "shot_at": N_("When the shooting happened (UTC)."),
    "trigger": N_(
        "Why the shooting is a trigger for this group: by_member (a member of the group shot) or attack_on_group (the group was shot at, under a warning that promised to pursue such attacks)."
    ),
    "group": N_("A group's id, as registered in the ledger."),
    "covered_by_warning": N_("A warning that covers the trigger."),
    "outcome": N_("The promise: kept, kept_late, broken or pending (see the methodology)."),
    "arrest_status": N_(
        "The promised arrest: met (in time), met_late, missed, awaiting (deadline ahead) or not_due."
    ),
    "arrest_deadline": N_("When the arrest was due (UTC)."),
    "arrest_event": N_("The id of the arrest that met the step, if any."),
    "enforcement_status": N_(
        "The promised action against the group: met (in time), met_late, missed, awaiting (deadline ahead) or not_due."
    ),
    "enforcement_deadline": N_("When the action against the group was due (UTC)."),
    "enforcement_event": N_("The id of the action against the group that met the step, if any."),
    "charge_status": N_(
        "The promised charge: met (in time), met_late, missed, awaiting (deadline ahead) or not_due."
    ),
    "charge_deadline": N_("When the charge was due (UTC)."),
    "charge_event": N_("The id of the charge that met the step, if any."),
    "undone_by": N_("The id of the unexplained release that undid the arrest, if any."),
    "hours_to_arrest": N_(
        "Hours from the shooting to the first arrest; empty when nobody was arrested."
    ),
    "derived_from_event": N_("The id of a signed event the row is computed from."),
    "inquiry_event": N_(
        "The id of an event of the committee's inquiry: a request for an explanation, an explanation, or a finding."
    ),
    "event": N_("The id of the event that issued the warning."),
    "triggers": N_("Triggers counted: each shooting once per group it counts under."),
    "kept": N_("Triggers whose promise was kept: every promised step done by its deadline."),
    "kept_late": N_("Triggers whose promised steps were all done, some after the deadline."),
    "broken": N_(
        "Triggers whose promise was broken: a deadline passed without the step, or the arrest was undone by an unexplained release."
    ),
    "pending": N_("Triggers with a deadline still ahead of the time judged at."),
    "kept_rate": N_("Share of decided triggers whose promise was kept (pending ones left out)."),
    "name": N_("The group's public name, as registered."),
    "arrest_on_time_rate": N_(
        "Share of triggers with an arrest by the deadline, of those whose deadline passed or who were arrested."
    ),
    "arrests_late": N_("Triggers whose arrest came after the deadline."),
    "median_hours_to_arrest": N_(
        "Kaplan-Meier median of the hours from the shooting to an arrest (empty: not reached)."
    ),
    "spells": N_("Custody spells of the group's members: one arrest until release or verdict."),
    "release_rate": N_("Share of custody spells that ended in a release, of those decided."),
    "unexplained_release_rate": N_(
        "Share of custody spells that ended in an unexplained release, of those decided."
    ),
    "unexplained_release_rate_ratio": N_(
        "The group's unexplained release rate against all other groups'."
    ),
    "release_rate_ratio": N_("The group's release rate against all other groups'."),
    "cases": N_("Cases: one accused person in one First Information Report."),
    "charge_rate": N_("Share of cases charged, of cases charged or released uncharged."),
    "conviction_rate": N_("Share of cases convicted, of cases with a verdict."),
    "time_to_arrest": N_("Hours from a triggering shooting to an arrest."),
    "time_to_charge": N_("Days from the first arrest to the first charge."),
    "time_to_verdict": N_("Days from the first arrest to the verdict."),
    "time_to_release": N_("Days from an arrest to the release (a verdict ends the wait)."),
    "test": N_("What the test compares across groups (its name)."),
    "compares": N_("The records the test counts, and which are left out."),
    "method": N_("The test used, as its authors name it."),
    "groups_compared": N_(
        "How many groups the test compares (they are listed in the linked file)."
    ),
    "statistic": N_("The test statistic, when the test has one (exact tests give none)."),
    "p_value": N_("The p-value; empty when the data cannot be tested."),
    "p_holm": N_("The p-value after Holm's correction for the family of tests."),
    "correction": N_("The correction for multiple tests."),
    "result": N_(
        'The result as it may be quoted: the p-value ("p = 0.015"), or "not testable:" and the reason.'
    ),
    "time_hours": N_("Hours since the shooting."),
    "at_risk": N_("Triggers still followed with nobody arrested just before this time."),
    "events": N_("Triggers whose first arrest came at this time."),
    "censored": N_(
        "Triggers that stopped being followed at this time with nobody arrested (still open)."
    ),
    "survival": N_(
        "Kaplan-Meier estimate of the share with nobody arrested yet, just after this time."
    ),
    "ci_low": N_("Lower end of the 95 per cent confidence interval of the survival estimate."),
    "ci_high": N_("Upper end of the 95 per cent confidence interval of the survival estimate."),
    "flag": N_("The flag's id: its rule and the event it concerns."),
    "rule": N_("The rule that raised the flag."),
    "severity": N_("How serious the rule is: critical, high, medium or low."),
    "status": N_("open, explanation_requested, explanation_given or finding_recorded."),
    "finding": N_(
        "The committee's finding, once recorded: explained, unexplained, unlawful or referred."
    ),
    "case": N_("The case: a First Information Report number."),
    "person": N_("The person's public pseudonym (personal details stay sealed)."),
    "subject_event": N_("The id of the event the flag concerns."),
    "occurred_at": N_("When it happened (UTC)."),
    "description": N_("What the rule found, in words."),
    "law": N_("The law the rule applies."),
    "field": N_("The name of one fact the flag rests on."),
    "value": N_("That fact's value: a time, an event id, a number or a word."),
    "arrested_at": N_("When the person was arrested (UTC)."),
    "hours_in_custody": N_("Hours in custody at the time judged at."),
    "produced": N_("yes when the person was produced before a magistrate."),
    "remand_days_total": N_("Days of police remand granted so far."),
    "past_limit_unproduced": N_("yes when held past the custody limit without production."),
    "officer": N_("The officer's pseudonym."),
    "releases": N_("Releases the officer authorised."),
    "unexplained_releases": N_("Of those, releases that are unexplained."),
    "transfers": N_("Transfers of officers recorded."),
    "transfers_after_arrests": N_(
        "Transfers within 30 days after the officer arrested a member of the group."
    ),
    "share": N_("Those transfers, as a share of all transfers."),
    "base_rate": N_(
        "The share expected by chance: the share of officer time that falls within 30 days after such an arrest."
    ),
    "signal": N_("yes when the Holm-corrected p-value is below 0.05: a question, not a finding."),
    "transfer_event": N_("The id of the transfer."),
    "transferred_at": N_("When the officer was transferred (UTC)."),
    "arrest_to_charge": N_("Days from the first arrest to the charge."),
    "charge_to_first_hearing": N_("Days from the charge to the first hearing."),
    "first_hearing_to_verdict": N_("Days from the first hearing to the verdict."),
    "arrest_to_verdict": N_("Days from the first arrest to the verdict."),
    "awaiting_charge": N_("Cases not yet charged."),
    "awaiting_verdict": N_("Cases with no verdict yet."),
    "reason": N_("The reason recorded for adjourning a hearing."),
    "adjournments": N_("Hearings adjourned for that reason."),
    "area": N_("The area of the city."),
    "shootings": N_("Shootings reported in the area."),
    "killed": N_("People killed in them."),
    "injured": N_("People injured in them."),
    "mediations": N_("Mediations held by violence interrupters."),
    "agreements": N_("Mediations that ended in an agreement."),
    "ongoing": N_("Mediations still going on."),
    "failed": N_("Mediations that failed."),
    "hospital_responses": N_("Responses at a hospital after a shooting."),
    "victims_reached": N_("Victims reached at hospitals."),
    "community_responses": N_("Responses in the community after a shooting."),
    "community_participants": N_("People who took part in those responses."),
}
"""What each column holds, wherever it appears (unless ``IN_FILE`` says otherwise)."""

IN_FILE = {
    ("promises", "warning"): N_(
        "The first warning that covers the trigger (every one is in promises-warnings)."
    ),
    ("officers-retaliation-pairs", "arrest_event"): N_(
        "The id of the arrest the transfer followed."
    ),
    ("officers-retaliation", "transfers"): N_("Transfers of officers recorded, in all."),
}
"""Columns that mean something more precise in one file."""


@dataclass(frozen=True)
class ColumnNote:
    shown: str
    """The column's name, or ``name_*`` for a value split into parts."""
    explanation: str
    parts: str
    """The kind of parts (a key of ``PARTS``), or ""."""
    expanded: tuple[str, ...] = ()
    """For a value in parts: the names of its columns."""


@dataclass(frozen=True)
class FileNote:
    name: str
    description: str
    parent: str | None
    joins_on: tuple[str, ...]
    columns: tuple[ColumnNote, ...]


def describe(download: Download) -> str:
    """The msgid describing a file (its ``%(parent)s`` filled in by the page)."""
    if download.name.endswith("-derived-from"):
        return DERIVED_FROM
    if download.name.endswith("-inquiry"):
        return INQUIRY
    return FILES[download.name]


def explain(file: str, column: str) -> str:
    """The msgid explaining ``column`` in ``file``."""
    return IN_FILE.get((file, column)) or COLUMNS[column]


def file_notes(report: str) -> list[FileNote]:
    """Every CSV file of ``report``, the main one first, with its columns explained."""
    return [
        FileNote(
            d.name,
            describe(d),
            d.parent,
            d.joins_on,
            tuple(
                ColumnNote(
                    f"{name}_*" if kind else name,
                    explain(d.name, name),
                    kind,
                    tuple(f"{name}_{part}" for part in PART_KINDS[kind]) if kind else (),
                )
                for name, kind in d.layout
            ),
        )
        for d in downloads(report)
    ]


def provenance_notes() -> list[ColumnNote]:
    """The three columns every file ends with."""
    return [ColumnNote(name, COLUMNS[name], "") for name in PROVENANCE]
