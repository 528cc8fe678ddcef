"""Saved reports and the snapshot the mark names: a cold report prints what computing it gives.

A process holding the log key saves each report it computes and the
verified-through mark vouches for it; the next such process prints the saved
report only when the mark covers the very same tree and names the report
under the same key (the time asked for, the latest checkpoint, the program).
Anything else (an edited body, an edited or forged mark line, another
checkpoint, a new statement) makes it compute the report again. A report
snapshot saved by a key holder is named in the mark, so the next check does
not refold the leaves; a snapshot it did not fold is never named.
"""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from ledger.keyring import Keyring
from ledger.log.note import parse_note
from ledger.projections import runner as facts_runner
from ledger.projections import saved
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import Reports
from ledger.projections.tidy import downloads
from ledger.service import Ledger
from ledger.simulation import CityConfig
from ledger.storage.sql_store import Store
from ledger.verification.digest import snapshot_digest
from ledger.verification.mark import Mark, check_with_mark, renew_snapshot
from tests.conftest import Clock, Recorder, simulated_city
from tests.core.test_verified_mark import grow, set_mark, stored_mark

CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=11, months=3, groups=3)
NOW = datetime(2026, 1, 20, tzinfo=UTC)
runner = CliRunner()


def key_holder(ledger: Ledger, keyring: Keyring, clock: Clock) -> Ledger:
    """A new process of the operator: the ledger opened with the log key, checked before acting."""
    fresh = Ledger.open(ledger.store.url, log_key=keyring.log_key(), clock=clock)
    fresh.verify_before_acting()
    return fresh


def execute(ledger: Ledger, sql: str, **params: Any) -> None:
    store = ledger.store
    assert isinstance(store, Store)
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.mark.postgres
def test_a_saved_report_is_used_only_for_the_tree_key_and_body_the_mark_names(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 4)
    ledger.sign_checkpoint()
    first = key_holder(ledger, keyring, clock)
    reports = Reports(first)
    table = reports.report("groups")
    assert saved.saved_report(first, "groups", None) is None  # nothing saved yet
    assert saved.save_report(first, reports, table)
    first.close()
    assert [r.name for r in stored_mark(ledger).reports] == ["groups"]

    second = key_holder(ledger, keyring, clock)  # the check renews the mark and keeps the line
    found = saved.saved_report(second, "groups", None)
    assert found is not None  # as JSON: the computed rows may hold tuples, a saved one lists
    assert found.to_json() == json.loads(json.dumps(table.to_json()))
    assert saved.saved_report(second, "promises", None) is None  # not saved
    assert saved.saved_report(second, "groups", "2026-03-01T00:00:00Z") is None  # another time
    second.close()

    original = ledger.store.saved_report("groups")
    assert original is not None
    edited = saved.encode(Reports(ledger).report("custody"))
    execute(ledger, "UPDATE ledger_saved_reports SET body = :b", b=edited)
    third = key_holder(ledger, keyring, clock)
    assert saved.saved_report(third, "groups", None) is None  # the body is not the one vouched for
    third.close()
    execute(ledger, "UPDATE ledger_saved_reports SET body = :b", b=original[1])

    fourth = key_holder(ledger, keyring, clock)
    assert saved.saved_report(fourth, "groups", None) is not None  # restored: vouched for again
    fourth.close()
    latest = ledger.latest_checkpoint()
    assert latest is not None  # another checkpoint note (another signed time) is another key
    assert saved.report_key("groups", None, latest.note) != saved.report_key(
        "groups", None, latest.note.replace("\n\n", "\n\nx", 1)
    )

    grow(ledger, recorder, clock, 1, start=10)  # a new statement: another tree
    ledger.sign_checkpoint()
    fifth = key_holder(ledger, keyring, clock)
    assert saved.saved_report(fifth, "groups", None) is None
    assert stored_mark(ledger).reports == ()
    fifth.close()


@pytest.mark.postgres
def test_a_forged_report_line_makes_the_mark_refused(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 3)
    holder = key_holder(ledger, keyring, clock)
    reports = Reports(holder)
    assert saved.save_report(holder, reports, reports.report("groups"))
    holder.close()
    note = ledger.store.verified_mark()
    assert note is not None
    parsed = parse_note(note)
    lines = parsed.text.split("\n")
    line = lines[-2].split(" ")
    assert line[:2] == ["report", "groups"]
    digest = base64.b64decode(line[3])
    line[3] = base64.b64encode(bytes([digest[0] ^ 1]) + digest[1:]).decode()
    lines[-2] = " ".join(line)
    set_mark(ledger, "\n".join(lines) + note[len(parsed.text) :])
    assert check_with_mark(ledger.store, keyring.log_key()) is None


def test_a_mark_text_with_report_lines_is_read_back_exactly() -> None:
    mark = Mark(
        origin="example.org/ledger",
        size=3,
        root=b"r" * 32,
        events=9,
        rows=b"w" * 32,
        snapshot=b"s" * 32,
        reports=(
            saved_line("custody"),
            saved_line("groups"),
        ),
    )
    assert Mark.parse(mark.to_text()) == mark
    unsorted = Mark(**{**mark.__dict__, "reports": tuple(reversed(mark.reports))})
    assert Mark.parse(unsorted.to_text()) is None
    doubled = Mark(**{**mark.__dict__, "reports": (saved_line("groups"), saved_line("groups"))})
    assert Mark.parse(doubled.to_text()) is None
    assert Mark.parse(mark.to_text().replace("report groups", "report Groups!")) is None


def saved_line(name: str) -> Any:
    from ledger.verification.mark import VouchedReport

    return VouchedReport(name, b"k" * 32, b"b" * 32)


@pytest.mark.postgres
def test_a_snapshot_the_key_holder_saved_is_named_in_the_mark_and_not_refolded(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 6)
    holder = key_holder(ledger, keyring, clock)
    Reports(holder)  # no snapshot yet: the catch-up saves one at its end
    holder.close()
    row = ledger.store.stored_report_snapshot()
    assert row is not None
    assert stored_mark(ledger).snapshot == snapshot_digest(row)
    found = check_with_mark(ledger.store, keyring.log_key())
    assert found is not None and found[0].ok
    assert found[1].snapshot == found[1].trusted_snapshot  # compared by digest, not refolded


@pytest.mark.postgres
def test_snapshots_saved_one_after_another_in_one_catch_up_are_named_in_the_mark(
    ledger: Ledger,
    keyring: Keyring,
    recorder: Recorder,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grow(ledger, recorder, clock, 9)
    monkeypatch.setattr(facts_runner, "SNAPSHOT_EVERY", 3)  # a snapshot every 3 statements
    holder = key_holder(ledger, keyring, clock)
    catch_up = Reports(holder)._runner  # noqa: SLF001
    assert catch_up is not None and catch_up.projection.position == 10
    holder.close()
    row = ledger.store.stored_report_snapshot()
    assert row is not None and row.notification_id == 10
    assert stored_mark(ledger).snapshot == snapshot_digest(row)


@pytest.mark.postgres
def test_a_snapshot_is_named_only_when_folded_from_what_the_mark_vouches_for(
    ledger: Ledger, keyring: Keyring, recorder: Recorder, clock: Clock
) -> None:
    grow(ledger, recorder, clock, 4)
    holder = key_holder(ledger, keyring, clock)
    Reports(holder)
    holder.close()
    mark = stored_mark(ledger)
    row = ledger.store.stored_report_snapshot()
    assert row is not None
    key, position = keyring.log_key(), row.notification_id

    def renew(**change: Any) -> bool:
        args = {
            "verified": mark.size,
            "base": mark.snapshot,
            "saved": row.state,
            "position": position,
        }
        return renew_snapshot(ledger.store, key, **{**args, **change})

    assert not renew(base=b"\0" * 32)  # folded from a snapshot the mark does not name
    assert not renew(position=mark.events + 1)  # beyond the rows the check covered
    assert not renew(verified=mark.size - 1)  # another tree than the one checked
    assert not renew(saved=row.state + b"x")  # the row holds something else
    assert stored_mark(ledger) == mark
    assert renew()


@pytest.fixture(scope="module")
def city(shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulated_city(tmp_path_factory.mktemp("saved") / "city.db", shared_keyring, CITY, NOW)


def report(db: Path, keys: Path | None, *args: str) -> str:
    extra = ["--keys", str(keys)] if keys is not None else []
    result = runner.invoke(
        app, ["report", *args, "--db", str(db), "--no-progress", *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_report_printed_from_its_saved_body_is_what_computing_it_prints(
    city: Path, shared_keyring: Keyring, tmp_path: Path
) -> None:
    db = tmp_path / "city.db"
    shutil.copy(city, db)
    keys = shared_keyring.directory
    views = [[name, "--json"] for name in REPORT_NAMES]
    views += [[name] for name in REPORT_NAMES]
    views += [
        [name, "--csv", "--table", table.name] for name in REPORT_NAMES for table in downloads(name)
    ]
    computed = {tuple(v): report(db, None, *v) for v in views}  # no key: always computed
    for name in REPORT_NAMES:  # the key holder computes each once and saves it
        assert json.loads(report(db, keys, name, "--json")) == json.loads(
            computed[(name, "--json")]
        )
    holder = Ledger.open(str(db), log_key=shared_keyring.log_key())
    holder.verify_before_acting()
    for name in REPORT_NAMES:
        assert saved.saved_report(holder, name, None) is not None, name
    holder.close()
    for view in views:  # then prints each view from the saved bodies
        assert report(db, keys, *view) == computed[tuple(view)], view
