"""Benchmark: the check before acting with and without a verified-through mark.

Usage: python -m bench.bench_mark LEDGER_DIR

LEDGER_DIR holds ``ledger.db`` (SQLite) and ``keys/`` with the log key. Both
are copied to a temporary directory first: nothing is written to them.
Printed, each with its ratio to the reference measured in the same run:

* the reference: ``json.loads`` of every stored leaf (the leaves read first);
* the full check before acting (what a process without a mark runs), which
  leaves a mark;
* the check before acting from that mark (nothing stored since; what is
  stored after a mark is checked as the full check checks it).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.keyring import Keyring
from ledger.storage import open_store
from ledger.storage.log_reader import walk_notifications
from ledger.verification.before_acting import check_store
from ledger.verification.mark import check_with_mark


def timed(what: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = what()
    return time.perf_counter() - began, result


def main(source: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-mark-") as tmp:
        work = Path(tmp)
        shutil.copy2(source / "ledger.db", work / "ledger.db")
        shutil.copytree(source / "keys", work / "keys")
        log_key = Keyring(work / "keys").log_key()
        store = open_store(str(work / "ledger.db"))
        try:
            leaves = [stored.leaf for stored in walk_notifications(store)]
            reference, _ = timed(lambda: [json.loads(leaf) for leaf in leaves])
            full, report = timed(lambda: check_store(store, log_key=log_key))
            assert report.ok, report.summary()
            note = store.verified_mark()
            assert note is not None, "the full check left no mark"
            marked, again = timed(lambda: check_store(store, log_key=log_key))
            assert again.ok and (again.events, again.root) == (report.events, report.root)
            assert check_with_mark(store, log_key) is not None, "the mark was not used"
        finally:
            store.close()
    print(f"events: {report.events}")
    print(f"reference (json.loads of every leaf): {reference:.2f} s")
    for name, seconds in (("full check before acting", full), ("check from the mark", marked)):
        print(f"{name}: {seconds:.2f} s = {seconds / reference:.1f} x reference")
    print(f"full / marked: {full / marked:.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
