"""Several OS processes append and sign checkpoints at once: still one linear, provable log.

Writers (separate processes, each with its own ``Ledger``) append batches of
1 to 3 statements while another process keeps signing checkpoints. Afterwards
the log holds positions 0..n-1 with no gap or duplicate, every acknowledged
event sits at the position it was acknowledged at, every pair of successive
checkpoints is consistent, and every event's inclusion proof verifies against
the latest checkpoint, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash, verify_consistency, verify_inclusion
from ledger.service import Ledger
from tests.conftest import Clock, chartered_ledger
from tests.reliability.conftest import FaultLog
from tests.reliability.support import assert_log_intact, key_registration

WRITERS = 3
BATCHES_EACH = 8


def writer(db: str, keys_dir: str, number: int, signing: Any) -> list[tuple[str, int]]:
    """Append this writer's batches once the checkpointer signs (``signing`` set), so that
    its checkpoints and the appends overlap however late a process of the pool starts."""
    keyring = Keyring(Path(keys_dir))
    now = datetime.now(UTC).replace(microsecond=0)
    acknowledged = []
    assert signing.wait(timeout=120), "the checkpointer never began"
    with Ledger.open(db) as ledger:
        for b in range(BATCHES_EACH):
            batch = [
                key_registration(keyring, f"writer {number} batch {b} item {i}", now)
                for i in range(1 + (b + number) % 3)
            ]
            acknowledged += [(a.event_id, a.leaf_index) for a in ledger.append(batch)]
    return acknowledged


def checkpointer(db: str, keys_dir: str, signing: Any, written: Any) -> int:
    """Sign a checkpoint, let the writers begin, and keep signing until they are done."""
    keyring = Keyring(Path(keys_dir))
    signed = 0
    with Ledger.open(db, log_key=keyring.log_key()) as ledger:
        while True:
            done = written.is_set()
            ledger.sign_checkpoint()
            signed += 1
            signing.set()
            if done:
                return signed
            time.sleep(0.01)


@pytest.mark.postgres
def test_processes_appending_and_checkpointing_at_once_make_one_provable_log(
    db_url: str, keyring: Keyring, backend_name: str, faults: FaultLog
) -> None:
    chartered_ledger(db_url, keyring, Clock()).close()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(WRITERS + 1) as pool:
        began, written = manager.Event(), manager.Event()
        signing = pool.apply_async(checkpointer, (db_url, str(keyring.directory), began, written))
        results = pool.starmap(
            writer, [(db_url, str(keyring.directory), w, began) for w in range(WRITERS)]
        )
        written.set()
        assert signing.get(timeout=120) >= 2
    acknowledged = [ack for result in results for ack in result]
    size, root = assert_log_intact(db_url, acknowledged=[e for e, _ in acknowledged])
    assert size == 1 + len(acknowledged)
    with Ledger.open(db_url, log_key=keyring.log_key()) as ledger:
        rows = {r.event_id: r.leaf_index for r in ledger.store.leaf_rows()}
        assert all(rows[e] == i for e, i in acknowledged)
        latest = ledger.sign_checkpoint()
        checkpoints = ledger.store.checkpoints()
        assert len(checkpoints) >= 2
        for (old, old_root, _, _), (new, new_root, _, _) in zip(
            checkpoints, checkpoints[1:], strict=False
        ):
            verify_consistency(old, new, old_root, new_root, ledger.consistency_proof(old, new))
        leaves = list(ledger.events())
        for stored in leaves:
            index, tree_size, proof = ledger.inclusion_proof(stored.event_id or "", latest.size)
            verify_inclusion(leaf_hash(stored.leaf.encode()), index, tree_size, proof, latest.root)
        assert latest.root == root
    faults.record(
        f"{WRITERS} writer processes and a checkpoint-signing process at once",
        backend_name,
        1,
        f"{len(acknowledged)} acknowledged at their positions; no gap or duplicate in {size} positions;"
        f" {len(checkpoints)} checkpoints pairwise consistent; every inclusion proof verifies",
    )
