"""Keys: never shown, protected at rest, revocation honoured and marked, the log key rotatable.

* A scripted session (CLI commands, API requests, exports, logs) is searched
  for every private key of the keys directory in every encoding it could leak
  in (PEM, PEM body, raw bytes, hex, base64): none appears.
* Key files are mode 0600; with ``--passphrase-env`` they are encrypted and a
  wrong or missing passphrase fails with a clear message.
* A revoked key's later statements are refused, its earlier ones stay valid
  and are listed as signed by a key revoked later.
* Rotating the log key keeps every earlier checkpoint verifiable.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli.main import app
from ledger.crypto import generate_signing_key, key_id, load_signing_key, public_key_text
from ledger.errors import ProofError, RevokedKey
from ledger.keyring import Keyring
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import leaf_hash
from ledger.log.note import NoteVerifier, open_note
from ledger.log.proof_format import parse_proof, verify_tlog_proof
from ledger.sealing import load_sealing_key
from ledger.service import Ledger
from ledger.statements import Draft
from ledger.verification.before_acting import statements_by_revoked_keys
from ledger.verification.replay import verify_store
from tests.conftest import Clock, Recorder
from tests.reliability.conftest import FaultLog

runner = CliRunner()
HEAD = {"head": "H-1", "term_start": "2026-03-01T00:00:00Z", "reason": "appointed"}


def cli(db: str, keys: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(
        app,
        [args[0], "--db", db, *args[1:]],
        env={"LEDGER_KEYS": str(keys), **(env or {})},
        catch_exceptions=False,
    )


def drafts_file(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        lines.append(
            {
                "type": "head.appointed",
                "recorder": "committee",
                "occurred_at": "2026-03-01T10:00:00Z",
                "data": {**HEAD, "head": f"H-{i}"},
            }
        )
        lines.append(
            {
                "type": "head.removed",
                "recorder": "committee",
                "occurred_at": "2026-03-01T11:00:00Z",
                "data": {"head": f"H-{i}", "reason": "rotation"},
            }
        )
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    return path


def secret_forms(keys: Path, passphrase: bytes | None = None) -> dict[str, bytes]:
    """Every private key of the directory in every form it could leak in."""
    forms: dict[str, bytes] = {}
    for path in sorted(keys.glob("*.key")):
        pem = path.read_bytes()
        body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
        forms[f"{path.name} PEM body"] = body
        forms[f"{path.name} PEM first line"] = pem.splitlines()[1]
        if path.name.endswith(".seal.key"):
            raw = load_sealing_key(path, passphrase).private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        else:
            raw = load_signing_key(path, passphrase).private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        forms[f"{path.name} raw"] = raw
        forms[f"{path.name} hex"] = raw.hex().encode()
        forms[f"{path.name} base64"] = base64.b64encode(raw).rstrip(b"=")
        forms[f"{path.name} base64url"] = base64.urlsafe_b64encode(raw).rstrip(b"=")
    return forms


def test_no_private_key_appears_in_cli_output_api_answers_exports_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, faults: FaultLog
) -> None:
    caplog.set_level(logging.DEBUG)
    keys, db = tmp_path / "keys", str(tmp_path / "ledger.db")
    seen: list[bytes] = []
    for args in (
        ("init", "--keys", str(keys)),
        ("import", str(drafts_file(tmp_path / "d.jsonl", 5)), "--sign-drafts"),
        (
            "record",
            "group.registered",
            "--as",
            "police",
            "--data",
            json.dumps(
                {"group": "lyari-1", "name": "Lyari one", "kind": "criminal_gang", "area": "Lyari"}
            ),
            "--sealed",
            json.dumps({"note": "sealed detail"}),
        ),
        ("checkpoint",),
        ("keys",),
        ("verify",),
        ("export", str(tmp_path / "export")),
        ("keys-revoked",),
    ):
        result = cli(db, keys, *args)
        assert result.exit_code == 0, result.output
        seen.append(result.output.encode())
    with Ledger.open(db) as ledger:
        first_event = next(iter(ledger.events())).event_id
    with TestClient(create_app(Settings(db=db, keys_dir=keys))) as client:
        for path in (
            "/v1/events",
            "/v1/checkpoint",
            "/checkpoint",
            "/tile/0/000.p/13",
            "/tile/entries/000.p/13",
            f"/v1/events/{first_event}",
            f"/v1/proofs/inclusion/{first_event}",
            "/openapi.json",
            "/v1/keys",
            "/keys",
            "/v1/registry",
        ):
            seen.append(client.get(path).content)
    seen += [p.read_bytes() for p in (tmp_path / "export").iterdir()]
    seen += [r.getMessage().encode() + str(r.exc_info).encode() for r in caplog.records]
    forms = secret_forms(keys)
    leaks = [name for name, secret in forms.items() for blob in seen if secret in blob]
    assert not leaks
    faults.record(
        "search for private keys in CLI output, API answers, exports and logs",
        "sqlite",
        len(seen),
        f"{len(seen)} outputs searched for {len(forms)} secret forms: no leak",
    )


def test_key_files_are_private_and_a_wrong_or_missing_passphrase_fails_clearly(
    tmp_path: Path, faults: FaultLog
) -> None:
    keys, db = tmp_path / "keys", str(tmp_path / "ledger.db")
    secret = {"LEDGER_PASS": "correct horse battery staple"}
    assert (
        cli(
            db, keys, "init", "--keys", str(keys), "--passphrase-env", "LEDGER_PASS", env=secret
        ).exit_code
        == 0
    )
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o700
    for key_file in keys.glob("*.key"):
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600, key_file
        assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes(), key_file
    record = ("record", "head.appointed", "--as", "committee", "--data", json.dumps(HEAD))
    wrong = cli(db, keys, *record, "--passphrase-env", "LEDGER_PASS", env={"LEDGER_PASS": "wrong"})
    assert wrong.exit_code == 2 and "wrong passphrase" in wrong.output
    missing = cli(db, keys, *record)
    assert missing.exit_code == 2 and "passphrase-protected" in missing.output
    unset = cli(db, keys, *record, "--passphrase-env", "NO_SUCH_VARIABLE")
    assert unset.exit_code == 2 and "NO_SUCH_VARIABLE is not set" in unset.output
    no_checkpoint = cli(
        db, keys, "checkpoint", "--passphrase-env", "LEDGER_PASS", env={"LEDGER_PASS": "x"}
    )
    assert no_checkpoint.exit_code == 2 and "wrong passphrase" in no_checkpoint.output
    with Ledger.open(db) as ledger:
        assert ledger.size == 1
    good = cli(db, keys, *record, "--passphrase-env", "LEDGER_PASS", env=secret)
    assert good.exit_code == 0, good.output
    forms = secret_forms(keys, secret["LEDGER_PASS"].encode())
    assert not [
        n for n, s in forms.items() if s in (wrong.output + missing.output + good.output).encode()
    ]
    faults.record(
        "signing with a wrong, missing or unset passphrase",
        "sqlite",
        4,
        "refused with exit code 2 and a message saying what is wrong; nothing stored",
    )


@pytest.mark.postgres
def test_a_revoked_keys_later_statements_are_refused_and_earlier_ones_stay_valid_and_marked(
    ledger: Ledger,
    recorder: Recorder,
    clock: Clock,
    keys_copy: Path,
    backend_name: str,
    faults: FaultLog,
) -> None:
    second = generate_signing_key()
    ledger.append(
        [
            recorder.sign(
                "key.registered",
                "committee",
                {
                    "institution": "police",
                    "public_key": public_key_text(second.public_key()),
                    "purpose": "signing",
                    "reason": "second police key",
                },
            )
        ]
    )

    def by_second_key(group: str) -> Any:
        draft = Draft(
            type="group.registered",
            recorder="police",
            occurred_at=clock.stamp(),
            data={"group": group, "name": group, "kind": "criminal_gang", "area": "Lyari"},
        )
        return draft.sign(ledger=ledger.origin, key=second, now=clock())

    (earlier,) = ledger.append([by_second_key("lyari-1")])
    clock.advance(minutes=5)
    ledger.append(
        [
            recorder.sign(
                "key.revoked",
                "committee",
                {"key_id": key_id(second.public_key()), "reason": "laptop stolen"},
            )
        ]
    )
    before = ledger.size
    with pytest.raises(RevokedKey) as refused:
        ledger.append([by_second_key("lyari-2")])
    assert "revoked at log position" in str(refused.value)
    assert ledger.size == before
    assert verify_store(ledger.store).ok
    marked = statements_by_revoked_keys(ledger.store)
    assert [(m.event_id, m.key_id, m.revocation_reason) for m in marked] == [
        (earlier.event_id, key_id(second.public_key()), "laptop stolen")
    ]
    listing = cli(ledger.store.url, keys_copy, "keys")
    unwrapped = " ".join(listing.output.replace("│", " ").split())  # the table wraps long cells
    assert "signed 1 earlier statements" in unwrapped, listing.output
    as_json = cli(ledger.store.url, keys_copy, "keys-revoked", "--json")
    assert earlier.event_id in as_json.output
    faults.record(
        "statement signed with a revoked key",
        backend_name,
        1,
        "refused (revoked_key, 403); the earlier statement stays valid and is listed as"
        " signed by a key revoked later",
    )


@pytest.mark.postgres
def test_rotating_the_log_key_keeps_earlier_checkpoints_verifiable(
    db_url: str, tmp_path: Path, backend_name: str, faults: FaultLog
) -> None:
    keys = tmp_path / "keys"
    assert cli(db_url, keys, "init", "--keys", str(keys)).exit_code == 0
    assert (
        cli(
            db_url, keys, "import", str(drafts_file(tmp_path / "d.jsonl", 4)), "--sign-drafts"
        ).exit_code
        == 0
    )
    assert cli(db_url, keys, "checkpoint").exit_code == 0
    old_vkey = (keys / "log.vkey").read_text().strip()
    rotated = cli(db_url, keys, "keys-rotate-log", "--reason", "yearly rotation")
    assert rotated.exit_code == 0, rotated.output
    new_vkey = (keys / "log.vkey").read_text().strip()
    assert new_vkey != old_vkey
    for key_file in keys.glob("log*.key"):
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600, key_file
    assert (
        cli(
            db_url,
            keys,
            "record",
            "head.appointed",
            "--as",
            "committee",
            "--data",
            json.dumps(HEAD),
        ).exit_code
        == 0
    )
    assert cli(db_url, keys, "checkpoint").exit_code == 0
    verified = cli(db_url, keys, "verify", "--json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["ok"] and report["checkpoints"] >= 3
    with Ledger.open(db_url) as ledger:
        checkpoints = ledger.store.checkpoints()
        rotation_size = (
            next(s.leaf_index for s in ledger.events() if '"purpose":"log"' in s.leaf) + 1
        )
        assert rotation_size in [size for size, _, _, _ in checkpoints]  # the handover checkpoint
        for size, _, note, _ in checkpoints:
            signers = [
                k
                for k, valid in (
                    (old_vkey, size <= rotation_size),
                    (new_vkey, size >= rotation_size),
                )
                if valid
            ]
            for vkey in (old_vkey, new_vkey):
                if vkey in signers:
                    assert (
                        Checkpoint.parse(open_note(note, [NoteVerifier.from_vkey(vkey)]).text).size
                        == size
                    )
                else:
                    with pytest.raises(ProofError):
                        open_note(note, [NoteVerifier.from_vkey(vkey)])
            assert ledger.log_verifier(size).vkey == (
                old_vkey if size < rotation_size else new_vkey
            )
        first = next(iter(ledger.events()))
        proof = parse_proof(ledger.tlog_proof(first.event_id or ""))
        verify_tlog_proof(proof, leaf_hash(first.leaf.encode()), [NoteVerifier.from_vkey(new_vkey)])
    listing = cli(db_url, keys, "keys")
    assert new_vkey in listing.output.replace("\n", "") or new_vkey[:40] in listing.output
    out = tmp_path / "export"
    assert cli(db_url, keys, "export", str(out)).exit_code == 0
    assert cli(db_url, keys, "verify", "--export", str(out)).exit_code == 0
    faults.record(
        "log key rotated between checkpoints",
        backend_name,
        1,
        f"{len(checkpoints)} checkpoints each verify with the key valid at their size;"
        " ledger verify, export verification and proofs pass",
    )


def test_a_log_key_registration_must_name_the_log_hold_the_given_key_and_be_endorsed_by_the_old_key(
    ledger: Ledger, recorder: Recorder, keyring: Keyring
) -> None:
    from ledger.errors import CaseRuleViolation, MalformedStatement, UnauthorizedRole
    from ledger.log.key_rotation import KeyRotation
    from ledger.log.note import NoteSigner

    key = generate_signing_key()
    vkey = NoteSigner(ledger.origin, key).vkey
    old = NoteSigner(ledger.origin, keyring.log_key())
    endorsement = KeyRotation(ledger.origin, vkey, ledger.size + 1).endorse(old)
    data = {
        "institution": "committee",
        "public_key": public_key_text(key.public_key()),
        "purpose": "log",
        "reason": "rotation",
    }
    with pytest.raises(MalformedStatement):
        ledger.append([recorder.sign("key.registered", "committee", data)])
    with pytest.raises(MalformedStatement, match="endorsement"):
        ledger.append([recorder.sign("key.registered", "committee", {**data, "vkey": vkey})])
    with pytest.raises(CaseRuleViolation, match="origin"):
        ledger.append(
            [
                recorder.sign(
                    "key.registered",
                    "committee",
                    {
                        **data,
                        "vkey": NoteSigner("other.example/log", key).vkey,
                        "endorsement": endorsement,
                    },
                )
            ]
        )
    with pytest.raises(CaseRuleViolation, match="does not hold"):
        ledger.append(
            [
                recorder.sign(
                    "key.registered",
                    "committee",
                    {
                        **data,
                        "vkey": NoteSigner(ledger.origin, generate_signing_key()).vkey,
                        "endorsement": endorsement,
                    },
                )
            ]
        )
    self_endorsed = KeyRotation(ledger.origin, vkey, ledger.size + 1).endorse(
        NoteSigner(ledger.origin, key)
    )
    with pytest.raises(UnauthorizedRole, match="did not endorse"):
        ledger.append(
            [
                recorder.sign(
                    "key.registered",
                    "committee",
                    {**data, "vkey": vkey, "endorsement": self_endorsed},
                )
            ]
        )
    other_key = KeyRotation(
        ledger.origin, NoteSigner(ledger.origin, generate_signing_key()).vkey, ledger.size + 1
    ).endorse(old)
    with pytest.raises(UnauthorizedRole, match="another key"):
        ledger.append(
            [
                recorder.sign(
                    "key.registered", "committee", {**data, "vkey": vkey, "endorsement": other_key}
                )
            ]
        )
    wrong_size = KeyRotation(ledger.origin, vkey, ledger.size + 7).endorse(old)
    with pytest.raises(CaseRuleViolation, match="must say"):
        ledger.append(
            [
                recorder.sign(
                    "key.registered", "committee", {**data, "vkey": vkey, "endorsement": wrong_size}
                )
            ]
        )
    assert ledger.size == 1
    ledger.append(
        [
            recorder.sign(
                "key.registered", "committee", {**data, "vkey": vkey, "endorsement": endorsement}
            )
        ]
    )
    assert ledger.registry().log_key == vkey  # type: ignore[union-attr]
    assert verify_store(ledger.store).ok
