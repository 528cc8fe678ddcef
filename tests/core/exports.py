"""A small export made through the CLI, as a reader would get one: init, one statement, a
checkpoint, ``ledger export``; and the CLI run the way a reader runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def run(*args: str, keys: Path) -> Any:
    """The CLI's result, with ``said``: its output on one line (rich wraps long lines)."""
    result = runner.invoke(app, list(args), env={"LEDGER_KEYS": str(keys)})
    result.said = " ".join(result.output.split())
    return result


def make_export(base: Path, kind: str, role: str, data: dict[str, Any]) -> Path:
    """``base/export``: the charter and one ``kind`` statement recorded as ``role``, under
    two signed checkpoints (after the charter, and after the statement)."""
    keys, db = base / "keys", str(base / "ledger.db")
    assert run("init", "--db", db, "--keys", str(keys), keys=keys).exit_code == 0
    recorded = run("record", kind, "--db", db, "--as", role, "--data", json.dumps(data), keys=keys)
    assert recorded.exit_code == 0, recorded.output
    assert run("checkpoint", "--db", db, keys=keys).exit_code == 0
    assert run("export", str(base / "export"), "--db", db, keys=keys).exit_code == 0
    return base / "export"
