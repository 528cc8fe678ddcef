"""The maintained state kept between processes of the log key's holder.

A process that starts from the kept state (the facts and the records of the
last key holder, vouched for by a note the log key signed) and folds the
statements stored since must report exactly what a process computing from
the facts' snapshot reports. A state is deserialised only when the note
verifies with this process's log key, names this program and a verified tree
whose root is the note's, and the state's digest is the note's: anything
else is ignored, and the figures are computed as without it.
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from ledger.keyring import Keyring
from ledger.projections import kept
from ledger.projections.program import code_digest
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import Reports
from ledger.projections.statistics import MEMOS
from ledger.service import Ledger
from ledger.simulation import CityConfig, simulate
from ledger.statements import parse_statement_json
from ledger.storage.sql_store import Store
from ledger.verification import kept_state
from ledger.verification.digest import snapshot_digest
from tests.conftest import Clock, Recorder, chartered_ledger
from tests.core.test_verified_mark import grow, stored_mark

CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=23, months=3, groups=3)
NOW = datetime(2026, 1, 20, tzinfo=UTC)


def key_holder(url: str, keyring: Keyring, clock: Clock) -> Ledger:
    """A new process of the operator: the ledger opened with the log key, checked before acting."""
    fresh = Ledger.open(url, log_key=keyring.log_key(), clock=clock)
    fresh.verify_before_acting()
    return fresh


def everything(reports: Reports) -> dict[str, Any]:
    """Every report, the flags and a few case histories, as JSON."""
    out: dict[str, Any] = {name: reports.report(name).to_json() for name in REPORT_NAMES}
    out["flags"] = reports.flags()
    for case in sorted(reports.facts.case_mentions)[:5]:
        out[f"case {case}"] = reports.case_history(case)
    decoded: dict[str, Any] = json.loads(json.dumps(out))
    return decoded


def from_nothing(url: str, clock: Clock) -> dict[str, Any]:
    """What a process without the log key reports: facts from their snapshot, records computed."""
    for memo in MEMOS:
        memo.clear()
    plain = Ledger.open(url, clock=clock)
    try:
        return everything(Reports(plain))
    finally:
        plain.close()
        for memo in MEMOS:
            memo.clear()


@pytest.fixture(scope="module")
def city_leaves(
    shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    folder = tmp_path_factory.mktemp("kept")
    ledger = chartered_ledger(str(folder / "city.db"), shared_keyring, Clock(NOW))
    simulate(ledger, shared_keyring.directory, CITY, workers=1, batch_size=500)
    leaves = [leaf.leaf for leaf in ledger.events()]
    ledger.close()
    yield leaves


def append(ledger: Ledger, leaves: list[str]) -> None:
    for start in range(0, len(leaves), 500):
        ledger.append([parse_statement_json(leaf) for leaf in leaves[start : start + 500]])


def test_a_process_starting_from_the_kept_state_reports_what_computing_from_nothing_does(
    city_leaves: list[str], shared_keyring: Keyring, tmp_path: Path
) -> None:
    url, clock = str(tmp_path / "city.db"), Clock(NOW)
    cut = len(city_leaves) * 3 // 5
    ledger = Ledger.open(url, log_key=shared_keyring.log_key(), clock=clock)
    append(ledger, city_leaves[:cut])
    ledger.sign_checkpoint()
    ledger.close()

    first = key_holder(url, shared_keyring, clock)
    reports = Reports(first)
    assert reports.kept_size is None  # nothing kept yet
    before = everything(reports)
    assert reports.keep()
    assert not reports.keep()  # kept already at this size
    first.close()

    ledger = Ledger.open(url, log_key=shared_keyring.log_key(), clock=clock)
    append(ledger, city_leaves[cut:])
    ledger.sign_checkpoint()
    ledger.close()

    shutil.copy(tmp_path / "city.db", tmp_path / "copy.db")  # computed apart, saving nothing here
    expected = from_nothing(str(tmp_path / "copy.db"), clock)
    second = key_holder(url, shared_keyring, clock)
    resumed = Reports(second)
    assert resumed.kept_size == cut  # started from the kept state, folded the rest
    assert resumed.facts.count == len(city_leaves)
    row = second.store.stored_report_snapshot()  # its catch-up saved a snapshot of the 40 per
    assert row is not None and row.tree_size == len(city_leaves)  # cent after the kept state,
    assert stored_mark(second).snapshot == snapshot_digest(row)  # and the mark names it
    assert everything(resumed) == expected
    assert expected != before  # the statements after the cut changed the figures
    assert resumed.keep()  # 40 per cent more than the state it started from
    second.close()

    third = key_holder(url, shared_keyring, clock)
    again = Reports(third)
    assert again.kept_size == len(city_leaves)
    assert everything(again) == expected
    third.close()


def reference_cycle(root: Any) -> list[str] | None:
    """The types along a reference cycle among the containers and ``ledger`` objects reachable
    from ``root`` (classes, functions and modules are not followed); None if there is none."""

    def followed(thing: Any) -> bool:
        kind = type(thing)
        return gc.is_tracked(thing) and (
            kind in (dict, list, tuple, set, frozenset)
            or kind.__module__.startswith(("ledger.", "numpy"))
        )

    state: dict[int, int] = {}  # 1: on the path being followed, 2: done
    path: list[Any] = [root]
    pending = [iter(gc.get_referents(root))]
    state[id(root)] = 1
    while pending:
        child = next(pending[-1], None)
        if child is None:
            state[id(path.pop())] = 2
            pending.pop()
            continue
        if not followed(child) or state.get(id(child)) == 2:
            continue
        if state.get(id(child)) == 1:
            start = next(n for n, thing in enumerate(path) if thing is child)
            return [type(thing).__name__ for thing in path[start:]]
        state[id(child)] = 1
        path.append(child)
        pending.append(iter(gc.get_referents(child)))
    return None


def test_a_read_state_holds_no_reference_cycle_and_the_collector_does_not_walk_it(
    city_leaves: list[str], shared_keyring: Keyring, tmp_path: Path
) -> None:
    """A read state lasts as long as its process and is moved out of the cyclic collector's
    sight, so that its collections do not walk millions of objects to find nothing. That is
    sound only while no part of it is in a reference cycle: a part replaced later is then
    freed by its reference count."""
    url, clock = str(tmp_path / "city.db"), Clock(NOW)
    ledger = Ledger.open(url, log_key=shared_keyring.log_key(), clock=clock)
    append(ledger, city_leaves)
    ledger.close()
    holder = key_holder(url, shared_keyring, clock)
    reports = Reports(holder)
    everything(reports)  # every record computed, as a kept state holds them
    body = kept.encode_state(reports.facts, reports._records)
    holder.close()

    decoded = kept.decode_state(body)
    assert decoded is not None
    facts, records = decoded
    assert facts.count == len(city_leaves) and facts.cases
    assert records.cases.files  # the records were computed before they were kept
    assert gc.is_tracked(facts.events)
    young = {id(thing) for thing in gc.get_objects()}  # what the collector still walks
    assert id(facts.events) not in young and id(records.cases.files) not in young
    assert reference_cycle(decoded) is None

    cycle: dict[str, Any] = {"facts": facts}
    cycle["itself"] = [cycle]
    assert reference_cycle(cycle) == ["dict", "list"]  # the search finds one where there is


def test_a_state_is_kept_again_only_after_the_log_grew_by_its_share() -> None:
    assert kept.worth_keeping(None, 10)
    assert not kept.worth_keeping(1000, 1000)
    assert not kept.worth_keeping(1000, 1009)  # 0.9 per cent more
    assert kept.worth_keeping(1000, 1011)
    assert not kept.worth_keeping(1000, 900)  # another, shorter tree: not this process's to keep


def stored(ledger: Ledger) -> tuple[str, bytes]:
    row = ledger.store.saved_report(kept_state.STATE_NAME)
    assert row is not None
    return row


def replace_row(ledger: Ledger, body: bytes) -> None:
    store = ledger.store
    assert isinstance(store, Store)
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_saved_reports SET body = :b WHERE name = :n"),
            {"b": body, "n": kept_state.STATE_NAME},
        )


def frame(note: str, state: bytes) -> bytes:
    raw = note.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw + state


@pytest.mark.postgres
def test_a_kept_state_is_read_only_when_the_log_key_vouches_for_it(
    ledger: Ledger,
    keyring: Keyring,
    recorder: Recorder,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grow(ledger, recorder, clock, 5)
    ledger.sign_checkpoint()
    url = ledger.store.url
    holder = key_holder(url, keyring, clock)
    assert Reports(holder).keep()
    holder.close()
    original = stored(ledger)[1]
    size = ledger.size

    def starts_from_kept() -> bool:
        fresh = key_holder(url, keyring, clock)
        try:
            return Reports(fresh).kept_size == size
        finally:
            fresh.close()

    assert starts_from_kept()
    plain = Ledger.open(url, clock=clock)  # no log key: never read
    assert plain.kept_state(code_digest()) is None and Reports(plain).kept_size is None
    plain.close()

    unpickled: list[bytes] = []
    real_decode = kept.decode_state

    def decode(body: bytes) -> Any:
        unpickled.append(body)
        return real_decode(body)

    monkeypatch.setattr(kept, "decode_state", decode)

    note_text = original[4 : 4 + int.from_bytes(original[:4], "big")].decode("utf-8")
    state = original[4 + len(note_text.encode("utf-8")) :]
    edited = bytearray(state)
    edited[len(edited) // 2] ^= 1
    replace_row(ledger, frame(note_text, bytes(edited)))
    assert not starts_from_kept()  # the state is not the one the note names
    parsed = kept_state.StateNote.parse(note_text.split("\n\n")[0] + "\n")
    assert parsed is not None

    def signed(note: kept_state.StateNote, key: Ed25519PrivateKey) -> str:
        from ledger.log.note import NoteSigner, sign_note

        return sign_note(note.to_text(), [NoteSigner(note.origin, key)])

    log_key = keyring.log_key()
    other_key = Ed25519PrivateKey.generate()
    forged = [
        signed(parsed, other_key),  # another key
        signed(kept_state.StateNote(**{**parsed.__dict__, "program": b"p" * 32}), log_key),
        signed(kept_state.StateNote(**{**parsed.__dict__, "root": b"r" * 32}), log_key),
        signed(kept_state.StateNote(**{**parsed.__dict__, "size": size + 1}), log_key),
        signed(kept_state.StateNote(**{**parsed.__dict__, "origin": "elsewhere.example"}), log_key),
        note_text.replace("size ", "size 0"),  # an edited text under the signature
    ]
    for note in forged:
        replace_row(ledger, frame(note, state))
        assert not starts_from_kept(), note
    assert unpickled == []  # nothing the key does not vouch for was deserialised
    replace_row(ledger, original)
    assert starts_from_kept()
    assert unpickled and hashlib.sha256(unpickled[0]).digest() == parsed.state


def test_a_state_note_is_read_back_exactly() -> None:
    note = kept_state.StateNote("example.org/ledger", 7, b"r" * 32, 9, b"p" * 32, b"s" * 32)
    assert kept_state.StateNote.parse(note.to_text()) == note
    text_ = note.to_text()
    assert kept_state.StateNote.parse(text_.replace("size 7", "size 07")) is None
    assert kept_state.StateNote.parse(text_.replace("size 7", "size -7")) is None
    assert kept_state.StateNote.parse(text_ + "extra 1\n") is None
    assert kept_state.StateNote.parse(text_.replace("ceasefire-ledger maintained", "x")) is None
    assert (
        kept_state.StateNote.parse(text_.replace(note.to_text().split("\n")[3][5:], "AAAA")) is None
    )


def test_a_state_of_another_format_is_ignored() -> None:
    import pickle
    import zlib

    assert kept.decode_state(zlib.compress(pickle.dumps(("something else", 1, 2, 3)))) is None


def inflating_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name == "kept state inflating"]


@pytest.mark.parametrize("piece", [7, 64, 1 << 20])
def test_a_state_inflated_ahead_of_its_reader_is_read_whole(
    piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inflating thread hands over pieces of any size, waits while ``AHEAD`` of them are
    unread, and the reader gets every byte in order; the thread is gone once it is closed."""
    import io
    import os
    import zlib

    monkeypatch.setattr(kept._Inflating, "PIECE", piece)
    monkeypatch.setattr(kept._Inflating, "AHEAD", 2)
    data = os.urandom(5_000) + b"x" * 200_000 + os.urandom(3_000)
    with io.BufferedReader(kept._Inflating(zlib.compress(data, 1)), buffer_size=1000) as read:
        assert read.read() == data
        assert read.read() == b""
    assert inflating_threads() == []


def test_a_state_that_does_not_inflate_or_unpickle_is_ignored_and_its_thread_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pickle
    import zlib

    monkeypatch.setattr(kept._Inflating, "PIECE", 64)
    monkeypatch.setattr(kept._Inflating, "AHEAD", 1)
    body = zlib.compress(pickle.dumps(("something else", list(range(50_000)))))
    broken = body[:200] + bytes(b ^ 0xFF for b in body[200:400]) + body[400:]
    assert kept.decode_state(broken) is None  # zlib finds it wrong, in the thread
    assert kept.decode_state(body[:-300]) is None  # the pickle ends early
    # the pickle stops at a wrong opcode with most of the body not yet read: the thread,
    # waiting to hand over its next piece, is stopped
    wrong = zlib.compress(b"\xff" + pickle.dumps(list(range(50_000))))
    assert kept.decode_state(wrong) is None
    assert inflating_threads() == []


def test_what_goes_wrong_in_the_inflating_thread_is_raised_to_the_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory running out while inflating is the reader's error, not a thread that dies while
    the reader waits for it."""
    import pickle
    import zlib

    class OutOfMemory:
        unconsumed_tail = b""

        def decompress(self, data: Any, limit: int = 0) -> bytes:
            raise MemoryError

    body = zlib.compress(pickle.dumps(("something else", 1, 2, 3)))
    monkeypatch.setattr(kept.zlib, "decompressobj", OutOfMemory)
    with pytest.raises(MemoryError):
        kept.decode_state(body)
    assert inflating_threads() == []


def test_copying_the_database_elsewhere_keeps_the_state_usable(
    city_leaves: list[str], shared_keyring: Keyring, tmp_path: Path
) -> None:
    url, clock = str(tmp_path / "a.db"), Clock(NOW)
    ledger = Ledger.open(url, log_key=shared_keyring.log_key(), clock=clock)
    append(ledger, city_leaves[:200])
    ledger.close()
    holder = key_holder(url, shared_keyring, clock)
    assert Reports(holder).keep()
    holder.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")
    copy = key_holder(str(tmp_path / "b.db"), shared_keyring, clock)
    assert Reports(copy).kept_size == 200
    copy.close()


def test_a_state_holding_columns_larger_than_a_pickle_frame_is_kept_and_read_back() -> None:
    """The records keep each group's durations as a column of arrays (``equality.Column``).
    Pickled with protocol 5, an array larger than the pickler's frame reaches the file as
    the array's own buffer, not as bytes: a state of a city of a million events was not
    kept at all, because the compressing file took only bytes."""
    import numpy as np

    from ledger.projections.equality import Column
    from ledger.projections.facts import Facts
    from ledger.projections.maintained import Maintained
    from ledger.projections.reuse import unchanged

    n = 200_000
    records = tuple({"days": None, "since": float(i), "ended": False} for i in range(n))
    column = Column.over(records, "days", "since", "ended", 86_400.0, 6)
    assert column.since.nbytes > 64 * 1024
    kept_records = Maintained()
    name = ("column", "release", "g1")
    kept_records.reused.get(name, ((),), None, lambda: column, unchanged)
    decoded = kept.decode_state(kept.encode_state(Facts(), kept_records))
    assert decoded is not None
    back = decoded[1].reused.get(name, ((),), None, lambda: None, unchanged)
    assert isinstance(back, Column)
    assert np.array_equal(back.since, column.since)
    assert np.array_equal(back.observed, column.observed)
    assert np.array_equal(back.at(1e6), column.at(1e6))


FULL_DISK = (
    "CREATE TRIGGER full_disk BEFORE INSERT ON ledger_saved_reports"
    " BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
)
"""A SQLite database that refuses to store a saved report or state, as a full disk would."""


@pytest.fixture
def held(
    sqlite_ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> Iterator[tuple[Ledger, Reports]]:
    """A small log checkpointed, opened by the log key's holder, and its reports."""
    grow(sqlite_ledger, recorder, clock, 5)
    sqlite_ledger.sign_checkpoint()
    holder = key_holder(sqlite_ledger.store.url, keyring, clock)
    yield holder, Reports(holder)
    holder.close()


def test_a_state_that_cannot_be_kept_is_said_on_standard_error_and_nothing_is_stored(
    held: tuple[Ledger, Reports], capsys: pytest.CaptureFixture[str]
) -> None:
    """Keeping is a cache and never fails a command; a state that cannot be serialised is
    named (it once hid, for a whole run at a million events, that nothing was kept)."""
    import threading

    from cli.shell import keep_state

    holder, reports = held
    figures = reports.report("groups").to_json()
    reports._records.reused.lock = threading.Lock()  # type: ignore[attr-defined]
    assert keep_state(reports) is False
    assert reports.keep_failure is not None and "pickle" in reports.keep_failure
    said = capsys.readouterr().err
    assert "the state for the next run was not kept" in " ".join(said.split())
    assert "pickle" in said
    assert holder.store.saved_report(kept_state.STATE_NAME) is None  # nothing stored
    assert reports.report("groups").to_json() == figures  # the figures are as they were

    del reports._records.reused.lock  # type: ignore[attr-defined]
    assert keep_state(reports) is True
    assert reports.keep_failure is None
    assert capsys.readouterr().err == ""  # kept: nothing to say


def test_a_state_the_database_will_not_store_is_said_and_the_figures_stand(
    held: tuple[Ledger, Reports], capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.shell import keep_state

    holder, reports = held
    figures = reports.report("groups").to_json()
    holder.store.save_report("made", "k", b"")  # the table exists; now the disk fills up
    with holder.store.engine.begin() as conn:
        conn.execute(text(FULL_DISK))
    assert keep_state(reports) is False
    assert reports.keep_failure is not None and "the disk is full" in reports.keep_failure
    said = " ".join(capsys.readouterr().err.split())
    assert "the state for the next run was not kept" in said and "the disk is full" in said
    assert holder.store.saved_report(kept_state.STATE_NAME) is None
    assert reports.report("groups").to_json() == figures


def test_nothing_is_kept_or_saved_once_the_sources_changed_while_the_command_ran(
    held: tuple[Ledger, Reports],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The program is named by its sources as the process loaded them; a new version
    installed while a command ran (a check can take minutes) must not have the figures of
    the one that ran kept or saved under either name."""
    from cli.shell import keep_state
    from ledger.projections import program, saved

    holder, reports = held
    installed = tmp_path / "ledger"
    shutil.copytree(program._PACKAGE, installed, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(program, "_PACKAGE", installed)
    monkeypatch.setattr(program, "_LOADED", program._sources_digest())  # loaded from there
    assert program.sources_unchanged()
    rules = installed / "projections" / "promises.py"
    rules.write_text(rules.read_text() + "\n# the next version\n")  # installed meanwhile
    assert not program.sources_unchanged()
    assert program.code_digest() == program._LOADED  # still the program that runs

    table = reports.report("groups")
    assert saved.save_report(holder, reports, table) is False
    assert keep_state(reports) is False
    assert reports.keep_failure == "the program's sources changed while this command ran"
    said = " ".join(capsys.readouterr().err.split())
    assert "the state for the next run was not kept" in said and "sources changed" in said
    assert holder.store.saved_report(kept_state.STATE_NAME) is None
    assert holder.store.saved_report("groups") is None

    rules.write_text(rules.read_text().removesuffix("\n# the next version\n"))  # put back
    assert saved.save_report(holder, reports, table) is True
    assert keep_state(reports) is True
    assert holder.store.saved_report(kept_state.STATE_NAME) is not None
