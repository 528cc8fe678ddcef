"""The log's key rotations as proofs a mirror or witness can check with the old key alone.

For each ``key.registered`` of purpose ``log`` the registry holds, the proof
is built from the stored leaf, the Merkle tree and the handover checkpoint
(``ledger.log.key_rotation``), and verified before it is handed out: the API
serves them at ``GET /v1/log-key-rotations``, ``ledger publish`` presents
them to witnesses, and a mirror that is a witness presents them to its own.
"""

from __future__ import annotations

from ledger.errors import NotFound, ProofError, TamperDetected
from ledger.log.key_rotation import VerifiedRotation, rotation_proof, verify_rotation_proof
from ledger.service import Ledger
from ledger.storage.log_reader import stored_leaves


def rotation_proofs(ledger: Ledger) -> list[VerifiedRotation]:
    """Every log key rotation of ``ledger``, oldest first, each proof verified."""
    registry = ledger.registry()
    if registry is None:
        return []
    found = []
    for (_, old), (valid_from, _) in zip(registry.log_keys, registry.log_keys[1:], strict=False):
        index = valid_from - 1
        leaf = next(iter(stored_leaves(ledger.store, index, 1)), None)
        if leaf is None or leaf.leaf_index != index:
            raise TamperDetected(
                f"the log key rotation at position {index} cannot be read from the event store"
            )
        try:
            handover = ledger.checkpoint_at(valid_from)
        except NotFound:
            raise NotFound(
                f"no handover checkpoint at size {valid_from} for the log key rotation at position {index}:"
                " followers cannot check it"
            ) from None
        if ledger.size < valid_from:
            ledger.refresh()
        proof = rotation_proof(
            leaf.leaf.encode("utf-8"),
            index,
            ledger.tree.inclusion_proof(index, valid_from),
            handover.note,
        )
        try:
            found.append(verify_rotation_proof(proof, old))
        except ProofError as exc:
            raise TamperDetected(
                f"the log key rotation at position {index} does not verify: {exc}"
            ) from None
    return found
