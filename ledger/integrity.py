"""Fast integrity checks a server runs before it serves, and questions about revoked keys.

``ledger verify`` replays the whole log through every signature and rule; that
is the full answer and can take minutes. A server starting up needs a quicker
answer to "has the database been edited behind the program's back since the
last checkpoint was signed?", and must refuse to take writes when it has,
because appending to a tampered log would bury the evidence under new
checkpoints. ``check_store`` compares, without verifying statement signatures:

* the stored events' log positions, which must run 0, 1, 2, … without gaps;
* each event's leaf hash and content id with the leaf index table;
* the latest signed checkpoint: its signature (with the log key valid at its
  size), and its root against the root recomputed from the stored leaves.

Every problem names the event (id and log position) it concerns.

``statements_by_revoked_keys`` answers the committee's question "which
statements were signed by a key that was later revoked?": they stay valid
(they were signed while the key was good) but deserve a second look.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.errors import LedgerError, TamperDetected
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import leaf_hash, root_of
from ledger.log.note import NoteVerifier, open_note
from ledger.reading import walk_notifications
from ledger.store import Store
from ledger.verify import Problem


@dataclass
class IntegrityReport:
    """What the start-up check found: the size it saw and every problem."""

    events: int = 0
    checkpoint_size: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One message naming the first problems (for a log line or an error)."""
        shown = "; ".join(str(p) for p in self.problems[:3])
        more = len(self.problems) - 3
        return shown + (f"; and {more} more" if more > 0 else "")


def check_store(store: Store) -> IntegrityReport:
    """Compare events, leaf index and latest checkpoint (no signature replay)."""
    report = IntegrityReport()
    hashes: list[bytes] = []
    ids: list[str | None] = []
    for stored in walk_notifications(store):
        position = len(hashes)
        if stored.leaf_index != position:
            report.problems.append(
                Problem(
                    "sequence",
                    f"the event stored after position {position - 1} claims position"
                    f" {stored.leaf_index}: rows were deleted, inserted or reordered",
                    position,
                    stored.event_id,
                )
            )
        hashes.append(leaf_hash(stored.leaf.encode("utf-8")))
        ids.append(stored.event_id)
    report.events = len(hashes)
    _compare_leaf_table(store, hashes, ids, report)
    _compare_latest_checkpoint(store, hashes, ids, report)
    return report


def require_intact(store: Store) -> IntegrityReport:
    """Raise TamperDetected naming the event when the start-up check fails."""
    report = check_store(store)
    if not report.ok:
        first = report.problems[0]
        raise TamperDetected(
            f"the stored log does not match its index or its signed checkpoint: {report.summary()}."
            " Refusing to record; run `ledger verify` for the full report",
            event_id=first.event_id,
        )
    return report


def _compare_leaf_table(
    store: Store, hashes: list[bytes], ids: list[str | None], report: IntegrityReport
) -> None:
    rows = store.leaf_rows()
    for i, row in enumerate(rows):
        if row.leaf_index != i:
            report.problems.append(
                Problem("leaf-table", f"the leaf index skips to position {row.leaf_index}", i, row.event_id)
            )
            return
        if i >= len(hashes):
            report.problems.append(
                Problem("leaf-table", "the leaf index lists an event the event store does not hold", i, row.event_id)
            )
            return
        if row.leaf_hash != hashes[i] or row.event_id != ids[i]:
            report.problems.append(
                Problem(
                    "leaf-table",
                    "the stored event differs from its leaf index entry (hash or id):"
                    " the event or the index was edited",
                    i,
                    ids[i] or row.event_id,
                )
            )
    if len(rows) < len(hashes):
        report.problems.append(
            Problem(
                "leaf-table",
                f"the leaf index holds {len(rows)} positions, the event store {len(hashes)}",
                len(rows),
                ids[len(rows)],
            )
        )


def _compare_latest_checkpoint(
    store: Store, hashes: list[bytes], ids: list[str | None], report: IntegrityReport
) -> None:
    latest = store.latest_checkpoint()
    if latest is None:
        return
    size, root, note, _ = latest
    report.checkpoint_size = size
    registry = store.load(Registry, Registry.id_for(REGISTRY_KEY))
    if registry is None:
        report.problems.append(Problem("checkpoint", "a checkpoint is stored but the log has no charter"))
        return
    try:
        signed = Checkpoint.parse(open_note(note, [NoteVerifier.from_vkey(registry.log_key_at(size))]).text)
    except LedgerError as exc:
        report.problems.append(Problem("checkpoint", f"the latest checkpoint (size {size}) does not verify: {exc}"))
        return
    if (signed.size, signed.root_hash) != (size, root):
        report.problems.append(
            Problem("checkpoint", f"the checkpoint row of size {size} disagrees with its signed note")
        )
    if signed.size > len(hashes):
        report.problems.append(
            Problem(
                "checkpoint",
                f"the latest checkpoint covers {signed.size} events but only {len(hashes)} are stored:"
                " events were deleted",
                len(hashes),
                None,
            )
        )
        return
    if root_of(hashes[: signed.size]) != signed.root_hash:
        first = min((p.leaf_index for p in report.problems if p.leaf_index is not None), default=None)
        if first is None:
            first = _first_forged(store, registry, hashes, signed.size)
        report.problems.append(
            Problem(
                "checkpoint",
                f"the root of the first {signed.size} stored events differs from the signed"
                " checkpoint: history was changed after it was signed",
                first,
                ids[first] if first is not None and first < len(ids) else None,
            )
        )


def _first_forged(store: Store, registry: Registry, hashes: list[bytes], size: int) -> int | None:
    """Where history changed, when events and index were edited consistently.

    The change lies after the last stored checkpoint whose root still matches;
    within that range the first statement whose signature fails is the forgery.
    """
    from ledger.checking import check_one

    good = 0
    for cp_size, cp_root, _, _ in store.checkpoints():
        if cp_size <= size and root_of(hashes[:cp_size]) == cp_root:
            good = max(good, cp_size)
    keys = {k.key_id: k.public_raw for k in registry.keys.values() if k.purpose == "signing"}
    for stored in walk_notifications(store):
        position = stored.leaf_index
        if position is None or not good <= position < size:
            continue
        checked = check_one(position, stored.leaf, keys)
        if not checked.signature_ok or checked.statement is None or checked.statement.event_id != stored.event_id:
            return position
    return None


@dataclass(frozen=True)
class SignedByRevokedKey:
    """A statement signed while its key was valid, by a key revoked later."""

    leaf_index: int
    event_id: str
    type: str
    recorder: str
    key_id: str
    revoked_at: int
    revocation_reason: str | None


def statements_by_revoked_keys(store: Store) -> list[SignedByRevokedKey]:
    """Every stored statement signed by a key the registry now lists as revoked."""
    registry = store.load(Registry, Registry.id_for(REGISTRY_KEY))
    if registry is None:
        return []
    revoked = {kid: k for kid, k in registry.keys.items() if k.revoked_at is not None}
    if not revoked:
        return []
    found: list[SignedByRevokedKey] = []
    for stored in walk_notifications(store):
        try:
            statement = json.loads(stored.leaf)
        except ValueError:
            continue
        record = revoked.get(statement.get("key_id", "")) if isinstance(statement, dict) else None
        if record is None or stored.leaf_index is None or record.revoked_at is None:
            continue
        found.append(
            SignedByRevokedKey(
                leaf_index=stored.leaf_index,
                event_id=stored.event_id or "",
                type=str(statement.get("type")),
                recorder=str(statement.get("recorder")),
                key_id=record.key_id,
                revoked_at=record.revoked_at,
                revocation_reason=record.revocation_reason,
            )
        )
    return found
