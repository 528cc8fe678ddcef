"""Every report computed from one ``Facts``: computed once per tree size, on demand.

``Analysis`` holds the shared intermediate results (case files, flags with
their status, unexplained releases, triggers, custody spells) so that the
promises, equality, officer and court reports agree with one another. Report
builders turn them into ``ReportTable``s that carry the tree size and root.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property, partial
from typing import Any

from ledger.errors import NotFound
from ledger.projections import court, equality, officers, promises
from ledger.projections.casework import CaseFile
from ledger.projections.custody import custody_limit_hours
from ledger.projections.evaluation import EvaluationTime, choose
from ledger.projections.facts import Facts, bulk, seconds
from ledger.projections.flagging import Flag
from ledger.projections.maintained import CaseTables, JudgedTriggers, Maintained
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.reuse import Reused, fresh, shared, shared_rows, unchanged
from ledger.projections.tables import ReportTable

SUPPRESSION_NOTE = (
    "Rates with a denominator below 5 are suppressed: the count is shown, never a bare percentage."
)
DISPARITY_NOTE = "A disparity is a question, not proof: see the methodology for what each figure can and cannot show."

PROMISE_COLUMNS = [
    "warning",
    "incident",
    "trigger_event",
    "shot_at",
    "trigger",
    "group",
    "warnings",
    "outcome",
    "arrest_status",
    "arrest_deadline",
    "arrest_event",
    "enforcement_status",
    "enforcement_deadline",
    "enforcement_event",
    "charge_status",
    "charge_deadline",
    "charge_event",
    "undone_by",
    "hours_to_arrest",
]
GROUP_COLUMNS = [
    "group",
    "name",
    "triggers",
    "kept",
    "kept_late",
    "broken",
    "pending",
    "kept_rate",
    "arrest_on_time_rate",
    "arrests_late",
    "median_hours_to_arrest",
    "spells",
    "release_rate",
    "unexplained_release_rate",
    "unexplained_release_rate_ratio",
    "release_rate_ratio",
    "cases",
    "charge_rate",
    "conviction_rate",
    "time_to_arrest",
    "time_to_charge",
    "time_to_verdict",
    "time_to_release",
]
OFFICER_COLUMNS = ["officer", "group", "releases", "unexplained_releases"]
COURT_COLUMNS = [
    "group",
    "cases",
    *court.STAGES,
    "awaiting_charge",
    "awaiting_verdict",
    "conviction_rate",
    "adjournments",
]
INTERRUPTION_COLUMNS = [
    "area",
    "shootings",
    "killed",
    "injured",
    "mediations",
    "agreements",
    "ongoing",
    "failed",
    "hospital_responses",
    "victims_reached",
    "community_responses",
    "community_participants",
]
"""Each report's columns, in order: the tables, the CLI and the CSV shapes
(``ledger.projections.tidy``) read them from here."""


class Analysis:
    """``records`` are the per-case and per-shooting records kept current across tree
    sizes (a new set, computed from nothing, when not given)."""

    def __init__(
        self,
        facts: Facts,
        tree_size: int,
        root: str,
        evaluation: EvaluationTime | None = None,
        records: Maintained | None = None,
    ) -> None:
        self.facts = facts
        self.records = records or Maintained()
        self.tree_size = tree_size
        self.root = root
        self.evaluation = evaluation or choose(
            facts.as_of, checkpoint_problem="no checkpoint was given"
        )
        self.as_of = self.evaluation.at

    @cached_property
    def files(self) -> dict[str, CaseFile]:
        self.records.cases.sync(self.facts)
        return self.records.cases.files

    @cached_property
    def flags(self) -> list[Flag]:
        """Every flag with its status (``flagging.with_status``), kept across tree sizes: a
        flag is never changed once handed out (a new status is a new flag)."""
        self.records.cases.sync(self.facts)
        return self.records.cases.flags()

    @cached_property
    def unexplained(self) -> dict[str, list[str]]:
        """``releases.unexplained_releases`` of the flags (not to be changed)."""
        self.records.cases.sync(self.facts)
        return self.records.cases.unexplained()

    @cached_property
    def judged(self) -> JudgedTriggers:
        """The triggers judged at ``as_of``, with their rows and their buckets, kept across
        tree sizes (``TriggerRecords.judged``)."""
        return self.records.triggers.judged(
            self.facts, self.files, self.unexplained, self.judged_seconds, promise_row
        )

    @property
    def triggers(self) -> list[dict[str, Any]]:
        return self.judged.triggers

    @cached_property
    def judged_seconds(self) -> float:
        """The time deadlines are judged at and open durations censored at, in seconds."""
        return seconds(self.as_of) if self.as_of else 0.0

    @cached_property
    def case_tables(self) -> CaseTables:
        """Spell, case, court and holding records, kept per case across tree sizes (they do
        not depend on the time judged at)."""
        return self.records.rows.sync(
            self.facts, self.files, self.unexplained, self.records.cases.generation
        )

    @property
    def spells(self) -> Sequence[dict[str, Any]]:
        return self.case_tables.spells

    @property
    def cases(self) -> Sequence[dict[str, Any]]:
        return self.case_tables.cases

    @property
    def durations(self) -> Sequence[dict[str, Any]]:
        return self.case_tables.durations

    @property
    def holdings(self) -> Sequence[dict[str, Any]]:
        """Everyone in custody, counted to the time of the latest event."""
        return self.case_tables.holdings_at(self.facts.as_of, custody_limit_hours(self.facts))

    @cached_property
    def families(self) -> equality.Families:
        """The records by group: the triggers' buckets as kept with them, the spells and
        cases split again only when they changed."""
        reused = self.records.reused
        return {
            "triggers": dict(self.judged.by_group),
            "spells": equality.by_group(self.spells, reused, "spells"),
            "cases": equality.by_group(self.cases, reused, "cases"),
        }

    @cached_property
    def group_rows(self) -> list[dict[str, Any]]:
        return equality.group_rows(
            self.facts,
            self.triggers,
            self.spells,
            self.cases,
            self.judged_seconds,
            self.families,
            self.records.reused,
        )

    @cached_property
    def flags_by_subject(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for flag in self.flags:
            out.setdefault(flag.subject, []).append(flag.rule)
        return out

    def table(
        self,
        name: str,
        columns: list[str],
        rows: list[dict[str, Any]],
        notes: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> ReportTable:
        return ReportTable(
            name,
            self.tree_size,
            self.root,
            self.as_of,
            columns,
            rows,
            [self.evaluation.explanation + "."] + (notes or []),
            extra or {},
            self.evaluation.source,
            self.evaluation.explanation,
        )

    def report(self, name: str) -> ReportTable:
        builder: Callable[[Analysis], ReportTable] | None = BUILDERS.get(name)
        if builder is None:
            raise NotFound(f"no report named {name!r}; reports are: {', '.join(REPORT_NAMES)}")
        with bulk():
            return builder(self)

    def flag_rows(self, status: str | None = None, rule: str | None = None) -> list[dict[str, Any]]:
        return [
            f.to_row()
            for f in self.flags
            if (status is None or f.status == status) and (rule is None or f.rule == rule)
        ]


def _requirement_cells(trigger: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in ("arrest", "enforcement", "charge"):
        req = trigger[step] or {"status": "not_due", "deadline": None, "event": None}
        out[f"{step}_status"] = req["status"]
        out[f"{step}_deadline"] = req["deadline"]
        out[f"{step}_event"] = req["event"]
    return out


def promise_row(t: dict[str, Any]) -> dict[str, Any]:
    """A judged trigger as a row of the promises table."""
    return (
        {
            k: t[k]
            for k in (
                "warning",
                "incident",
                "trigger_event",
                "shot_at",
                "trigger",
                "group",
                "groups",
                "warnings",
                "outcome",
            )
        }
        | _requirement_cells(t)
        | {
            "undone_by": t["undone_by"],
            "hours_to_arrest": t["hours_to_arrest"],
            "derived_from": t["derived_from"],
        }
    )


def promises_report(a: Analysis) -> ReportTable:
    judged = a.judged
    rows = shared_rows(judged.rows)
    warnings = []
    for key, event_id in a.facts.warnings.items():
        mine = judged.by_warning.get(key, ())
        summary = promises.outcome_summary(judged.warning_outcomes.get(key, {}), len(mine))
        warnings.append(
            {
                "warning": key,
                "event": event_id,
                "groups": a.facts.events[event_id]["data"].get("groups"),
                **summary,
            }
        )
    return a.table(
        "promises",
        PROMISE_COLUMNS,
        rows,
        [
            "One row per trigger: a (shooting, group) pair, counted once however many warnings cover it;"
            " an attack on a protected group counts under the group attacked.",
            "broken: a deadline passed without the consequence, or an arrest ended in an unexplained release;"
            " pending: a deadline is still ahead of the time judged at.",
        ],
        {
            "warnings": warnings,
            "summary": promises.outcome_summary(judged.outcomes, len(judged.triggers)),
        },
    )


def groups_report(a: Analysis) -> ReportTable:
    groups = [r["group"] for r in a.group_rows]
    return a.table(
        "groups",
        GROUP_COLUMNS,
        a.group_rows,
        [
            SUPPRESSION_NOTE,
            DISPARITY_NOTE,
            "Rates count decided records only, with the pending ones beside them: release rates over custody"
            " spells released or held to a verdict, charge rates over cases charged or released uncharged,"
            " conviction rates over cases with a verdict.",
            "Times to arrest (hours), charge, verdict and release (days) are Kaplan-Meier estimates with open"
            " records censored at the time judged at; a median of None is not yet reached.",
            "Rate ratios compare a group with all others (Katz log interval; 0.5 added to each cell when a count is 0).",
            "Tests across groups are exact where feasible, named, and Holm-corrected as one family.",
        ],
        {
            "tests": equality.group_tests(
                a.triggers,
                a.spells,
                a.cases,
                groups,
                a.judged_seconds,
                a.families,
                a.records.reused,
            ),
            "km_time_to_arrest_hours": equality.km_curves(
                a.triggers, groups, a.judged_seconds, a.families["triggers"], a.records.reused
            ),
        },
    )


FLAG_COLUMNS = [
    "flag",
    "rule",
    "severity",
    "status",
    "finding",
    "case",
    "person",
    "subject_event",
    "occurred_at",
    "description",
    "evidence",
]


def _flag_counts(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["rule"], {}).setdefault(r["status"], 0)
        out[r["rule"]][r["status"]] += 1
    return out


def flag_table(a: Analysis, kind: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """The rows of the flags whose rule begins with ``kind`` and their counts, kept while the
    flags are the very flags they came from (a new status is a new flag): the rows
    read-only, in a list of the caller's, the counts a copy. When some flags changed, only
    theirs are made again (``FlagRows``)."""
    reused = a.records.reused
    found = reused.get(
        ("flag_table", kind),
        (a.flags,),
        None,
        partial(_kind_table, a.flags, kind, reused),
        lambda table: (shared_rows(table[0]), fresh(table[1])),
    )
    return found[0], found[1]


def _kind_table(
    flags: list[Flag], kind: str, reused: Reused
) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """``_flag_table`` of the flags of ``kind``, kept while they are the very same flags:
    when only the other kind's flags changed (the custody flags counting the hours of
    someone still held, at each time of the latest event), the table is the one kept."""
    mine = [f for f in flags if f.rule.startswith(kind)]
    return reused.get(
        ("flag_table_of", kind), (mine,), None, partial(_flag_table, mine, kind, reused), unchanged
    )


def _flag_table(
    mine: list[Flag], kind: str, reused: Reused
) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    kept = reused.evolve(("flag_rows", kind), (mine,), FlagRows, FlagRows.step)
    rows = [kept.row(flag) for flag in mine]
    return rows, _flag_counts(rows)


class FlagRows:
    """Each flag's row of a report (read-only), by the flag's id, with the very flag it was
    made from; changed by the flags that went and came (``Reused.evolve``)."""

    __slots__ = ("rows",)

    def __init__(self, inputs: tuple[Sequence[Flag], ...]) -> None:
        self.rows: dict[str, tuple[Flag, dict[str, Any]]] = {}
        self.step(0, [], list(inputs[0]))

    def step(self, _input: int, gone: list[Flag], new: list[Flag]) -> None:
        for flag in gone:
            if self.rows.get(flag.flag_id, (None,))[0] is flag:
                del self.rows[flag.flag_id]
        for flag in new:
            self.rows[flag.flag_id] = (flag, shared(flag.to_row()))

    def row(self, flag: Flag) -> dict[str, Any]:
        """The flag's row: the one kept, or made now if another flag holds its id."""
        kept = self.rows.get(flag.flag_id)
        return kept[1] if kept is not None and kept[0] is flag else shared(flag.to_row())


def releases_report(a: Analysis) -> ReportTable:
    rows, counts = flag_table(a, "release.")
    released = a.records.reused.get("released", (a.spells,), None, partial(_released, a.spells))
    return a.table(
        "releases",
        FLAG_COLUMNS,
        rows,
        [
            "A flag never disappears: a committee finding changes its status.",
            f"{released} releases recorded; {len(a.unexplained)} unexplained (a basis rule raised and no finding"
            " that it was explained).",
        ],
        {
            "counts": counts,
            "unexplained_releases": a.records.reused.get(
                "unexplained_releases",
                ((a.unexplained,),),
                None,
                partial(shared, a.unexplained),
                unchanged,
            ),
        },
    )


def _released(spells: Sequence[dict[str, Any]]) -> int:
    return sum(1 for s in spells if s["released"])


def custody_report(a: Analysis) -> ReportTable:
    rows, counts = flag_table(a, "custody.")
    limits = a.facts.policy
    return a.table(
        "custody",
        FLAG_COLUMNS,
        rows,
        [
            f"Custody limit {limits['custody_limit_hours']} hours before production (s.61 CrPC);"
            f" total remand limit {limits['remand_limit_days']} days (s.167 CrPC), from the charter's policy.",
            "extra.holdings lists everyone in custody at as_of.",
        ],
        {"counts": counts, "holdings": shared_rows(a.holdings)},
    )


def officers_report(a: Analysis) -> ReportTable:
    rows = a.records.reused.get(
        "release_authorisations",
        (a.spells,),
        None,
        lambda: [shared(row) for row in officers.release_authorisations(a.spells)],
        shared_rows,
    )
    return a.table(
        "officers",
        OFFICER_COLUMNS,
        rows,
        [
            "Retaliation signals (extra.retaliation_signals) count transfers, one each: of all transfers, how"
            f" many came within {officers.WINDOW_DAYS} days after the transferred officer arrested a member of"
            " the group, against the share of officer time those windows take (exact binomial test,"
            " one-sided), Holm-corrected across groups. A signal is a question for the committee, not a finding."
        ],
        {
            "retaliation_signals": officers.retaliation_signals(
                a.facts, a.spells, a.as_of, a.records.reused
            )
        },
    )


def court_report(a: Analysis) -> ReportTable:
    return a.table(
        "court",
        COURT_COLUMNS,
        court.court_rows(a.durations, a.judged_seconds, a.records.reused),
        [
            "Durations in days from the stage's start: Kaplan-Meier median over the cases that reached the"
            " start, with the cases still waiting censored at the time judged at (median None: not yet reached).",
            SUPPRESSION_NOTE,
        ],
    )


def interruption_report(a: Analysis) -> ReportTable:
    return a.table("interruption", INTERRUPTION_COLUMNS, a.records.interruption.rows(a.facts))


BUILDERS: dict[str, Callable[[Analysis], ReportTable]] = {
    "promises": promises_report,
    "groups": groups_report,
    "releases": releases_report,
    "custody": custody_report,
    "officers": officers_report,
    "court": court_report,
    "interruption": interruption_report,
}


def group_detail(a: Analysis, group: str) -> dict[str, Any]:
    """A group's page: its warnings, triggers and outcomes, KM curve vs all others, releases and flags."""
    if group not in a.facts.groups and not any(r["group"] == group for r in a.group_rows):
        raise NotFound(f"no group {group!r} is registered in the ledger")
    from ledger.projections.statistics import kaplan_meier, logrank

    mine = [t for t in a.triggers if group in t["groups"]]
    others = [t for t in a.triggers if group not in t["groups"]]
    d1, o1 = equality.arrest_durations(mine, a.judged_seconds)
    d0, o0 = equality.arrest_durations(others, a.judged_seconds)
    row = next((r for r in a.group_rows if r["group"] == group), None)
    warnings = [
        {
            "warning": k,
            "event": e,
            **{
                f: a.facts.events[e]["data"].get(f)
                for f in (
                    "effective_from",
                    "effective_until",
                    "deadlines",
                    "covered_acts",
                    "covers_attacks_on_groups",
                )
            },
        }
        for k, e in a.facts.warnings.items()
        if group in a.facts.events[e]["data"].get("groups", [])
    ]
    member_spells = [s for s in a.spells if group in s["groups"]]
    flags = [f.to_row() for f in a.flags if group in a.facts.groups_of(f.person, f.occurred_at)]
    registered = a.facts.events[a.facts.groups[group]] if group in a.facts.groups else None
    return {
        "group": group,
        "tree_size": a.tree_size,
        "root": a.root,
        **a.evaluation.to_json(),
        "registered": registered["data"] if registered else None,
        "summary": row,
        "warnings": warnings,
        "triggers": mine,
        "outcomes": promises.promise_summary(mine),
        "crackdown": promises.promise_summary(
            [t for t in mine if t["trigger"] == promises.BY_MEMBER]
        ),
        "protection": {
            "protected": any(w["covers_attacks_on_groups"] for w in warnings),
            **promises.promise_summary([t for t in mine if t["trigger"] == promises.ATTACK]),
        },
        "km_time_to_arrest_hours": {
            "group": kaplan_meier(d1, o1),
            "all_others": kaplan_meier(d0, o0),
        },
        "logrank_vs_others": logrank(d1 + d0, o1 + o0, ["group"] * len(d1) + ["others"] * len(d0)),
        "releases": [s for s in member_spells if s["released"]],
        "flags": flags,
    }
