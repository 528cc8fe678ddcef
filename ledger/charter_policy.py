"""The charter's policy and its defaults, defined once.

A charter states the ledger's policy: the custody and remand limits the
reports measure against, the clock skew recorders and the server may differ
by, and the institutions every sealed part must be readable by. A field the
charter leaves out means the default here. The charter's data model, the
draft charter a new keyring signs, the admission rules, the projections and
the API's clock check all read these values, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

CUSTODY_LIMIT_HOURS: Final = 24
"""Hours a person may be held before being produced before a magistrate (s.61 CrPC)."""

REMAND_LIMIT_DAYS: Final = 15
"""Days of remand in police custody in total (s.167 CrPC)."""

MAX_CLOCK_SKEW_SECONDS: Final = 300
"""How far (5 minutes) a statement's times may run ahead of its recording, and its
recording ahead of (or behind) the server's clock (docs/events.md)."""

SEALING_RECIPIENTS: Final = ("court", "committee")
"""The roles every sealed part must be encrypted to: the special court and the citizens' committee."""


def default_policy() -> dict[str, Any]:
    """The policy a new charter states when nothing else is chosen (a fresh copy)."""
    return {
        "custody_limit_hours": CUSTODY_LIMIT_HOURS,
        "remand_limit_days": REMAND_LIMIT_DAYS,
        "max_clock_skew_seconds": MAX_CLOCK_SKEW_SECONDS,
        "sealing_recipients": list(SEALING_RECIPIENTS),
    }


def max_clock_skew(policy: Mapping[str, Any]) -> timedelta:
    """The clock skew a charter's policy allows (the default where it names none)."""
    return timedelta(seconds=int(policy.get("max_clock_skew_seconds", MAX_CLOCK_SKEW_SECONDS)))
