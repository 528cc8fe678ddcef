"""Reading the stored log in order, straight from the event store.

The notification log of the eventsourcing application *is* the ledger's log:
one stored aggregate event per statement, in log order. Readers (export,
verify, projections) walk it page by page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledger.storage.port import LogStore, StoredLeaf

__all__ = ["StoredLeaf", "decode_notification", "stored_leaves", "walk_notifications"]

PAGE = 2000


def decode_notification(store: LogStore, notification: Any) -> StoredLeaf:
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


def stored_leaves(
    store: LogStore, start: int = 0, limit: int | None = None
) -> Iterator[StoredLeaf]:
    """Statements from log position ``start`` on, in log order."""
    first_nid = 1
    if start > 0:
        nid = store.notification_id_at(start)
        if nid is None:
            return
        first_nid = nid
    yield from walk_notifications(store, first_nid, limit)


def walk_notifications(
    store: LogStore, first_nid: int = 1, limit: int | None = None
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
