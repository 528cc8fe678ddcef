"""The verified-through mark: the check from it gives what the full check gives, or is refused.

A check before acting by the log key's holder leaves a mark; the next one
starts from it. Its report must equal the full check's; a mark that is not
the log key's own, or whose text or digest was edited, is refused (the full
check runs instead); a process without the log key never reads it. Edits to
the rows a mark covers are in ``test_tamper_matrix.py`` (every case runs with
a mark present).
"""

from __future__ import annotations

import base64
import multiprocessing
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ledger.errors import ProofError, StorageUnavailable, TamperDetected
from ledger.keyring import Keyring
from ledger.log.checkpoint import Checkpoint
from ledger.log.note import NoteSigner, parse_note, sign_note
from ledger.projections.service import Reports
from ledger.service import Ledger
from ledger.storage.sql_store import Store
from ledger.verification import before_acting, segments
from ledger.verification import digest as digest_module
from ledger.verification.digest import RowDigest
from ledger.verification.mark import Mark, check_with_mark
from ledger.verification.replay import VerifyReport, verify_store
from tests.conftest import Clock, Recorder, mark_stored


def grow(ledger: Ledger, recorder: Recorder, clock: Clock, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        clock.advance(minutes=1)
        ledger.append(
            [
                recorder.sign(
                    "group.registered",
                    "police",
                    {"group": f"g-{i}", "name": f"G {i}", "kind": "other", "area": "Lyari"},
                )
            ]
        )


def check_by_key_holder(ledger: Ledger, keyring: Keyring, clock: Clock) -> VerifyReport:
    fresh = Ledger.open(ledger.store.url, log_key=keyring.log_key(), clock=clock)
    try:
        return fresh.verify_before_acting()
    finally:
        fresh.close()


def same(marked: VerifyReport, full: VerifyReport) -> None:
    assert marked.ok and full.ok, ([str(p) for p in marked.problems], full.problems)
    assert (
        marked.events,
        marked.root,
        marked.checkpoints,
        marked.latest_checkpoint_size,
        marked.log_key,
        marked.origin,
    ) == (
        full.events,
        full.root,
        full.checkpoints,
        full.latest_checkpoint_size,
        full.log_key,
        full.origin,
    )


def stored_mark(ledger: Ledger) -> Mark:
    mark = mark_stored(ledger)
    assert mark is not None
    return mark


def engine(ledger: Ledger) -> Engine:
    store = ledger.store
    assert isinstance(store, Store)
    return store.engine


def set_mark(ledger: Ledger, note: str) -> None:
    with engine(ledger).begin() as conn:
        conn.execute(text("UPDATE ledger_verified_mark SET note = :n"), {"n": note})


@pytest.mark.postgres
def test_the_check_from_a_mark_gives_what_the_full_check_gives(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 5)
    ledger.sign_checkpoint()
    check_by_key_holder(ledger, keyring, clock)
    assert stored_mark(ledger).size == ledger.size == 6
    found = check_with_mark(ledger.store, keyring.log_key())
    assert found is not None
    same(found[0], verify_store(ledger.store))


@pytest.mark.postgres
def test_what_was_stored_after_the_mark_is_checked_and_the_mark_advances(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 2)
    head = {"head": "H-1", "term_start": clock.stamp(), "reason": "appointed"}
    ledger.append([recorder.sign("head.appointed", "committee", head)])
    ledger.sign_checkpoint()
    check_by_key_holder(ledger, keyring, clock)
    assert stored_mark(ledger).size == 4
    clock.advance(minutes=1)
    removed = {"head": "H-1", "reason": "term ended"}  # a lifecycle opened before the mark
    ledger.append([recorder.sign("head.removed", "committee", removed)])
    grow(ledger, recorder, clock, 3, start=2)
    ledger.sign_checkpoint()
    grow(ledger, recorder, clock, 2, start=5)
    runner = Reports(ledger)._runner  # noqa: SLF001
    assert runner is not None
    runner.projection.snapshot()  # a snapshot saved after the mark
    found = check_with_mark(ledger.store, keyring.log_key())
    assert found is not None
    same(found[0], verify_store(ledger.store))
    check_by_key_holder(ledger, keyring, clock)
    assert stored_mark(ledger).size == ledger.size == 10


def forged(mark_note: str, edit: str) -> str:
    """The stored mark with one thing changed, its signature line kept."""
    parsed = parse_note(mark_note)
    lines = parsed.text.split("\n")
    if edit == "size":
        lines[2] = "size 1"
    elif edit == "rows":
        raw = base64.b64decode(lines[5].removeprefix("rows "))
        lines[5] = "rows " + base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode()
    elif edit == "first-line":
        lines[0] = "a checkpoint"
    return "\n".join(lines) + mark_note[len(parsed.text) :]


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["size", "rows", "first-line", "another-key", "garbage"])
def test_a_forged_mark_is_refused_and_the_full_check_runs(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock, how: str
) -> None:
    grow(ledger, recorder, clock, 3)
    check_by_key_holder(ledger, keyring, clock)
    note = ledger.store.verified_mark()
    assert note is not None
    assert check_with_mark(ledger.store, keyring.log_key()) is not None  # the genuine one holds
    if how == "another-key":
        mark = stored_mark(ledger)
        note = sign_note(mark.to_text(), [NoteSigner(mark.origin, Ed25519PrivateKey.generate())])
    elif how == "garbage":
        note = "not a note"
    else:
        note = forged(note, how)
    set_mark(ledger, note)
    assert check_with_mark(ledger.store, keyring.log_key()) is None
    full = check_by_key_holder(ledger, keyring, clock)  # falls back, passes, marks again
    same(full, verify_store(ledger.store))
    assert stored_mark(ledger).size == ledger.size


@pytest.mark.postgres
def test_a_mark_and_a_checkpoint_cannot_be_taken_for_each_other(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 2)
    checkpoint = ledger.sign_checkpoint()
    check_by_key_holder(ledger, keyring, clock)
    note = ledger.store.verified_mark()
    assert note is not None
    with pytest.raises(ProofError):
        Checkpoint.parse(parse_note(note).text)
    assert Mark.parse(parse_note(checkpoint.note).text) is None
    set_mark(ledger, checkpoint.note)  # signed by the very log key
    assert check_with_mark(ledger.store, keyring.log_key()) is None


@pytest.mark.postgres
def test_a_process_without_the_log_key_never_reads_the_mark(
    ledger: Ledger,
    keyring: Keyring,
    recorder: Recorder,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grow(ledger, recorder, clock, 2)
    check_by_key_holder(ledger, keyring, clock)
    before = ledger.store.verified_mark()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the mark was read by a process without the log key")

    monkeypatch.setattr(before_acting, "check_with_mark", refuse)
    reader = Ledger.open(ledger.store.url, clock=clock)
    try:
        same(reader.verify_before_acting(), verify_store(ledger.store))
    finally:
        reader.close()
    assert ledger.store.verified_mark() == before


@pytest.mark.postgres
@pytest.mark.parametrize("change", ["delete", "another-row"])
def test_a_removed_or_doubled_mark_row_only_costs_a_full_check(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock, change: str
) -> None:
    grow(ledger, recorder, clock, 2)
    check_by_key_holder(ledger, keyring, clock)
    with engine(ledger).begin() as conn:
        if change == "delete":
            conn.execute(text("DELETE FROM ledger_verified_mark"))
        else:
            conn.execute(text("UPDATE ledger_verified_mark SET id = 2"))
    assert check_with_mark(ledger.store, keyring.log_key()) is None
    same(check_by_key_holder(ledger, keyring, clock), verify_store(ledger.store))
    assert stored_mark(ledger).size == ledger.size


@pytest.mark.postgres
def test_a_key_holder_reads_the_leaf_hashes_in_its_check_only_and_a_reader_once(
    ledger: Ledger,
    keyring: Keyring,
    recorder: Recorder,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grow(ledger, recorder, clock, 3)
    ledger.sign_checkpoint()
    check_by_key_holder(ledger, keyring, clock)
    read: list[tuple[int, int]] = []  # (first position, how many) of every read of the hashes
    plain = Store.leaf_hashes

    def counted(store: Store, start: int = 0, end: int | None = None) -> list[bytes]:
        hashes = plain(store, start, end)
        read.append((start, len(hashes)))
        return hashes

    monkeypatch.setattr(Store, "leaf_hashes", counted)
    writer = Ledger.open(ledger.store.url, log_key=keyring.log_key(), clock=clock)
    try:
        assert writer.size == 4 and read == []  # opening counts the leaves, reads no hash
        grow(ledger, recorder, clock, 2, start=3)  # another writer, after the opening
        grow(writer, recorder, clock, 1, start=5)  # checks from the mark, catches up, appends
        assert read == [(6, 0)]  # none but after the six its check compared (the other's too)
        assert (writer.size, writer.root()) == (7, verify_store(ledger.store).root)
    finally:
        writer.close()
    read.clear()
    reader = Ledger.open(ledger.store.url, clock=clock)  # holds no log key: no check here
    try:
        assert reader.root() == verify_store(ledger.store).root and read == [(0, 7)]
    finally:
        reader.close()


def hashed_here(store: Store, upto: int) -> RowDigest:
    """The event rows up to ``upto`` hashed in this process alone, one row at a time."""
    digest = RowDigest(keep_versions=True)
    for page in store.event_row_pages(upto):
        for row in page:
            digest.event_rows([row])
    return digest


@pytest.fixture
def two_row_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments of two event rows, so that a small ledger has several to hand to a second process."""
    monkeypatch.setattr(digest_module, "SEGMENT_ROWS", 2)


def marked_seven_rows(ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock) -> None:
    """Seven event rows (three whole segments of two and one row) under a mark."""
    grow(ledger, recorder, clock, 6)
    check_by_key_holder(ledger, keyring, clock)


def in_a_fresh_process(check: Callable[[str, str], None], ledger: Ledger, keyring: Keyring) -> None:
    """Run ``check`` (url, keys directory) in a new interpreter: its one thread may fork, where
    this test process may run threads other tests left (the check then hashes in one process).
    An assertion that fails there fails here."""
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(
        target=run_and_tell, args=(check, ledger.store.url, str(keyring.directory), writer)
    )
    process.start()
    writer.close()
    failure = reader.recv()
    process.join()
    assert failure is None, failure


def run_and_tell(check: Callable[[str, str], None], url: str, keys: str, writer: Any) -> None:
    """In the new interpreter (not a pool's worker, which may not fork): None, or the failure."""
    try:
        check(url, keys)
        writer.send(None)
    except BaseException:  # noqa: BLE001 - told to the test, which fails with it
        writer.send(traceback.format_exc())


def forkable_store(url: str) -> Store:
    digest_module.SEGMENT_ROWS = 2  # as the mark was made in the test's process
    assert segments.may_fork(), "a new interpreter runs one thread"
    return Store(url)


def digest_taken_in_is_the_one_hashed_here(url: str, keys: str) -> None:
    store = forkable_store(url)
    upto = store.max_notification_id()
    alone = hashed_here(store, upto)
    taken = RowDigest(keep_versions=True)
    elsewhere = segments.SegmentsElsewhere.start(store, upto, taken)
    assert elsewhere is not None
    after = elsewhere.take_into(taken)
    assert (taken.events_hashed, taken.last_event) == (6, after) and 0 < after < upto
    for rows in store.event_row_pages(upto, after):
        taken.event_rows(rows)
    assert (taken.rows(), taken.events_hashed, taken.last_event, taken.versions) == (
        alone.rows(),
        7,
        upto,
        alone.versions,
    )
    assert taken.segments() == alone.segments() and len(alone.segments()) == 3
    shifted = RowDigest()  # the same rows in segments of another size: another digest
    shifted.segment_rows = 3
    for rows in store.event_row_pages(upto):
        shifted.event_rows(rows)
    assert shifted.rows() != alone.rows()
    found = check_with_mark(store, Keyring(Path(keys)).log_key())  # from the mark, forking
    assert found is not None
    same(found[0], verify_store(store))


def mark_refused(url: str, keys: str) -> None:
    assert check_with_mark(forkable_store(url), Keyring(Path(keys)).log_key()) is None


def unreachable() -> None:  # the second process cannot open the database
    raise StorageUnavailable("cannot open the database")


def second_process_failing(url: str, keys: str) -> None:
    store = forkable_store(url)
    store.reading_elsewhere = unreachable  # type: ignore[method-assign]
    upto = store.max_notification_id()
    taken = RowDigest(keep_versions=True)
    elsewhere = segments.SegmentsElsewhere.start(store, upto, taken)
    assert elsewhere is not None
    assert elsewhere.take_into(taken) == 0 and taken.events_hashed == 0
    found = check_with_mark(store, Keyring(Path(keys)).log_key())
    assert found is not None
    same(found[0], verify_store(store))


@pytest.mark.postgres
@pytest.mark.usefixtures("two_row_segments")
def test_a_second_process_hashes_whole_segments_and_the_digest_is_the_same(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    marked_seven_rows(ledger, keyring, recorder, clock)
    in_a_fresh_process(digest_taken_in_is_the_one_hashed_here, ledger, keyring)


@pytest.mark.postgres
@pytest.mark.usefixtures("two_row_segments")
@pytest.mark.parametrize("where", ["second-process", "this-process"])
def test_an_event_row_edited_below_the_mark_is_caught_by_either_process(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock, where: str
) -> None:
    marked_seven_rows(ledger, keyring, recorder, clock)
    with engine(ledger).connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM ledger_events ORDER BY id"))]
    assert len(ids) == 7  # the first six in three whole segments, the seventh after them
    edited = ids[1] if where == "second-process" else ids[6]
    with engine(ledger).begin() as conn:
        conn.execute(
            text("UPDATE ledger_events SET topic = topic || ' ' WHERE id = :id"), {"id": edited}
        )
    in_a_fresh_process(mark_refused, ledger, keyring)
    with pytest.raises(TamperDetected):
        check_by_key_holder(ledger, keyring, clock)


@pytest.mark.postgres
@pytest.mark.usefixtures("two_row_segments")
def test_a_second_process_that_fails_leaves_every_row_to_this_one(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    marked_seven_rows(ledger, keyring, recorder, clock)
    in_a_fresh_process(second_process_failing, ledger, keyring)
