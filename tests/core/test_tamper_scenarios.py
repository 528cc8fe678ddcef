"""The attacks a reviewer made with database access, each now refused.

Editing a column beside the leaf used to change what the program did while
``ledger verify`` still passed: a revoked key became active again, and the
statement served (and unsealed) under one id was another's. Each edit below
is made with SQL, as an operator with database access could.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from ledger.crypto import generate_signing_key, key_id, public_key_text
from ledger.errors import TamperDetected
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.statements import Draft
from ledger.verification.replay import verify_store
from tests.conftest import Clock, Recorder


def execute(ledger: Ledger, sql: str, **params: Any) -> None:
    with ledger.store.engine.begin() as conn:
        conn.execute(text(sql), params)


def group_by(key: Any, ledger: Ledger, clock: Clock, group: str) -> Any:
    draft = Draft(
        type="group.registered",
        recorder="police",
        occurred_at=clock.stamp(),
        data={"group": group, "name": group, "kind": "criminal_gang", "area": "Lyari"},
    )
    return draft.sign(ledger=ledger.origin, key=key, now=clock())


@pytest.mark.postgres
def test_a_revocation_moved_out_of_the_registry_does_not_reactivate_the_key(
    ledger: Ledger, recorder: Recorder, clock: Clock, keyring: Keyring
) -> None:
    second = generate_signing_key()
    ledger.append(
        [
            recorder.sign(
                "key.registered",
                "committee",
                {
                    "institution": "police",
                    "public_key": public_key_text(second.public_key()),
                    "purpose": "signing",
                    "reason": "second police key",
                },
            )
        ]
    )
    clock.advance(minutes=1)
    (revoked,) = ledger.append(
        [
            recorder.sign(
                "key.revoked",
                "committee",
                {"key_id": key_id(second.public_key()), "reason": "stolen"},
            )
        ]
    )
    ledger.sign_checkpoint()
    # Move the revocation to a lifecycle of its own: the registry no longer sees it.
    execute(
        ledger,
        "UPDATE ledger_events SET originator_id = :o, originator_version = 1"
        " WHERE id = (SELECT notification_id FROM ledger_leaves WHERE leaf_index = :p)",
        o=uuid.uuid4() if "postgresql" in ledger.store.url else uuid.uuid4().bytes,
        p=revoked.leaf_index,
    )
    report = verify_store(ledger.store)
    assert any(
        p.event_id == revoked.event_id and p.column == "ledger_events.originator_id"
        for p in report.problems
    ), [str(p) for p in report.problems]
    server = Ledger.open(ledger.store.url, log_key=keyring.log_key(), clock=clock)
    try:
        size = server.store.leaf_count()
        clock.advance(minutes=1)
        with pytest.raises(TamperDetected) as refused:
            server.append([group_by(second, server, clock, "after-revocation")])
        assert revoked.event_id in str(refused.value)
        assert server.store.leaf_count() == size
    finally:
        server.close()


@pytest.mark.postgres
def test_an_index_pointing_one_id_at_anothers_statement_is_never_served_or_unsealed(
    ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    first = ledger.append(
        [
            recorder.sign(
                "group.registered",
                "police",
                {"group": "a", "name": "A", "kind": "other", "area": "Lyari"},
            )
        ]
    )[0]
    second = ledger.append(
        [
            recorder.sign(
                "group.registered",
                "police",
                {"group": "b", "name": "B", "kind": "other", "area": "Lyari"},
            )
        ]
    )[0]
    # Point the first id at the second statement's row.
    execute(
        ledger,
        "UPDATE ledger_leaves SET notification_id ="
        " (SELECT notification_id FROM ledger_leaves WHERE leaf_index = :b) WHERE leaf_index = :a",
        a=first.leaf_index,
        b=second.leaf_index,
    )
    reader = Ledger.open(ledger.store.url)
    try:
        with pytest.raises(TamperDetected) as refused:
            reader.statement_leaf(first.event_id)
        assert first.event_id in str(refused.value)
        assert reader.statement_leaf(second.event_id).event_id == second.event_id
    finally:
        reader.close()
    assert not verify_store(ledger.store).ok
