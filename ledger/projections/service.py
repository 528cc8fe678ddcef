"""Reports: the one facade the CLI, the API and the public site read figures from.

``Reports(ledger)`` keeps the facts current through the runner (snapshots and
tracking in the ledger's database); ``Reports.from_export(dir)`` recomputes the
same facts from an export's ``log.jsonl`` with no database at all. Both give
identical reports at the same tree size: every table names the ``tree_size``
and ``root`` it reflects and ``as_of``, the time deadlines are judged at, with
its source: the time requested, else the time signed in the latest checkpoint
(read from the note after checking the log key's signature, never from an
unsigned column), else the latest event's time, said so
(``ledger.projections.evaluation``). Reports are computed lazily and cached
per tree size.
"""

from __future__ import annotations

import base64
import json
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import ExportRefused, LedgerError, StorageUnavailable, TamperDetected
from ledger.export_layout import CHECKPOINT_FILE, LOG_FILE, VKEY_FILE, log_file, read_log
from ledger.log.merkle import MerkleTree, leaf_hash
from ledger.projections import cases
from ledger.projections.analysis import Analysis, group_detail
from ledger.projections.evaluation import EvaluationTime, choose
from ledger.projections.facts import Facts, bulk
from ledger.projections.maintained import Maintained
from ledger.projections.tables import ReportTable

if TYPE_CHECKING:
    from ledger.service import Ledger, SignedCheckpoint

__all__ = ["Reports", "ReportTable", "statements_from_export", "statements_from_ledger"]


class _LedgerProver:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def inclusion(self, event_id: str, leaf_index: int) -> dict[str, Any] | None:
        checkpoint = self.ledger.latest_checkpoint()
        if checkpoint is None or leaf_index >= checkpoint.size:
            return None
        proof = self.ledger.tree.inclusion_proof(leaf_index, checkpoint.size)
        return _proof(leaf_index, checkpoint.size, proof)


class _ExportProver:
    def __init__(self, tree: MerkleTree, checkpoint_size: int | None) -> None:
        self.tree = tree
        self.checkpoint_size = checkpoint_size

    def inclusion(self, event_id: str, leaf_index: int) -> dict[str, Any] | None:
        if self.checkpoint_size is None or leaf_index >= self.checkpoint_size:
            return None
        return _proof(
            leaf_index,
            self.checkpoint_size,
            self.tree.inclusion_proof(leaf_index, self.checkpoint_size),
        )


def _proof(leaf_index: int, size: int, hashes: list[bytes]) -> dict[str, Any]:
    return {
        "leaf_index": leaf_index,
        "tree_size": size,
        "hashes": [base64.b64encode(h).decode("ascii") for h in hashes],
    }


def statements_from_export(
    path: Path, verified: bytes | None = None
) -> Iterator[tuple[dict[str, Any], bytes, bytes]]:
    """(statement with event_id and leaf_index, raw leaf bytes, leaf hash) for each line of an
    export's log.jsonl.

    ``verified``: the leaf hashes (32 bytes each, in log order) of the log as this
    process has just checked it in full (``CheckedExport.verified_hashes``). A line
    whose hash is the verified one at its position is that very leaf, canonical and
    checked, so its content id is read from its bytes (``event_id_of_leaf``, one
    hash) rather than by checking its envelope and canonicalising it again; a line
    that is not is refused, whatever it holds.
    """
    from ledger.statements import event_id_of_leaf, parse_statement

    for index, leaf in enumerate(read_log(path)):
        digest = leaf_hash(leaf)
        if verified is not None and verified[32 * index : 32 * index + 32] != digest:
            raise TamperDetected(
                f"{path} line {index + 1} is not the line the export's check verified:"
                " the file changed while it was read"
            )
        try:
            obj = json.loads(leaf)
            event_id = (
                event_id_of_leaf(leaf) if verified is not None else parse_statement(obj).event_id
            )
        except (ValueError, LedgerError) as exc:
            raise TamperDetected(f"{path} line {index + 1} is not a statement: {exc}") from exc
        obj["event_id"] = event_id
        obj["leaf_index"] = index
        yield obj, leaf, digest


def statements_from_ledger(ledger: Ledger) -> Iterator[dict[str, Any]]:
    """Each stored statement with its event_id and leaf_index, in log order (as the facts fold them)."""
    for leaf in ledger.events():
        statement = json.loads(leaf.leaf)
        statement["event_id"] = leaf.event_id
        statement["leaf_index"] = leaf.leaf_index
        yield statement


class Reports:
    """Every report over one ledger (live) or one export (recomputed)."""

    def __init__(
        self,
        ledger: Ledger,
        as_of: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """``progress`` is told the log position reached while the facts catch up with the log."""
        from ledger.projections.runner import FactsRunner

        self.requested_as_of = as_of
        self._checkpoint_time: tuple[Any, int | None, str | None] = (None, None, None)
        self._ledger: Ledger | None = ledger
        self._records = Maintained()
        self.kept_size: int | None = None
        """The tree size of the maintained state this process started from, or kept last
        (``ledger.projections.kept``); None if it started from the facts' snapshot."""
        self.keep_failure: str | None = None
        """Why the last ``keep`` could not serialise or store the state (None if it could, or
        did not try): keeping is a cache, so it never fails a command, but it is said."""
        start = self._kept_start(ledger)
        self._runner: FactsRunner | None = FactsRunner(ledger.store, start=start)
        self._prover: cases.Prover = _LedgerProver(ledger)
        self._facts = self._runner.facts
        self._analysis: Analysis | None = None
        self.tree_size = 0
        self.root_hex = ""
        self.as_of = ""
        self.checkpoint_note: str | None = None
        """The latest signed checkpoint as read when the figures were last brought up to date."""
        self.refresh(progress)

    def _kept_start(self, ledger: Ledger) -> tuple[Facts, int] | None:
        """The facts and the tracking position of the state the log key vouches for, its
        records taken as this object's; None without one (``ledger.projections.kept``)."""
        from ledger.projections.kept import decode_state
        from ledger.projections.program import code_digest

        found = ledger.kept_state(code_digest())
        if found is None:
            return None
        note, state = found
        decoded = decode_state(state)
        if decoded is None or decoded[0].count != note.size:
            return None
        facts, self._records = decoded
        self.kept_size = note.size
        return facts, note.position

    def keep(self) -> bool:
        """Keep the facts and records for the next process holding the log key, if they
        reflect exactly the tree this process verified and the state it started from is
        not recent (``ledger.projections.kept``). False when nothing was kept."""
        from ledger.projections.kept import encode_state, worth_keeping
        from ledger.projections.program import code_digest, sources_unchanged

        ledger, runner = self._ledger, self._runner
        if ledger is None or runner is None or self._facts.count != ledger.verified_size:
            return False
        if not worth_keeping(self.kept_size, self._facts.count):
            return False
        self.keep_failure = None
        if not sources_unchanged():
            self.keep_failure = "the program's sources changed while this command ran"
            return False
        try:
            state = encode_state(self._facts, self._records)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            # a cache: the figures are right without it, the next process folds from the
            # snapshot; the command says so (``cli.shell.keep_state``)
            self.keep_failure = f"{type(exc).__name__}: {exc}"
            return False
        try:
            kept = ledger.keep_state(self._facts.count, runner.position, code_digest(), state)
        except StorageUnavailable as exc:
            self.keep_failure = str(exc)
            return False
        if kept:
            self.kept_size = self._facts.count
        return kept

    @classmethod
    def from_export(
        cls,
        directory: Path,
        as_of: str | None = None,
        progress: Callable[[int], None] | None = None,
        verified: bytes | None = None,
    ) -> Reports:
        """Recompute from an export directory (log.jsonl, checkpoint): no database.

        ``progress`` is told how many lines were read, every thousand. ``verified``:
        the leaf hashes the export's complete check gave (``require_export``), for a
        directory this process has just checked; each line must be the leaf verified
        at its position (see ``statements_from_export``).
        """
        directory = Path(directory)
        log = log_file(directory)
        if not log.exists():
            raise ExportRefused(f"{directory} is not an export (no {LOG_FILE})")
        hashes: list[bytes] = []
        facts = Facts()
        with bulk():
            for statement, _leaf, digest in statements_from_export(log, verified):
                hashes.append(digest)
                try:
                    facts.apply(statement)
                except (LedgerError, LookupError) as exc:
                    raise TamperDetected(
                        f"{log} line {len(hashes)}: the ledger's rules would not"
                        f" have recorded this {statement['type']}: {exc}"
                    ) from exc
                if progress is not None and len(hashes) % 1000 == 0:
                    progress(len(hashes))
        tree = MerkleTree(lambda start, end: hashes[start:end], size=len(hashes))
        checkpoint_size = _export_checkpoint_size(directory, tree)
        self = cls.__new__(cls)
        self.requested_as_of = as_of
        self._checkpoint_time = _export_checkpoint_time(directory)
        self._ledger = None
        self._runner = None
        self._prover = _ExportProver(tree, checkpoint_size)
        self._facts = facts
        self._analysis = None
        self._records = Maintained()
        self.kept_size = None
        self.keep_failure = None
        self.checkpoint_note = None
        self.tree_size = facts.count
        self.root_hex = tree.root(facts.count).hex()
        self.evaluation = self._evaluation()
        self.as_of = self.evaluation.at
        return self

    def _evaluation(self) -> EvaluationTime:
        signed, size, problem = self._checkpoint_time
        return choose(
            self._facts.as_of,
            requested=self.requested_as_of,
            checkpoint_time=signed,
            checkpoint_size=size,
            checkpoint_problem=problem,
        )

    def refresh(self, progress: Callable[[int], None] | None = None) -> None:
        """Catch up with the log (live only; an export does not change)."""
        if self._ledger is None or self._runner is None:
            return
        self._ledger.refresh()
        self._runner.catch_up(progress=progress)
        saved = self._runner.projection.saved
        if saved is not None:  # the next check then starts from this snapshot, not a refold
            self._runner.projection.saved = None
            self._ledger.vouch_snapshot(*saved)
        self._facts = self._runner.facts
        if self._facts.count > self._ledger.size:
            self._ledger.refresh()
        latest = self._ledger.latest_checkpoint()
        checkpoint_time = _ledger_checkpoint_time(self._ledger, latest)
        if (
            self._facts.count != self.tree_size
            or self._analysis is None
            or checkpoint_time != self._checkpoint_time
        ):
            self._checkpoint_time = checkpoint_time
            self.checkpoint_note = None if latest is None else latest.note
            self.tree_size = self._facts.count
            self.root_hex = self._ledger.tree.root(self.tree_size).hex()
            self.evaluation = self._evaluation()
            self.as_of = self.evaluation.at
            self._analysis = None

    @property
    def facts(self) -> Facts:
        return self._facts

    def analysis(self) -> Analysis:
        if self._analysis is None or self._analysis.tree_size != self.tree_size:
            self._analysis = Analysis(
                self._facts, self.tree_size, self.root_hex, self.evaluation, self._records
            )
        return self._analysis

    def at(self, as_of: str | None = None) -> Analysis:
        """The analysis with deadlines judged at ``as_of`` when given (a requested time), else the default."""
        if as_of is None or as_of == self.requested_as_of:
            return self.analysis()
        evaluation = choose(self._facts.as_of, requested=as_of)
        return Analysis(self._facts, self.tree_size, self.root_hex, evaluation, self._records)

    def report(self, name: str, as_of: str | None = None) -> ReportTable:
        return self.at(as_of).report(name)

    def flags(self, status: str | None = None, rule: str | None = None) -> list[dict[str, Any]]:
        return self.analysis().flag_rows(status, rule)

    def _stamp(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root": self.root_hex,
            **self.evaluation.to_json(),
            **body,
        }

    def case_history(self, case: str) -> dict[str, Any]:
        a = self.analysis()
        return self._stamp(cases.case_history(self._facts, case, self._prover, a.flags_by_subject))

    def person_history(self, person: str) -> dict[str, Any]:
        a = self.analysis()
        return self._stamp(
            cases.person_history(self._facts, person, self._prover, a.flags_by_subject)
        )

    def group_detail(self, group: str, as_of: str | None = None) -> dict[str, Any]:
        return group_detail(self.at(as_of), group)


def _export_checkpoint_size(directory: Path, tree: MerkleTree) -> int | None:
    """The export's latest checkpoint size, after checking its root against the leaves."""
    from ledger.log.checkpoint import Checkpoint

    path = directory / CHECKPOINT_FILE
    if not path.exists():
        return None
    note = path.read_text("utf-8")
    body = note.split("\n\n", 1)[0] + "\n"
    checkpoint = Checkpoint.parse(body)
    if checkpoint.size > tree.size or tree.root(checkpoint.size) != checkpoint.root_hash:
        raise TamperDetected(
            f"the export's checkpoint (size {checkpoint.size}) does not match its {LOG_FILE}:"
            " run `ledger verify --export` to see what differs"
        )
    return checkpoint.size


def _ledger_checkpoint_time(
    ledger: Ledger, latest: SignedCheckpoint | None
) -> tuple[Any, int | None, str | None]:
    """(signed time, size, why not) of the ledger's latest checkpoint, read through the log key."""
    from ledger.log.checkpoint import open_checkpoint

    if latest is None:
        return None, None, "the ledger has no signed checkpoint yet"
    try:
        checkpoint = open_checkpoint(
            latest.note, [ledger.log_verifier(latest.size)], origin=ledger.origin
        )
    except LedgerError as exc:
        return None, latest.size, f"the latest checkpoint does not verify with the log key ({exc})"
    signed = checkpoint.signed_time
    return (
        signed,
        checkpoint.size,
        None if signed else "the latest checkpoint carries no signed time",
    )


def _export_checkpoint_time(directory: Path) -> tuple[Any, int | None, str | None]:
    """(signed time, size, why not) of an export's checkpoint, verified with the export's log.vkey."""
    from ledger.log.checkpoint import open_checkpoint
    from ledger.log.note import NoteVerifier

    note_path, vkey_path = directory / CHECKPOINT_FILE, directory / VKEY_FILE
    if not note_path.exists():
        return None, None, "the export has no checkpoint"
    if not vkey_path.exists():
        return None, None, f"the export has no {VKEY_FILE} to check its checkpoint's signature with"
    try:
        verifier = NoteVerifier.from_vkey(vkey_path.read_text("utf-8").strip())
        checkpoint = open_checkpoint(note_path.read_text("utf-8"), [verifier])
    except LedgerError as exc:
        return None, None, f"the export's checkpoint does not verify with its {VKEY_FILE} ({exc})"
    signed = checkpoint.signed_time
    return (
        signed,
        checkpoint.size,
        None if signed else "the latest checkpoint carries no signed time",
    )
