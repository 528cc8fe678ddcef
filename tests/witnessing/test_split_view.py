"""Split view: the operator forks the ledger and shows the copy to the witnesses and a mirror.

On loopback: the ledger's API, two witnesses (the committee and the press)
and a mirror, each a real server or process state. The ledger publishes with
both witnesses up to size 6; a copy of its database taken at size 3 then goes
on with other statements (same prefix, another history) and is served in its
place. The witnesses refuse to cosign it and keep both signed checkpoints as
evidence; the mirror raises the alarm naming both checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli_app
from cli.shell import EXIT_CODES
from ledger.errors import HistoryConflict, QuorumNotReached
from ledger.keyring import Keyring
from ledger.log.checkpoint import open_checkpoint
from ledger.log.note import NoteVerifier
from ledger.service import Ledger
from ledger.signature_pool import Checker
from ledger.storage.sql_store import Store
from ledger.witnessing.cosigning import publish
from ledger.witnessing.mirror import Mirror
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.api.conftest import api_settings
from tests.conftest import Clock
from tests.witnessing.conftest import Served, new_witness, record_heads
from tests.witnessing.forking import copy_database, open_copy


def test_witnesses_refuse_a_forked_history_and_the_mirror_raises_the_alarm(
    sqlite_ledger: Ledger,
    keyring: Keyring,
    clock: Clock,
    recorder: object,
    tmp_path: Path,
    servers: Callable[[Any], Served],
) -> None:
    ledger = sqlite_ledger
    witnesses = [
        new_witness(tmp_path / n, f"{n}.example/witness", keyring) for n in ("committee", "press")
    ]
    served = [servers(WitnessApp(w)) for w in witnesses]
    policy = WitnessPolicy(
        tuple(WitnessEntry(w.name, s.url, w.vkey) for w, s in zip(witnesses, served, strict=True)),
        2,
    )

    # One history, published with both witnesses, then copied at size 3.
    record_heads(ledger, recorder, clock, 2)
    assert publish(ledger, policy).size == 3
    fork_db = copy_database(ledger.store.url.removeprefix("sqlite:///"), tmp_path / "fork.db")
    record_heads(ledger, recorder, clock, 3)
    honest = publish(ledger, policy)
    assert honest.size == 6 and honest.published

    # The mirror follows the honest ledger's API up to size 6.
    honest_api = servers(create_app(api_settings(ledger.store.url, keyring, clock)))
    mirror_db = tmp_path / "mirror.db"
    mirror_ledger = Ledger(Store(str(mirror_db)), checker=Checker(processes=1))
    mirror_witness = Witness.create(tmp_path / "court", "court.example/mirror")
    Mirror(honest_api.url, mirror_ledger, witness=mirror_witness).sync_once()
    assert mirror_ledger.size == 6

    # The copy goes on from size 3 with other statements: another history, same key.
    fork = open_copy(fork_db, keyring, clock)
    record_heads(fork, recorder, clock, 3, prefix="OTHER")
    with pytest.raises(QuorumNotReached):
        publish(fork, policy)  # same size 6, another root
    record_heads(fork, recorder, clock, 1, prefix="MORE")
    with pytest.raises(QuorumNotReached):
        publish(fork, policy)  # size 7, not an extension of the cosigned 6

    log_key = NoteVerifier.from_vkey(keyring.log_vkey())
    for witness in witnesses:
        assert witness.state(ledger.origin).size == 6  # type: ignore[union-attr]
        kinds = {e.kind: e for e in witness.evidence()}
        assert set(kinds) == {"fork", "not_extending"}
        for evidence in kinds.values():
            cosigned = open_checkpoint(evidence.cosigned_note, [log_key])
            presented = open_checkpoint(evidence.presented_note, [log_key])
            assert cosigned.origin == presented.origin == ledger.origin
            assert (cosigned.size, cosigned.root_hash) == (6, ledger.tree.root(6))
            assert fork.tree.root(cosigned.size) != cosigned.root_hash  # incompatible histories
        assert open_checkpoint(kinds["fork"].presented_note, [log_key]).size == 6
        assert open_checkpoint(kinds["not_extending"].presented_note, [log_key]).size == 7

    # The mirror is shown the fork: it refuses it, names both checkpoints, keeps evidence.
    fork_api = servers(create_app(api_settings(fork.store.url, keyring, clock)))
    with pytest.raises(HistoryConflict) as alarm:
        Mirror(fork_api.url, mirror_ledger, witness=mirror_witness).sync_once()
    message = str(alarm.value)
    assert "size 7" in message and "size 6" in message and "two histories" in message
    assert alarm.value.verified_note == ledger.checkpoint_at(6).note
    assert open_checkpoint(alarm.value.presented_note or "", [log_key]).size == 7
    assert mirror_ledger.size == 6  # the copy kept the history it verified
    assert [e.kind for e in mirror_witness.evidence()] == ["fork"]
    mirror_ledger.close()

    # The command exits non-zero with the same alarm.
    result = CliRunner().invoke(cli_app, ["mirror", fork_api.url, "--db", str(mirror_db), "--once"])
    assert result.exit_code == EXIT_CODES[HistoryConflict]
    assert "two histories" in result.output
    fork.close()
