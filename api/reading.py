"""Reading stored statements by log position, a page at a time.

``Ledger.events`` walks the event store in large pages (right for exports and
verification); an HTTP answer needs exactly the rows asked for, so this reads
the leaf index for the positions wanted and then only their notifications.
"""

from __future__ import annotations

from ledger.service import Ledger
from ledger.storage.log_reader import StoredLeaf


def leaves(ledger: Ledger, start: int, limit: int) -> list[StoredLeaf]:
    """Stored statements at log positions ``start .. start+limit-1`` (fewer at the log's end),
    each checked to be the statement its id names (``Ledger.read_leaves``)."""
    return ledger.read_leaves(start, limit)


def leaf_at(ledger: Ledger, leaf_index: int) -> StoredLeaf | None:
    found = leaves(ledger, leaf_index, 1)
    return found[0] if found else None
