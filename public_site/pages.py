"""What each page shows, taken from the reports (never computed anew, never invented).

Each function returns the template context of one page from a ``Reports``
pinned at the checkpoint. Where a page needs a fact the report rows do not
carry (the groups a flagged person belonged to at the time, the area of the
shooting behind an arrest), it is read from the same projections' facts.
Case timelines are the projections' own ``case_history``; proofs are not
embedded in pages (every event links to the verify page, which fetches its
proof file).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ledger.projections.report_names import REPORT_NAMES

if TYPE_CHECKING:
    from ledger.projections.casework import CaseFile
    from ledger.projections.service import Reports
    from ledger.projections.tables import ReportTable


def file_slug(ref: str) -> str:
    """A public identifier as a file name: ':' (allowed in refs, a scheme separator in URLs) becomes '~'."""
    return ref.replace(":", "~")


FLAG_SHOWN = (
    "rule",
    "severity",
    "status",
    "finding",
    "case",
    "person",
    "groups",
    "area",
    "occurred_at",
    "subject_event",
)
"""What a flag's row on its month page shows, and all that the page is keyed by. The rest of the
report's row (its evidence and inquiry, which the downloads hold) can change while the row shows
the same: the evidence of a person still not produced counts the hours up to the time judged at."""


class SiteData:
    """The reports once, and the derived lookups every page shares."""

    def __init__(self, reports: Reports) -> None:
        self.reports = reports
        self.tables: dict[str, ReportTable] = {name: reports.report(name) for name in REPORT_NAMES}
        self.facts = reports.facts
        self.group_names = {r["group"]: r["name"] for r in self.tables["groups"].rows}
        self.flags = [
            self._place(f) for f in self.tables["releases"].rows + self.tables["custody"].rows
        ]
        self.flags.sort(key=lambda f: (f["occurred_at"], f["flag"]), reverse=True)
        self._group_details: dict[str, dict[str, Any]] = {}
        self.flags_by_case: dict[str, list[dict[str, Any]]] = {}
        for f in self.flags:
            self.flags_by_case.setdefault(f["case"], []).append(f)

    def group_detail(self, group: str) -> dict[str, Any]:
        """The projections' detail of a group, computed once for its charts and its pages."""
        if group not in self._group_details:
            self._group_details[group] = self.reports.group_detail(group)
        return self._group_details[group]

    def group_name(self, group: str) -> str:
        return str(self.group_names.get(group, group))

    def _area_of_case(self, case: str) -> str | None:
        for event in self.facts.case_events(case):
            if event["type"] != "arrest.made":
                continue
            for incident in event["data"].get("incidents", []):
                reported = self.facts.incidents.get(incident, {}).get("reported")
                if reported and reported in self.facts.events:
                    return str(self.facts.events[reported]["data"].get("area"))
            return str(event["data"].get("station")) if event["data"].get("station") else None
        return None

    def _place(self, flag: dict[str, Any]) -> dict[str, Any]:
        groups = (
            self.facts.groups_of(flag["person"], flag["occurred_at"]) if flag.get("person") else []
        )
        return {**flag, "groups": groups, "area": self._area_of_case(flag["case"])}

    # --- pages ------------------------------------------------------------------------
    def home(self) -> dict[str, Any]:
        promises = self.tables["promises"]
        month = self.reports.as_of[:7]
        this_month = [r for r in promises.rows if r["shot_at"][:7] == month]
        per_group: dict[str, Counter[str]] = {}
        for row in this_month:
            for g in row["groups"]:
                per_group.setdefault(g, Counter())[row["outcome"]] += 1
        return {
            "summary": promises.extra.get("summary", {}),
            "month": month,
            "month_summary": Counter(r["outcome"] for r in this_month),
            "groups": self.tables["groups"].rows,
            "group_month": {g: dict(c) for g, c in per_group.items()},
            "latest_flags": self.flags[:8],
            "flag_count": len(self.flags),
            "open_flags": sum(1 for f in self.flags if f["status"] == "open"),
        }

    def monthly(self) -> list[tuple[str, dict[str, int]]]:
        """Triggers per month of the shooting, by outcome, every month from the first to as_of."""
        counts: dict[str, Counter[str]] = {}
        for row in self.tables["promises"].rows:
            counts.setdefault(row["shot_at"][:7], Counter())[row["outcome"]] += 1
        if not counts:
            return []
        first, last = min(counts), max(max(counts), self.reports.as_of[:7])
        out: list[tuple[str, dict[str, int]]] = []
        year, month = int(first[:4]), int(first[5:7])
        while f"{year:04d}-{month:02d}" <= last:
            key = f"{year:04d}-{month:02d}"
            out.append((key, dict(counts.get(key, Counter()))))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def groups(self) -> dict[str, Any]:
        table = self.tables["groups"]
        return {
            "rows": table.rows,
            "tests": table.extra.get("tests", []),
            "km": table.extra.get("km_time_to_arrest_hours", {}),
        }

    def group(self, group: str) -> dict[str, Any]:
        return {**self.group_detail(group), "name": self.group_name(group)}

    def releases(self) -> list[dict[str, Any]]:
        """Every release of a person from custody, newest first, with the groups of the spell it
        ended (the rows of the releases' month pages, and all that those pages are keyed by)."""
        rows = [self._release_row(s) for s in self.reports.analysis().spells if s["released"]]
        rows.sort(key=lambda r: (r["at"], r["event"]), reverse=True)
        return rows

    def _release_row(self, spell: dict[str, Any]) -> dict[str, Any]:
        release = self.facts.events[spell["release"]]
        return {
            "case": spell["case"],
            "person": spell["person"],
            "groups": list(spell["groups"]),
            "event": spell["release"],
            "at": release["occurred_at"],
            "legal_basis": release["data"].get("legal_basis"),
            "officer": spell.get("authorising_officer"),
            "explained": "unexplained" if spell["unexplained_release"] else "explained",
        }

    def promises(self) -> dict[str, Any]:
        table = self.tables["promises"]
        return {
            "warnings": table.extra.get("warnings", []),
            "rows": table.rows,
            "summary": table.extra.get("summary", {}),
        }

    def flag_page(self, name: str) -> dict[str, Any]:
        """A table of flags (``releases``, ``custody``): its rows, newest first, their counts by rule
        and status, and who is held in custody now."""
        table = self.tables[name]
        prefix = "release." if name == "releases" else "custody."
        rows = [{k: f[k] for k in FLAG_SHOWN} for f in self.flags if f["rule"].startswith(prefix)]
        by_rule: dict[str, Counter[str]] = {}
        for f in rows:
            by_rule.setdefault(f["rule"], Counter())[f["status"]] += 1
        return {
            "rows": rows,
            "by_rule": {k: dict(v) for k, v in sorted(by_rule.items())},
            "holdings": table.extra.get("holdings", []),
        }

    def officers(self) -> dict[str, Any]:
        table = self.tables["officers"]
        return {
            "rows": table.rows,
            "signals": table.extra.get("retaliation_signals", []),
        }

    def table_page(self, name: str) -> dict[str, Any]:
        table = self.tables[name]
        return {"rows": table.rows, "columns": table.columns}

    def case_ids(self) -> list[str]:
        return sorted(c for c in self.facts.case_mentions if c)

    def cases(self) -> list[dict[str, Any]]:
        flagged = Counter(f["case"] for f in self.flags)
        files = self.reports.analysis().files
        out = []
        for case in self.case_ids():
            info = self.facts.cases.get(case, {})
            person = info.get("person")
            first = self.facts.events[self.facts.case_mentions[case][0]]
            out.append(
                {
                    "case": case,
                    "slug": file_slug(case),
                    "person": person,
                    "groups": self.facts.groups_of(person, first["occurred_at"]) if person else [],
                    "opened": first["occurred_at"],
                    "events": len(self.facts.case_mentions[case]),
                    "flags": flagged.get(case, 0),
                    "outcome": case_outcome(files.get(case)),
                }
            )
        return out

    def case(self, case: str) -> dict[str, Any]:
        from ledger.projections import cases

        analysis = self.reports.analysis()
        history = cases.case_history(self.facts, case, None, analysis.flags_by_subject)
        return {**history, "flags": self.flags_by_case.get(case, [])}

    def feed_entries(self, limit: int = 200) -> list[dict[str, Any]]:
        """New flags and broken promises, newest first."""
        entries = [
            {"kind": "flag", "at": f["occurred_at"], "id": f["flag"], "row": f} for f in self.flags
        ]
        for row in self.tables["promises"].rows:
            if row["outcome"] == "broken":
                entries.append(
                    {
                        "kind": "broken",
                        "at": row["shot_at"],
                        "id": f"{row['incident']}:{row['group']}:{row['trigger']}",
                        "row": row,
                    }
                )
        entries.sort(key=lambda e: (e["at"], e["id"]), reverse=True)
        return entries[:limit]


def case_outcome(file: CaseFile | None) -> str:
    """Where a case stands (a code of ``labels.CASE_OUTCOMES``): its verdict, else its charge, else custody.

    A withdrawal withdraws every charge filed before it (the evolve function
    of ``charge.withdrawn``), so a case is charged when a charge came after
    the last withdrawal.
    """
    if file is None:
        return "no_arrest"
    if file.verdict is not None:
        return str(file.verdict["data"].get("verdict"))
    if file.charges:
        withdrawn = file.withdrawals and file.withdrawals[-1]["i"] > file.charges[-1]["i"]
        return "charge_withdrawn" if withdrawn else "charged"
    if file.spells:
        return "released_uncharged" if file.spells[-1].release is not None else "held_uncharged"
    return "no_arrest"


def iter_group_ids(data: SiteData) -> Iterator[str]:
    for row in data.tables["groups"].rows:
        if row["group"] in data.facts.groups:
            yield row["group"]
