"""The export layout: the public log as files, written and checked here and nowhere else.

An export directory holds::

    log.jsonl         every statement, one per line, in log order (the Merkle leaves)
    checkpoints.txt   every signed checkpoint note, separated by blank lines
    checkpoint        the latest signed checkpoint note
    log.vkey          the log's verifier key (as named in the charter)
    manifest.json     origin, size, root, latest checkpoint size, the files written
    published.txt     checkpoints cosigned by a quorum of witnesses (if any)
    witnesses.json    the ledger's witnesses and quorum (if configured)

Sealed parts stay sealed: the export is exactly what the public may read.

This module is the one home of that layout: the file names are defined here,
:func:`export_ledger` writes it and :func:`check_export` is the one complete
check of a copy, which ``ledger verify --export``, ``ledger restore``,
``ledger report --from-export`` and ``ledger site build --from-export`` run.
The witnesses' part of that check is what a journalist runs on a laptop,
offline: each published checkpoint is one of the log's own signed checkpoints
and carries enough valid cosignatures, from every witness key given with
``--witness``, or else from the quorum of the bundled witnesses.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ledger.errors import ExportRefused, LedgerError, NotFound, TamperDetected
from ledger.log.checkpoint import Checkpoint
from ledger.log.cosignature import CosignatureVerifier
from ledger.log.note import NoteVerifier, open_note, parse_note
from ledger.storage.log_reader import StoredLeaf
from ledger.witnessing.policy import POLICY_FILE, WitnessEntry, WitnessPolicy, load_policy
from ledger.witnessing.published import cosignatures_in, published_checkpoints, refuse_unverified

if TYPE_CHECKING:
    from ledger.aggregates.registry import Registry
    from ledger.log.merkle import MerkleTree
    from ledger.service import Ledger
    from ledger.verification.replay import Progress, Replayer, VerifyReport

NOTE_SEPARATOR = "\n\n"

LOG_FILE: Final = "log.jsonl"
COMPRESSED_LOG_FILE: Final = "log.jsonl.gz"
"""``log.jsonl`` compressed with gzip (RFC 1952), as the public site publishes it
(``data/export/``): every command that reads an export reads it in its place."""
CHECKPOINTS_FILE: Final = "checkpoints.txt"
CHECKPOINT_FILE: Final = "checkpoint"
VKEY_FILE: Final = "log.vkey"
MANIFEST_FILE: Final = "manifest.json"
PUBLISHED_FILE: Final = "published.txt"
WITNESSES_FILE: Final = POLICY_FILE
"""The ledger's witness policy, bundled as the same file the keys directory holds."""
REQUIRED_FILES: Final = (LOG_FILE, CHECKPOINTS_FILE, CHECKPOINT_FILE, VKEY_FILE, MANIFEST_FILE)
"""Every export of a chartered, checkpointed ledger holds these."""
OPTIONAL_FILES: Final = (PUBLISHED_FILE, WITNESSES_FILE)
"""Written when the ledger has published checkpoints / a witness policy; the
manifest's ``files`` says which were."""


def export_ledger(
    ledger: Ledger,
    out: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
    keys_dir: Path | None = None,
) -> dict[str, Any]:
    """Write the public log into ``out``: every leaf, the checkpoints, the log key, the
    manifest, and the published checkpoints and witness policy where there are any.

    What is written is what the check before acting verified (run here if this process
    has not verified the whole log yet), each leaf checked again as it is read
    (``Ledger.verified_leaves``): an edited database is refused, naming the cause,
    before anything is written, and a row edited after the check leaves no log behind.
    """
    out = Path(out)
    ledger.refresh()
    if ledger.verified_size < ledger.size:  # the copy published is only what the check verified
        ledger.verify_before_acting()
    size = ledger.verified_size
    out.mkdir(parents=True, exist_ok=True)
    for name in (CHECKPOINT_FILE, VKEY_FILE, *OPTIONAL_FILES):
        (out / name).unlink(missing_ok=True)  # written below only when there is one: none stale
    log = out / LOG_FILE
    try:
        with log.open("wb") as handle:
            for n, leaf in enumerate(ledger.verified_leaves(0, size), start=1):
                handle.write(leaf + b"\n")
                if on_progress and n % 1000 == 0:
                    on_progress(n)
    except BaseException:
        log.unlink(missing_ok=True)  # no log but a whole, verified one
        raise
    notes = [row[2] for row in ledger.store.checkpoints() if row[0] <= size]
    (out / CHECKPOINTS_FILE).write_text("\n".join(notes), "utf-8")
    latest = ledger.latest_checkpoint()
    if latest is not None and latest.size <= size:
        (out / CHECKPOINT_FILE).write_text(latest.note, "utf-8")
    registry = ledger.registry()
    if registry is not None:
        (out / VKEY_FILE).write_text(registry.log_key + "\n", "utf-8")
    _export_witnessing(ledger, out, keys_dir, size)
    files = [
        name
        for name in (*REQUIRED_FILES, *OPTIONAL_FILES)
        if (out / name).exists() or name == MANIFEST_FILE
    ]
    manifest = export_manifest(
        registry.origin if registry else None,
        size,
        ledger.tree.root(size).hex(),
        latest.size if latest else None,
        files,
    )
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    if on_progress:
        on_progress(size)
    return manifest


def _export_witnessing(ledger: Ledger, out: Path, keys_dir: Path | None, size: int) -> None:
    """Write ``published.txt`` and ``witnesses.json`` beside an export of ``size`` entries.

    Every published row is verified first (``refuse_unverified``): an export
    never carries a cosigned checkpoint the ledger cannot stand behind.
    """
    policy = load_policy(keys_dir)
    notes = [
        note for tree_size, note, _ in published_checkpoints(ledger.store) if tree_size <= size
    ]
    if notes:
        refuse_unverified(ledger, policy)
        (out / PUBLISHED_FILE).write_text("\n".join(notes), "utf-8")
    if policy.configured:
        (out / WITNESSES_FILE).write_text(json.dumps(policy.to_json(), indent=2) + "\n", "utf-8")


def export_manifest(
    origin: str | None, size: int, root_hex: str, checkpoint_size: int | None, files: Sequence[str]
) -> dict[str, Any]:
    """The manifest.json of an export: what :func:`check_export` compares the copy with."""
    return {
        "origin": origin,
        "size": size,
        "root": root_hex,
        "checkpoint_size": checkpoint_size,
        "files": list(files),
    }


def pinned_export_files(
    note: str, origin: str, size: int, root_hex: str, log_vkey: str
) -> dict[str, str]:
    """An export of the log up to one signed checkpoint, except ``log.jsonl`` (its first ``size``
    leaves, which the caller copies): how the public site publishes a copy that
    ``ledger verify --export`` accepts."""
    manifest = export_manifest(origin, size, root_hex, size, REQUIRED_FILES)
    return {
        CHECKPOINTS_FILE: note,
        CHECKPOINT_FILE: note,
        VKEY_FILE: log_vkey.strip() + "\n",
        MANIFEST_FILE: json.dumps(manifest, indent=2) + "\n",
    }


def write_pinned_log(
    out: Path, leaves: Iterable[bytes], size: int, note: str, log_vkey: str
) -> Path:
    """The first ``size`` leaves with the checkpoint that signs them and the log key, in the
    export layout: what ``Reports.from_export`` recomputes the reports of. Returns the log's path.
    """
    log_path = out / LOG_FILE
    written = 0
    with log_path.open("wb") as handle:
        for leaf in leaves:
            if written >= size:
                break
            handle.write(leaf + b"\n")
            written += 1
    (out / CHECKPOINT_FILE).write_text(note, "utf-8")
    (out / VKEY_FILE).write_text(log_vkey.strip() + "\n", "utf-8")
    return log_path


def split_notes(text: str) -> list[str]:
    """Signed notes concatenated by ``export``: each ends with its signature lines."""
    notes: list[str] = []
    current: list[str] = []
    in_signatures = False
    for line in text.splitlines(keepends=True):
        if in_signatures and not line.startswith("— "):
            notes.append("".join(current))
            current, in_signatures = [], False
            if line.strip() == "":
                continue
        current.append(line)
        if line == "\n" and not in_signatures:
            in_signatures = True
    if current:
        notes.append("".join(current))
    return [n for n in notes if n.strip()]


def log_file(directory: Path) -> Path:
    """The export's log: ``log.jsonl``, or else ``log.jsonl.gz`` as the public site publishes it."""
    plain, packed = directory / LOG_FILE, directory / COMPRESSED_LOG_FILE
    return packed if not plain.is_file() and packed.is_file() else plain


class LogLines:
    """The leaves of ``log.jsonl`` (or ``log.jsonl.gz``) in log order, each without its newline.

    Lines end at ``\\n`` only: a canonical statement may hold U+2028 or U+0085
    (RFC 8785 leaves them unescaped), which text-mode splitting would take for
    line ends. A compressed log that stops decompressing ends the lines early
    and says why in ``damage``, so that a check can name it among its problems.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.damage: str | None = None
        """Why the compressed log could not be read to its end (None when it could)."""
        self.ends_with_newline = True
        """Whether the last line read ended with a newline (an empty log does)."""

    def __iter__(self) -> Iterator[bytes]:
        compressed = self.path.name.endswith(".gz")
        try:
            handle = gzip.open(self.path, "rb") if compressed else self.path.open("rb")
        except OSError as exc:
            raise NotFound(f"cannot read {self.path}: {exc.strerror}") from exc
        count = 0
        with handle:
            try:
                for raw in handle:
                    count += 1
                    self.ends_with_newline = raw.endswith(b"\n")
                    yield raw[:-1] if self.ends_with_newline else raw
            except (OSError, EOFError, zlib.error) as exc:
                if not compressed:
                    raise NotFound(f"cannot read {self.path}: {exc}") from exc
                self.damage = (
                    f"{self.path.name} cannot be decompressed after line {count}"
                    f" ({exc}): the download is damaged or cut short; download it again"
                )


def read_log(path: Path) -> Iterator[bytes]:
    """The leaves of an export's log (``log.jsonl`` or ``log.jsonl.gz``) in log order,
    each without its line's newline; a damaged compressed log is refused."""
    lines = LogLines(path)
    yield from lines
    if lines.damage is not None:
        raise TamperDetected(lines.damage)


def _export_leaves(lines: LogLines) -> Iterator[tuple[StoredLeaf, str]]:
    for index, leaf in enumerate(lines):
        try:
            text = leaf.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        yield StoredLeaf(index + 1, index, None, text, "", ""), text


@dataclass
class CosignedExport:
    """What the witnesses' part of :func:`check_export` found."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0
    quorum: int = 0
    witnesses: list[str] = field(default_factory=list)
    latest_size: int | None = None

    def summary(self) -> str:
        if not self.witnesses:
            return "no witnesses named or bundled: cosignatures not checked"
        latest = f", latest at size {self.latest_size}" if self.latest_size is not None else ""
        return (
            f"{self.checked} published checkpoints cosigned by at least {self.quorum} of"
            f" {', '.join(self.witnesses)}{latest}"
        )


@dataclass
class CheckedExport:
    """What :func:`check_export` found: the replay's report with every problem, and
    what a restore needs from a copy that passed."""

    report: VerifyReport
    cosigned: CosignedExport
    origin: str | None = None
    log_key: str | None = None
    """The log key the replayed log names now (never the directory's log.vkey)."""
    checkpoint_size: int | None = None
    notes: list[str] = field(default_factory=list)
    """The checkpoint notes that verified, in the order of checkpoints.txt."""
    verified_hashes: bytes = b""
    """The hash of every leaf of log.jsonl as replayed, 32 bytes each in log order: what
    a command that goes on to read the file again checks each line against
    (``Reports.from_export``)."""

    @property
    def ok(self) -> bool:
        return self.report.ok

    def problem_lines(self) -> str:
        """Every problem on its own indented line, for a refusal that quotes them all."""
        return "\n".join(f"  {problem}" for problem in self.report.problems)


def check_export(
    directory: Path, *, progress: Progress | None = None, witness_vkeys: Sequence[str] = ()
) -> CheckedExport:
    """The complete check of an export directory: everything, or a problem naming the file.

    * the files are those of the layout: each one the manifest lists (or, for
      an export older than that list, each required one) is present, and no
      other file is there;
    * ``log.jsonl`` replays through every rule (signatures, keys and roles as
      of each position, lifecycles) and ends with a newline;
    * at least one checkpoint of ``checkpoints.txt`` verifies with the log key
      the *replayed log* names for its size (the charter's, or a later
      rotation) and has the root recomputed from ``log.jsonl``: otherwise
      nothing ties the copy to a signature, and the check fails;
    * ``checkpoint`` is the latest of those, ``log.vkey`` is the log key the
      log names (a key in the directory is never trusted for being there),
      and ``manifest.json`` agrees with what was recomputed;
    * the published checkpoints carry their witnesses' cosignatures.

    Never raises for a damaged copy: every problem is in ``report.problems``,
    each naming its file (and line). Raises LedgerError only when
    ``directory`` is not a directory at all.
    """
    from ledger.verification.replay import VerifyReport

    directory = Path(directory)
    if not directory.is_dir():
        raise ExportRefused(f"{directory} is not an export directory")
    problems: list[tuple[str, str]] = []
    manifest = _read_manifest(directory, problems)
    _check_layout(directory, manifest, problems)
    notes = _read_notes(directory / CHECKPOINTS_FILE)
    captured: list[Replayer] = []
    report = VerifyReport()
    log = log_file(directory)
    if log.is_file():
        lines = LogLines(log)
        report = _replay(lines, notes, progress, captured)
        if lines.damage is not None:
            problems.append(("log", lines.damage))
        elif not lines.ends_with_newline:
            problems.append(
                ("log", f"{log.name} does not end with a newline: the copy was cut short")
            )
    checked = CheckedExport(report, _check_cosigned(directory, witness_vkeys))
    registry = captured[0].world.registry() if captured else None
    if registry is not None:
        from ledger.log.merkle import MerkleTree

        hashes = captured[0].hashes
        checked.verified_hashes = b"".join(hashes)
        tree = MerkleTree(lambda start, end: hashes[start:end], size=len(hashes))
        _check_signed(directory, notes, registry, tree, checked, problems)
        _check_manifest_values(manifest, registry.origin, report, checked.checkpoint_size, problems)
    else:
        problems.append(
            (
                "checkpoint",
                f"no checkpoint can be verified: {LOG_FILE} is missing or has no valid charter naming the log key",
            )
        )
    from ledger.verification.replay import Problem

    report.problems.extend(Problem(kind, message) for kind, message in problems)
    report.problems.extend(Problem("witness", message) for message in checked.cosigned.problems)
    report.checkpoints = len(checked.notes)
    report.latest_checkpoint_size = checked.checkpoint_size
    return checked


def require_export(directory: Path, *, doing: str) -> CheckedExport:
    """:func:`check_export`, as a refusal quoting every problem, for a command about to use the copy.

    ``doing`` says what was not done (e.g. "nothing was restored").
    """
    checked = check_export(Path(directory))
    if not checked.ok:
        raise ExportRefused(
            f"{directory} is not a complete, signed export; {doing}"
            f" (`ledger verify --export` checks the same):\n{checked.problem_lines()}"
        )
    return checked


def _read_manifest(directory: Path, problems: list[tuple[str, str]]) -> dict[str, Any] | None:
    path = directory / MANIFEST_FILE
    if not path.is_file():
        return None  # named as missing by the layout check
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.append(("manifest", f"{MANIFEST_FILE} cannot be read as JSON: {exc}"))
        return None
    if not isinstance(manifest, dict):
        problems.append(("manifest", f"{MANIFEST_FILE} must hold a JSON object"))
        return None
    return manifest


def _check_layout(
    directory: Path, manifest: dict[str, Any] | None, problems: list[tuple[str, str]]
) -> None:
    """Missing and extra files, against the manifest's list (or the required files)."""
    listed = manifest.get("files") if manifest is not None else None
    if listed is not None and not (
        isinstance(listed, list) and all(isinstance(n, str) for n in listed)
    ):
        problems.append(("manifest", f"{MANIFEST_FILE}: 'files' must be a list of file names"))
        listed = None
    expected = set(REQUIRED_FILES) | set(listed or ())
    allowed = expected | (set() if listed is not None else set(OPTIONAL_FILES))
    for name in sorted(set(listed or ()) - set(REQUIRED_FILES) - set(OPTIONAL_FILES)):
        problems.append(
            ("layout", f"{MANIFEST_FILE} lists {name!r}, which is no file of an export")
        )
    present = {path.name for path in directory.iterdir()}
    if COMPRESSED_LOG_FILE in present:  # the log as the public site publishes it
        if LOG_FILE in present:
            problems.append(
                (
                    "layout",
                    f"both {LOG_FILE} and {COMPRESSED_LOG_FILE} are in the export directory:"
                    f" keep one (`gunzip {COMPRESSED_LOG_FILE}` replaces it with {LOG_FILE})",
                )
            )
        present = (present - {COMPRESSED_LOG_FILE}) | {LOG_FILE}
    for name in sorted(expected - present):
        problems.append(("missing", f"{name} is missing from the export"))
    for name in sorted(present - allowed):
        problems.append(("extra", f"{name} is in the export directory but is no part of an export"))


def _read_notes(path: Path) -> list[str]:
    """The notes of checkpoints.txt; none when it is missing or not text (named elsewhere)."""
    try:
        return split_notes(path.read_text("utf-8")) if path.is_file() else []
    except (OSError, UnicodeDecodeError):
        return []


def _replay(
    lines: LogLines, notes: list[str], progress: Progress | None, captured: list[Replayer]
) -> VerifyReport:
    """Replay the log and checkpoints.txt; problems at a position name the line."""
    from ledger.verification.replay import Problem, verify_leaves

    # The replayer is taken from verify_leaves' after-checking hook: the registry it
    # rebuilt is the only source of the log key and origin this check trusts.
    report = verify_leaves(
        _export_leaves(lines),
        notes,
        progress=progress,
        after=lambda replayer, _tree: captured.append(replayer),
    )
    located = []
    for problem in report.problems:
        if problem.kind in ("checkpoint", "consistency"):
            where = f"{CHECKPOINTS_FILE}: "
        elif problem.leaf_index is not None:
            where = f"{lines.path.name} line {problem.leaf_index + 1}: "
        else:
            where = f"{lines.path.name}: "
        located.append(
            Problem(problem.kind, where + problem.message, problem.leaf_index, problem.event_id)
        )
    report.problems = located
    return report


def _verified_checkpoint(note: str, registry: Registry, tree: MerkleTree) -> int | None:
    """The size of ``note`` if it verifies with the log key the log names for its size
    and its root is the recomputed root; else None."""
    try:
        size = Checkpoint.parse(parse_note(note).text).size
        checkpoint = Checkpoint.parse(
            open_note(note, [NoteVerifier.from_vkey(registry.log_key_at(size))]).text
        )
    except (LedgerError, ValueError):
        return None
    if checkpoint.origin != registry.origin or checkpoint.size > tree.size:
        return None
    return checkpoint.size if tree.root(checkpoint.size) == checkpoint.root_hash else None


def _check_signed(
    directory: Path,
    notes: list[str],
    registry: Registry,
    tree: MerkleTree,
    checked: CheckedExport,
    problems: list[tuple[str, str]],
) -> None:
    """checkpoints.txt, checkpoint and log.vkey against the log key the replayed log names."""
    latest: tuple[int, str] | None = None
    for note in notes:
        size = _verified_checkpoint(note, registry, tree)
        if size is not None:
            checked.notes.append(note)
            latest = (size, note) if latest is None or size >= latest[0] else latest
    if latest is None:
        problems.append(
            (
                "checkpoint",
                f"{CHECKPOINTS_FILE}: no checkpoint signed by the log key verifies against the root"
                f" recomputed from {LOG_FILE}: nothing ties this copy to the log's signature",
            )
        )
    else:
        checked.checkpoint_size = latest[0]
    _check_latest_checkpoint(directory, registry, tree, latest, problems)
    vkey_path = directory / VKEY_FILE
    if vkey_path.is_file():
        try:
            vkey = vkey_path.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError):
            vkey = ""
        if vkey != registry.log_key:
            problems.append(
                (
                    "log-key",
                    f"{VKEY_FILE} is not the log key the log itself names ({registry.log_key}):"
                    " it was replaced, and is not trusted",
                )
            )
    checked.origin = registry.origin
    checked.log_key = registry.log_key


def _check_latest_checkpoint(
    directory: Path,
    registry: Registry,
    tree: MerkleTree,
    latest: tuple[int, str] | None,
    problems: list[tuple[str, str]],
) -> None:
    path = directory / CHECKPOINT_FILE
    if not path.is_file():
        return  # named as missing by the layout check
    try:
        note = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        problems.append(("checkpoint", f"{CHECKPOINT_FILE} cannot be read as text"))
        return
    size = _verified_checkpoint(note, registry, tree)
    if size is None:
        problems.append(
            (
                "checkpoint",
                f"{CHECKPOINT_FILE} does not verify with the log's key, or {LOG_FILE} does not have its"
                " signed root: the checkpoint or the log was altered or truncated",
            )
        )
    elif latest is not None and parse_note(note).text != parse_note(latest[1]).text:
        problems.append(
            (
                "checkpoint",
                f"{CHECKPOINT_FILE} is the checkpoint at size {size}, but the latest in {CHECKPOINTS_FILE}"
                f" is at size {latest[0]}: it was replaced",
            )
        )


def _check_manifest_values(
    manifest: dict[str, Any] | None,
    origin: str,
    report: VerifyReport,
    checkpoint_size: int | None,
    problems: list[tuple[str, str]],
) -> None:
    if manifest is None:
        return
    if manifest.get("size") != report.events:
        problems.append(
            (
                "manifest",
                f"{LOG_FILE} holds {report.events} statements, {MANIFEST_FILE} says {manifest.get('size')}:"
                " the export is incomplete or the manifest was replaced",
            )
        )
    if manifest.get("root") != report.root.hex():
        problems.append(
            ("manifest", f"{MANIFEST_FILE}'s root is not the root recomputed from {LOG_FILE}")
        )
    if manifest.get("origin") != origin:
        problems.append(
            (
                "manifest",
                f"{MANIFEST_FILE} names origin {manifest.get('origin')!r}, the charter {origin!r}",
            )
        )
    if manifest.get("checkpoint_size") != checkpoint_size:
        problems.append(
            (
                "manifest",
                f"{MANIFEST_FILE} says the latest checkpoint is at size {manifest.get('checkpoint_size')},"
                + (
                    f" the latest that verifies is at size {checkpoint_size}"
                    if checkpoint_size is not None
                    else " but none verifies"
                ),
            )
        )


def _witnesses(directory: Path, vkeys: Sequence[str]) -> tuple[list[WitnessEntry], int]:
    if vkeys:
        entries = [WitnessEntry(CosignatureVerifier.from_vkey(v).name, "", v) for v in vkeys]
        return entries, len(entries)
    policy: WitnessPolicy = load_policy(directory)  # the bundled witnesses.json, if any
    return list(policy.witnesses), policy.quorum


def _check_cosigned(directory: Path, witness_vkeys: Sequence[str]) -> CosignedExport:
    """The published checkpoints against the witness keys given, or the bundled quorum."""
    entries, quorum = _witnesses(directory, witness_vkeys)
    result = CosignedExport(quorum=quorum, witnesses=[e.name for e in entries])
    if not entries:
        return result
    published_path = directory / PUBLISHED_FILE
    published = split_notes(published_path.read_text("utf-8")) if published_path.exists() else []
    if not published:
        result.problems.append(
            f"the export holds no checkpoint cosigned by the witnesses (no {PUBLISHED_FILE})"
        )
        return result
    signed = directory / CHECKPOINTS_FILE
    log_bodies = (
        {parse_note(n).text for n in split_notes(signed.read_text("utf-8"))}
        if signed.exists()
        else set()
    )
    try:
        log_key = NoteVerifier.from_vkey((directory / VKEY_FILE).read_text("utf-8").strip())
    except (OSError, LedgerError) as exc:
        result.problems.append(f"no usable {VKEY_FILE} in the export: {exc}")
        return result
    for n, note in enumerate(published, 1):
        try:
            body = open_note(note, [log_key]).text
            size = Checkpoint.parse(body).size
        except LedgerError as exc:
            result.problems.append(f"published checkpoint #{n} is not signed by the log key: {exc}")
            continue
        if body not in log_bodies:
            result.problems.append(
                f"published checkpoint {size} is not one of the log's signed checkpoints"
            )
        try:
            found = cosignatures_in(note, entries)
        except LedgerError as exc:
            result.problems.append(f"published checkpoint {size}: {exc}")
            continue
        if len(found) < quorum:
            names = ", ".join(c["witness"] for c in found) or "none"
            result.problems.append(
                f"published checkpoint {size} has valid cosignatures from {len(found)} of the {quorum}"
                f" required witnesses ({names})"
            )
            continue
        result.checked += 1
        result.latest_size = size
    return result
