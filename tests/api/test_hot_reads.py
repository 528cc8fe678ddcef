"""Remembered answers (``api.hot``, ``api.reporting``): the same bytes as the routes', never for another state."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.caches import TileStore
from ledger.service import Ledger
from tests.api.conftest import key_registration
from tests.conftest import Recorder


def wire(answer: Any) -> tuple[int, bytes, dict[str, str]]:
    """What a client receives, less the date the server stamps on every answer."""
    headers = {k: v for k, v in answer.headers.items() if k not in ("date", "server")}
    return answer.status_code, answer.content, headers


def test_a_remembered_answer_is_the_routes_answer_byte_for_byte(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    (appended,) = ledger.append([key_registration(recorder)])
    ledger.sign_checkpoint()
    for path in (
        "/v1/checkpoint",
        "/checkpoint",
        f"/v1/events/{appended.event_id}",
        f"/v1/proofs/inclusion/{appended.event_id}",
        "/v1/reports/promises",
        "/v1/reports/promises?as_of=2100-01-01T00:00:00Z",
    ):
        first, second = (wire(client.get(path)) for _ in range(2))  # computed, then remembered
        assert first[0] == 200, path
        assert first == second, path
    csv = [wire(client.get("/v1/reports/groups", headers={"Accept": "text/csv"})) for _ in "ab"]
    assert csv[0] == csv[1] and csv[0][2]["content-type"] == "text/csv; charset=utf-8"


def test_a_proof_remembered_at_one_checkpoint_is_not_served_at_the_next(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    (appended,) = ledger.append([key_registration(recorder)])
    first = ledger.sign_checkpoint()
    path = f"/v1/proofs/inclusion/{appended.event_id}"
    assert client.get(path).json()["tree_size"] == first.size
    assert client.get(path).json()["tree_size"] == first.size  # now remembered

    ledger.append([key_registration(recorder, "another key")])  # another writer, not this server
    second = ledger.sign_checkpoint()

    proof = client.get(path).json()
    assert proof["tree_size"] == second.size and proof["checkpoint"] == second.note
    as_text = client.get(path, headers={"Accept": "text/plain"})
    assert as_text.headers["content-type"].startswith("text/plain")
    assert second.note in as_text.text
    older = client.get(f"{path}?size={first.size}").json()
    assert older["tree_size"] == first.size and older["checkpoint"] == first.note


def test_a_remembered_report_follows_the_log_and_its_parameters(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    first = ledger.sign_checkpoint()
    report = client.get("/v1/reports/groups").json()
    assert client.get("/v1/reports/groups").json() == report  # remembered
    assert report["tree_size"] == first.size and report["as_of"] == first.signed_at

    ledger.append([key_registration(recorder)])  # the log grows; no checkpoint covers it yet
    grown = client.get("/v1/reports/groups").json()
    assert grown["tree_size"] == first.size + 1

    second = ledger.sign_checkpoint()
    signed = client.get("/v1/reports/groups").json()
    assert signed["tree_size"] == second.size and signed["as_of"] == second.signed_at

    later = client.get("/v1/reports/groups?as_of=2100-01-01T00:00:00Z").json()
    assert (
        later["as_of"] == "2100-01-01T00:00:00Z" and later["as_of_source"] != signed["as_of_source"]
    )
    assert client.get("/v1/reports/groups").json() == signed
    other = client.get("/v1/reports/releases").json()
    assert other["name"] == "releases"
    csv = client.get("/v1/reports/groups", headers={"Accept": "text/csv"})
    assert csv.headers["x-tree-size"] == str(second.size) and not csv.text.startswith("{")


def test_a_request_the_remembered_answers_do_not_cover_reaches_the_routes(
    client: TestClient, ledger: Ledger, recorder: Recorder
) -> None:
    (appended,) = ledger.append([key_registration(recorder)])
    ledger.sign_checkpoint()
    for path in (f"/v1/events/{appended.event_id}", "/v1/checkpoint", "/v1/reports/groups"):
        assert client.get(path).status_code == 200
        refused = client.get(f"{path}?colour=blue")  # an unknown parameter is still refused
        assert refused.status_code == 400 and refused.json()["field"] == "colour", path
    assert client.head(f"/v1/events/{appended.event_id}").status_code in (200, 405)
    assert client.get("/v1/reports/groups?as_of=yesterday").status_code == 400


def test_a_report_is_sent_gzipped_only_to_a_client_that_accepts_it(
    client: TestClient, ledger: Ledger
) -> None:
    ledger.sign_checkpoint()
    for _ in "ab":  # computed, then remembered
        plain = client.get("/v1/reports/groups", headers={"Accept-Encoding": "identity"})
        zipped = client.get("/v1/reports/groups", headers={"Accept-Encoding": "br, gzip"})
        refused = client.get("/v1/reports/groups", headers={"Accept-Encoding": "gzip;q=0, *"})
        assert "content-encoding" not in plain.headers and "content-encoding" not in refused.headers
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
        assert zipped.content == plain.content == refused.content  # decoded by the client
        assert int(zipped.headers["content-length"]) < len(plain.content)


def test_a_tile_pushed_out_of_memory_is_served_from_the_processs_own_file() -> None:
    store = TileStore(max_memory=10, max_disk=20)
    store.put("a", b"A" * 8, '"a"')
    store.put("b", b"B" * 8, '"b"')  # over the memory budget: "a" leaves memory
    assert store.memory.get("a") is None
    assert store.get("a") == (b"A" * 8, '"a"') and store.get("b") == (b"B" * 8, '"b"')
    store.put("c", b"C" * 8, '"c"')  # over the disk budget: kept in memory only
    store.put("d", b"D" * 8, '"d"')
    assert store.get("c") is None and store.get("d") == (b"D" * 8, '"d"')
    directory = store._directory  # noqa: SLF001  (the files are the point of this test)
    assert directory is not None and len(list(directory.iterdir())) == 2
    store.close()
    assert not directory.exists() and store.get("a") is None
