"""Readers share the ledger and reuse what never changes, yet always see the latest checkpoint."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from api.caches import LRU
from api.gate import ReadersWriterLock
from ledger.service import Ledger
from tests.api.conftest import key_registration
from tests.conftest import Recorder


def test_the_checkpoint_served_follows_one_signed_by_another_process(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    first = ledger.sign_checkpoint()
    assert client.get("/v1/checkpoint").text == first.note
    assert client.get("/v1/checkpoint").text == first.note  # answered from memory
    assert client.get("/v1/events").json()["tree_size"] == first.size

    (appended,) = ledger.append([key_registration(recorder)])  # another writer, not this server
    second = ledger.sign_checkpoint()

    assert second.size == first.size + 1
    assert client.get("/v1/checkpoint").text == second.note
    assert client.get("/checkpoint").text == second.note
    assert client.get("/v1/checkpoints/latest").json()["size"] == second.size
    assert client.get("/v1/events").json()["tree_size"] == second.size
    proof = client.get(f"/v1/proofs/inclusion/{appended.event_id}").json()
    assert proof["tree_size"] == second.size and proof["checkpoint"] == second.note


def test_a_remembered_event_and_proof_are_served_as_first_read(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    (appended,) = ledger.append([key_registration(recorder)])
    ledger.sign_checkpoint()
    event = [client.get(f"/v1/events/{appended.event_id}") for _ in range(2)]
    proof = [client.get(f"/v1/proofs/inclusion/{appended.event_id}") for _ in range(2)]
    assert event[0].status_code == proof[0].status_code == 200
    assert (
        event[0].json() == event[1].json() and event[0].json()["leaf_index"] == appended.leaf_index
    )
    assert proof[0].json() == proof[1].json()


def test_an_lru_keeps_the_recently_used_within_its_count_and_weight() -> None:
    cache: LRU[str] = LRU(max_items=2, max_weight=10)
    cache.put("a", "A", 4)
    cache.put("b", "B", 4)
    assert cache.get("a") == "A"  # "b" is now the least recently used
    cache.put("c", "C", 4)  # over the weight: "b" goes
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    cache.put("d", "D", 1)  # over the count: "a" goes
    assert cache.get("a") is None and len(cache) == 2
    cache.put("huge", "H", 11)  # heavier than the whole budget: not kept
    assert cache.get("huge") is None and cache.get("c") == "C"


def test_readers_hold_the_gate_together() -> None:
    lock = ReadersWriterLock()
    together = threading.Barrier(2, timeout=10)  # broken unless both readers are inside at once
    outcomes: list[bool] = []

    def reader() -> None:
        with lock.shared():
            try:
                together.wait()
                outcomes.append(True)
            except threading.BrokenBarrierError:
                outcomes.append(False)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [True, True]
    with lock.exclusive():  # and a writer gets in once they are gone
        pass
