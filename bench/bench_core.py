"""Core throughput, each figure as a ratio to the raw Ed25519 verify rate measured in the same run.

    .venv/bin/python bench/bench_core.py [N]          (default N = 20000)

Measures on this machine, in one run:
  * raw Ed25519 verifications per second on one core (the reference);
  * bulk import of N pre-signed statements (parse, content id, signature check,
    rules, eventsourcing store, leaf index, Merkle) into a fresh SQLite file and
    into a fresh PostgreSQL schema;
  * full ``verify`` of the SQLite ledger (replay of every rule and signature,
    leaf table, Merkle root, checkpoints).
Goals: import >= 0.5 x raw verify on SQLite (>1.0 using both cores), verify >= 0.8.
These statements are synthetic (``head.*`` only); ``bench/bench_ingest.py`` measures
the same with a simulated city's log (every event type, sealed parts, lifecycles).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.importing import import_lines  # noqa: E402
from ledger.keyring import Keyring  # noqa: E402
from ledger.service import Ledger  # noqa: E402
from ledger.statements import Draft, format_time  # noqa: E402
from ledger.storage.sql_store import Store  # noqa: E402
from ledger.verification.replay import verify_store  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 1, 1, tzinfo=UTC)


def raw_verify_rate(n: int = 20000) -> float:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    messages = [b"statement %d" % i * 20 for i in range(n)]
    signatures = [key.sign(m) for m in messages]
    t = time.perf_counter()
    for m, s in zip(messages, signatures, strict=False):
        public.verify(s, m)
    return n / (time.perf_counter() - t)


def statements(keyring: Keyring, n: int) -> list[bytes]:
    """N valid statements: appointments and removals of heads, alternating."""
    out: list[bytes] = []
    for i in range(n):
        moment = START + timedelta(minutes=i)
        if i % 2 == 0:
            data = {
                "head": f"H-{i}",
                "term_start": format_time(moment),
                "reason": "appointed by the committee",
            }
            kind = "head.appointed"
        else:
            data = {"head": f"H-{i - 1}", "reason": "term ended"}
            kind = "head.removed"
        draft = Draft(type=kind, recorder="committee", occurred_at=format_time(moment), data=data)
        out.append(keyring.sign(draft, now=moment).leaf_bytes())
    return out


def fresh_pg_url() -> tuple[str, str]:
    import uuid

    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{PG}?options=-csearch_path%3D{schema}", schema


def drop_pg(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def import_rate(db: str, keyring: Keyring, lines: list[bytes]) -> float:
    with Ledger.open(
        db, log_key=keyring.log_key(), clock=lambda: START + timedelta(days=3650)
    ) as ledger:
        ledger.append([keyring.sign(keyring.charter_draft(format_time(START)), now=START)])
        t = time.perf_counter()
        import_lines(
            ledger, ((i + 1, line.decode()) for i, line in enumerate(lines)), batch_size=1000
        )
        elapsed = time.perf_counter() - t
        ledger.sign_checkpoint()
        assert ledger.size == len(lines) + 1
    return len(lines) / elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        keyring = Keyring.create(Path(tmp) / "keys")
        reference = raw_verify_rate()
        print(f"reference: raw Ed25519 verify, one core: {reference:,.0f}/s")
        lines = statements(keyring, n)
        sqlite_db = str(Path(tmp) / "bench.db")
        rate = import_rate(sqlite_db, keyring, lines)
        print(
            f"import on SQLite:      {rate:,.0f} statements/s = {rate / reference:.2f} x raw verify"
        )
        url, schema = fresh_pg_url()
        try:
            pg_rate = import_rate(url, keyring, lines)
            print(
                f"import on PostgreSQL:  {pg_rate:,.0f} statements/s = {pg_rate / reference:.2f} x raw verify"
            )
        finally:
            drop_pg(schema)
        store = Store(sqlite_db)
        t = time.perf_counter()
        report = verify_store(store)
        v_rate = report.events / (time.perf_counter() - t)
        store.close()
        assert report.ok, report.problems[:3]
        print(
            f"verify (SQLite):       {v_rate:,.0f} statements/s = {v_rate / reference:.2f} x raw verify"
        )


if __name__ == "__main__":
    main()
