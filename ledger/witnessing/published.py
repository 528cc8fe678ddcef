"""Published checkpoints: those a quorum of witnesses cosigned, insert-only.

Two tables beside the ledger's own, in the same database:

* ``ledger_published_checkpoints(tree_size, note, published_at)``: the
  checkpoint note with the witnesses' cosignature lines, once a quorum signed;
* ``ledger_witness_cosignatures(id, witness_vkey, tree_size, cosignature,
  received_at)``: every cosignature received, so the ledger knows the size each
  witness last cosigned (the ``old`` size of its next request).

Rows are only ever inserted. ``latest_published_checkpoint`` is what the API's
``/checkpoint`` serves when witnesses are configured; ``witness_summary`` is
what the public site's verify page shows.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine

from ledger.errors import ProofError
from ledger.log.checkpoint import Checkpoint
from ledger.log.cosignature import verify_cosignature
from ledger.log.note import parse_note
from ledger.store import BigId
from ledger.witnessing.policy import load_policy

metadata = MetaData()

published_table = Table(
    "ledger_published_checkpoints",
    metadata,
    Column("tree_size", BigId, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("published_at", String(20), nullable=False),
)

cosignatures_table = Table(
    "ledger_witness_cosignatures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("witness_vkey", String(300), nullable=False, index=True),
    Column("tree_size", BigId, nullable=False),
    Column("cosignature", Text, nullable=False),
    Column("received_at", String(20), nullable=False),
)

_created: weakref.WeakSet[Engine] = weakref.WeakSet()


def _tables(engine: Engine) -> Engine:
    """The engine, with these tables created on first use (``metadata.create_all``)."""
    if engine not in _created:
        metadata.create_all(engine)
        _created.add(engine)
    return engine


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_cosignature(engine: Engine, witness_vkey: str, tree_size: int, line: str) -> None:
    with _tables(engine).begin() as conn:
        conn.execute(
            insert(cosignatures_table).values(
                witness_vkey=witness_vkey, tree_size=tree_size, cosignature=line, received_at=_now()
            )
        )


def last_cosigned_size(engine: Engine, witness_vkey: str) -> int:
    """The largest size this witness cosigned for this ledger (0 if none)."""
    with _tables(engine).connect() as conn:
        size = conn.execute(
            select(func.max(cosignatures_table.c.tree_size)).where(
                cosignatures_table.c.witness_vkey == witness_vkey
            )
        ).scalar()
    return int(size or 0)


def insert_published(engine: Engine, tree_size: int, note: str) -> None:
    with _tables(engine).begin() as conn:
        conn.execute(insert(published_table).values(tree_size=tree_size, note=note, published_at=_now()))


def published_at(engine: Engine, tree_size: int) -> str | None:
    with _tables(engine).connect() as conn:
        note = conn.execute(
            select(published_table.c.note).where(published_table.c.tree_size == tree_size)
        ).scalar()
    return str(note) if note is not None else None


def published_checkpoints(engine: Engine) -> list[tuple[int, str, str]]:
    """(tree size, cosigned note, published at), oldest first."""
    with _tables(engine).connect() as conn:
        rows = conn.execute(select(published_table).order_by(published_table.c.tree_size))
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def latest_published_checkpoint(store: Any) -> str | None:
    """The newest checkpoint note a quorum of witnesses cosigned, or None.

    ``store`` is a ``ledger.store.Store`` (anything with an ``engine``).
    """
    with _tables(store.engine).connect() as conn:
        note = conn.execute(
            select(published_table.c.note).order_by(published_table.c.tree_size.desc()).limit(1)
        ).scalar()
    return str(note) if note is not None else None


def cosignatures_in(note: str, witnesses: list[Any]) -> list[dict[str, Any]]:
    """Which configured witnesses' cosignatures in ``note`` verify, with their times."""
    text = parse_note(note).text
    lines = note[len(text) + 1 :].splitlines(keepends=True)
    found = []
    for entry in witnesses:
        verifier = entry.verifier()
        for line in lines:
            try:
                timestamp = verify_cosignature(text, line, verifier)
            except ProofError:
                continue
            found.append({
                "witness": entry.name,
                "vkey": entry.vkey,
                "timestamp": timestamp,
                "time": datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            })
            break
    return found


def witness_summary(keys_dir: Path | None, store: Any) -> dict[str, Any]:
    """What the verify page shows: the witnesses, the quorum, the latest cosigned checkpoint."""
    policy = load_policy(keys_dir)
    note = latest_published_checkpoint(store)
    published = None
    if note is not None:
        cp = Checkpoint.parse(parse_note(note).text)
        published = {
            "size": cp.size,
            "root": cp.to_text().split("\n")[2],
            "note": note,
            "cosignatures": cosignatures_in(note, list(policy.witnesses)),
        }
    return {
        "configured": policy.configured,
        "quorum": policy.quorum,
        "witnesses": [
            {
                "name": w.name,
                "url": w.url,
                "vkey": w.vkey,
                "last_cosigned_size": last_cosigned_size(store.engine, w.vkey),
            }
            for w in policy.witnesses
        ],
        "published": published,
    }


def published_tlog_proof(ledger: Any, event_id: str) -> str:
    """A C2SP tlog-proof of ``event_id`` against the latest published (cosigned) checkpoint.

    Self-contained: the checkpoint in it carries the witnesses' cosignatures,
    so it can be checked offline with the log key and the witness keys.
    """
    from ledger.errors import NotFound
    from ledger.log.proof_format import format_proof

    note = latest_published_checkpoint(ledger.store)
    if note is None:
        raise NotFound("no checkpoint has been cosigned by a quorum of witnesses yet: run `ledger publish`")
    size = Checkpoint.parse(parse_note(note).text).size
    index, _, proof = ledger.inclusion_proof(event_id, size)
    return format_proof(index, proof, note)
