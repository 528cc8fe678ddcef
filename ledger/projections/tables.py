"""ReportTable: what every report hands to the CLI, the API and the public site.

Each table names the tree size and root it reflects and ``as_of``, the time
deadlines were judged at, with where that time came from
(``ledger.projections.evaluation``), so a reader can check it against a checkpoint and
recompute it from an export. Rows keep structured cells (rates as dicts with
count, denominator, interval, ``suppressed``); ``cell_text`` reads them to a
person in the CLI's tables, and ``ledger.projections.tidy`` writes them as CSV
with one value per cell.

Every CSV cell goes through :func:`spreadsheet_safe`: recorders write names,
reasons and titles, and a reason that begins with ``=`` must not become a
formula in the spreadsheet of the journalist who opens the download.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel, LibreOffice or Google Sheets read a cell as
a formula (OWASP, "CSV Injection"): ``=``, ``+``, ``-``, ``@``, tab and carriage
return."""


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


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell that no spreadsheet will evaluate: OWASP's single-quote prefix.

    Text (names, reasons, ids, and the readable forms of rates and lists) that
    starts with one of :data:`FORMULA_TRIGGERS` gets a leading ``'``, which
    spreadsheets show as "this is text" and a script can strip. Numbers are
    left alone: a count or a rate written from an ``int`` or ``float`` (say
    ``-1.5``) is a value the reader should be able to sum, and its text is
    only digits, sign, point and exponent, which no spreadsheet runs. So a
    recorder's string ``"-1.5"`` is quoted while the number ``-1.5`` is not:
    the decision follows the cell's type, never its look.
    """
    kind = value.__class__
    if kind is str:  # most cells, read as they are
        text: str = value
        return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
    if kind is int or kind is float:  # the next commonest, as cell_text writes them
        return str(value)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell_text(value)
    text = cell_text(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


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
        return (
            f"{k}/{n} ({value['rate']:.3f}, {value['ci_low']:.3f}-{value['ci_high']:.3f}){pending}"
        )
    if isinstance(value, dict) and "ratio" in value and "ci_low" in value:
        if value["ratio"] is None:
            return f"suppressed ({value['count']}/{value['denominator']} vs {value['others_count']}/{value['others_denominator']})"
        return f"{value['ratio']:.3f} ({value['ci_low']:.3f}-{value['ci_high']:.3f})"
    if isinstance(value, dict) and set(value) == {"n", "events", "censored", "median"}:
        if not value["n"]:
            return "n=0"
        median = "not reached" if value["median"] is None else f"{value['median']:.2f}"
        return (
            f"n={value['n']}, median {median} ({value['events']} reached, {value['censored']} open)"
        )
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
