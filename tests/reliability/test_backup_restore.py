"""Backups: an export restores to the same root; a damaged export is refused and nothing imported.

``ledger export DIR`` then ``ledger import DIR/log.jsonl`` into an empty
database reproduces the root; ``ledger restore DIR`` does the same after
checking the export against its manifest and latest signed checkpoint, and
refuses truncated, cut-short, edited or mis-signed exports with a message
naming what is wrong, leaving the target database empty.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.service import Ledger
from tests.reliability.conftest import FaultLog
from tests.reliability.support import assert_log_intact

runner = CliRunner()
HEAD = {"head": "H-1", "term_start": "2026-03-01T00:00:00Z", "reason": "appointed"}


def cli(db: str, keys: Path, *args: str) -> Any:
    return runner.invoke(
        app,
        [args[0], "--db", db, *args[1:]],
        env={"LEDGER_KEYS": str(keys)},
        catch_exceptions=False,
    )


@pytest.fixture
def exported(db_url: str, tmp_path: Path) -> tuple[str, Path, Path]:
    """A ledger of 41 events with two checkpoints, exported; (db, keys, export dir)."""
    keys = tmp_path / "keys"
    assert cli(db_url, keys, "init", "--keys", str(keys)).exit_code == 0
    drafts = tmp_path / "d.jsonl"
    lines = []
    for i in range(20):
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
    drafts.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert cli(db_url, keys, "import", str(drafts), "--sign-drafts").exit_code == 0
    assert cli(db_url, keys, "checkpoint").exit_code == 0
    out = tmp_path / "export"
    assert cli(db_url, keys, "export", str(out)).exit_code == 0
    return db_url, keys, out


@pytest.fixture
def empty_target(db_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Make empty databases on the test's backend (PostgreSQL schemas are dropped after)."""
    from tests.conftest import drop_pg_schema, fresh_pg_schema

    schemas: list[str] = []

    def make(name: str) -> str:
        if db_url.startswith("postgresql"):
            url, schema = fresh_pg_schema(db_url.split("?")[0])
            schemas.append(schema)
            return url
        path = tmp_path / f"{name}.db"
        sqlite3.connect(
            path
        ).close()  # an empty database, made on purpose (a missing --db is refused)
        return str(path)

    yield make
    for schema in schemas:
        drop_pg_schema(schema)


def size_of(db: str) -> int:
    with Ledger.open(db) as ledger:
        return ledger.size


@pytest.mark.postgres
def test_export_then_import_or_restore_reproduces_the_root(
    exported: tuple[str, Path, Path],
    empty_target: Callable[[str], str],
    backend_name: str,
    faults: FaultLog,
) -> None:
    db, keys, out = exported
    manifest = json.loads((out / "manifest.json").read_text())
    imported = empty_target("imported")
    assert cli(imported, keys, "import", str(out / "log.jsonl")).exit_code == 0
    restored = empty_target("restored")
    result = cli(restored, keys, "restore", str(out))
    assert result.exit_code == 0, result.output
    for target in (imported, restored):
        _, root = assert_log_intact(target)
        assert root.hex() == manifest["root"]
    with Ledger.open(restored) as ledger:
        assert [c[0] for c in ledger.store.checkpoints()] == [1, 41]
    again = cli(restored, keys, "restore", str(out))
    assert again.exit_code == 2 and "empty database" in again.output
    faults.record(
        "backup by export, restored by import and by restore",
        backend_name,
        2,
        "same root as the manifest; verify_store clean; checkpoints restored;"
        " restoring over a non-empty database refused",
    )


def truncate_lines(out: Path) -> None:
    lines = (out / "log.jsonl").read_bytes().splitlines(keepends=True)
    (out / "log.jsonl").write_bytes(b"".join(lines[:-3]))


def cut_mid_line(out: Path) -> None:
    data = (out / "log.jsonl").read_bytes()
    (out / "log.jsonl").write_bytes(data[: len(data) - 40])


def edit_a_line(out: Path) -> None:
    text = (out / "log.jsonl").read_text()
    (out / "log.jsonl").write_text(text.replace("rotation", "scandal", 1))


def garble_a_line(out: Path) -> None:
    lines = (out / "log.jsonl").read_bytes().splitlines(keepends=True)
    lines[5] = b'{"v": 1, "type": \xff}\n'
    (out / "log.jsonl").write_bytes(b"".join(lines))


def forge_the_checkpoint(out: Path) -> None:
    note = (out / "checkpoint").read_text()
    (out / "checkpoint").write_text(note.replace("\n41\n", "\n40\n", 1))


def drop_the_manifest(out: Path) -> None:
    (out / "manifest.json").unlink()


def truncate_log_and_manifest(out: Path) -> None:
    """A consistent-looking copy missing its tail: only the signed checkpoint can tell."""
    truncate_lines(out)
    manifest = json.loads((out / "manifest.json").read_text())
    from ledger.log.merkle import leaf_hash, root_of

    lines = (out / "log.jsonl").read_bytes().splitlines()
    manifest.update(size=len(lines), root=root_of([leaf_hash(x) for x in lines]).hex())
    (out / "manifest.json").write_text(json.dumps(manifest))


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncate_lines, "incomplete"),
    "cut-mid-line": (cut_mid_line, "cut short"),
    "edited-line": (edit_a_line, "root"),
    "garbled-line": (garble_a_line, "line 6"),
    "forged-checkpoint": (forge_the_checkpoint, "does not verify"),
    "no-manifest": (drop_the_manifest, "manifest.json"),
    "truncated-with-matching-manifest": (truncate_log_and_manifest, "signed root"),
}


@pytest.mark.postgres
def test_a_damaged_export_is_refused_naming_the_damage_and_nothing_is_imported(
    exported: tuple[str, Path, Path],
    empty_target: Callable[[str], str],
    tmp_path: Path,
    backend_name: str,
    faults: FaultLog,
) -> None:
    db, keys, out = exported
    for name, (damage, expected) in DAMAGE.items():
        copy = tmp_path / f"damaged-{name}"
        shutil.copytree(out, copy)
        damage(copy)
        target = empty_target(name)
        result = cli(target, keys, "restore", str(copy))
        assert result.exit_code == 2, (name, result.output)
        assert "export_refused" in result.output and expected in result.output, (
            name,
            result.output,
        )
        assert size_of(target) == 0, name
    faults.record(
        "damaged export restored (" + ", ".join(DAMAGE) + ")",
        backend_name,
        len(DAMAGE),
        "each refused with a message naming the damage; nothing imported",
    )
