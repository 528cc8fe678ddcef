"""Reading the stored log in order, straight from the event store.

The notification log of the eventsourcing application *is* the ledger's log:
one stored aggregate event per statement, in log order. Readers (export,
verify, projections) walk it page by page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ledger.storage.sql_store import Store, leaves_table

PAGE = 2000


@dataclass(frozen=True)
class StoredLeaf:
    """One stored statement as the event store holds it."""

    notification_id: int
    leaf_index: int | None
    event_id: str | None
    leaf: str
    originator_id: str
    topic: str
    originator_version: int = 0
    state: bytes = b""

    def statement(self) -> dict[str, Any]:
        return dict(json.loads(self.leaf))


def decode_notification(store: Store, notification: Any) -> StoredLeaf:
    """Decode without trusting the row: missing attributes become None."""
    try:
        event = store.decode(notification)
        leaf = getattr(event, "leaf", "")
        leaf_index = getattr(event, "leaf_index", None)
        event_id = getattr(event, "event_id", None)
    except Exception:  # a row edited into something the mapper cannot read
        leaf, leaf_index, event_id = "", None, None
    return StoredLeaf(
        notification_id=int(notification.id),
        leaf_index=leaf_index if isinstance(leaf_index, int) else None,
        event_id=event_id if isinstance(event_id, str) else None,
        leaf=leaf if isinstance(leaf, str) else "",
        originator_id=str(notification.originator_id),
        topic=str(notification.topic),
        originator_version=int(notification.originator_version),
        state=bytes(notification.state),
    )


def stored_leaves(store: Store, start: int = 0, limit: int | None = None) -> Iterator[StoredLeaf]:
    """Statements from log position ``start`` on, in log order."""
    first_nid = 1
    if start > 0:
        with store.engine.connect() as conn:
            nid = conn.execute(
                select(leaves_table.c.notification_id).where(leaves_table.c.leaf_index == start)
            ).scalar()
        if nid is None:
            return
        first_nid = int(nid)
    yield from walk_notifications(store, first_nid, limit)


def walk_notifications(
    store: Store, first_nid: int = 1, limit: int | None = None
) -> Iterator[StoredLeaf]:
    count = 0
    nid = first_nid
    while True:
        page = store.notifications(start=nid, limit=PAGE)
        if not page:
            return
        for notification in page:
            yield decode_notification(store, notification)
            count += 1
            if limit is not None and count >= limit:
                return
        nid = int(page[-1].id) + 1
