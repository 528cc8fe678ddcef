"""The offline kit: an exported log checked on a laptop, cosignatures and quorum included."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.witnessing.cosigning import publish
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy, save_policy
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.conftest import Clock
from tests.witnessing.conftest import Served, new_witness, record_heads

runner = CliRunner()


@pytest.fixture
def exported(
    sqlite_ledger: Ledger,
    keyring: Keyring,
    recorder: object,
    clock: Clock,
    tmp_path: Path,
    servers: Callable[[Any], Served],
) -> tuple[Path, list[Witness]]:
    """An export of a ledger published twice with two witnesses (quorum 2), with no database."""
    witnesses = [
        new_witness(tmp_path / n, f"{n}.example/witness", keyring) for n in ("committee", "press")
    ]
    urls = [servers(WitnessApp(w)).url for w in witnesses]
    policy = WitnessPolicy(
        tuple(
            WitnessEntry(w.name.split(".")[0], u, w.vkey)
            for w, u in zip(witnesses, urls, strict=True)
        ),
        2,
    )
    keys = tmp_path / "keys"
    shutil.copytree(keyring.directory, keys)
    save_policy(keys, policy)
    publish(sqlite_ledger, policy)
    record_heads(sqlite_ledger, recorder, clock, 4)
    publish(sqlite_ledger, policy)
    out = tmp_path / "export"
    result = runner.invoke(
        app, ["export", str(out), "--db", sqlite_ledger.store.url, "--keys", str(keys)]
    )
    assert result.exit_code == 0, result.output
    return out, witnesses


def verify(out: Path, *witness_keys: str) -> Any:
    args = ["verify", "--export", str(out)]
    for vkey in witness_keys:
        args += ["--witness", vkey]
    result = runner.invoke(app, args)
    result.said = " ".join(result.output.split())  # type: ignore[attr-defined]
    return result


def test_the_export_bundles_the_cosigned_checkpoints_and_the_witnesses(
    exported: tuple[Path, list[Witness]],
) -> None:
    out, witnesses = exported
    assert (out / "published.txt").read_text().count("— press.example/witness ") == 2
    assert witnesses[0].vkey in (out / "witnesses.json").read_text()


def test_an_untouched_export_verifies_with_the_bundled_witnesses(
    exported: tuple[Path, list[Witness]],
) -> None:
    result = verify(exported[0])
    assert result.exit_code == 0, result.output
    assert (
        "2 published checkpoints cosigned by at least 2 of committee, press, latest at size 5"
        in result.said
    )


def test_a_journalist_can_require_the_witness_she_trusts(
    exported: tuple[Path, list[Witness]], tmp_path: Path
) -> None:
    out, witnesses = exported
    assert verify(out, witnesses[1].vkey).exit_code == 0
    stranger = Witness.create(tmp_path / "stranger", "stranger.example/witness")
    result = verify(out, stranger.vkey)
    assert result.exit_code == 5
    assert "0 of the 1 required witnesses" in result.said


def test_a_tampered_cosignature_fails_offline_verification(
    exported: tuple[Path, list[Witness]],
) -> None:
    out, _ = exported
    lines = (out / "published.txt").read_text().split("\n")
    at = max(i for i, line in enumerate(lines) if line.startswith("— press.example/witness "))
    name, sig = lines[at].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    lines[at] = f"{name} {base64.b64encode(bytes(raw)).decode()}"
    (out / "published.txt").write_text("\n".join(lines))
    result = verify(out)
    assert (
        result.exit_code == 5
        and "checkpoint 5 has valid cosignatures from 1 of the 2 required witnesses (committee)"
        in result.said
    )


def test_a_checkpoint_below_the_quorum_fails_offline_verification(
    exported: tuple[Path, list[Witness]],
) -> None:
    out, _ = exported
    text = (out / "published.txt").read_text()
    kept = [
        line for line in text.split("\n") if not line.startswith("— committee.example/witness ")
    ]
    (out / "published.txt").write_text("\n".join(kept))
    result = verify(out)
    assert result.exit_code == 5
    assert "1 of the 2 required witnesses (press)" in result.said


@pytest.mark.parametrize("name", ["witnesses.json", "published.txt"])
def test_removing_the_witness_files_does_not_switch_the_cosignature_check_off(
    exported: tuple[Path, list[Witness]],
    name: str,
) -> None:
    out, _ = exported
    (out / name).unlink()
    result = verify(out)
    assert result.exit_code == 5, result.output
    assert f"{name} is missing from the export" in result.said
