"""Recording the synthetic city through the real signed path.

Every planned statement becomes a ``Draft`` signed by its institution's key
(personal details sealed to the court, the committee and the recorder), is
checked by ``ledger.signature_pool.check_one`` like any imported line, and is
appended by ``Ledger.append_checked`` in all-or-nothing batches, so every rule
of ``ledger.admission`` judges it. A rule that refuses a statement stops the
simulation with the rule's error: the city is wrong, or the rule is.

Signing and sealing dominate the cost, so they run in 'fork' worker processes
that each load the keyring from the keys directory, a bounded window of chunks
ahead of the single writer. Statements that others refer to are never sealed,
so their event ids (the hash of the signed body, which excludes the signature)
are computed here before signing, and later drafts can name them at once; the
id each worker returns is checked against it.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger.errors import InvalidArgument, KeyringError, NotChartered, Refused
from ledger.keyring import Keyring
from ledger.signature_pool import Checked, check_one
from ledger.simulation.config import CityConfig
from ledger.simulation.story import City
from ledger.simulation.timeline import Planned, resolve_links
from ledger.statements import FORMAT_VERSION, Draft, event_id_of

Progress = Callable[[int, datetime], None]
"""Told, after every chunk, how many statements are signed and checked so far and the
city time they reached (statements come in time order, from ``config.start`` to
``config.end``): a progress bar over the city's days ends where it says."""
CHUNK = 200

_worker: tuple[Keyring, dict[str, bytes], datetime] | None = None


@dataclass(frozen=True)
class SimulationResult:
    events: int
    tree_size: int
    root: str
    manifest: dict[str, Any]
    seconds: float


def draft_of(planned: Planned, ids: dict[str, str]) -> Draft:
    """The draft to sign: links replaced by the event ids of the statements they name."""
    return Draft(
        type=planned.type,
        recorder=planned.recorder,
        occurred_at=planned.occurred_at,
        data=resolve_links(planned.data, ids),
        refs=[ids[r.key] for r in planned.refs],
        sealed=dict(planned.sealed) if planned.sealed is not None else None,
        recorded_at=planned.recorded_at,
    )


def expected_event_id(draft: Draft, origin: str, key_id: str) -> str:
    """The content id an unsealed draft will have once signed (see ``Draft.sign``)."""
    if draft.sealed is not None:
        raise ValueError("a sealed statement's id depends on its ciphertext")
    return event_id_of(
        {
            "v": FORMAT_VERSION,
            "ledger": origin,
            "type": draft.type,
            "recorder": draft.recorder,
            "key_id": key_id,
            "occurred_at": draft.occurred_at,
            "recorded_at": draft.recorded_at,
            "data": draft.data,
            "refs": list(draft.refs),
        }
    )


def _start_worker(
    keys: Path, passphrase: bytes | None, public_keys: dict[str, bytes], now: datetime
) -> None:
    global _worker
    _worker = (Keyring(keys, passphrase), public_keys, now)


def _sign_chunk(drafts: list[Draft]) -> list[Checked]:
    assert _worker is not None, "worker not started"
    keyring, public_keys, now = _worker
    return [check_one(None, keyring.sign(d, now=now).leaf_bytes(), public_keys) for d in drafts]


def simulate(
    ledger: Any,
    keys: Path,
    config: CityConfig,
    *,
    passphrase: bytes | None = None,
    workers: int | None = None,
    batch_size: int = 2000,
    on_progress: Progress | None = None,
) -> SimulationResult:
    """Record the city described by ``config`` into a chartered ``ledger``."""
    began = time.perf_counter()
    keyring = Keyring(keys, passphrase)
    if ledger.size == 0:
        raise NotChartered(
            "the ledger has no charter yet: run `ledger init` first (or simulate --init)"
        )
    origin = ledger.origin
    if keyring.origin != origin:
        raise KeyringError(
            f"the keys in {keys} are for {keyring.origin}, the ledger is {origin}", field="--keys"
        )
    now = ledger.clock()
    if config.end > now:
        raise InvalidArgument(
            f"the simulated months end {config.end:%Y-%m-%d}, after now ({now:%Y-%m-%d}):"
            " choose an earlier --start or fewer --months",
            field="--start",
        )
    key_ids = {i.id: i.signing_key_id for i in keyring.institutions.values()}
    city = City(config)
    ids: dict[str, str] = {}

    def chunks() -> Iterator[list[tuple[str | None, Draft, datetime]]]:
        chunk: list[tuple[str | None, Draft, datetime]] = []
        for planned in city.drafts():
            draft = draft_of(planned, ids)
            if planned.key is not None:
                ids[planned.key] = expected_event_id(draft, origin, key_ids[draft.recorder])
            chunk.append((planned.key, draft, planned.at))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    workers = workers if workers is not None else (os.cpu_count() or 1)
    public_keys = ledger.signing_keys()
    pool = None
    if workers > 1:
        pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_start_worker, initargs=(keys, passphrase, public_keys, now)
        )
    else:
        _start_worker(keys, passphrase, public_keys, now)
    appended = 0
    batch: list[Checked] = []

    def take(keys_in_chunk: list[str | None], checked: list[Checked], reached: datetime) -> None:
        nonlocal appended, batch
        for key, c in zip(keys_in_chunk, checked, strict=True):
            if key is not None and c.statement is not None and c.statement.event_id != ids[key]:
                raise Refused(f"the statement planned as {key} was signed with an unexpected id")
        batch.extend(checked)
        if len(batch) >= batch_size:
            appended += len(ledger.append_checked(batch))
            batch = []
        if on_progress:
            on_progress(appended + len(batch), reached)

    try:
        window: deque[tuple[list[str | None], Any, datetime]] = deque()
        for chunk in chunks():
            chunk_keys = [k for k, _, _ in chunk]
            drafts = [d for _, d, _ in chunk]
            reached = chunk[-1][2]
            if pool is None:
                take(chunk_keys, _sign_chunk(drafts), reached)
                continue
            window.append((chunk_keys, pool.apply_async(_sign_chunk, (drafts,)), reached))
            while len(window) > 4 * workers:
                k, result, at = window.popleft()
                take(k, result.get(), at)
        while window:
            k, result, at = window.popleft()
            take(k, result.get(), at)
        if batch:
            appended += len(ledger.append_checked(batch))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    manifest = city.manifest.resolve(
        ids, events=appended, tree_size=ledger.size, sealed_values=city.cast.sealed_values
    )
    return SimulationResult(
        appended, ledger.size, ledger.root().hex(), manifest, time.perf_counter() - began
    )
