"""Asking the witnesses to cosign, and publishing once a quorum has.

``publish`` signs a checkpoint for the current tree, sends it to every
configured witness with a consistency proof from the size that witness last
cosigned (c2sp.org/tlog-witness), checks each returned cosignature against
the witness's key, and stores the note with the cosignatures as *published*
only when at least ``quorum`` witnesses cosigned. A witness that answers 409
names the size it holds; the request is retried once from that size. A
witness that answers 403 may not know the log's current key yet: each key
rotation is presented to it (its handover checkpoint to cosign, then the
rotation proof, docs/verify.md "Log key rotation") and the request retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ledger.errors import InvalidWitnessPolicy, ProofError, QuorumNotReached
from ledger.log.cosignature import verify_cosignature
from ledger.service import Ledger
from ledger.storage.port import AlreadyStored
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy
from ledger.witnessing.protocol import AddCheckpoint, parse_cosignature_lines, parse_size_answer
from ledger.witnessing.published import (
    last_cosigned_size,
    verified_published_note,
)


@dataclass(frozen=True)
class WitnessAnswer:
    witness: WitnessEntry
    cosignature: str | None = None
    problem: str | None = None
    status: int | None = None


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
    old = last_cosigned_size(ledger.store, entry.vkey)
    for _attempt in range(2):
        if old > size:
            return WitnessAnswer(
                entry,
                problem=(
                    f"the witness cosigned a tree of {old} entries; this ledger holds {size}:"
                    " it has seen another history"
                ),
            )
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
                return WitnessAnswer(
                    entry, problem=f"the witness refuses (409): {response.text.strip()}"
                )
            old = known
            continue
        if response.status_code != 200:
            return WitnessAnswer(
                entry,
                problem=f"the witness refuses ({response.status_code}): {response.text.strip()[:300]}",
                status=response.status_code,
            )
        return _checked_answer(ledger, entry, note, size, response.text)
    return WitnessAnswer(entry, problem="the witness keeps answering 409")


def _checked_answer(
    ledger: Ledger, entry: WitnessEntry, note: str, size: int, text: str
) -> WitnessAnswer:
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
        ledger.store.record_cosignature(entry.vkey, size, line)
        return WitnessAnswer(entry, cosignature=line)
    return WitnessAnswer(
        entry, problem="no cosignature in the answer verifies with the configured key"
    )


def present_rotations(ledger: Ledger, entry: WitnessEntry, http: httpx.Client) -> str | None:
    """Teach a witness the log's key rotations, oldest first; the problem, if one is refused."""
    from ledger.witnessing.rotations import rotation_proofs

    for verified in rotation_proofs(ledger):
        size = verified.rotation.valid_from
        if last_cosigned_size(ledger.store, entry.vkey) < size:
            answer = ask_witness(ledger, entry, ledger.checkpoint_at(size).note, size, http)
            if answer.problem is not None:
                return f"the handover checkpoint {size} was not cosigned: {answer.problem}"
        try:
            response = http.post(
                entry.url.rstrip("/") + "/log-key-rotation", content=verified.proof
            )
        except httpx.HTTPError as exc:
            return f"cannot reach {entry.url}: {exc}"
        if response.status_code != 200:
            return f"the witness refuses the key rotation at size {size} ({response.status_code}): {response.text.strip()[:300]}"
    return None


def _ask_learning_rotations(
    ledger: Ledger, entry: WitnessEntry, note: str, size: int, http: httpx.Client
) -> WitnessAnswer:
    answer = ask_witness(ledger, entry, note, size, http)
    if answer.status != 403:
        return answer
    problem = present_rotations(ledger, entry, http)
    if problem is not None:
        return WitnessAnswer(entry, problem=f"{answer.problem}; {problem}", status=403)
    return ask_witness(ledger, entry, note, size, http)


def publish(
    ledger: Ledger,
    policy: WitnessPolicy,
    *,
    http: httpx.Client | None = None,
    timeout: float = 10.0,
) -> Publication:
    """Sign, collect cosignatures, and publish if the quorum is reached.

    Raises QuorumNotReached (after storing the cosignatures received) if too
    few witnesses cosigned; the Publication is attached as ``.publication``.
    """
    if not policy.configured:
        raise InvalidWitnessPolicy(
            "no witnesses are configured: `ledger witnesses add NAME URL VKEY` first"
        )
    checkpoint = ledger.sign_checkpoint()
    result = Publication(size=checkpoint.size, quorum=policy.quorum)
    existing = verified_published_note(ledger, policy, checkpoint.size)
    if existing is not None:
        result.note = existing
        return result
    client = http or httpx.Client(timeout=timeout)
    try:
        for entry in policy.witnesses:
            result.answers.append(
                _ask_learning_rotations(ledger, entry, checkpoint.note, checkpoint.size, client)
            )
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
        ledger.store.insert_published(checkpoint.size, result.note)
    except AlreadyStored:  # another publisher got there first: theirs stands
        result.note = verified_published_note(ledger, policy, checkpoint.size)
    return result
