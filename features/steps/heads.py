"""A ledger filled with appointments and removals of heads (governance events only),
shared by the tamper-evidence and inclusion-proof scenarios."""

from __future__ import annotations

from typing import Any

from ledger.service import Ledger


def record_heads(
    ledger: Ledger, recorder: Any, clock: Any, pairs: int, *, checkpoint_each: bool = False
) -> None:
    for i in range(pairs):
        clock.advance(minutes=1)
        ledger.append(
            [
                recorder.sign(
                    "head.appointed",
                    "committee",
                    {"head": f"H-{i}", "term_start": clock.stamp(), "reason": "appointed"},
                )
            ]
        )
        if checkpoint_each:
            ledger.sign_checkpoint()
        clock.advance(minutes=1)
        ledger.append(
            [recorder.sign("head.removed", "committee", {"head": f"H-{i}", "reason": "rotation"})]
        )
        if checkpoint_each:
            ledger.sign_checkpoint()
