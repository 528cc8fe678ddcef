"""Bulk import of JSON Lines: signed statements, or drafts signed with local keys.

Lines stream through the checking workers (parse, content id, signature) while
the single writer decides and stores batches, so both cores are busy. Each
batch is atomic; the first bad line stops the import with an error naming the
line and field, and nothing of its batch is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ledger.collector import bulk
from ledger.errors import LedgerError, MalformedStatement
from ledger.signature_pool import Checked
from ledger.statements import Draft

if TYPE_CHECKING:
    from ledger.keyring import Keyring
    from ledger.service import Appended, Ledger

DRAFT_FIELDS = {"type", "recorder", "occurred_at", "data", "sealed", "refs", "recorded_at"}


def draft_from_json(obj: object, *, line: int) -> Draft:
    """A draft line: the statement without v/ledger/key_id/signature."""
    if not isinstance(obj, dict):
        raise MalformedStatement("a line must be a JSON object", line=line)
    extra = sorted(obj.keys() - DRAFT_FIELDS)
    if extra:
        raise MalformedStatement("unknown field in draft", field=extra[0], line=line)
    for name in ("type", "recorder", "occurred_at", "data"):
        if name not in obj:
            raise MalformedStatement("missing required field", field=name, line=line)
    if not isinstance(obj["data"], dict):
        raise MalformedStatement("expected an object", field="data", line=line)
    for name in ("type", "recorder", "occurred_at"):
        if not isinstance(obj[name], str):
            raise MalformedStatement("expected a string", field=name, line=line)
    refs = obj.get("refs", [])
    if not isinstance(refs, list):
        raise MalformedStatement("expected a list of event ids", field="refs", line=line)
    sealed = obj.get("sealed")
    if sealed is not None and not isinstance(sealed, dict):
        raise MalformedStatement("expected an object", field="sealed", line=line)
    return Draft(
        type=obj["type"],
        recorder=obj["recorder"],
        occurred_at=obj["occurred_at"],
        data=obj["data"],
        refs=refs,
        sealed=sealed,
        recorded_at=obj.get("recorded_at"),
    )


def signed_lines(
    lines: Iterable[tuple[int, str]], keyring: Keyring | None, now: datetime
) -> Iterator[tuple[int, str | bytes]]:
    """Pass signed statements through; sign drafts when a keyring is given."""
    for number, text in lines:
        if keyring is None or '"signature"' in text:
            yield number, text
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedStatement(
                f"invalid JSON: {exc.msg} at column {exc.colno}", line=number
            ) from exc
        if isinstance(obj, dict) and "signature" in obj:
            yield number, text
            continue
        try:
            statement = keyring.sign(draft_from_json(obj, line=number), now=now)
        except LedgerError as exc:
            if exc.line is None:
                exc.at_line(number)
            raise
        yield number, statement.leaf_bytes()


def import_lines(
    ledger: Ledger,
    lines: Iterable[tuple[int, str]],
    *,
    keyring: Keyring | None = None,
    batch_size: int = 1000,
    on_batch: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> list[Appended]:
    """Append every line, batch by batch. Returns what was appended.

    The cyclic garbage collector is paused meanwhile (``ledger.collector``): its
    full collections walked every lifecycle the import had loaded, 30 per cent
    of the reading process's time at 100k statements, while the cycles a batch
    leaves behind are a few dozen objects, reclaimed once it resumes.
    """
    moment = now or datetime.now(UTC)
    appended: list[Appended] = []
    batch: list[Checked] = []
    stream = ledger.checker.check_stream(
        signed_lines(lines, keyring, moment), ledger.signing_keys()
    )
    with bulk():
        for number, checked in stream:
            batch.append(_at_line(checked, number))
            if len(batch) >= batch_size:
                appended.extend(ledger.record(batch))
                if on_batch:
                    on_batch(len(batch))
                batch = []
        if batch:
            appended.extend(ledger.record(batch))
            if on_batch:
                on_batch(len(batch))
    return appended


def _at_line(checked: Checked, number: int) -> Checked:
    from dataclasses import replace

    return checked if checked.line == number else replace(checked, line=number)
