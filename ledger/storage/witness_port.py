"""The witness's storage port: what one witness keeps, and nothing of how it is kept.

A witness (``ledger.witnessing.witness``) is another party's program with a
small database of its own, not the ledger's store: the logs it follows, the
keys it learned from their rotations, the latest checkpoint it cosigned for
each log (its state), every cosignature it made, and the evidence of a log's
misbehaviour. ``ledger.storage.witness_store`` is the one implementation, a
SQLite file (``witness.db``); ``ledger.storage.open_witness_store`` opens it.

A store only keeps and returns rows. Every check (signatures, consistency
proofs, whether a stored row still verifies) is made above it, and nothing a
store returns is trusted on its word.

Each decision is one ``writing()`` transaction that holds the database's
write lock from its first read: reading the latest cosigned checkpoint,
checking that the new one extends it and storing it are one step, so two
requests at once, from one process or several, can never both cosign from
the same state. The state is also swapped only if it is still the one read
(``advance_state``), so a decision can never roll it back. A refusal commits
the evidence it recorded; any other error leaves nothing behind.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

LogKeys = list[tuple[int, str]]
"""A log's keys in order: (first tree size it signs, verifier key)."""


@dataclass(frozen=True)
class WitnessState:
    """The latest checkpoint a witness cosigned for one log, with the log-signed note."""

    origin: str
    size: int
    root: bytes
    note: str


@dataclass(frozen=True)
class Evidence:
    """Two log-signed checkpoints that cannot both belong to one append-only history."""

    id: int
    origin: str
    kind: str  # "fork" | "rollback" | "not_extending" | "forged_key_rotation"
    cosigned_note: str
    presented_note: str
    detail: str
    recorded_at: int


@dataclass(frozen=True)
class CosignedRow:
    """One checkpoint the witness cosigned, as stored (``id`` orders them)."""

    id: int
    size: int
    root: bytes
    note: str
    cosignature: str


@dataclass(frozen=True)
class LearnedKey:
    """A log key learned from a rotation proof, as stored."""

    id: int
    vkey: str
    valid_from: int
    proof: str


class WitnessRows(Protocol):
    """A witness's rows, read and written inside one transaction of its store."""

    # --- the logs followed and their keys ------------------------------------------------
    def followed(self) -> dict[str, str]:
        """Each followed origin (in order) and the key it was first added with."""
        ...

    def first_key(self, origin: str) -> str | None: ...

    def follow(self, origin: str, vkey: str, added_at: int) -> None:
        """Follow ``origin``; a log already followed keeps the key it was first added with."""
        ...

    def learned_keys(self, origin: str) -> list[LearnedKey]:
        """The keys learned for ``origin`` from rotations, by the size each signs from."""
        ...

    def key_learned_from(self, origin: str, proof: str) -> str | None:
        """The key already learned from this very rotation proof, if any."""
        ...

    def learn_key(
        self, origin: str, vkey: str, valid_from: int, proof: str, added_at: int
    ) -> None: ...

    # --- the latest cosigned checkpoint of each log -------------------------------------
    def state(self, origin: str) -> WitnessState | None: ...

    def start_state(self, state: WitnessState) -> None:
        """The first state of a log (it has none yet)."""
        ...

    def advance_state(self, old: WitnessState, new: WitnessState) -> bool:
        """Replace ``old`` by ``new`` only if ``old`` is still stored: False if it is not."""
        ...

    # --- every cosignature made (append-only) -------------------------------------------
    def add_cosigned(self, state: WitnessState, cosignature: str, cosigned_at: int) -> None: ...

    def cosigned(self, origin: str) -> list[CosignedRow]:
        """Every checkpoint cosigned for ``origin``, in the order cosigned."""
        ...

    def first_cosigned_at(self, origin: str, size: int) -> CosignedRow | None:
        """The first checkpoint of that size cosigned for ``origin``."""
        ...

    def has_cosigned(self, origin: str, size: int, root: bytes) -> bool: ...

    def origins_kept(self) -> dict[str, set[str]]:
        """For each kind of per-log row (``state``, ``cosigned``, ``log_keys``), the origins it holds."""
        ...

    # --- evidence (append-only) ----------------------------------------------------------
    def keep_evidence(
        self, origin: str, kind: str, cosigned_note: str, presented_note: str, detail: str, at: int
    ) -> None:
        """Keep a conflict once: the same kind and notes presented again add no row."""
        ...

    def evidence(self, origin: str | None = None) -> list[Evidence]:
        """The evidence kept (for ``origin``, or for every log), oldest first."""
        ...


class WitnessStore(Protocol):
    """The database behind one witness.

    Connection loss or a lock held too long is ``StorageUnavailable``
    (nothing was stored); a file that is not a witness database is
    ``TamperedWitnessState``.
    """

    where: str
    """The database, named in messages."""

    def reading(self) -> AbstractContextManager[WitnessRows]:
        """A consistent view of the committed rows, for reads only."""
        ...

    def writing(
        self, *, keep_on: tuple[type[BaseException], ...] = ()
    ) -> AbstractContextManager[WitnessRows]:
        """One transaction holding the write lock from its first statement.

        It commits when the block ends normally or with an exception of a
        ``keep_on`` type (a refusal keeps the evidence it recorded), and
        rolls back on any other exception.
        """
        ...
