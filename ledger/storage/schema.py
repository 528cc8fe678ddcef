"""The ledger's own tables beside the event store, in the same database.

* ``ledger_leaves``: one row per log position: the statement's content id
  (unique, so a replay cannot be stored twice), its Merkle leaf hash and what
  rules need to look up references quickly;
* ``ledger_checkpoints``: every signed checkpoint (C2SP signed note);
* ``ledger_published_checkpoints(tree_size, note, published_at)``: the
  checkpoint note with the witnesses' cosignature lines, once a quorum signed;
* ``ledger_witness_cosignatures(id, witness_vkey, tree_size, cosignature,
  received_at)``: every cosignature received, so the ledger knows the size each
  witness last cosigned (the ``old`` size of its next request).

The last two are created on first use: a database no witness was ever asked
about holds neither, and checking it creates nothing. Nothing updates or
deletes a row of these tables: the only writes are inserts.

* ``ledger_verified_mark(id, note)``: at most one row, the verified-through
  mark (``ledger.verification.mark``): a note signed by the log key after a
  check before acting passed, naming what it checked. It is a cache, not a
  record: each check replaces it, and a mark that does not verify, or whose
  stored values differ, is ignored. Created on first use, like the above.
* ``ledger_saved_reports(name, key, body)``: at most one row per report, the
  last report a process holding the log key computed (its JSON, compressed)
  and the digest of what it was computed from. Also a cache: a body is used
  only when the verified-through mark names its report, key and digest
  (``ledger.verification.mark``); each save replaces the row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, String, Table, Text

BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

leaves_table = Table(
    "ledger_leaves",
    metadata,
    Column("leaf_index", BigId, primary_key=True, autoincrement=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("type", String(64), nullable=False),
    Column("recorder", String(64), nullable=False),
    Column("occurred_at", String(20), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("notification_id", BigId, nullable=False),
)

checkpoints_table = Table(
    "ledger_checkpoints",
    metadata,
    Column("tree_size", BigId, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", String(20), nullable=False),
)

PUBLISHED = "ledger_published_checkpoints"
COSIGNATURES = "ledger_witness_cosignatures"

witnessing_metadata = MetaData()

published_table = Table(
    PUBLISHED,
    witnessing_metadata,
    Column("tree_size", BigId, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("published_at", String(20), nullable=False),
)

cosignatures_table = Table(
    COSIGNATURES,
    witnessing_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("witness_vkey", String(300), nullable=False, index=True),
    Column("tree_size", BigId, nullable=False),
    Column("cosignature", Text, nullable=False),
    Column("received_at", String(20), nullable=False),
)

MARK = "ledger_verified_mark"

mark_metadata = MetaData()

mark_table = Table(
    MARK,
    mark_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
)

SAVED_REPORTS = "ledger_saved_reports"

saved_reports_table = Table(
    SAVED_REPORTS,
    mark_metadata,
    Column("name", String(64), primary_key=True, autoincrement=False),
    Column("key", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
)
