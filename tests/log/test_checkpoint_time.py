"""The log signs the time of each checkpoint, so deadlines are judged at a signed time."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger.log.checkpoint import Checkpoint


def test_checkpoint_carries_the_signed_time_as_an_extension_line() -> None:
    at = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
    cp = Checkpoint.at_time("example.org/log", 7, b"\x01" * 32, at)
    parsed = Checkpoint.parse(cp.to_text())
    assert parsed.extensions == ("time 2026-03-01T09:30:15Z",)
    assert parsed.signed_time == at


def test_checkpoint_without_a_time_line_has_no_signed_time() -> None:
    cp = Checkpoint("example.org/log", 7, b"\x01" * 32, ("other extension",))
    assert Checkpoint.parse(cp.to_text()).signed_time is None


def test_signed_checkpoint_time_is_the_ledger_clock(ledger, clock) -> None:  # type: ignore[no-untyped-def]
    signed = ledger.sign_checkpoint()
    body = signed.note.split("\n\n", 1)[0] + "\n"
    assert Checkpoint.parse(body).signed_time == clock()
