"""Making a ledger fork: a copy of its database at size k that goes on with other statements."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.keyring import Keyring
from ledger.service import Ledger
from tests.conftest import Clock


def copy_database(source: str, target: Path) -> str:
    """A consistent copy of a SQLite ledger database (the backup API, not a file copy)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return str(target)


def open_copy(path: str, keyring: Keyring, clock: Clock) -> Ledger:
    return Ledger.open(path, log_key=keyring.log_key(), clock=clock)
