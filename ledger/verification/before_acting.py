"""The check before acting, and questions about revoked keys.

Nothing unverified is trusted, served, unsealed or signed over. Before a
server starts, and before any command writes or signs, ``check_store``
verifies the stored ledger exactly as ``ledger verify`` does, with one saving:
statements under the latest checkpoint whose root matches the stored leaves
are not signature-checked again (the log signed over exactly those bytes, and
the log signs only what it verified; the checkpoint's own signature is
checked). Everything else is checked in full:

* every statement after that checkpoint: signature, key and role as of its
  position, the lifecycle rules;
* every stored column beside every leaf (event store and leaf index),
  recomputed from the leaves and compared;
* every checkpoint row against its signed note, every checkpoint's root
  against the stored leaves, and each against the one before;
* with ``log_vkey`` (the operator's own log key, from ``keys/``), that the
  log key the verified charter names is that key: a database replaced by a
  whole other, self-consistent ledger is refused too.

With ``log_key`` (the operator's private log key) the check starts from the
verified-through mark the last passed check left (``ledger.verification.mark``):
the mark's signature is checked with that key; every stored value the mark
covers (event rows, leaf index rows and checkpoint rows up to its size, the
report snapshot row and its position) is read again and hashed, and the
digest must be the mark's; the root recomputed from the leaf hashes must be
the mark's and agree with the latest signed checkpoint under it. Only what lies
after the mark is then checked in full, as above. It is sound because the log
key signs a mark only over the very values a passed check compared, and a
value changed since changes the digest. Whatever does not hold falls back to
the full check, which names the cause. A process without the log key cannot
tell a mark from a forgery, so it never reads one. Each passed check by the
key's holder leaves a new mark. Not covered, as without a mark: statements
deleted after the latest checkpoint, and deleted checkpoint rows.

``require_intact`` raises ``TamperDetected`` naming the first cause.

``statements_by_revoked_keys`` answers the committee's question "which
statements were signed by a key that was later revoked?": they stay valid
(they were signed while the key was good) but deserve a second look.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.errors import TamperDetected
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree
from ledger.log.note import NoteVerifier, parse_note
from ledger.signature_pool import Checker
from ledger.storage.log_reader import walk_notifications
from ledger.storage.port import LogStore as Store
from ledger.verification.digest import RowDigest
from ledger.verification.mark import check_with_mark, record_mark
from ledger.verification.replay import Problem, Progress, VerifyReport, verify_store


def covered_size(store: Store) -> int:
    """The size of the latest stored checkpoint whose root the stored leaf index reproduces.

    Only a candidate: ``verify_store`` then recomputes every leaf hash from the
    events, compares the leaf index, and verifies that checkpoint's signature,
    so a leaf index edited to match a checkpoint is caught there.
    """
    tree = MerkleTree.over(store.leaf_hashes())
    for size, root, note, _ in reversed(store.checkpoints()):
        if size > tree.size or tree.root(size) != root:
            continue
        try:
            signed = Checkpoint.parse(parse_note(note).text)
        except Exception:  # an unreadable note: not a candidate; verify_store names it
            continue
        if (signed.size, signed.root_hash) == (size, root):
            return size
    return 0


def check_store(
    store: Store,
    *,
    log_public: bytes | None = None,
    log_key: Ed25519PrivateKey | None = None,
    checker: Checker | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Everything ``ledger verify`` checks, signatures under a matching checkpoint excepted.

    ``log_public``: the raw Ed25519 public key of the log key this operator
    holds. With ``log_key`` (the private key itself), the check starts from the
    stored verified-through mark when it holds (falling back to the full check
    otherwise), and a check that passes leaves a new mark.
    """
    digest: RowDigest | None = None
    found = check_with_mark(store, log_key, checker=checker, progress=progress) if log_key else None
    if found is not None:
        report, digest = found
    else:
        digest = RowDigest() if log_key is not None else None
        report = verify_store(
            store,
            checker=checker,
            covered=covered_size(store),
            progress=progress,
            digest=digest,
        )
    if log_key is not None:
        log_public = log_key.public_key().public_bytes_raw()
    if log_public is not None and report.log_key is not None:
        if NoteVerifier.from_vkey(report.log_key).public_raw != log_public:
            report.problems.append(
                Problem(
                    "log-key",
                    f"the ledger's charter names the log key {report.log_key}, not the key this"
                    " operator signs with: the database holds another ledger",
                    None,
                    None,
                    "ledger_events",
                )
            )
    if log_key is not None and digest is not None:
        record_mark(store, log_key, report, digest)
    return report


def require_intact(
    store: Store,
    *,
    log_public: bytes | None = None,
    log_key: Ed25519PrivateKey | None = None,
    checker: Checker | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Raise TamperDetected naming the first cause when the check before acting fails."""
    report = check_store(
        store, log_public=log_public, log_key=log_key, checker=checker, progress=progress
    )
    if not report.ok:
        first = report.first_cause()
        raise TamperDetected(
            f"the stored ledger does not verify, refusing to act on it: {report.summary()}."
            " Run `ledger verify` for the full report",
            event_id=first.event_id if first else None,
        )
    return report


@dataclass(frozen=True)
class SignedByRevokedKey:
    """A statement signed while its key was valid, by a key revoked later."""

    leaf_index: int
    event_id: str
    type: str
    recorder: str
    key_id: str
    revoked_at: int
    revocation_reason: str | None


def statements_by_revoked_keys(store: Store) -> list[SignedByRevokedKey]:
    """Every stored statement signed by a key the registry now lists as revoked."""
    registry = store.load(Registry, Registry.id_for(REGISTRY_KEY))
    if registry is None:
        return []
    revoked = {kid: k for kid, k in registry.keys.items() if k.revoked_at is not None}
    if not revoked:
        return []
    found: list[SignedByRevokedKey] = []
    for stored in walk_notifications(store):
        try:
            statement = json.loads(stored.leaf)
        except ValueError:
            continue
        record = revoked.get(statement.get("key_id", "")) if isinstance(statement, dict) else None
        if record is None or stored.leaf_index is None or record.revoked_at is None:
            continue
        found.append(
            SignedByRevokedKey(
                leaf_index=stored.leaf_index,
                event_id=stored.event_id or "",
                type=str(statement.get("type")),
                recorder=str(statement.get("recorder")),
                key_id=record.key_id,
                revoked_at=record.revoked_at,
                revocation_reason=record.revocation_reason,
            )
        )
    return found
