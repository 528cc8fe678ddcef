"""Asking the witnesses to cosign, and publishing once a quorum has.

``publish`` signs a checkpoint for the current tree, sends it to every
configured witness with a consistency proof from the size that witness last
cosigned (c2sp.org/tlog-witness), checks each returned cosignature against
the witness's key, and stores the note with the cosignatures as *published*
only when at least ``quorum`` witnesses cosigned. A witness that answers 409
names the size it holds; the request is retried once from that size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.exc import IntegrityError

from ledger.errors import LedgerError, ProofError
from ledger.log.cosignature import verify_cosignature
from ledger.service import Ledger
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy
from ledger.witnessing.protocol import AddCheckpoint, parse_cosignature_lines, parse_size_answer
from ledger.witnessing.published import (
    insert_published,
    last_cosigned_size,
    published_at,
    record_cosignature,
)


class QuorumNotReached(LedgerError):
    """Fewer witnesses cosigned than the policy requires; nothing was published."""

    code = "quorum_not_reached"
    http_status = 503
    exit_code = 6


@dataclass(frozen=True)
class WitnessAnswer:
    witness: WitnessEntry
    cosignature: str | None = None
    problem: str | None = None


@dataclass
class Publication:
    size: int
    quorum: int
    note: str | None = None
    answers: list[WitnessAnswer] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.note is not None

    @property
    def cosigned_by(self) -> list[str]:
        return [a.witness.name for a in self.answers if a.cosignature]


def ask_witness(
    ledger: Ledger, entry: WitnessEntry, note: str, size: int, http: httpx.Client
) -> WitnessAnswer:
    """One witness's cosignature on ``note`` (of tree ``size``), or why there is none."""
    old = last_cosigned_size(ledger.store.engine, entry.vkey)
    for _attempt in range(2):
        if old > size:
            return WitnessAnswer(entry, problem=(
                f"the witness cosigned a tree of {old} entries; this ledger holds {size}:"
                " it has seen another history"))
        proof = ledger.consistency_proof(old, size) if 0 < old < size else []
        body = AddCheckpoint(old, tuple(proof), note).body()
        try:
            response = http.post(entry.url.rstrip("/") + "/add-checkpoint", content=body)
        except httpx.HTTPError as exc:
            return WitnessAnswer(entry, problem=f"cannot reach {entry.url}: {exc}")
        if response.status_code == 409 and _attempt == 0:
            try:
                known = parse_size_answer(response.text)
            except ProofError as exc:
                return WitnessAnswer(entry, problem=f"409 with an unreadable size: {exc}")
            if known == old:
                return WitnessAnswer(entry, problem=f"the witness refuses (409): {response.text.strip()}")
            old = known
            continue
        if response.status_code != 200:
            return WitnessAnswer(
                entry, problem=f"the witness refuses ({response.status_code}): {response.text.strip()[:300]}"
            )
        return _checked_answer(ledger, entry, note, size, response.text)
    return WitnessAnswer(entry, problem="the witness keeps answering 409")


def _checked_answer(ledger: Ledger, entry: WitnessEntry, note: str, size: int, text: str) -> WitnessAnswer:
    from ledger.log.note import parse_note

    body = parse_note(note).text
    try:
        lines = parse_cosignature_lines(text)
    except ProofError as exc:
        return WitnessAnswer(entry, problem=f"unreadable answer: {exc}")
    verifier = entry.verifier()
    for line in lines:
        try:
            verify_cosignature(body, line, verifier)
        except ProofError:
            continue  # a line from another key of the witness: ignored, as the spec says
        record_cosignature(ledger.store.engine, entry.vkey, size, line)
        return WitnessAnswer(entry, cosignature=line)
    return WitnessAnswer(entry, problem="no cosignature in the answer verifies with the configured key")


def publish(
    ledger: Ledger, policy: WitnessPolicy, *, http: httpx.Client | None = None, timeout: float = 10.0
) -> Publication:
    """Sign, collect cosignatures, and publish if the quorum is reached.

    Raises QuorumNotReached (after storing the cosignatures received) if too
    few witnesses cosigned; the Publication is attached as ``.publication``.
    """
    if not policy.configured:
        raise LedgerError("no witnesses are configured: `ledger witnesses add NAME URL VKEY` first")
    checkpoint = ledger.sign_checkpoint()
    result = Publication(size=checkpoint.size, quorum=policy.quorum)
    existing = published_at(ledger.store.engine, checkpoint.size)
    if existing is not None:
        result.note = existing
        return result
    client = http or httpx.Client(timeout=timeout)
    try:
        for entry in policy.witnesses:
            result.answers.append(ask_witness(ledger, entry, checkpoint.note, checkpoint.size, client))
    finally:
        if http is None:
            client.close()
    lines = [a.cosignature for a in result.answers if a.cosignature]
    if len(lines) < policy.quorum:
        problems = "; ".join(f"{a.witness.name}: {a.problem}" for a in result.answers if a.problem)
        error = QuorumNotReached(
            f"{len(lines)} of {policy.quorum} required witnesses cosigned checkpoint {checkpoint.size};"
            f" it is not published ({problems})"
        )
        error.publication = result  # type: ignore[attr-defined]
        raise error
    result.note = checkpoint.note + "".join(lines)
    try:
        insert_published(ledger.store.engine, checkpoint.size, result.note)
    except IntegrityError:  # another publisher got there first: theirs stands
        result.note = published_at(ledger.store.engine, checkpoint.size)
    return result
