"""Storage stays behind its ports: no SQL, database driver or engine outside ``ledger/storage/``.

The rules, the service, projections, the API, the CLI and the public site
speak to ``ledger.storage.port.LogStore``, and a witness to its own
``ledger.storage.witness_port.WitnessStore``; a module elsewhere that imports
a driver or reaches for a store's ``engine`` would put a second meaning of
"stored" beside the one in ``ledger/storage/``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "api", "cli", "public_site")
STORAGE = ROOT / "ledger" / "storage"
FORBIDDEN = ("sqlalchemy", "eventsourcing_sqlalchemy", "sqlite3", "psycopg")
SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT (OR \w+ )?INTO|UPDATE \w+ SET|DELETE FROM"
    r"|CREATE (TABLE|TRIGGER|INDEX)|BEGIN IMMEDIATE|PRAGMA \w+)\b",
    re.S,
)
"""What a statement a database runs looks like, in a string of the program."""


def _modules() -> list[Path]:
    found = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    return [p for p in found if STORAGE not in p.parents]


def _storage_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            if name.split(".")[0] in FORBIDDEN:
                uses.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
        if isinstance(node, ast.Attribute) and node.attr == "engine":
            uses.append(f"{path.relative_to(ROOT)}:{node.lineno} uses .engine")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL.search(node.value)
        ):
            uses.append(f"{path.relative_to(ROOT)}:{node.lineno} holds SQL")
    return uses


def test_the_scan_sees_the_modules_and_the_storage_package_it_exempts() -> None:
    modules = _modules()
    assert ROOT / "ledger" / "service.py" in modules
    assert ROOT / "api" / "recording.py" in modules
    assert ROOT / "ledger" / "witnessing" / "witness.py" in modules
    assert not any(STORAGE in p.parents for p in modules)
    assert _storage_uses(STORAGE / "sql_store.py"), "the scan finds SQLAlchemy where it is"
    assert _storage_uses(STORAGE / "change_token.py"), "the scan finds sqlite3 where it is"
    witness_store = _storage_uses(STORAGE / "witness_store.py")
    assert any("imports sqlite3" in use for use in witness_store), "and in the witness's database"
    assert any("holds SQL" in use for use in witness_store), "the scan finds SQL where it is"


def test_no_module_outside_storage_imports_a_driver_holds_sql_or_uses_an_engine() -> None:
    uses = [use for path in _modules() for use in _storage_uses(path)]
    assert uses == []
