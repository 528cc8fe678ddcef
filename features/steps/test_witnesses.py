"""Steps for features/witnesses.feature: real witnesses and a real ledger API on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from api.app import create_app
from ledger.errors import HistoryConflict, QuorumNotReached
from ledger.keyring import Keyring
from ledger.log.checkpoint import open_checkpoint
from ledger.log.cosignature import CosignatureVerifier
from ledger.log.note import NoteVerifier, open_note
from ledger.service import Ledger
from ledger.signature_pool import Checker
from ledger.storage.sql_store import Store
from ledger.witnessing.cosigning import publish
from ledger.witnessing.mirror import Mirror
from ledger.witnessing.policy import WitnessEntry, WitnessPolicy
from ledger.witnessing.published import latest_published_checkpoint, published_checkpoints
from ledger.witnessing.server import WitnessApp
from tests.api.conftest import api_settings
from tests.conftest import Clock, drop_pg_schema, fresh_pg_schema
from tests.witnessing.conftest import Served, new_witness, record_heads, serve

scenarios("witnesses.feature")


@pytest.fixture
def scene() -> Iterator[dict[str, Any]]:
    """What the scenario built: witnesses, servers, the fork; servers stopped at the end."""
    state: dict[str, Any] = {"served": [], "cleanup": []}
    yield state
    for served in reversed(state["served"]):
        served.stop()
    for step in state["cleanup"]:
        step()


def started(scene: dict[str, Any], app: Any) -> Served:
    served = serve(app)
    scene["served"].append(served)
    return served


def fork_of(
    ledger: Ledger,
    branch_at: int,
    scene: dict[str, Any],
    tmp_path: Path,
    keyring: Keyring,
    clock: Clock,
    recorder: Any,
) -> Ledger:
    """Another database holding the same first ``branch_at`` statements, then others."""
    if ledger.store.url.startswith("sqlite"):
        url = str(tmp_path / "fork.db")
    else:
        url, schema = fresh_pg_schema(ledger.store.url.split("?")[0])
        scene["cleanup"].append(lambda: drop_pg_schema(schema))
    fork = Ledger(Store(url), log_key=keyring.log_key(), clock=clock, checker=Checker(processes=1))
    scene["cleanup"].insert(0, fork.close)
    fork.append_lines([s.leaf for s in ledger.events(limit=branch_at)])
    record_heads(fork, recorder, clock, ledger.size - branch_at + 1, prefix="OTHER")
    fork.sign_checkpoint()
    return fork


@given("the committee and the press witness the ledger")
def witnesses(scene: dict[str, Any], keyring: Keyring, tmp_path: Path) -> None:
    found = [
        new_witness(tmp_path / n, f"{n}.example/witness", keyring) for n in ("committee", "press")
    ]
    urls = [started(scene, WitnessApp(w)).url for w in found]
    scene["witnesses"] = found
    scene["policy"] = WitnessPolicy(
        tuple(
            WitnessEntry(w.name.split(".")[0], u, w.vkey) for w, u in zip(found, urls, strict=True)
        ),
        2,
    )


@given(parsers.parse("the ledger holds a charter and {count:d} appointments and removals of heads"))
def heads(ledger: Ledger, recorder: Any, clock: Clock, count: int) -> None:
    record_heads(ledger, recorder, clock, count)


@given(parsers.parse("the committee and the press cosigned the checkpoint at size {size:d}"))
def first_publication(ledger: Ledger, scene: dict[str, Any], size: int) -> None:
    assert publish(ledger, scene["policy"]).size == size


@when(parsers.parse("{count:d} more events are recorded and the operator publishes"))
def publish_more(
    ledger: Ledger, recorder: Any, clock: Clock, scene: dict[str, Any], count: int
) -> None:
    record_heads(ledger, recorder, clock, count, prefix="LATER")
    scene["publication"] = publish(ledger, scene["policy"])


@then(parsers.parse("the committee and the press cosign the checkpoint at size {size:d}"))
def both_cosigned(ledger: Ledger, scene: dict[str, Any], size: int) -> None:
    assert sorted(scene["publication"].cosigned_by) == ["committee", "press"]
    for witness in scene["witnesses"]:
        assert witness.state(ledger.origin).size == size


@then("the published checkpoint carries both cosignatures")
def carries_both(ledger: Ledger, scene: dict[str, Any]) -> None:
    note = latest_published_checkpoint(ledger.store)
    verifiers = [ledger.log_verifier()] + [
        CosignatureVerifier.from_vkey(w.vkey) for w in scene["witnesses"]
    ]
    assert note is not None and len(open_note(note, verifiers).verified) == 3


@when(
    parsers.parse(
        "the operator shows the court a different history that branches off at size {size:d}"
    )
)
def show_fork(
    ledger: Ledger,
    scene: dict[str, Any],
    tmp_path: Path,
    keyring: Keyring,
    clock: Clock,
    recorder: Any,
    size: int,
) -> None:
    fork = fork_of(ledger, size, scene, tmp_path, keyring, clock, recorder)
    scene["fork"] = fork
    with pytest.raises(QuorumNotReached) as refused:
        publish(fork, scene["policy"])
    scene["refusal"] = refused.value


@then("the witnesses refuse to cosign and keep both checkpoints as evidence")
def refused_with_evidence(ledger: Ledger, scene: dict[str, Any]) -> None:
    assert "0 of 2" in str(scene["refusal"])
    for witness in scene["witnesses"]:
        (evidence,) = witness.evidence()
        assert evidence.cosigned_note == ledger.checkpoint_at(5).note
        assert evidence.presented_note == scene["fork"].latest_checkpoint().note


@then("nothing new is published")
def nothing_new(ledger: Ledger, scene: dict[str, Any]) -> None:
    assert [size for size, _, _ in published_checkpoints(ledger.store)] == [5]
    assert latest_published_checkpoint(scene["fork"].store) is None


@then("the two checkpoints in the evidence are signed by the log for different histories")
def different_histories(ledger: Ledger, scene: dict[str, Any], keyring: Keyring) -> None:
    log_key = NoteVerifier.from_vkey(keyring.log_vkey())
    evidence = scene["witnesses"][0].evidence()[0]
    cosigned = open_checkpoint(evidence.cosigned_note, [log_key], origin=ledger.origin)
    presented = open_checkpoint(evidence.presented_note, [log_key], origin=ledger.origin)
    assert presented.size > cosigned.size
    assert scene["fork"].tree.root(cosigned.size) != cosigned.root_hash


@given("the press keeps a mirror of the ledger")
def press_mirror(
    ledger: Ledger, scene: dict[str, Any], keyring: Keyring, clock: Clock, tmp_path: Path
) -> None:
    api = started(scene, create_app(api_settings(ledger.store.url, keyring, clock)))
    local = Ledger(Store(str(tmp_path / "press-mirror.db")), checker=Checker(processes=1))
    scene["cleanup"].insert(0, local.close)
    scene["mirror"] = local
    Mirror(api.url, local).sync_once()
    assert local.root() == ledger.root()


@when("the operator serves a different history to the mirror")
def serve_fork(
    ledger: Ledger,
    scene: dict[str, Any],
    tmp_path: Path,
    keyring: Keyring,
    clock: Clock,
    recorder: Any,
) -> None:
    fork = fork_of(ledger, 3, scene, tmp_path, keyring, clock, recorder)
    scene["fork"] = fork
    api = started(scene, create_app(api_settings(fork.store.url, keyring, clock)))
    with pytest.raises(HistoryConflict) as alarm:
        Mirror(api.url, scene["mirror"]).sync_once()
    scene["alarm"] = alarm.value


@then("the mirror raises the alarm naming both checkpoints")
def alarm_names_both(ledger: Ledger, scene: dict[str, Any]) -> None:
    alarm = scene["alarm"]
    assert "two histories" in str(alarm)
    assert alarm.verified_note == ledger.checkpoint_at(5).note
    assert alarm.presented_note == scene["fork"].latest_checkpoint().note


@then("the mirror keeps the history it verified")
def mirror_kept(ledger: Ledger, scene: dict[str, Any]) -> None:
    assert scene["mirror"].size == 5 and scene["mirror"].root() == ledger.tree.root(5)
