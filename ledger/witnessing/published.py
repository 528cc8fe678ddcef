"""Published checkpoints: those a quorum of witnesses cosigned, insert-only.

Two tables beside the ledger's own, in the same database:

* ``ledger_published_checkpoints(tree_size, note, published_at)``: the
  checkpoint note with the witnesses' cosignature lines, once a quorum signed;
* ``ledger_witness_cosignatures(id, witness_vkey, tree_size, cosignature,
  received_at)``: every cosignature received, so the ledger knows the size each
  witness last cosigned (the ``old`` size of its next request).

Rows are only ever inserted, and none is trusted on its word: a published
note is served or relied on only after ``check_published_note`` found its log
signature good with the log key valid at its size, its size and root equal
to the ledger's own signed checkpoint at that size and to the root recomputed
from the stored leaves, and its cosignatures good (a quorum of the configured
witnesses, or, with no policy at hand, of the witnesses the ledger received
cosignatures from). A cosignature row is used only after its line verifies
over the ledger's checkpoint at its size. ``check_published`` runs all of
this over both tables for ``ledger verify``; ``verified_published_note`` is
what the API's ``/checkpoint`` serves when witnesses are configured, and it
refuses loudly (``PublishedCheckpointInvalid``) rather than serve a row that
fails; ``witness_summary`` is what the public site's verify page shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.errors import ProofError, PublishedCheckpointInvalid, TamperDetected
from ledger.log.checkpoint import Checkpoint
from ledger.log.cosignature import CosignatureVerifier, verify_cosignature
from ledger.log.key_rotation import log_key_valid
from ledger.log.note import NoteVerifier, open_note, parse_note
from ledger.storage.port import LogStore
from ledger.storage.schema import COSIGNATURES, PUBLISHED
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy, load_policy

log = logging.getLogger("ceasefire_ledger.witnessing")


def last_cosigned_size(store: LogStore, witness_vkey: str) -> int:
    """The largest size this witness cosigned for this ledger (0 if none), from verified rows only.

    Each of the witness's rows is checked against the ledger's own checkpoint
    at its size: a row that does not verify raises TamperDetected naming it,
    rather than leave the answer to whichever rows were edited.
    """
    rows = store.cosignatures_with_checkpoints(witness_vkey)
    largest = 0
    for row_id, size, line, note in rows:
        problem = _cosignature_row_problem(witness_vkey, line, note)
        if problem is not None:
            message = f"{COSIGNATURES} row {row_id} (size {size}): {problem}"
            log.error("refusing an unverified witness cosignature: %s", message)
            raise TamperDetected(message)
        largest = max(largest, size)
    return largest


def _cosignature_row_problem(
    witness_vkey: str, line: str, checkpoint_note: str | None
) -> str | None:
    """Why a stored cosignature does not verify over the ledger's checkpoint note, or None."""
    if checkpoint_note is None:
        return "the ledger signed no checkpoint at that size"
    try:
        verify_cosignature(
            parse_note(checkpoint_note).text, line, CosignatureVerifier.from_vkey(witness_vkey)
        )
    except ProofError as exc:
        return f"the cosignature does not verify with {witness_vkey}: {exc}"
    return None


def published_checkpoints(store: LogStore) -> list[tuple[int, str, str]]:
    """(tree size, cosigned note, published at), oldest first, as stored (unverified)."""
    return store.published_checkpoints()


def latest_published_checkpoint(store: LogStore) -> str | None:
    """The newest row's note as stored, unverified (for comparisons in checks and tests).

    Serve or rely on ``verified_published_note`` instead.
    """
    row = store.published_note()
    return row[1] if row is not None else None


@dataclass(frozen=True)
class PublishedProblem:
    """A row of one of the two tables that does not verify, named by table and size."""

    table: str
    size: int | None
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f" row {self.row}" if self.row is not None else ""
        at = f" at size {self.size}" if self.size is not None else ""
        return f"{self.table}{where}{at}: {self.message}"


@dataclass(frozen=True)
class LedgerView:
    """What a published checkpoint is checked against, from the ledger's own verified state.

    ``log_keys``: the registry's (valid_from, vkey) chain; ``root_at``: the
    root recomputed from the stored leaves at a size (None beyond the tree);
    ``signed_notes``: the ledger's own signed checkpoints (ledger_checkpoints)
    by size.
    """

    log_keys: Sequence[tuple[int, str]]
    root_at: Callable[[int], bytes | None]
    signed_notes: Mapping[int, str]


def check_published_note(
    view: LedgerView, tree_size: int, note: str, witnesses: Sequence[WitnessEntry], quorum: int
) -> list[str]:
    """Why the published row (``tree_size``, ``note``) must not be served; empty if it verifies."""
    try:
        claimed = Checkpoint.parse(parse_note(note).text)
    except ProofError as exc:
        return [f"the note is not a signed checkpoint: {exc}"]
    problems = []
    if claimed.size != tree_size:
        problems.append(f"the row says size {tree_size}, its note {claimed.size}")
    valid = log_key_valid(list(view.log_keys), claimed.size)
    try:
        open_note(note, [NoteVerifier.from_vkey(v) for v in valid])
    except ProofError as exc:
        problems.append(
            f"the log signature does not verify with the log key valid at size {claimed.size}: {exc}"
        )
    own = view.signed_notes.get(claimed.size)
    if own is None:
        problems.append(
            f"the ledger signed no checkpoint of size {claimed.size} (ledger_checkpoints)"
        )
    elif parse_note(own).text != parse_note(note).text:
        problems.append(
            "it differs from the ledger's own signed checkpoint at that size (ledger_checkpoints)"
        )
    recomputed = view.root_at(claimed.size)
    if recomputed is None:
        problems.append(f"the ledger holds fewer than {claimed.size} entries")
    elif recomputed != claimed.root_hash:
        problems.append("its root differs from the root recomputed from the stored leaves")
    problems += _cosignature_problems(note, witnesses, quorum)
    return problems


def _cosignature_problems(note: str, witnesses: Sequence[WitnessEntry], quorum: int) -> list[str]:
    text = parse_note(note).text
    lines = note[len(text) + 1 :].splitlines(keepends=True)
    by_key = {(w.verifier().name, w.verifier().key_hash): w for w in witnesses}
    problems, verified = [], set()
    for line in lines:
        try:
            signature = parse_note(text + "\n" + line).signatures[0]
        except ProofError as exc:
            problems.append(f"a signature line is malformed: {exc}")
            continue
        entry = by_key.get((signature.name, signature.key_hash))
        if entry is None:
            continue  # the log's own signature, or a key nobody asked: ignored (c2sp.org/signed-note)
        try:
            verify_cosignature(text, line, entry.verifier())
        except ProofError as exc:
            problems.append(f"the cosignature of {entry.name} does not verify: {exc}")
            continue
        verified.add(entry.vkey)
    if len(verified) < quorum:
        problems.append(
            f"{len(verified)} verified cosignatures of known witnesses, {quorum} required"
        )
    return problems


def _witnesses_and_quorum(
    store: LogStore,
    view: LedgerView,
    policy: WitnessPolicy | None,
    problems: list[PublishedProblem],
) -> tuple[list[WitnessEntry], int]:
    """The configured witnesses; with no policy at hand, those whose stored cosignatures verify (quorum 1)."""
    vkeys: list[str] = []
    for row_id, vkey, size, line in store.cosignatures():
        why = _cosignature_row_problem(vkey, line, view.signed_notes.get(size))
        if why is not None:
            problems.append(PublishedProblem(COSIGNATURES, size, why, row_id))
        elif vkey not in vkeys:
            vkeys.append(vkey)
    if policy is not None and policy.configured:
        return list(policy.witnesses), policy.quorum
    return [WitnessEntry(CosignatureVerifier.from_vkey(v).name, "", v) for v in vkeys], 1


def check_published(
    store: LogStore, view: LedgerView, policy: WitnessPolicy | None = None
) -> list[PublishedProblem]:
    """Every row of both tables that does not verify (``ledger verify`` reports them).

    A database without the tables (no witness ever asked) has nothing to
    check, and is not written to.
    """
    if not store.has_published_tables():
        return []
    problems: list[PublishedProblem] = []
    witnesses, quorum = _witnesses_and_quorum(store, view, policy, problems)
    for tree_size, note, _ in store.published_checkpoints():
        for message in check_published_note(view, tree_size, note, witnesses, quorum):
            problems.append(PublishedProblem(PUBLISHED, tree_size, message))
    return problems


def ledger_view(ledger: Any) -> LedgerView:
    """The view of a live ``Ledger`` (its registry, its tree, its signed checkpoints)."""
    registry = ledger.registry()
    return LedgerView(
        log_keys=list(registry.log_keys) if registry is not None else [],
        root_at=lambda size: ledger.tree.root(size) if size <= ledger.size else None,
        signed_notes={size: note for size, _, note, _ in ledger.store.checkpoints()},
    )


def verified_published_note(
    ledger: Any, policy: WitnessPolicy | None = None, tree_size: int | None = None
) -> str | None:
    """The latest (or the ``tree_size``) published note, verified; None if there is none.

    Raises PublishedCheckpointInvalid naming the table and size if the row
    does not verify: a bad row is never served, and nothing older is served
    in its place. Without a configured ``policy`` the witnesses are those
    whose stored cosignatures verify, and one of them must have cosigned.
    """
    row: tuple[int, str] | None = ledger.store.published_note(tree_size)
    if row is None:
        return None
    size, note = row
    if ledger.size < size:
        ledger.refresh()
    view = ledger_view(ledger)
    found: list[PublishedProblem] = []
    witnesses, quorum = _witnesses_and_quorum(ledger.store, view, policy, found)
    found += [
        PublishedProblem(PUBLISHED, size, m)
        for m in check_published_note(view, size, note, witnesses, quorum)
    ]
    if found:
        message = f"{PUBLISHED} at size {size} is not served: " + "; ".join(str(p) for p in found)
        log.error(message)
        raise PublishedCheckpointInvalid(message)
    return note


def refuse_unverified(ledger: Any, policy: WitnessPolicy | None) -> None:
    """Raise PublishedCheckpointInvalid if any row of either table does not verify."""
    problems = check_published(ledger.store, ledger_view(ledger), policy)
    if problems:
        message = "published checkpoints do not verify: " + "; ".join(str(p) for p in problems)
        log.error(message)
        raise PublishedCheckpointInvalid(message)


def cosignatures_in(note: str, witnesses: list[Any]) -> list[dict[str, Any]]:
    """Which configured witnesses' cosignatures in ``note`` verify, with their times."""
    text = parse_note(note).text
    lines = note[len(text) + 1 :].splitlines(keepends=True)
    found = []
    for entry in witnesses:
        verifier = entry.verifier()
        for line in lines:
            try:
                timestamp = verify_cosignature(text, line, verifier)
            except ProofError:
                continue
            found.append(
                {
                    "witness": entry.name,
                    "vkey": entry.vkey,
                    "timestamp": timestamp,
                    "time": datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
            break
    return found


def witness_summary(keys_dir: Path | None, ledger: Any) -> dict[str, Any]:
    """What the verify page shows: the witnesses, the quorum, the latest cosigned checkpoint (verified)."""
    policy = load_policy(keys_dir)
    store = ledger.store
    note = verified_published_note(ledger, policy)
    published = None
    if note is not None:
        cp = Checkpoint.parse(parse_note(note).text)
        published = {
            "size": cp.size,
            "root": cp.to_text().split("\n")[2],
            "note": note,
            "cosignatures": cosignatures_in(note, list(policy.witnesses)),
        }
    return {
        "configured": policy.configured,
        "quorum": policy.quorum,
        "witnesses": [
            {
                "name": w.name,
                "url": w.url,
                "vkey": w.vkey,
                "last_cosigned_size": last_cosigned_size(store, w.vkey),
            }
            for w in policy.witnesses
        ],
        "published": published,
    }


def published_tlog_proof(ledger: Any, event_id: str, policy: WitnessPolicy | None = None) -> str:
    """A C2SP tlog-proof of ``event_id`` against the latest published (cosigned) checkpoint.

    Self-contained: the checkpoint in it carries the witnesses' cosignatures,
    so it can be checked offline with the log key and the witness keys.
    """
    from ledger.errors import NotFound
    from ledger.log.proof_format import format_proof

    note = verified_published_note(ledger, policy)
    if note is None:
        raise NotFound(
            "no checkpoint has been cosigned by a quorum of witnesses yet: run `ledger publish`"
        )
    size = Checkpoint.parse(parse_note(note).text).size
    index, _, proof = ledger.inclusion_proof(event_id, size)
    return format_proof(index, proof, note)
