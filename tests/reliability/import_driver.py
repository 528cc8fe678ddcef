"""A bulk import to be killed: appends a file of signed statements batch by batch.

Run as ``python -m tests.reliability.import_driver DB FILE BATCH``. It resumes
after the last batch already stored (as an operator re-running an import
would), prints ``START <first batch>`` and then ``ACK <batch>`` after each
batch is committed, so the test knows exactly what was acknowledged.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger.importing import import_lines
from ledger.service import Ledger
from ledger.statements import parse_statement_json


def main(db: str, file: str, batch: int) -> None:
    lines = Path(file).read_text("utf-8").splitlines()
    with Ledger.open(db) as ledger:
        first = 0
        while first * batch < len(lines):
            head = lines[first * batch]
            if ledger.store.event_info(parse_statement_json(head).event_id) is None:
                break
            first += 1
        print(f"START {first}", flush=True)
        acked = first

        def on_batch(_: int) -> None:
            nonlocal acked
            print(f"ACK {acked}", flush=True)
            acked += 1

        numbered = list(enumerate(lines, start=1))[first * batch :]
        import_lines(ledger, numbered, batch_size=batch, on_batch=on_batch)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
