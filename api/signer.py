"""Signing checkpoints in the background, at most once per interval, when the log grew.

Recorders get an answer as soon as their statement is stored, with the time by
which a checkpoint covering it will be signed (``included_by``). The signer
wakes when a statement is appended, waits until an interval has passed since
its last signature, and signs one checkpoint for everything appended since.
A request may wait for that checkpoint (``wait_for``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import datetime, timedelta

import anyio.to_thread

from api.gate import LedgerGate
from api.settings import Clock
from ledger.errors import LedgerError
from ledger.service import SignedCheckpoint
from ledger.storage.port import AlreadyStored

log = logging.getLogger("ceasefire_ledger.api")


class CheckpointSigner:
    """The background task that keeps the latest checkpoint close to the log's head."""

    def __init__(self, gate: LedgerGate, interval: float, clock: Clock) -> None:
        self.gate = gate
        self.interval = max(0.0, interval)
        self.clock = clock
        self._wake = asyncio.Event()
        self._round = asyncio.Event()
        self._last_signed = -math.inf
        self.latest: SignedCheckpoint | None = None

    def poke(self) -> None:
        """Something was appended: sign a checkpoint when the interval allows."""
        self._wake.set()

    def included_by(self) -> datetime:
        """The time by which a checkpoint covering what is appended now will be signed."""
        remaining = max(0.0, self._last_signed + self.interval - time.monotonic())
        moment = self.clock() + timedelta(seconds=max(remaining, self.interval))
        return moment.replace(microsecond=0) + timedelta(seconds=1)

    async def run(self) -> None:
        self.poke()  # sign once at start if the log grew while no server was running
        while True:
            await self._wake.wait()
            self._wake.clear()
            wait = self._last_signed + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                self.latest = await anyio.to_thread.run_sync(self._sign)
            except LedgerError as exc:  # e.g. no charter yet: nothing to sign
                log.info("no checkpoint signed: %s", exc)
            except Exception:  # keep signing later rounds; the error is logged
                log.exception("signing a checkpoint failed")
            self._last_signed = time.monotonic()
            done, self._round = self._round, asyncio.Event()
            done.set()

    def _sign(self) -> SignedCheckpoint | None:
        with self.gate.use() as ledger:
            if ledger.size == 0:
                return None
            try:
                return ledger.sign_checkpoint()
            except AlreadyStored:
                # Another worker signed the same tree size at the same moment.
                return ledger.latest_checkpoint()
            finally:
                self.gate.caches.invalidate_checkpoints()

    async def wait_for(self, size: int, timeout: float) -> SignedCheckpoint | None:
        """Wait until a checkpoint of at least ``size`` is signed; None on timeout."""
        deadline = time.monotonic() + timeout
        while self.latest is None or self.latest.size < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            this_round = self._round
            self.poke()
            try:
                await asyncio.wait_for(this_round.wait(), remaining)
            except TimeoutError:
                return None
        return self.latest
