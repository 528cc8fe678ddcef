"""A witness verifies its own database before it cosigns from it: a tampered state is refused.

Each edit below is one an attacker with the witness's disk (but not its key
nor the log's) could make to roll the witness back or make it trust another
log key. The witness refuses to open, naming the table and row, and the
command line says so with exit code 5 and no traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as cli_app
from ledger.crypto import generate_signing_key
from ledger.errors import TamperedWitnessState
from ledger.keyring import Keyring
from ledger.log.note import NoteSigner
from ledger.service import Ledger
from ledger.witnessing.witness import Witness
from tests.conftest import Clock
from tests.witnessing.conftest import new_witness, record_heads


@pytest.fixture
def cosigned_twice(
    sqlite_ledger: Ledger, tmp_path: Path, keyring: Keyring, recorder: object, clock: Clock
) -> Witness:
    witness = new_witness(tmp_path / "press", "press.example/witness", keyring)
    witness.add_checkpoint(0, [], sqlite_ledger.sign_checkpoint().note)
    record_heads(sqlite_ledger, recorder, clock, 2)
    note = sqlite_ledger.sign_checkpoint().note
    witness.add_checkpoint(1, sqlite_ledger.consistency_proof(1, 3), note)
    return witness


def edit(witness: Witness, *statements: str) -> None:
    """Change witness.db behind the witness's back (dropping the append-only triggers first)."""
    db = sqlite3.connect(witness.directory / "witness.db")
    for trigger in ("cosigned_no_update", "cosigned_no_delete", "log_keys_no_update"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def other_log_key(origin: str) -> str:
    return NoteSigner(origin, generate_signing_key()).vkey


TAMPERING: dict[str, Callable[[str], tuple[str, ...]]] = {
    "state root changed": lambda _: ("UPDATE state SET root = zeroblob(32)",),
    "state rolled back to an earlier cosigned checkpoint": lambda _: (
        "UPDATE state SET size = (SELECT size FROM cosigned ORDER BY id LIMIT 1),"
        " root = (SELECT root FROM cosigned ORDER BY id LIMIT 1),"
        " note = (SELECT note FROM cosigned ORDER BY id LIMIT 1)",
    ),
    "cosigned note swapped for another": lambda _: (
        "UPDATE cosigned SET note = (SELECT note FROM cosigned ORDER BY id LIMIT 1) WHERE id = 2",
    ),
    "cosigned size changed": lambda _: ("UPDATE cosigned SET size = 2 WHERE id = 2",),
    "cosignature not the witness's": lambda _: (
        "UPDATE cosigned SET cosignature = (SELECT cosignature FROM cosigned WHERE id = 1) WHERE id = 2",
    ),
    "log key replaced": lambda origin: (f"UPDATE logs SET vkey = '{other_log_key(origin)}'",),
    "state removed": lambda _: ("DELETE FROM state",),
    "key learned without a rotation": lambda origin: (
        f"INSERT INTO log_keys (origin, vkey, valid_from, proof, added_at)"
        f" VALUES ('{origin}', '{other_log_key(origin)}', 4, 'none', 0)",
    ),
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_a_tampered_witness_state_is_refused_with_a_clear_message(
    cosigned_twice: Witness, sqlite_ledger: Ledger, tampering: str
) -> None:
    edit(cosigned_twice, *TAMPERING[tampering](sqlite_ledger.origin))
    with pytest.raises(
        TamperedWitnessState, match=r"witness\.db: table \w+, row .*restore witness\.db"
    ):
        Witness(cosigned_twice.directory)
    for command in ("status", "evidence"):
        result = CliRunner().invoke(
            cli_app, ["witness", command, "--dir", str(cosigned_twice.directory)]
        )
        assert result.exit_code == 5, result.output
        assert "will not cosign from a state it cannot verify" in " ".join(result.output.split())
        assert "Traceback" not in result.output


def test_an_untouched_witness_state_opens_and_goes_on_cosigning(
    cosigned_twice: Witness, sqlite_ledger: Ledger, recorder: object, clock: Clock
) -> None:
    reopened = Witness(cosigned_twice.directory)
    record_heads(sqlite_ledger, recorder, clock, 1)
    note = sqlite_ledger.sign_checkpoint().note
    assert len(reopened.add_checkpoint(3, sqlite_ledger.consistency_proof(3, 4), note)) == 1


def test_a_state_tampered_while_the_witness_runs_is_refused_before_it_cosigns(
    cosigned_twice: Witness, sqlite_ledger: Ledger, recorder: object, clock: Clock
) -> None:
    edit(cosigned_twice, "UPDATE state SET root = zeroblob(32)")
    record_heads(sqlite_ledger, recorder, clock, 1)
    note = sqlite_ledger.sign_checkpoint().note
    with pytest.raises(TamperedWitnessState, match="does not verify"):
        cosigned_twice.add_checkpoint(3, sqlite_ledger.consistency_proof(3, 4), note)
