"""``ledger verify --export``: a copy passes only when a signed checkpoint ties it to the log.

The site's Downloads and Verify pages tell readers to run exactly this command
on the export they downloaded, so each way of removing or replacing one of its
files must fail (exit 5) and name the file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import ExportRefused
from ledger.export_layout import check_export, split_notes
from ledger.log.note import NoteSigner, parse_note, sign_note
from tests.core.exports import make_export, run

HEAD = {"head": "H-1", "term_start": "2026-03-01T00:00:00Z", "reason": "appointed"}


@pytest.fixture(scope="module")
def good_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export with two signed checkpoints (after init, and after one more statement)."""
    return make_export(tmp_path_factory.mktemp("export-check"), "head.appointed", "committee", HEAD)


@pytest.fixture
def copy(good_export: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(good_export, target)
    return target


def verify(out: Path) -> Any:
    return run("verify", "--export", str(out), keys=out)


def notes_of(out: Path) -> list[str]:
    return split_notes((out / "checkpoints.txt").read_text("utf-8"))


def resign(note: str, signer: NoteSigner) -> str:
    return sign_note(parse_note(note).text, [signer])


def other_log_key(out: Path) -> NoteSigner:
    origin = json.loads((out / "manifest.json").read_text())["origin"]
    return NoteSigner(origin, Ed25519PrivateKey.generate())


def test_a_good_export_passes_with_its_signed_checkpoints_counted(good_export: Path) -> None:
    result = verify(good_export)
    assert result.exit_code == 0, result.output
    assert (
        "OK: 2 events" in result.said and "2 checkpoints verified (latest at size 2)" in result.said
    )
    manifest = json.loads((good_export / "manifest.json").read_text())
    assert sorted(manifest["files"]) == [
        "checkpoint",
        "checkpoints.txt",
        "log.jsonl",
        "log.vkey",
        "manifest.json",
    ]


def delete(name: str) -> Callable[[Path], None]:
    return lambda out: (out / name).unlink()


def empty(name: str) -> Callable[[Path], None]:
    return lambda out: (out / name).write_text("", "utf-8")


def older_checkpoint(out: Path) -> None:
    (out / "checkpoint").write_text(notes_of(out)[0], "utf-8")


def checkpoint_signed_by_another_key(out: Path) -> None:
    (out / "checkpoint").write_text(
        resign((out / "checkpoint").read_text(), other_log_key(out)), "utf-8"
    )


def another_manifest(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.update(size=1, checkpoint_size=1)
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def another_log_key(out: Path) -> None:
    (out / "log.vkey").write_text(other_log_key(out).vkey + "\n", "utf-8")


def every_signature_forged_with_a_new_log_key(out: Path) -> None:
    """The strongest replacement: log.vkey, checkpoint and checkpoints.txt all re-signed by one new key."""
    signer = other_log_key(out)
    (out / "log.vkey").write_text(signer.vkey + "\n", "utf-8")
    notes = [resign(note, signer) for note in notes_of(out)]
    (out / "checkpoints.txt").write_text("\n".join(notes), "utf-8")
    (out / "checkpoint").write_text(notes[-1], "utf-8")


def an_extra_file(out: Path) -> None:
    (out / "README-trust-me.txt").write_text("all fine", "utf-8")


def checkpoints_of_another_log(out: Path) -> None:
    signer = other_log_key(out)
    note = resign(notes_of(out)[-1], signer)
    (out / "checkpoints.txt").write_text(note, "utf-8")


DAMAGE: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "checkpoints-deleted": (
        delete("checkpoints.txt"),
        ["checkpoints.txt is missing", "no checkpoint signed by the log key"],
    ),
    "checkpoints-emptied": (
        empty("checkpoints.txt"),
        ["checkpoints.txt: no checkpoint signed by the log key"],
    ),
    "checkpoints-replaced": (checkpoints_of_another_log, ["checkpoints.txt", "does not verify"]),
    "checkpoint-deleted": (delete("checkpoint"), ["checkpoint is missing"]),
    "checkpoint-emptied": (empty("checkpoint"), ["checkpoint does not verify"]),
    "checkpoint-replaced-by-an-older-one": (
        older_checkpoint,
        ["checkpoint is the checkpoint at size 1", "replaced"],
    ),
    "checkpoint-signed-by-another-key": (
        checkpoint_signed_by_another_key,
        ["checkpoint does not verify"],
    ),
    "manifest-deleted": (delete("manifest.json"), ["manifest.json is missing"]),
    "manifest-replaced": (
        another_manifest,
        ["manifest.json says 1", "manifest.json says the latest checkpoint is at size 1"],
    ),
    "log-key-deleted": (delete("log.vkey"), ["log.vkey is missing"]),
    "log-key-replaced": (another_log_key, ["log.vkey is not the log key the log itself names"]),
    "all-signatures-forged": (
        every_signature_forged_with_a_new_log_key,
        [
            "log.vkey is not the log key",
            "checkpoint does not verify",
            "checkpoints.txt: no checkpoint signed by the log key",
        ],
    ),
    "log-deleted": (delete("log.jsonl"), ["log.jsonl is missing", "no checkpoint can be verified"]),
    "extra-file": (
        an_extra_file,
        ["README-trust-me.txt is in the export directory but is no part of an export"],
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_removed_or_replaced_file_fails_verification_naming_it(copy: Path, damage: str) -> None:
    change, expected = DAMAGE[damage]
    change(copy)
    result = verify(copy)
    assert result.exit_code == 5, result.output
    assert "FAILED" in result.said and "Traceback" not in result.output
    for words in expected:
        assert words in result.said, (words, result.output)


def test_a_restore_refuses_what_verification_refuses(copy: Path, tmp_path: Path) -> None:
    another_log_key(copy)
    result = run("restore", str(copy), "--db", str(tmp_path / "restored.db"), keys=copy)
    assert (
        result.exit_code == 2 and "export_refused" in result.said and "log.vkey" in result.said
    ), result.output


def test_a_site_is_not_built_from_an_export_whose_log_key_was_replaced(copy: Path) -> None:
    from public_site.source import open_export_source

    another_log_key(copy)
    with pytest.raises(ExportRefused, match="log.vkey is not the log key"):
        open_export_source(copy)


def test_a_report_is_not_computed_from_an_export_whose_checkpoint_was_replaced(copy: Path) -> None:
    checkpoint_signed_by_another_key(copy)
    result = run("report", "groups", "--from-export", str(copy), keys=copy)
    assert (
        result.exit_code == 2
        and "export_refused" in result.said
        and "checkpoint does not verify" in result.said
    )


def test_the_check_reports_each_problem_once_per_file(copy: Path) -> None:
    (copy / "checkpoint").unlink()
    (copy / "log.vkey").unlink()
    problems = [str(p) for p in check_export(copy).report.problems]
    assert sum("checkpoint is missing" in p for p in problems) == 1
    assert sum("log.vkey is missing" in p for p in problems) == 1
    assert not check_export(copy).ok


def test_a_directory_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = verify(tmp_path / "nowhere")
    assert result.exit_code == 2 and "not an export directory" in result.said
