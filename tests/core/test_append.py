"""Appending: who may sign what, as of each position; bad input changes nothing.

Every test here runs on a SQLite file and on PostgreSQL (the ``ledger`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto import public_key_text
from ledger.errors import (
    CaseRuleViolation,
    ClockSkew,
    InvalidSignature,
    LedgerError,
    MalformedStatement,
    ReplayedStatement,
    RevokedKey,
    UnauthorizedRole,
    UnknownEventType,
    UnknownKey,
    UnknownReference,
)
from ledger.service import Ledger
from ledger.statements import Draft, parse_statement
from ledger.storage import sql_store
from tests.conftest import Clock, Recorder

HEAD = {"head": "H-1", "term_start": "2026-03-01T00:00:00Z", "reason": "appointed by the committee"}


def state(ledger: Ledger) -> tuple[int, bytes]:
    return ledger.size, ledger.root()


def assert_refused(
    ledger: Ledger, statements: list[Any], error: type[LedgerError], field: str | None = None
) -> LedgerError:
    before = state(ledger)
    with pytest.raises(error) as info:
        ledger.append(statements)
    assert state(ledger) == before, "a refused append must store nothing"
    reopened = Ledger.open(ledger.store.url)
    try:
        assert state(reopened) == before, "nothing may reach the database either"
    finally:
        reopened.close()
    if field is not None:
        assert info.value.field == field
    return info.value


def test_appended_statements_take_consecutive_log_positions(
    ledger: Ledger, recorder: Recorder
) -> None:
    appended = ledger.append([recorder.sign("head.appointed", "committee", HEAD)])
    assert [a.leaf_index for a in appended] == [1]
    assert ledger.size == 2
    events = list(ledger.events())
    assert [e.leaf_index for e in events] == [0, 1]
    assert events[1].event_id == appended[0].event_id


def test_the_same_statement_cannot_be_recorded_twice(ledger: Ledger, recorder: Recorder) -> None:
    statement = recorder.sign("head.appointed", "committee", HEAD)
    ledger.append([statement])
    error = assert_refused(ledger, [statement], ReplayedStatement)
    assert statement.event_id in str(error)


def test_a_replay_inside_one_batch_is_refused(ledger: Ledger, recorder: Recorder) -> None:
    statement = recorder.sign("head.appointed", "committee", HEAD)
    assert_refused(ledger, [statement, statement], ReplayedStatement)


def test_a_forged_signature_is_refused(ledger: Ledger, recorder: Recorder) -> None:
    genuine = recorder.sign("head.appointed", "committee", HEAD).to_dict()
    forged = parse_statement({**genuine, "data": {**HEAD, "head": "H-666"}})
    assert_refused(ledger, [forged], InvalidSignature, "signature")


def test_a_statement_signed_by_an_unknown_key_is_refused(ledger: Ledger, clock: Clock) -> None:
    stranger = Ed25519PrivateKey.generate()
    draft = Draft(type="head.appointed", recorder="committee", occurred_at=clock.stamp(), data=HEAD)
    statement = draft.sign(ledger=ledger.origin, key=stranger, now=clock())
    assert_refused(ledger, [statement], UnknownKey, "key_id")


def test_a_key_signing_for_another_institution_is_refused(
    ledger: Ledger, keyring: Any, clock: Clock
) -> None:
    draft = Draft(type="head.appointed", recorder="committee", occurred_at=clock.stamp(), data=HEAD)
    statement = draft.sign(ledger=ledger.origin, key=keyring.signing_key("police"), now=clock())
    assert_refused(ledger, [statement], UnknownKey, "key_id")


def test_a_role_that_may_not_record_the_type_is_refused(ledger: Ledger, recorder: Recorder) -> None:
    error = assert_refused(
        ledger, [recorder.sign("head.appointed", "police", HEAD)], UnauthorizedRole, "type"
    )
    assert "only committee may" in str(error)


def test_an_unknown_event_type_is_refused(ledger: Ledger, recorder: Recorder) -> None:
    assert_refused(
        ledger, [recorder.sign("shooting.imagined", "police", {})], UnknownEventType, "type"
    )


def test_missing_extra_and_mistyped_fields_are_refused_with_their_path(
    ledger: Ledger, recorder: Recorder
) -> None:
    missing = {k: v for k, v in HEAD.items() if k != "reason"}
    assert_refused(
        ledger,
        [recorder.sign("head.appointed", "committee", missing)],
        MalformedStatement,
        "data.reason",
    )
    extra = {**HEAD, "salary": 10}
    assert_refused(
        ledger,
        [recorder.sign("head.appointed", "committee", extra)],
        MalformedStatement,
        "data.salary",
    )
    mistyped = {**HEAD, "term_start": 20260301}
    assert_refused(
        ledger,
        [recorder.sign("head.appointed", "committee", mistyped)],
        MalformedStatement,
        "data.term_start",
    )


def test_a_statement_recorded_in_the_future_beyond_the_skew_is_refused(
    ledger: Ledger, keyring: Any, clock: Clock
) -> None:
    draft = Draft(
        type="head.appointed",
        recorder="committee",
        occurred_at=clock.stamp(),
        data=HEAD,
        recorded_at=clock.stamp(minutes=30),
    )
    statement = keyring.sign(draft, now=clock())
    assert_refused(ledger, [statement], ClockSkew, "recorded_at")


def test_a_reference_to_an_unknown_event_is_refused(ledger: Ledger, recorder: Recorder) -> None:
    statement = recorder.sign("head.appointed", "committee", HEAD, refs=["0" * 64])
    assert_refused(ledger, [statement], UnknownReference, "refs[0]")


def test_one_bad_statement_refuses_the_whole_batch(ledger: Ledger, recorder: Recorder) -> None:
    good = recorder.sign("head.appointed", "committee", HEAD)
    bad = recorder.sign("head.appointed", "police", {**HEAD, "head": "H-2"})
    error = assert_refused(ledger, [good, bad], UnauthorizedRole)
    assert error.event_id == bad.event_id
    ledger.append([good])  # the good one alone is still accepted afterwards
    assert ledger.size == 2


def test_a_second_charter_is_refused(ledger: Ledger, keyring: Any, clock: Clock) -> None:
    clock.advance(seconds=1)
    charter = keyring.sign(keyring.charter_draft(clock.stamp()), now=clock())
    assert_refused(ledger, [charter], CaseRuleViolation, "type")


def new_key_registration(
    recorder: Recorder, key: Ed25519PrivateKey, institution: str = "police", **extra: Any
) -> Any:
    data = {
        "institution": institution,
        "public_key": public_key_text(key.public_key()),
        "purpose": "signing",
        "reason": "second recording terminal",
        **extra,
    }
    return recorder.sign("key.registered", "committee", data)


def test_a_key_registered_earlier_in_a_batch_can_sign_later_in_it(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    new_key = Ed25519PrivateKey.generate()
    registration = new_key_registration(recorder, new_key)
    draft = Draft(
        type="key.revoked",
        recorder="police",
        occurred_at=clock.stamp(),
        data={"key_id": ledger.registry().institutions["police"].key_ids[0], "reason": "rotated"},
    )
    revocation = draft.sign(ledger=ledger.origin, key=new_key, now=clock())
    ledger.append([registration, revocation])
    registry = ledger.registry()
    assert registry is not None
    old = registry.keys[registry.institutions["police"].key_ids[0]]
    assert not old.active and old.revoked_at == 2


def test_a_revoked_key_is_refused_after_its_revocation_and_earlier_statements_stay_valid(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    from ledger.verification.replay import verify_store

    new_key = Ed25519PrivateKey.generate()
    ledger.append(
        [
            new_key_registration(
                recorder,
                new_key,
                institution="observers",
                role="committee",
                institution_name="Press observers",
            )
        ]
    )
    draft = Draft(type="head.appointed", recorder="observers", occurred_at=clock.stamp(), data=HEAD)
    before_revocation = draft.sign(ledger=ledger.origin, key=new_key, now=clock())
    ledger.append([before_revocation])
    registry = ledger.registry()
    assert registry is not None
    kid = registry.institutions["observers"].key_ids[0]
    ledger.append(
        [recorder.sign("key.revoked", "committee", {"key_id": kid, "reason": "key lost"})]
    )
    clock.advance(seconds=1)
    after = Draft(
        type="head.removed",
        recorder="observers",
        occurred_at=clock.stamp(),
        data={"head": "H-1", "reason": "x"},
    ).sign(ledger=ledger.origin, key=new_key, now=clock())
    error = assert_refused(ledger, [after], RevokedKey, "key_id")
    assert "key lost" in str(error)
    assert verify_store(ledger.store).ok, "the statement signed before the revocation stays valid"


def test_an_institution_may_revoke_only_its_own_keys(ledger: Ledger, recorder: Recorder) -> None:
    registry = ledger.registry()
    assert registry is not None
    court_key = registry.institutions["court"].key_ids[0]
    statement = recorder.sign("key.revoked", "police", {"key_id": court_key, "reason": "mischief"})
    assert_refused(ledger, [statement], UnauthorizedRole, "data.key_id")


def test_a_reopened_ledger_has_the_same_size_and_root(ledger: Ledger, recorder: Recorder) -> None:
    ledger.append([recorder.sign("head.appointed", "committee", HEAD)])
    reopened = Ledger.open(ledger.store.url)
    try:
        assert state(reopened) == state(ledger)
        assert reopened.registry().head["head"] == "H-1"  # type: ignore[union-attr]
    finally:
        reopened.close()


def test_a_second_writer_sees_and_continues_the_first_writers_log(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    other = Ledger.open(ledger.store.url, clock=clock)
    try:
        ledger.append([recorder.sign("head.appointed", "committee", HEAD)])
        clock.advance(seconds=1)
        appended = other.append(
            [recorder.sign("head.removed", "committee", {"head": "H-1", "reason": "term over"})]
        )
        assert appended[0].leaf_index == 2
        assert other.root() == Ledger.open(ledger.store.url).root()
        with pytest.raises(ReplayedStatement):
            ledger.append(
                [recorder.sign("head.removed", "committee", {"head": "H-1", "reason": "term over"})]
            )
    finally:
        other.close()


def test_a_writer_finds_what_another_stored_before_and_after_it_reads_every_subject_id(
    ledger: Ledger, recorder: Recorder, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_store, "MISSES_BEFORE_KNOWN", 3)
    reads: list[sql_store.Store] = []  # the stores that read every subject's id
    read_known = sql_store.Store._read_known

    def counted(store: sql_store.Store) -> set[str]:
        reads.append(store)
        return read_known(store)

    monkeypatch.setattr(sql_store.Store, "_read_known", counted)

    def group(slug: str) -> Any:
        clock.advance(seconds=1)
        data = {"group": slug, "name": slug.upper(), "kind": "other", "area": "Lyari"}
        return recorder.sign("group.registered", "police", data)

    other = Ledger.open(ledger.store.url, clock=clock)
    try:
        ledger.append([group("g-a")])
        other.append([group("g-b")])  # a new subject: looked up in vain, one query
        with pytest.raises(CaseRuleViolation, match="already recorded"):
            other.append([group("g-a")])  # the first writer's subject, found by its query
        assert other.store not in reads  # recording a few statements reads no list of ids
        other.append([group("g-c"), group("g-d"), group("g-e")])  # many new: the ids are read
        assert reads.count(other.store) == 1
        ledger.append([group("g-f")])
        with pytest.raises(CaseRuleViolation, match="already recorded"):
            other.append([group("g-f")])  # stored since the ids were read: still found
        other.append([group("g-g")])
        assert reads.count(other.store) == 1
        assert other.root() == Ledger.open(ledger.store.url).root()
    finally:
        other.close()
