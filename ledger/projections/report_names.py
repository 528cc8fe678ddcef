"""The names of the reports, defined once: the CLI's choices, the API's paths and the site's pages.

Each name is also the key of its builder in ``ledger.projections.analysis``
(a test holds the two to the same names, in the same order). Besides these
tables, ``case`` and ``person`` name the two histories ``ledger report`` prints.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ReportName = Literal[
    "promises", "groups", "releases", "custody", "officers", "court", "interruption"
]
"""A report's name, as the API validates it in ``/v1/reports/{name}``."""

REPORT_NAMES: Final[tuple[ReportName, ...]] = get_args(ReportName)
"""Every report, in the order they are listed to readers."""

HISTORY_NAMES: Final = ("case", "person")
"""The histories ``ledger report case ID`` and ``ledger report person ID`` print."""
