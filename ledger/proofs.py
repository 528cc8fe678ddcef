"""Text forms of consistency proofs, for people and for other tools.

A consistency proof file names the two tree sizes, the two signed checkpoints
(when they exist) and the proof hashes in base64, one per line, in the order
RFC 9162 section 2.1.4 produces them (the same order as Go's tlog.TreeProof).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from ledger.errors import NotFound

if TYPE_CHECKING:
    from ledger.service import Ledger

HEADER = "ceasefire-ledger/consistency-proof@v1"


def consistency_proof_text(ledger: Ledger, old_size: int, new_size: int) -> str:
    proof = ledger.consistency_proof(old_size, new_size)
    lines = [HEADER, f"old {old_size} {base64.b64encode(ledger.tree.root(old_size)).decode()}",
             f"new {new_size} {base64.b64encode(ledger.tree.root(new_size)).decode()}"]
    lines += [base64.b64encode(h).decode() for h in proof]
    text = "\n".join(lines) + "\n"
    for size in (old_size, new_size):
        try:
            note = ledger.checkpoint_at(size).note
        except NotFound:
            continue
        text += "\n" + note
    return text
