"""The ``ledger`` command as a recorder, an operator and a journalist use it."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.log.merkle import leaf_hash
from ledger.log.note import NoteVerifier
from ledger.log.proof_format import parse_proof, verify_tlog_proof
from ledger.service import Ledger
from ledger.verification import before_acting
from tests.conftest import mark_stored

runner = CliRunner()
HEAD = {"head": "H-1", "term_start": "2026-03-01T00:00:00Z", "reason": "appointed"}


def ledger_cli(workdir: Path, db: str, *args: str) -> Any:
    return runner.invoke(
        app,
        [args[0], "--db", db, *args[1:]],
        env={"LEDGER_KEYS": str(workdir / "keys")},
        catch_exceptions=False,
    )


@pytest.fixture
def workdir(tmp_path: Path, db_url: str) -> tuple[Path, str]:
    result = ledger_cli(tmp_path, db_url, "init", "--keys", str(tmp_path / "keys"))
    assert result.exit_code == 0, result.output
    return tmp_path, db_url


def size_of(db: str) -> int:
    with Ledger.open(db) as lg:
        return lg.size


def test_init_creates_private_keys_readable_only_by_their_owner(workdir: tuple[Path, str]) -> None:
    path, _ = workdir
    key_files = sorted((path / "keys").glob("*.key"))
    assert len(key_files) == 11  # log key + a signing and a sealing key for 5 institutions
    for key_file in key_files:
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600, key_file


def test_record_signs_and_appends_and_keys_lists_the_registry(workdir: tuple[Path, str]) -> None:
    path, db = workdir
    result = ledger_cli(
        path, db, "record", "head.appointed", "--as", "committee", "--data", json.dumps(HEAD)
    )
    assert result.exit_code == 0, result.output
    assert "at position 1" in result.output
    listing = ledger_cli(path, db, "keys")
    assert "prosecutor" in listing.output and "active" in listing.output


def test_record_by_a_role_that_may_not_is_refused_with_exit_code_and_message(
    workdir: tuple[Path, str],
) -> None:
    path, db = workdir
    result = ledger_cli(
        path, db, "record", "head.appointed", "--as", "police", "--data", json.dumps(HEAD)
    )
    assert result.exit_code == 2
    assert "police (role police) may not record head.appointed" in result.output
    assert size_of(db) == 1


def test_record_with_invalid_json_data_is_refused(workdir: tuple[Path, str]) -> None:
    path, db = workdir
    result = ledger_cli(
        path, db, "record", "head.appointed", "--as", "committee", "--data", "{head:"
    )
    assert result.exit_code == 2 and "invalid JSON" in result.output and "--data" in result.output


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", "utf-8"
    )
    return path


def drafts(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        out.append(
            {
                "type": "head.appointed",
                "recorder": "committee",
                "occurred_at": "2026-03-01T10:00:00Z",
                "data": {**HEAD, "head": f"H-{i}"},
            }
        )
        out.append(
            {
                "type": "head.removed",
                "recorder": "committee",
                "occurred_at": "2026-03-01T11:00:00Z",
                "data": {"head": f"H-{i}", "reason": "rotation"},
            }
        )
    return out


def test_import_signs_drafts_with_local_keys_when_told_to(workdir: tuple[Path, str]) -> None:
    path, db = workdir
    file = write_jsonl(path / "drafts.jsonl", drafts(150))
    refused = ledger_cli(path, db, "import", str(file))
    assert refused.exit_code == 2 and "line 1" in refused.output
    result = ledger_cli(path, db, "import", str(file), "--sign-drafts", "--batch-size", "64")
    assert result.exit_code == 0, result.output
    assert size_of(db) == 301


def group(name: str) -> dict[str, str]:
    return {"group": name, "name": name.upper(), "kind": "other", "area": "Lyari"}


def mark_size(db: str) -> int | None:
    """The tree size the stored verified-through mark names (None: no mark)."""
    with Ledger.open(db) as lg:
        mark = mark_stored(lg)
    return None if mark is None else mark.size


@pytest.fixture
def marks_taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each check before acting started from the stored mark (the real check runs)."""
    taken: list[bool] = []
    real = before_acting.check_with_mark

    def watched(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(before_acting, "check_with_mark", watched)
    return taken


def test_record_and_import_by_the_log_key_holder_check_from_the_mark_and_leave_a_new_one(
    workdir: tuple[Path, str], marks_taken: list[bool]
) -> None:
    path, db = workdir
    record = ("record", "group.registered", "--as", "police", "--data")
    assert ledger_cli(path, db, *record, json.dumps(group("g-1"))).exit_code == 0
    assert mark_size(db) == 1  # the charter, checked before the group was appended
    file = write_jsonl(path / "drafts.jsonl", drafts(2))
    result = ledger_cli(path, db, "import", str(file), "--sign-drafts")
    assert result.exit_code == 0, result.output
    assert mark_size(db) == 2
    assert ledger_cli(path, db, *record, json.dumps(group("g-2"))).exit_code == 0
    assert mark_size(db) == size_of(db) - 1 == 6
    assert marks_taken == [False, True, True]  # `init` left no mark: the charter was new


def test_a_recorder_without_the_log_key_checks_everything_and_reads_no_mark(
    workdir: tuple[Path, str], marks_taken: list[bool]
) -> None:
    path, db = workdir
    mine = path / "committee-keys"
    shutil.copytree(path / "keys", mine)
    (mine / "log.key").unlink()
    result = runner.invoke(
        app,
        ["record", "head.appointed", "--as", "committee", "--data", json.dumps(HEAD)]
        + ["--db", db, "--keys", str(mine)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert size_of(db) == 2
    assert marks_taken == []
    assert mark_size(db) is None  # none left by `init`, and none written


def test_import_reports_the_first_bad_line_and_stores_nothing_of_its_batch(
    workdir: tuple[Path, str],
) -> None:
    path, db = workdir
    lines: list[Any] = drafts(5)
    lines[6] = {**lines[6], "data": {"head": "H-3"}}  # missing term_start and reason
    file = write_jsonl(path / "bad.jsonl", lines)
    result = ledger_cli(path, db, "import", str(file), "--sign-drafts")
    assert result.exit_code == 2
    assert "line 7" in result.output
    assert "data.term_start" in result.output
    assert size_of(db) == 1


def test_import_refuses_invalid_json_naming_the_line(workdir: tuple[Path, str]) -> None:
    path, db = workdir
    file = write_jsonl(path / "broken.jsonl", [*drafts(1), '{"type": '])
    result = ledger_cli(path, db, "import", str(file), "--sign-drafts")
    assert result.exit_code == 2 and "line 3" in result.output and "invalid JSON" in result.output
    assert size_of(db) == 1


def test_export_then_import_into_an_empty_database_reproduces_the_root(
    workdir: tuple[Path, str], tmp_path: Path
) -> None:
    path, db = workdir
    ledger_cli(path, db, "import", str(write_jsonl(path / "d.jsonl", drafts(20))), "--sign-drafts")
    assert ledger_cli(path, db, "checkpoint").exit_code == 0
    out = tmp_path / "export"
    assert ledger_cli(path, db, "export", str(out)).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    restored_db = str(tmp_path / "restored.db")
    refused = ledger_cli(path, restored_db, "import", str(out / "log.jsonl"))
    assert refused.exit_code == 2 and "there is no ledger at" in refused.output
    assert not Path(restored_db).exists(), "a mistyped --db must not create a database"
    import sqlite3

    sqlite3.connect(restored_db).close()  # an empty database, made on purpose
    result = ledger_cli(path, restored_db, "import", str(out / "log.jsonl"))
    assert result.exit_code == 0, result.output
    with Ledger.open(restored_db) as restored:
        assert restored.root().hex() == manifest["root"]
    verified = ledger_cli(path, db, "verify", "--export", str(out))
    assert verified.exit_code == 0, verified.output


def test_a_tampered_export_fails_offline_verification(
    workdir: tuple[Path, str], tmp_path: Path
) -> None:
    path, db = workdir
    ledger_cli(path, db, "import", str(write_jsonl(path / "d.jsonl", drafts(3))), "--sign-drafts")
    ledger_cli(path, db, "checkpoint")
    out = tmp_path / "export"
    ledger_cli(path, db, "export", str(out))
    lines = (out / "log.jsonl").read_text().splitlines()
    lines[2] = lines[2].replace("rotation", "scandal")
    (out / "log.jsonl").write_text("\n".join(lines) + "\n")
    result = ledger_cli(path, db, "verify", "--export", str(out))
    assert result.exit_code == 5
    assert "position 2" in result.output


def test_prove_gives_a_tlog_proof_a_journalist_can_check_with_the_log_key(
    workdir: tuple[Path, str],
) -> None:
    path, db = workdir
    ledger_cli(path, db, "import", str(write_jsonl(path / "d.jsonl", drafts(10))), "--sign-drafts")
    ledger_cli(path, db, "checkpoint")
    with Ledger.open(db) as lg:
        target = list(lg.events())[7]
    result = ledger_cli(path, db, "prove", target.event_id or "")
    assert result.exit_code == 0, result.output
    proof = parse_proof(result.output)
    verifier = NoteVerifier.from_vkey((path / "keys" / "log.vkey").read_text().strip())
    checkpoint = verify_tlog_proof(proof, leaf_hash(target.leaf.encode()), [verifier])
    assert checkpoint.size == 21 and proof.index == 7


def test_prove_consistency_between_two_sizes(workdir: tuple[Path, str]) -> None:
    import base64

    from ledger.log.merkle import verify_consistency

    path, db = workdir
    ledger_cli(path, db, "import", str(write_jsonl(path / "d.jsonl", drafts(10))), "--sign-drafts")
    result = ledger_cli(path, db, "prove", "--from", "5", "--to", "21")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    old_root = base64.b64decode(lines[1].split()[2])
    new_root = base64.b64decode(lines[2].split()[2])
    end = lines.index("") if "" in lines else len(lines)
    hashes = [base64.b64decode(x) for x in lines[3:end]]
    assert hashes
    verify_consistency(5, 21, old_root, new_root, hashes)
    bad = ledger_cli(path, db, "prove", "--from", "5", "--to", "99")
    assert bad.exit_code == 2 and "tree size" in bad.output


def test_verify_passes_on_an_untouched_ledger_and_prints_the_root(
    workdir: tuple[Path, str],
) -> None:
    path, db = workdir
    result = ledger_cli(path, db, "verify")
    assert result.exit_code == 0, result.output
    with Ledger.open(db) as lg:
        assert lg.root().hex() in result.output.replace("\n", "")


@pytest.mark.parametrize("command", ["report", "site build"])
def test_keys_without_the_log_key_are_refused_before_anything_is_read_or_written(
    workdir: tuple[Path, str], command: str
) -> None:
    """``--keys`` names the key holder's directory; one without the log key is a mistake the
    operator must hear of, not a quiet run without the mark, the saved report or the state."""
    path, db = workdir
    assert ledger_cli(path, db, "checkpoint").exit_code == 0
    elsewhere = path / "elsewhere"
    elsewhere.mkdir()
    site = path / "site"
    args = ["report", "groups"] if command == "report" else ["site", "build", str(site)]
    result = runner.invoke(app, [*args, "--db", db, "--keys", str(elsewhere)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"--keys {elsewhere} holds no log key" in said
    assert "log.key is missing" in said
    assert not site.exists()  # nothing written
    assert "Traceback" not in result.output
    with_key = runner.invoke(app, [*args, "--db", db, "--keys", str(path / "keys")])
    assert with_key.exit_code == 0, with_key.output


def test_a_report_the_database_will_not_store_is_printed_and_the_failure_said(
    tmp_path: Path,
) -> None:
    """A saved report is a cache: a database that refuses it (a full disk here, as a trigger
    raises it) must not fail the command, nor pass in silence, as it once did."""
    import sqlite3

    from tests.core.test_kept_state import FULL_DISK

    db = str(tmp_path / "ledger.db")
    keys = ["--keys", str(tmp_path / "keys")]
    assert ledger_cli(tmp_path, db, "init", *keys).exit_code == 0
    assert ledger_cli(tmp_path, db, "report", "groups", *keys).exit_code == 0  # saved once
    with sqlite3.connect(db) as conn:
        conn.execute(FULL_DISK)
    data = json.dumps(HEAD)
    assert ledger_cli(tmp_path, db, "record", "head.appointed", "--as", "committee", "--data", data)
    result = ledger_cli(tmp_path, db, "report", "groups", "--json", *keys)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "note: the groups report was not saved for the next run" in said
    assert "the disk is full" in said and "Traceback" not in result.output
    figures = json.loads(result.output[result.output.index("{") :].split("\nnote:")[0])
    assert figures["tree_size"] == size_of(db)
