"""A replay that stores nothing decides as the one that makes aggregate events.

Verifying an export folds each statement into bare lifecycle states
(``Decision(..., envelopes=False)``); checking a database makes the aggregate
events it compares with the stored rows. Both must take every decision alike
and end with the same state of every lifecycle.
"""

from __future__ import annotations

from typing import Any

from ledger.admission import Decision, Entry
from ledger.errors import LedgerError
from ledger.service import Ledger
from ledger.signature_pool import Checker
from ledger.verification.replay import MemoryWorld
from tests.conftest import Clock, Recorder
from tests.projections.signed_city import SignedCity, record_city


def _replay(lines: list[str], keys: dict[str, bytes], *, envelopes: bool) -> tuple[Any, ...]:
    world = MemoryWorld()
    decided: list[str] = []
    checker = Checker(1)
    for position, checked in enumerate(checker.check(lines, keys)):
        assert checked.statement is not None
        decision = Decision(world, envelopes=envelopes)
        try:
            info = decision.decide(Entry(checked.statement, position, checked.signature_ok))
        except LedgerError as exc:
            decided.append(f"{type(exc).__name__}: {exc}")
            continue
        decided.append(f"{info.aggregate_id} {info.type}")
        world.commit(decision)
    states = {
        agg_id: (type(agg).__name__, {k: v for k, v in vars(agg).items() if not k.startswith("_")})
        for agg_id, agg in world.aggregates.items()
    }
    return decided, states, world.infos


def test_a_replay_without_aggregate_events_decides_and_folds_as_the_one_with_them(
    sqlite_ledger: Ledger, recorder: Recorder, clock: Clock
) -> None:
    record_city(SignedCity(sqlite_ledger, recorder, clock))
    lines = [stored.leaf for stored in sqlite_ledger.events()]
    # refused statements too: one recorded twice, one whose references are not yet in the log
    mid = len(lines) // 2
    lines = lines[:mid] + [lines[mid // 2], lines[-1]] + lines[mid:]
    keys = sqlite_ledger.signing_keys()
    with_events = _replay(lines, keys, envelopes=True)
    bare = _replay(lines, keys, envelopes=False)
    assert bare == with_events
    decided, states, _ = bare
    assert decided[mid].startswith("ReplayedStatement")
    assert sum(": " in d for d in decided) >= 2  # the early one, or its later place in the log
    assert len(states) > 10
    lifecycle_states = [s for _, s in states.values() if "corrections" in s]
    assert any(s["corrections"] or s["retractions"] for s in lifecycle_states)
