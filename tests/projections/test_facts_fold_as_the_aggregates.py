"""The reports' facts hold, for every subject, the state the rules judge by.

A simulated city (with its corrections and retractions) and an epilogue
recording the types the city leaves out (governance keys, a removed head, a
withdrawn charge, a sentence, a membership corrected to name another person)
give a log with every event type. On it the facts fold each statement into the
subject its rule handler recorded it on, and each subject's state equals the
aggregate the application loads from the event store, whether the facts were
folded statement by statement or restored from a snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.group import Group
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.crypto import generate_signing_key, key_id, public_key_text
from ledger.keyring import Keyring
from ledger.projections.facts import SHARED_TEXT, Facts
from ledger.service import Ledger
from ledger.simulation import CityConfig, simulate
from ledger.vocabulary.base import VOCABULARY
from tests.conftest import Clock, Recorder, chartered_ledger
from tests.projections.signed_city import SignedCity

CITY = CityConfig(start=datetime(2025, 9, 1, tzinfo=UTC), seed=3, months=2, groups=3)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def record_epilogue(ledger: Ledger, keyring: Keyring, clock: Clock) -> None:
    """The event types a two-month city does not record, through the real signed path."""
    city = SignedCity(ledger, Recorder(keyring, clock), clock)
    r = city.record

    def correct(name: str, original: str, reason: str, data: dict[str, Any], **more: str) -> None:
        change = {"original": city.ids[original], "reason": reason, "corrected_data": data}
        r(name, "event.corrected", "police", {**change, **more})

    group = next(
        json.loads(e.leaf)["data"]["group"]
        for e in ledger.events()
        if json.loads(e.leaf)["type"] == "group.registered"
    )
    for person in ("P-EPI-1", "P-EPI-2"):
        r(
            person,
            "person.registered",
            "police",
            {"person": person, "area": "Lyari", "birth_year": 1991},
            sealed={"name": f"Name of {person}", "id_number": "42201-0000000-9", "address": "x"},
        )
    membership = {"person": "P-EPI-1", "group": group, "role_in_group": "member", "basis": "FIRs"}
    r("member", "membership.asserted", "police", membership)
    correct(
        "member-fixed",
        "member",
        "The FIRs name the other pseudonym.",
        {**membership, "person": "P-EPI-2"},
    )
    r(
        "officer",
        "officer.registered",
        "police",
        {"officer": "OFF-EPI", "rank": "SI", "station": "Lyari", "unit": "Ceasefire"},
        sealed={"name": "Officer Epilogue", "badge_number": "B-9"},
    )
    arrest = {
        "case": "FIR-EPI-1",
        "person": "P-EPI-1",
        "incidents": [],
        "grounds": "named by a witness",
        "officer": "OFF-EPI",
        "station": "Lyari",
    }
    r("arrest", "arrest.made", "police", arrest)
    correct(
        "arrest-moved",
        "arrest",
        "The station was mistyped.",
        {**arrest, "station": "Kalakot"},
        corrected_occurred_at=clock.stamp(hours=-2),
    )
    charge = {"case": "FIR-EPI-1", "person": "P-EPI-1", "charges": ["PPC 324"], "prosecutor": "PR"}
    r("charge", "charge.filed", "prosecution", charge)
    withdrawal = {"case": "FIR-EPI-1", "person": "P-EPI-1", "reason": "compounded"}
    r("withdrawn", "charge.withdrawn", "prosecution", withdrawal)
    r(
        "withdrawal-retracted",
        "event.retracted",
        "prosecution",
        {"original": city.ids["withdrawn"], "reason": "Recorded in the wrong case."},
    )
    r("charge-2", "charge.filed", "prosecution", {**charge, "case": "FIR-EPI-2"})
    r(
        "verdict",
        "verdict.delivered",
        "court",
        {
            "case": "FIR-EPI-2",
            "person": "P-EPI-1",
            "verdict": "convicted",
            "section": "trial",
            "judge": "J",
        },
    )
    r(
        "sentence",
        "sentence.imposed",
        "court",
        {
            "case": "FIR-EPI-2",
            "person": "P-EPI-1",
            "sentence": "Two years",
            "custodial_months": 24,
            "judge": "J",
        },
    )
    head = ledger.store.load(Registry, Registry.id_for(REGISTRY_KEY))
    assert head is not None and head.head is not None
    r("removed", "head.removed", "committee", {"head": head.head["head"], "reason": "Term cut"})
    new_key = generate_signing_key().public_key()
    r(
        "key",
        "key.registered",
        "committee",
        {
            "institution": "court",
            "public_key": public_key_text(new_key),
            "purpose": "signing",
            "reason": "A second registrar",
        },
    )
    r("revoked", "key.revoked", "court", {"key_id": key_id(new_key), "reason": "Lost"})


@pytest.fixture(scope="module")
def city(shared_keyring: Keyring, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    folder = tmp_path_factory.mktemp("one-fold")
    clock = Clock(NOW)
    ledger = chartered_ledger(str(folder / "city.db"), shared_keyring, clock)
    simulate(ledger, shared_keyring.directory, CITY, workers=1, batch_size=500)
    record_epilogue(ledger, shared_keyring, clock)
    yield ledger
    ledger.close()


def statements(ledger: Ledger) -> list[dict[str, Any]]:
    return [
        {**json.loads(e.leaf), "event_id": e.event_id, "leaf_index": e.leaf_index}
        for e in ledger.events()
    ]


def public_state(state: LedgerAggregate) -> dict[str, Any]:
    """What a lifecycle holds, without eventsourcing's id, version and timestamps."""
    return {k: v for k, v in vars(state).items() if not k.startswith("_")}


@pytest.fixture(scope="module", params=["folded", "from a snapshot"])
def facts(city: Ledger, request: pytest.FixtureRequest) -> Facts:
    folded = Facts().apply_all(statements(city))
    if request.param == "folded":
        return folded
    return Facts.from_state(json.loads(json.dumps(folded.to_state())))


def test_the_city_records_every_event_type_with_corrections_and_retractions(
    city: Ledger,
) -> None:
    recorded = {s["type"] for s in statements(city)}
    assert recorded == set(VOCABULARY), f"not recorded: {sorted(set(VOCABULARY) - recorded)}"


def test_the_facts_fold_each_statement_into_the_subject_its_rule_handler_chose(
    city: Ledger, facts: Facts
) -> None:
    folded_into = {
        event_id: type(state).id_for(state.key)
        for state in facts.states
        for event_id in state.event_ids
    }
    stored = list(city.events())
    assert len(folded_into) == len(stored)
    chose_otherwise = [
        (json.loads(e.leaf)["type"], e.event_id)
        for e in stored
        if str(folded_into.get(e.event_id or "")) != e.originator_id
    ]
    assert chose_otherwise == []


def test_every_subject_of_the_facts_is_the_aggregate_loaded_from_the_store(
    city: Ledger, facts: Facts
) -> None:
    subjects = list(facts.states)
    assert len(subjects) == len({e.originator_id for e in city.events()})
    differ = []
    for state in subjects:
        aggregate = city.store.load(LedgerAggregate, type(state).id_for(state.key))
        assert type(aggregate) is type(state), state.key
        if public_state(aggregate) != public_state(state):
            differ.append(f"{type(state).kind} {state.key}")
    assert differ == []


def test_a_state_that_differs_from_its_aggregate_is_seen(city: Ledger, facts: Facts) -> None:
    """The comparison above is not blind: the corrected membership moved a person."""
    group = next(g for g in facts.states.of(Group).values() if "P-EPI-2" in g.memberships)
    aggregate = city.store.load(Group, Group.id_for(group.key))
    assert aggregate is not None and public_state(aggregate) == public_state(group)
    assert "P-EPI-1" not in group.memberships
    moved = Group.bare(group.key)
    vars(moved).update(public_state(group))
    moved.memberships = {**group.memberships, "P-EPI-1": group.memberships["P-EPI-2"]}
    assert public_state(aggregate) != public_state(moved)


def test_each_text_the_statements_repeat_is_held_once(facts: Facts) -> None:
    """A type, a recorder, a field name or a short value (a person, a case, an offence) that many
    statements repeat is one object in the facts, however many times it was decoded."""
    held: dict[str, set[int]] = {}
    uses = 0
    for event in facts.events.values():
        for data in (event["data"], event.get("original_data") or {}):
            values = [v for v in data.values() if isinstance(v, str) and len(v) <= SHARED_TEXT]
            values += [v for v in data.values() if isinstance(v, list) for v in v]
            for text in [event["type"], event["recorder"], *data, *values]:
                if isinstance(text, str) and len(text) <= SHARED_TEXT:
                    held.setdefault(text, set()).add(id(text))
                    uses += 1
    assert uses > 2 * len(held) > 0  # texts are repeated: the test has something to find
    assert {text: len(ids) for text, ids in held.items() if len(ids) > 1} == {}
