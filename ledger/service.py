"""The ledger as a service: append signed statements, sign checkpoints, prove.

``Ledger`` composes the store (events, leaves, checkpoints), the rules
(``ledger.admission``), the Merkle tree and the log's signing key. Every append is
all-or-nothing: the batch's statements are decided in order, then their
aggregate events and leaves are written in one transaction under the
single-writer lock. If anything fails, nothing is stored and the in-memory
state is restored from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.admission import Decision, Entry, EventInfo
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.errors import (
    InvalidSignature,
    LedgerError,
    NoCheckpointSigner,
    NotFound,
    ProofError,
    TamperDetected,
    WrongLogKey,
)
from ledger.log.checkpoint import Checkpoint
from ledger.log.merkle import MerkleTree, leaf_hash, verify_consistency
from ledger.log.note import NoteSigner, NoteVerifier, open_note, sign_note
from ledger.log.proof_format import format_consistency_proof, format_proof
from ledger.signature_pool import Checked, Checker
from ledger.statements import Statement, format_time
from ledger.storage import open_store
from ledger.storage.port import AlreadyStored, LeafRow, LogStore, StoredLeaf
from ledger.verification.replay import Progress, VerifyReport

if TYPE_CHECKING:
    from ledger.verification.kept_state import StateNote

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Appended:
    """A recorded statement's id and position; ``stored_now`` is False for one already in the log."""

    event_id: str
    leaf_index: int
    type: str
    stored_now: bool = True


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str
    signed_at: str


class Ledger:
    def __init__(
        self,
        store: LogStore,
        *,
        log_key: Ed25519PrivateKey | None = None,
        clock: Clock = utc_now,
        checker: Checker | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.checker = checker or Checker()
        self._log_key = log_key
        self._baseline = self.store.leaf_count()
        """How many leaves the ledger holds while it has read none of their hashes: those the
        leaf index held when it was opened (what other writers append later is caught up
        with), and those caught up with or appended since."""
        self._held: list[bytes] | None = None
        """The leaf index's hashes: the baseline's, read when first needed (a check before
        acting hands over the ones it compared instead), then what follows; the list object
        is only ever extended, so a tree reading it stays current."""
        self._tree: MerkleTree | None = None
        """Built over ``_hashes`` when first needed (``tree``), or taken from the check."""
        self._verified: VerifyReport | None = None
        self.verified_size = 0
        """How much of the log this process has verified (by ``verify_before_acting`` or
        by deciding it itself); nothing beyond it is acted on, served or signed over."""

    @property
    def _hashes(self) -> list[bytes]:
        """The hashes held; the baseline's are read at first use, and only they: what
        other writers stored since is caught up with, as if they had been read at opening."""
        if self._held is None:
            self._held = self.store.leaf_hashes(0, self._baseline)
        return self._held

    def _load_tree(self) -> None:
        """Read the leaf index's hashes again.

        When the stored hashes begin with exactly the ones held, only the new
        ones are appended: the subtrees over the same leaf hashes are the same.
        """
        hashes = self.store.leaf_hashes()
        if self._held is None:  # none read yet: these are the hashes, and no tree was built
            self._held = hashes
            return
        held = len(self._hashes)
        if held and len(hashes) >= held and hashes[:held] == self._hashes:
            for h in hashes[held:]:
                self._append_hash(h)
            return
        self._held = hashes
        self._tree = None

    def _append_hash(self, leaf_hash: bytes) -> None:
        if self._held is None:  # none read yet: this one is read with the others
            self._baseline += 1
            return
        self._held.append(leaf_hash)
        if self._tree is not None:
            self._tree.append(leaf_hash)

    def _take_verified(self, hashes: list[bytes], tree: MerkleTree | None) -> None:
        """Hold the leaf hashes a passed check compared with the leaf index, and what follows.

        The check read (or recomputed and compared) every stored hash up to
        its size, and built its tree over that very list (``tree`` reads
        ``hashes``); only the rows stored since are read again.
        """
        if tree is None or tree.size != len(hashes):
            tree = None
        self._held = hashes
        self._tree = tree
        for h in self.store.leaf_hashes(len(hashes)):
            self._append_hash(h)

    @property
    def tree(self) -> MerkleTree:
        """The Merkle tree over the leaf index."""
        if self._tree is None:
            self._tree = MerkleTree.built(self._leaf_hashes, self._hashes)
        return self._tree

    @classmethod
    def open(
        cls, db: str, *, log_key: Ed25519PrivateKey | None = None, clock: Clock = utc_now
    ) -> Ledger:
        return cls(open_store(db), log_key=log_key, clock=clock)

    def close(self) -> None:
        self.checker.close()
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        return self._hashes[start:end]

    # --- state ----------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._baseline if self._held is None else len(self._held)

    def root(self) -> bytes:
        return self.tree.root()

    def registry(self) -> Registry | None:
        return self.store.load(Registry, Registry.id_for(REGISTRY_KEY))

    @property
    def origin(self) -> str:
        reg = self.registry()
        if reg is None:
            raise NotFound("the ledger has no charter yet")
        return reg.origin

    def signing_keys(self) -> dict[str, bytes]:
        reg = self.registry()
        return reg.signing_keys() if reg else {}

    # --- verifying before acting ------------------------------------------------
    def verify_before_acting(
        self, *, checker: Checker | None = None, progress: Progress | None = None
    ) -> VerifyReport:
        """Verify the stored ledger before it is acted on; raise TamperDetected if it fails.

        Signatures, keys and roles as of each position and the lifecycle rules of
        every statement after the latest checkpoint that matches; every stored
        column beside every leaf; every checkpoint; and, when this process holds
        the log key, that it is the key the verified charter names. A process
        holding the log key starts from the verified-through mark it left last
        time (``ledger.verification.mark``) and checks in full only what lies
        after it; the mark is renewed after each check that passes.
        """
        from ledger.verification.before_acting import require_intact

        with self.store.available():
            report = require_intact(
                self.store,
                log_key=self._log_key,
                checker=checker or self.checker,
                progress=progress,
            )
            self.store.evict_all()
            self.store.forget_event_infos()
            if report.hashes is not None and len(report.hashes) == report.events:
                self._take_verified(report.hashes, report.tree)
                report.hashes = report.tree = None  # held once, by the ledger
            else:
                self._load_tree()
        if self.tree.size < report.events or self.tree.root(report.events) != report.root:
            raise TamperDetected(
                "the leaf index changed while the ledger was being verified; refusing to act on it."
                " Run `ledger verify`"
            )
        self.verified_size = report.events
        self._verified = report
        return report

    # --- what a process holding the log key vouches for -------------------------------
    def vouch_snapshot(self, base: bytes, state: bytes, position: int) -> bool:
        """Renew the verified-through mark over a report snapshot this process saved.

        Only a process that holds the log key and verified the log before
        acting; see ``ledger.verification.mark.renew_snapshot``.
        """
        if self._log_key is None or self._verified is None:
            return False
        from ledger.verification.mark import renew_snapshot

        with self.store.available():
            return renew_snapshot(
                self.store,
                self._log_key,
                verified=self.verified_size,
                base=base,
                saved=state,
                position=position,
            )

    def vouch_report(self, size: int, name: str, key: bytes, body: bytes) -> bool:
        """Save a report computed at ``size`` from the verified log, vouched for by the mark."""
        if self._log_key is None or self._verified is None or size != self.verified_size:
            return False
        from ledger.verification.mark import vouch_report

        with self.store.available():
            return vouch_report(
                self.store,
                self._log_key,
                size=size,
                root=self.tree.root(size),
                name=name,
                key=key,
                body=body,
            )

    def vouched_report(self, name: str, key: bytes) -> bytes | None:
        """The saved report ``name`` computed from exactly this verified log, asked as ``key`` says."""
        if self._log_key is None or self._verified is None or self.verified_size != self.size:
            return None
        from ledger.verification.mark import vouched_report

        with self.store.available():
            return vouched_report(
                self.store,
                self._log_key,
                size=self.size,
                root=self.tree.root(),
                name=name,
                key=key,
            )

    def keep_state(self, size: int, position: int, program: bytes, state: bytes) -> bool:
        """Keep the maintained state ``program`` folded from the verified tree of ``size``
        (tracking ``position``) for the next process, behind a note the log key signs
        (``ledger.verification.kept_state``)."""
        if self._log_key is None or self._verified is None or size != self.verified_size:
            return False
        from ledger.verification import kept_state

        with self.store.available():
            return kept_state.keep(
                self.store,
                self._log_key,
                origin=self.origin,
                size=size,
                root=self.tree.root(size),
                position=position,
                program=program,
                state=state,
            )

    def kept_state(self, program: bytes) -> tuple[StateNote, bytes] | None:
        """The note and the serialised maintained state the log key vouches for as folded by
        ``program`` from a tree this process verified; None without the log key or such a
        state (``ledger.verification.kept_state``)."""
        if self._log_key is None or self._verified is None:
            return None
        from ledger.verification import kept_state

        with self.store.available():
            return kept_state.load(
                self.store,
                self._log_key,
                origin=self.origin,
                verified_size=self.verified_size,
                root_at=self.tree.root,
                program=program,
            )

    def _require_verified(self) -> None:
        if self._verified is None or self.verified_size < self.size:
            self.verify_before_acting()

    # --- appending -------------------------------------------------------------
    def append(
        self, statements: Sequence[Statement], *, acknowledge_known: bool = False
    ) -> list[Appended]:
        """Verify and append statements as one all-or-nothing batch (see ``record``)."""
        with self.store.available():
            keys = self.signing_keys()
        lines = [st.leaf_bytes() for st in statements]
        checked = list(self.checker.check(lines, keys, first_line=None))
        return self.record(checked, acknowledge_known=acknowledge_known)

    def append_lines(self, lines: Sequence[str | bytes], *, first_line: int = 1) -> list[Appended]:
        """Parse, verify and append JSON lines as one all-or-nothing batch."""
        with self.store.available():
            keys = self.signing_keys()
        checked = list(self.checker.check(lines, keys, first_line=first_line))
        return self.append_checked(checked)

    def append_checked(self, checked: Sequence[Checked]) -> list[Appended]:
        """Append checked statements as one all-or-nothing batch (a replay is refused)."""
        return self.record(checked)

    def record(
        self, checked: Sequence[Checked], *, acknowledge_known: bool = False
    ) -> list[Appended]:
        """Decide and store a batch in one unit of work: the path of every append.

        ``ledger import`` and ``POST /v1/events`` both come here. With
        ``acknowledge_known`` a statement already in the log is not an error
        but acknowledged at its position (a client's retry is never stored
        twice): which ones are known is settled under the writer lock, after
        catching up with other writers, so no other process can store one in
        between. Such a retry must be the very statement recorded; a copy under
        another signature is refused, after the new ones are stored.
        """
        known: dict[str, EventInfo] = {}
        if acknowledge_known:
            with self.store.available():
                known = self._known_infos(checked)
        for c in checked:
            if _event_id(c) not in known:
                c.raise_error()
        if checked and len(known) == len(checked):
            appended = [self._acknowledged(known[_event_id(c) or ""]) for c in checked]
        else:
            with self.store.available():
                appended = self._append_checked(checked, acknowledge_known)
        self._check_same_leaves(checked, {a.event_id for a in appended if not a.stored_now})
        return appended

    def _known_infos(self, checked: Sequence[Checked]) -> dict[str, EventInfo]:
        """What the log already holds of a batch, by content id (one query for the batch)."""
        ids = [i for i in map(_event_id, checked) if i is not None]
        self.store.prefetch_event_infos(ids)
        infos = {i: self.store.event_info(i) for i in ids}
        return {i: info for i, info in infos.items() if info is not None}

    @staticmethod
    def _acknowledged(info: EventInfo) -> Appended:
        return Appended(info.event_id, info.leaf_index, info.type, stored_now=False)

    def _check_same_leaves(self, checked: Sequence[Checked], known: set[str]) -> None:
        """A retry must be the very statement recorded, not its body under another signature."""
        for c in checked:
            st = c.statement
            if st is None or st.event_id not in known:
                continue
            row = self.store.leaf_by_event_id(st.event_id)
            if row is not None and row.leaf_hash != leaf_hash(st.leaf_bytes()):
                raise InvalidSignature(
                    f"statement {st.event_id} is recorded with a different signature;"
                    " this copy's signature is not the recorded one",
                    field="signature",
                    event_id=st.event_id,
                )

    def _append_checked(
        self, checked: Sequence[Checked], acknowledge_known: bool = False
    ) -> list[Appended]:
        """Decide and store under the writer lock; on any failure forget what was decided."""
        touched: list[UUID] = []
        try:
            with self.store.unit_of_work() as work:
                self._catch_up(work.leaf_rows_from(self.size))
                # Under the writer lock nobody else appends: what others stored is
                # verified (on other connections) before anything is decided on it.
                self._require_verified()
                known = self._known_infos(checked) if acknowledge_known else {}
                new = [c for c in checked if _event_id(c) not in known]
                for c in new:
                    c.raise_error()
                statements = [c.statement for c in new if c.statement is not None]
                ids = [st.event_id for st in statements] + [r for st in statements for r in st.refs]
                self.store.prefetch_event_infos(ids)
                decision = Decision(self.store)
                now = self.clock()
                entries: list[Entry] = []
                infos: list[EventInfo] = []
                try:
                    for offset, c in enumerate(new):
                        assert c.statement is not None
                        entry = Entry(c.statement, self.size + offset, c.signature_ok)
                        try:
                            infos.append(decision.decide(entry, now=now))
                        except LedgerError as exc:
                            exc.line = exc.line if exc.line is not None else c.line
                            exc.event_id = exc.event_id or c.statement.event_id
                            raise
                        entries.append(entry)
                    notification_ids = work.save_in_log_order(decision.touched.values())
                    rows = [
                        LeafRow(
                            leaf_index=e.leaf_index,
                            event_id=e.event_id,
                            leaf_hash=leaf_hash(e.leaf.encode("utf-8")),
                            type=info.type,
                            recorder=info.recorder,
                            occurred_at=info.occurred_at,
                            aggregate_id=str(info.aggregate_id),
                            notification_id=nid,
                        )
                        for e, info, nid in zip(entries, infos, notification_ids, strict=True)
                    ]
                    work.insert_leaves(rows)
                except BaseException:
                    # Aggregates were changed in memory (and maybe put in the cache):
                    # forget them so the next read comes from what was committed.
                    self.store.evict(list(decision.touched))
                    self.store.forget_event_infos()
                    raise
                touched = list(decision.touched)
        except BaseException:
            # The commit itself failed (e.g. the connection was lost): cached
            # aggregates may hold events that were never stored.
            self.store.evict(touched)
            self.store.forget_event_infos()
            raise
        for row, info in zip(rows, infos, strict=True):
            self._append_hash(row.leaf_hash)
            self.store.remember_event_info(info)
        self.verified_size = self.size
        stored = {r.event_id: Appended(r.event_id, r.leaf_index, r.type) for r in rows}
        stored.update((i, self._acknowledged(info)) for i, info in known.items())
        return [stored[_event_id(c) or ""] for c in checked]

    def _catch_up(self, new_rows: Sequence[LeafRow]) -> None:
        """Take in what other writers appended since this process last looked."""
        if not new_rows:
            return
        self.store.evict([r.aggregate_id for r in new_rows])
        self.store.forget_event_infos()
        for row in new_rows:
            if row.leaf_index != self.size:
                raise TamperDetected(
                    f"log position {self.size} is missing from the leaf index; refusing to act."
                    " Run `ledger verify`"
                )
            self._append_hash(row.leaf_hash)

    def refresh(self) -> None:
        """Catch up with other writers outside a write (for readers)."""
        self._catch_up(self.store.leaf_rows(self.size))

    # --- checkpoints ---------------------------------------------------------
    def log_signer(self) -> NoteSigner:
        if self._log_key is None:
            raise NoCheckpointSigner("this command needs the log's private key (keys/log.key)")
        return NoteSigner(self.origin, self._log_key)

    def log_verifier(self, size: int | None = None) -> NoteVerifier:
        """The log key that signs checkpoints of tree ``size`` (default: the current key)."""
        reg = self.registry()
        if reg is None:
            raise NotFound("the ledger has no charter yet")
        return NoteVerifier.from_vkey(reg.log_key if size is None else reg.log_key_at(size))

    def sign_checkpoint(self) -> SignedCheckpoint:
        """Sign a checkpoint for the current tree (or return the latest if unchanged).

        Only over a verified log, and only a tree that extends the last checkpoint
        signed: its signature is checked with the log key valid at its size, and
        the consistency proof from it to the new tree is verified before signing.
        """
        self.refresh()
        self._require_verified()
        latest = self.latest_checkpoint()
        if latest is not None and latest.size == self.size:
            return latest
        signer = self.log_signer()
        if self.log_verifier(self.size).vkey != signer.vkey:
            raise WrongLogKey(
                f"this log key is not the one the ledger's charter names for tree size {self.size}"
                f" ({self.log_verifier(self.size).vkey}): refusing to sign"
            )
        if latest is not None:
            self._require_extends(latest)
        root = self.root()
        now = self.clock()
        body = Checkpoint.at_time(self.origin, self.size, root, now).to_text()
        note = sign_note(body, [signer])
        signed_at = format_time(now)
        try:
            self.store.insert_checkpoint(self.size, root, note, signed_at)
        except AlreadyStored:
            # Another process signed this very size first: its checkpoint stands.
            return self.checkpoint_at(self.size)
        return SignedCheckpoint(self.size, root, note, signed_at)

    def _require_extends(self, latest: SignedCheckpoint) -> None:
        """Refuse to sign a tree that does not extend the last signed checkpoint."""
        try:
            signed = verify_checkpoint_note(latest.note, self.log_verifier(latest.size))
        except LedgerError as exc:
            raise TamperDetected(
                f"the last stored checkpoint (size {latest.size}) does not verify: {exc}; refusing to sign"
            ) from exc
        if signed.size > self.size:
            raise TamperDetected(
                f"the last checkpoint covers {signed.size} events but the log holds {self.size}:"
                " refusing to sign a shorter history"
            )
        proof = self.tree.consistency_proof(signed.size, self.size)
        try:
            verify_consistency(signed.size, self.size, signed.root_hash, self.root(), proof)
        except LedgerError as exc:
            raise TamperDetected(
                f"the log of size {self.size} does not extend the last checkpoint (size {signed.size}):"
                f" {exc}; refusing to sign"
            ) from exc

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        row = self.store.latest_checkpoint()
        return SignedCheckpoint(*row) if row else None

    def checkpoint_at(self, size: int) -> SignedCheckpoint:
        for row in self.store.checkpoints():
            if row[0] == size:
                return SignedCheckpoint(*row)
        raise NotFound(f"no checkpoint was signed at tree size {size}")

    # --- proofs -----------------------------------------------------------------
    def locate(self, event_id: str) -> LeafRow:
        row = self.store.leaf_by_event_id(event_id)
        if row is None:
            raise NotFound(f"event {event_id} is not in the ledger")
        return row

    def inclusion_proof(
        self, event_id: str, size: int | None = None
    ) -> tuple[int, int, list[bytes]]:
        """(leaf index, tree size, proof) against the latest checkpoint by default."""
        row = self.locate(event_id)
        if size is None:
            cp = self.latest_checkpoint()
            if cp is None:
                raise NotFound("no checkpoint has been signed yet: run `ledger checkpoint`")
            size = cp.size
        if row.leaf_index >= size:
            raise NotFound(
                f"event {event_id} (position {row.leaf_index}) is newer than the checkpoint"
                f" of size {size}: sign a new checkpoint first"
            )
        return row.leaf_index, size, self.tree.inclusion_proof(row.leaf_index, size)

    def tlog_proof(self, event_id: str) -> str:
        """The C2SP tlog-proof text for an event against the latest checkpoint."""
        index, size, proof = self.inclusion_proof(event_id)
        return format_proof(index, proof, self.checkpoint_at(size).note)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        if not 0 <= old_size <= new_size <= self.size:
            raise ProofError(
                f"need 0 <= from <= to <= {self.size} (the tree size); got {old_size} and {new_size}"
            )
        return self.tree.consistency_proof(old_size, new_size)

    def consistency_proof_text(self, old_size: int, new_size: int) -> str:
        """The consistency proof between two sizes as text, with their signed checkpoints."""
        proof = self.consistency_proof(old_size, new_size)
        notes = []
        for size in (old_size, new_size):
            try:
                notes.append(self.checkpoint_at(size).note)
            except NotFound:
                continue
        return format_consistency_proof(
            (old_size, self.tree.root(old_size)), (new_size, self.tree.root(new_size)), proof, notes
        )

    def read_leaves(self, start: int, limit: int) -> list[StoredLeaf]:
        """Statements at positions ``start .. start+limit-1``, each checked before it is served.

        The leaf index finds the rows; what comes back must be what was asked
        for: the stored statement at the position the index names, whose
        content id (recomputed from the leaf) is the index's id and whose leaf
        hash is the one in this process's Merkle tree. Anything else is
        TamperDetected naming the event: a different person's sealed details
        are never shown under an id.
        """
        from ledger.storage.log_reader import decode_notification

        rows = self.store.leaf_rows(start, start + limit)
        if not rows:
            return []
        first, last = rows[0].notification_id, rows[-1].notification_id
        by_nid = {
            n.id: n
            for n in self.store.notifications(
                start=first, limit=max(1, min(last - first + 1, 10 * limit))
            )
        }
        found = []
        for row in rows:
            notification = by_nid.get(row.notification_id)
            stored = (
                decode_notification(self.store, notification) if notification is not None else None
            )
            self._check_read(row, stored)
            assert stored is not None
            found.append(stored)
        return found

    def verified_leaves(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The canonical leaves at positions ``start`` to ``end - 1`` (the verified size by
        default), streamed from the store, each checked before it is handed out.

        Only what the check before acting verified can be read: each leaf must
        hash to the leaf hash of this process's verified tree at its position,
        and every position must be there. Anything else is TamperDetected
        naming the position: a published copy of the log is never made of
        rows edited after the check.
        """
        end = self.verified_size if end is None else end
        if not 0 <= start <= end <= self.verified_size:
            raise ValueError(
                f"need 0 <= start <= end <= {self.verified_size} (the verified size);"
                f" got {start} and {end}"
            )
        hashes, store, expected = self._hashes, self.store, start
        for index, state in store.leaf_states(start, end):
            if index != expected:
                break
            leaf = store.leaf_of_state(state)
            if leaf is None or leaf_hash(leaf) != hashes[index]:
                leaf = store.leaf_of_state(state, exact=True)  # read as the mapper reads it
                if leaf is None or leaf_hash(leaf) != hashes[index]:
                    break
            yield leaf
            expected += 1
        if expected < end:
            raise TamperDetected(
                f"log position {expected}: the stored statement is not the leaf the check before"
                " acting verified; refusing to publish it. Run `ledger verify`"
            )

    def _check_read(self, row: LeafRow, stored: StoredLeaf | None) -> None:
        from ledger.statements import parse_statement_json

        problem = None
        if stored is None or stored.leaf_index != row.leaf_index:
            problem = "the leaf index points at a stored event of another position"
        else:
            leaf = stored.leaf.encode("utf-8")
            try:
                content_id = parse_statement_json(leaf).event_id
            except LedgerError:
                content_id = None
            if content_id != row.event_id or stored.event_id != row.event_id:
                problem = f"the stored statement hashes to {content_id}, not to the id asked for"
            elif (
                row.leaf_index < len(self._hashes)
                and leaf_hash(leaf) != self._hashes[row.leaf_index]
            ):
                problem = "the stored statement is not the leaf of the verified Merkle tree"
        if problem is not None:
            raise TamperDetected(
                f"event {row.event_id} (position {row.leaf_index}): {problem}; refusing to serve it."
                " Run `ledger verify`",
                event_id=row.event_id,
            )

    def statement_leaf(self, event_id: str) -> StoredLeaf:
        """The stored statement with this id, checked to be exactly that statement."""
        row = self.locate(event_id)
        (stored,) = self.read_leaves(row.leaf_index, 1) or (None,)
        if stored is None or stored.event_id != event_id:
            raise TamperDetected(
                f"event {event_id}: the leaf index names position {row.leaf_index}, which holds"
                " another statement; refusing to serve it",
                event_id=event_id,
            )
        return stored

    def leaf_text(self, leaf_index: int) -> str:
        """The stored canonical statement at a log position."""
        for event in self.events(start=leaf_index, limit=1):
            return event.leaf
        raise NotFound(f"no event at log position {leaf_index}")

    def events(self, start: int = 0, limit: int | None = None) -> Iterable[StoredLeaf]:
        """Stored statements in log order, from log position ``start``."""
        from ledger.storage.log_reader import stored_leaves

        return stored_leaves(self.store, start=start, limit=limit)


def _event_id(checked: Checked) -> str | None:
    return checked.statement.event_id if checked.statement is not None else None


def verify_checkpoint_note(note: str, verifier: NoteVerifier) -> Checkpoint:
    opened = open_note(note, [verifier])
    return Checkpoint.parse(opened.text)
