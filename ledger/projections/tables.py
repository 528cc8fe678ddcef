"""ReportTable: what every report hands to the CLI, the API and the public site.

Each table names the tree size and root it reflects and ``as_of``, the time
deadlines were judged at, with where that time came from
(``ledger.projections.evaluation``), so a reader can check it against a checkpoint and
recompute it from an export. Rows keep structured cells (rates as dicts with
count, denominator, interval, ``suppressed``); CSV flattens them to text.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReportTable:
    name: str
    tree_size: int
    root: str
    as_of: str
    columns: list[str]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    as_of_source: str = ""
    as_of_explanation: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tree_size": self.tree_size,
            "root": self.root,
            "as_of": self.as_of,
            "as_of_source": self.as_of_source,
            "as_of_explanation": self.as_of_explanation,
            "columns": list(self.columns),
            "rows": self.rows,
            "notes": list(self.notes),
            "extra": self.extra,
        }

    def to_csv(self) -> str:
        """One line per row, the table's columns plus ``derived_from``; structured cells as text."""
        out = io.StringIO()
        columns = list(self.columns) + (
            ["derived_from"] if "derived_from" not in self.columns else []
        )
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in self.rows:
            writer.writerow([cell_text(row.get(c)) for c in columns])
        return out.getvalue()


def cell_text(value: Any) -> str:
    """A cell as a person reads it: rates as "k/n (rate, low–high)" or "suppressed (k/n)"."""
    if value is None:
        return ""
    if (
        isinstance(value, dict)
        and "denominator" in value
        and "suppressed" in value
        and "rate" in value
    ):
        k, n = value["count"], value["denominator"]
        pending = f", {value['pending']} pending" if value.get("pending") else ""
        if value["suppressed"]:
            return f"suppressed ({k}/{n}{pending})"
        return f"{k}/{n} ({value['rate']:.3f}, {value['ci_low']:.3f}-{value['ci_high']:.3f}){pending}"
    if isinstance(value, dict) and "ratio" in value and "ci_low" in value:
        if value["ratio"] is None:
            return f"suppressed ({value['count']}/{value['denominator']} vs {value['others_count']}/{value['others_denominator']})"
        return f"{value['ratio']:.3f} ({value['ci_low']:.3f}-{value['ci_high']:.3f})"
    if isinstance(value, dict) and set(value) == {"n", "events", "censored", "median"}:
        if not value["n"]:
            return "n=0"
        median = "not reached" if value["median"] is None else f"{value['median']:.2f}"
        return f"n={value['n']}, median {median} ({value['events']} reached, {value['censored']} open)"
    if isinstance(value, dict) and set(value) == {"n", "median", "q1", "q3"}:
        if not value["n"]:
            return "n=0"
        return f"n={value['n']}, median {value['median']:.2f} (IQR {value['q1']:.2f}-{value['q3']:.2f})"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
