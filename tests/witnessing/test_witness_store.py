"""The witness's database under concurrent requests, and its layout on disk.

The witness must never cosign two checkpoints that cannot both belong to one
history, however its requests interleave: "read the latest cosigned
checkpoint, check the new one extends it, store it" is one write transaction
of its store, holding the lock from the first read. The checkpoints here are
signed with the log's own key, so the witness checks real signatures.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as cli_app
from ledger.errors import (
    LedgerError,
    OldSizeConflict,
    StorageUnavailable,
    TamperedWitnessState,
)
from ledger.keyring import Keyring
from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.note import NoteSigner
from ledger.storage.witness_port import WitnessRows
from ledger.storage.witness_store import SQLiteWitnessStore
from ledger.witnessing.witness import Witness
from tests.witnessing.conftest import new_witness


def signed_note(keyring: Keyring, size: int, root: bytes) -> str:
    """A checkpoint of the keyring's log, signed with the log key."""
    signer = NoteSigner(keyring.origin, keyring.log_key())
    return sign_checkpoint(Checkpoint(keyring.origin, size, root), [signer])


class RivalInside(SQLiteWitnessStore):
    """The shipped store; while its next write transaction is open, a rival request runs."""

    def __init__(self, path: Path, rival: Callable[[], None]) -> None:
        super().__init__(path)
        self.rival: Callable[[], None] | None = rival

    @contextmanager
    def writing(self, *, keep_on: tuple[type[BaseException], ...] = ()) -> Iterator[WitnessRows]:
        with super().writing(keep_on=keep_on) as rows:
            rival, self.rival = self.rival, None
            if rival is not None:
                rival()
            yield rows


@pytest.fixture
def witness(tmp_path: Path, keyring: Keyring) -> Witness:
    return new_witness(tmp_path / "press", "press.example/witness", keyring)


def test_a_request_during_a_decision_waits_for_it_and_then_sees_a_fork(
    witness: Witness, keyring: Keyring
) -> None:
    first = signed_note(keyring, 3, bytes([1]) * 32)
    fork = signed_note(keyring, 3, bytes([2]) * 32)
    database = witness.directory / "witness.db"
    impatient = Witness(witness.directory, store=SQLiteWitnessStore(database, busy_seconds=0))
    during: list[LedgerError] = []

    def rival() -> None:
        try:
            impatient.add_checkpoint(0, [], fork)
        except LedgerError as exc:
            during.append(exc)

    deciding = Witness(witness.directory, store=RivalInside(database, rival))
    assert len(deciding.add_checkpoint(0, [], first)) == 1
    (refused,) = during
    assert isinstance(refused, StorageUnavailable), refused
    assert "nothing was stored" in str(refused)

    with pytest.raises(OldSizeConflict) as after:
        impatient.add_checkpoint(0, [], fork)
    assert after.value.known_size == 3
    assert witness.state(keyring.origin).root == bytes([1]) * 32  # type: ignore[union-attr]
    with SQLiteWitnessStore(database).reading() as rows:
        assert [row.root for row in rows.cosigned(keyring.origin)] == [bytes([1]) * 32]
    assert [(e.kind, e.presented_note) for e in witness.evidence()] == [("fork", fork)]


def test_concurrent_conflicting_checkpoints_are_never_both_cosigned(
    witness: Witness, keyring: Keyring
) -> None:
    notes = [signed_note(keyring, 5, bytes([n]) * 32) for n in range(1, 5)]
    processes = [Witness(witness.directory) for _ in notes]  # one connection each, as processes
    start = threading.Barrier(len(notes), timeout=60)
    answers: dict[int, list[str] | LedgerError] = {}

    def request(n: int) -> None:
        start.wait()
        try:
            answers[n] = processes[n].add_checkpoint(0, [], notes[n])
        except LedgerError as exc:
            answers[n] = exc

    threads = [threading.Thread(target=request, args=(n,)) for n in range(len(notes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    cosigned = [n for n, answer in answers.items() if isinstance(answer, list)]
    assert len(cosigned) == 1, answers
    refused = [answer for answer in answers.values() if not isinstance(answer, list)]
    assert all(isinstance(r, OldSizeConflict) and r.known_size == 5 for r in refused), refused
    (winner,) = cosigned
    assert witness.state(keyring.origin).note == notes[winner]  # type: ignore[union-attr]
    with SQLiteWitnessStore(witness.directory / "witness.db").reading() as rows:
        assert len(rows.cosigned(keyring.origin)) == 1
    assert sorted(e.presented_note for e in witness.evidence()) == sorted(
        note for n, note in enumerate(notes) if n != winner
    )


ON_DISK = {
    "logs": [("origin", "TEXT"), ("vkey", "TEXT"), ("added_at", "INTEGER")],
    "state": [("origin", "TEXT"), ("size", "INTEGER"), ("root", "BLOB"), ("note", "TEXT")],
    "cosigned": [
        ("id", "INTEGER"),
        ("origin", "TEXT"),
        ("size", "INTEGER"),
        ("root", "BLOB"),
        ("note", "TEXT"),
        ("cosignature", "TEXT"),
        ("cosigned_at", "INTEGER"),
    ],
    "log_keys": [
        ("id", "INTEGER"),
        ("origin", "TEXT"),
        ("vkey", "TEXT"),
        ("valid_from", "INTEGER"),
        ("proof", "TEXT"),
        ("added_at", "INTEGER"),
    ],
    "evidence": [
        ("id", "INTEGER"),
        ("origin", "TEXT"),
        ("kind", "TEXT"),
        ("cosigned_note", "TEXT"),
        ("presented_note", "TEXT"),
        ("detail", "TEXT"),
        ("recorded_at", "INTEGER"),
    ],
}
"""witness.db as witnesses already hold it: a change here needs a migration."""


def test_the_witness_database_keeps_the_layout_existing_witnesses_hold(witness: Witness) -> None:
    db = sqlite3.connect(witness.directory / "witness.db")
    try:
        tables = {
            name: [(c[1], c[2]) for c in db.execute(f"PRAGMA table_info({name})")]
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        triggers = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    finally:
        db.close()
    assert tables == ON_DISK
    assert triggers == {
        f"{table}_no_{action}"
        for table in ("cosigned", "evidence", "log_keys")
        for action in ("update", "delete")
    }


def test_a_file_that_is_not_a_witness_database_is_refused_without_a_traceback(
    witness: Witness,
) -> None:
    (witness.directory / "witness.db").write_bytes(b"not a database, " * 100)
    with pytest.raises(TamperedWitnessState, match="restore witness.db from a backup"):
        Witness(witness.directory)
    result = CliRunner().invoke(cli_app, ["witness", "status", "--dir", str(witness.directory)])
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output
