"""Access to the projections (``ledger.projections.service.Reports``) from request threads.

One ``Reports`` per process, created on first use and caught up with the log
before each answer, under the same gate as the ledger it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from api.gate import LedgerGate

T = TypeVar("T")


def with_reports(gate: LedgerGate, read: Callable[[Any], T]) -> T:
    """Run ``read(reports)`` on reports current with the log."""
    from ledger.projections.service import Reports

    with gate.use() as ledger:
        reports = getattr(gate, "reports", None)
        if reports is None:
            reports = Reports(ledger)
            gate.reports = reports  # type: ignore[attr-defined]
        else:
            reports.refresh()
        return read(reports)
