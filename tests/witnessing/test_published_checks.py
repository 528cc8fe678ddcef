"""Published (cosigned) checkpoints and witness cosignatures are verified before they are served or used.

Each test edits one row of ``ledger_published_checkpoints`` or
``ledger_witness_cosignatures`` the way someone with database access could,
and sees the refusal: the API answers a problem+json 500 naming the table and
size instead of serving the row, ``ledger verify`` exits 5 naming them, and
publishing refuses to use a cosignature row that does not verify. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli_app
from ledger.errors import TamperDetected
from ledger.keyring import Keyring
from ledger.log.checkpoint import Checkpoint, sign_checkpoint
from ledger.log.note import NoteSigner
from ledger.service import Ledger
from ledger.witnessing.cosigning import publish
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy, load_policy, save_policy
from ledger.witnessing.published import last_cosigned_size, verified_published_note
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.api.conftest import api_settings
from tests.conftest import Clock
from tests.witnessing.conftest import Served, new_witness, record_heads


@pytest.fixture
def published(
    ledger: Ledger,
    keyring: Keyring,
    clock: Clock,
    tmp_path: Path,
    recorder: object,
    servers: Callable[[Any], Served],
) -> Iterator[tuple[Ledger, Path, list[Witness], int]]:
    """A ledger that published twice with a quorum of two real witnesses; its keys dir holds the policy."""
    witnesses, entries = [], []
    for name in ("committee", "press"):
        witness = new_witness(tmp_path / name, f"{name}.example/witness", keyring)
        witnesses.append(witness)
        entries.append(WitnessEntry(name, servers(WitnessApp(witness)).url, witness.vkey))
    keys = tmp_path / "keys"
    shutil.copytree(keyring.directory, keys)
    save_policy(keys, WitnessPolicy(tuple(entries), 2))
    publish(ledger, WitnessPolicy(tuple(entries), 2))
    record_heads(ledger, recorder, clock, 3)
    size = publish(ledger, WitnessPolicy(tuple(entries), 2)).size
    yield ledger, keys, witnesses, size


def edit(ledger: Ledger, statement: str, **values: Any) -> None:
    with ledger.store.engine.begin() as conn:
        conn.execute(text(statement), values)


def current_note(ledger: Ledger, size: int) -> str:
    with ledger.store.engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT note FROM ledger_published_checkpoints WHERE tree_size = :s"),
                {"s": size},
            ).scalar()
        )


def refused_everywhere(
    ledger: Ledger,
    keys: Path,
    keyring: Keyring,
    clock: Clock,
    table: str,
    size: int,
    tamper: Callable[[], None],
) -> str:
    """Tampered while the API runs, the row is not served; a new server refuses to start;
    ``ledger verify`` fails; each naming ``table`` and ``size``."""
    with TestClient(
        create_app(api_settings(ledger.store.url, keyring, clock, keys_dir=keys))
    ) as client:
        tamper()
        for path in ("/checkpoint", "/v1/checkpoint"):
            answer = client.get(path)
            assert answer.status_code == 500, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert (
                f"{table}" in answer.json()["detail"] and f"size {size}" in answer.json()["detail"]
            )
    with pytest.raises(TamperDetected) as refused:
        with TestClient(create_app(api_settings(ledger.store.url, keyring, clock, keys_dir=keys))):
            pass
    assert table in str(refused.value) and f"size {size}" in str(refused.value)
    result = CliRunner().invoke(
        cli_app, ["verify", "--db", ledger.store.url], catch_exceptions=False
    )
    flat = " ".join(result.output.split())
    assert result.exit_code == 5, result.output
    assert table in flat and f"size {size}" in flat
    return flat


def test_untouched_published_checkpoints_are_served_and_verify(
    published: tuple[Ledger, Path, list[Witness], int], keyring: Keyring, clock: Clock
) -> None:
    ledger, keys, _, size = published
    with TestClient(
        create_app(api_settings(ledger.store.url, keyring, clock, keys_dir=keys))
    ) as client:
        assert client.get("/checkpoint").text == current_note(ledger, size)
    result = CliRunner().invoke(
        cli_app, ["verify", "--db", ledger.store.url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


def test_a_garbage_published_row_is_not_served_and_verify_names_it(
    published: tuple[Ledger, Path, list[Witness], int],
    keyring: Keyring,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ledger, keys, _, size = published
    refused_everywhere(
        ledger,
        keys,
        keyring,
        clock,
        "ledger_published_checkpoints",
        size,
        lambda: edit(
            ledger,
            "UPDATE ledger_published_checkpoints SET note = 'garbage' WHERE tree_size = :s",
            s=size,
        ),
    )
    assert any("ledger_published_checkpoints at size" in r.getMessage() for r in caplog.records)


def test_a_published_row_with_an_altered_cosignature_is_not_served(
    published: tuple[Ledger, Path, list[Witness], int], keyring: Keyring, clock: Clock
) -> None:
    ledger, keys, _, size = published
    note = current_note(ledger, size)
    last = note.rstrip("\n").rsplit("\n", 1)[1]
    flipped = last[:-6] + ("AAAA" if last[-6:-2] != "AAAA" else "BBBB") + last[-2:]
    flat = refused_everywhere(
        ledger,
        keys,
        keyring,
        clock,
        "ledger_published_checkpoints",
        size,
        lambda: edit(
            ledger,
            "UPDATE ledger_published_checkpoints SET note = :n WHERE tree_size = :s",
            n=note.replace(last, flipped),
            s=size,
        ),
    )
    assert "does not verify" in flat


def test_a_log_signed_and_cosigned_checkpoint_the_ledger_never_signed_is_not_served(
    published: tuple[Ledger, Path, list[Witness], int], keyring: Keyring, clock: Clock
) -> None:
    """Someone holding the log key and the witness keys writes another root into the table."""
    ledger, keys, witnesses, size = published
    forged = Checkpoint.at_time(ledger.origin, size, bytes(32), clock())
    note = sign_checkpoint(forged, [NoteSigner(ledger.origin, keyring.log_key())])
    note += "".join(w.signer.cosign(forged.to_text(), int(clock().timestamp())) for w in witnesses)
    flat = refused_everywhere(
        ledger,
        keys,
        keyring,
        clock,
        "ledger_published_checkpoints",
        size,
        lambda: edit(
            ledger,
            "UPDATE ledger_published_checkpoints SET note = :n WHERE tree_size = :s",
            n=note,
            s=size,
        ),
    )
    assert "differs from the ledger's own signed checkpoint" in flat
    assert "root differs from the root recomputed from the stored leaves" in flat


def test_a_published_row_below_the_quorum_is_not_served(
    published: tuple[Ledger, Path, list[Witness], int], keyring: Keyring, clock: Clock
) -> None:
    ledger, keys, witnesses, size = published
    note = current_note(ledger, size)
    kept = [
        line
        for line in note.splitlines(keepends=True)
        if not line.startswith(f"— {witnesses[1].name} ")
    ]
    edit(
        ledger,
        "UPDATE ledger_published_checkpoints SET note = :n WHERE tree_size = :s",
        n="".join(kept),
        s=size,
    )
    with TestClient(
        create_app(api_settings(ledger.store.url, keyring, clock, keys_dir=keys))
    ) as client:
        answer = client.get("/checkpoint")
    assert (
        answer.status_code == 500
        and "1 verified cosignatures of known witnesses, 2 required" in answer.json()["detail"]
    )


def test_a_witness_cosignature_row_that_does_not_verify_is_not_used(
    published: tuple[Ledger, Path, list[Witness], int], keyring: Keyring, clock: Clock
) -> None:
    ledger, keys, witnesses, size = published
    edit(
        ledger,
        "UPDATE ledger_witness_cosignatures SET tree_size = 1 WHERE tree_size = :s AND witness_vkey = :v",
        s=size,
        v=witnesses[0].vkey,
    )
    with pytest.raises(TamperDetected, match=r"ledger_witness_cosignatures row \d+ \(size 1\)"):
        last_cosigned_size(ledger.store, witnesses[0].vkey)
    with pytest.raises(TamperDetected, match="ledger_witness_cosignatures row"):
        publish(ledger, load_policy(keys))
    assert last_cosigned_size(ledger.store, witnesses[1].vkey) == size
    result = CliRunner().invoke(
        cli_app, ["verify", "--db", ledger.store.url], catch_exceptions=False
    )
    flat = " ".join(result.output.split())
    assert (
        result.exit_code == 5 and "ledger_witness_cosignatures row" in flat and "at size 1" in flat
    )
    with pytest.raises(TamperDetected):
        verified_published_note(ledger)
