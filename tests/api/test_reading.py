"""Reading the log, checkpoints, proofs and tiles over HTTP, checked independently."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

from fastapi.testclient import TestClient

from ledger.keyring import Keyring
from ledger.log.merkle import leaf_hash, root_of, verify_consistency, verify_inclusion
from ledger.log.note import NoteVerifier
from ledger.log.proof_format import parse_proof, verify_tlog_proof
from ledger.service import Ledger, verify_checkpoint_note
from ledger.statements import parse_statement
from tests.api.conftest import key_registration
from tests.conftest import Recorder


def record(client: TestClient, recorder: Recorder, count: int) -> list[str]:
    statements = [key_registration(recorder, f"key {i}").to_dict() for i in range(count)]
    answer = client.post("/v1/events?wait_for_checkpoint=true", json={"statements": statements})
    assert answer.status_code == 201, answer.text
    return [e["event_id"] for e in answer.json()["events"]]


def test_the_log_is_paged_in_order_with_next_links(client: TestClient, recorder: Recorder) -> None:
    ids = record(client, recorder, 5)
    seen: list[str] = []
    url: str | None = "/v1/events?limit=2"
    while url:
        page = client.get(url).json()
        seen += [item["event_id"] for item in page["items"]]
        assert [i["leaf_index"] for i in page["items"]] == list(
            range(len(seen) - len(page["items"]), len(seen))
        )
        url = page["next"]
    assert seen[1:] == ids and len(seen) == 6


def test_an_event_is_served_as_signed(client: TestClient, recorder: Recorder) -> None:
    (event_id,) = record(client, recorder, 1)
    served = client.get(f"/v1/events/{event_id}").json()
    assert parse_statement(served["statement"]).event_id == event_id
    assert client.get("/v1/events/" + "a" * 64).status_code == 404


def test_inclusion_proofs_verify_as_json_and_as_tlog_proof(
    client: TestClient, recorder: Recorder, keyring: Keyring
) -> None:
    ids = record(client, recorder, 3)
    verifier = NoteVerifier.from_vkey(keyring.log_vkey())
    for event_id in ids:
        statement = client.get(f"/v1/events/{event_id}").json()["statement"]
        leaf = leaf_hash(parse_statement(statement).leaf_bytes())
        proof = client.get(f"/v1/proofs/inclusion/{event_id}").json()
        checkpoint = verify_checkpoint_note(proof["checkpoint"], verifier)
        verify_inclusion(
            leaf,
            proof["leaf_index"],
            checkpoint.size,
            [base64.b64decode(h) for h in proof["hashes"]],
            checkpoint.root_hash,
        )
        for text in (
            client.get(f"/v1/proofs/inclusion/{event_id}.tlog-proof").text,
            client.get(f"/v1/proofs/inclusion/{event_id}", headers={"accept": "text/plain"}).text,
        ):
            verify_tlog_proof(parse_proof(text), leaf, [verifier])


def test_consistency_proofs_verify_between_checkpoints(
    client: TestClient, recorder: Recorder
) -> None:
    record(client, recorder, 2)
    old = client.get("/v1/checkpoints/latest").json()
    record(client, recorder, 3)
    new = client.get("/v1/checkpoints/latest").json()
    proof = client.get(f"/v1/proofs/consistency?from={old['size']}&to={new['size']}").json()
    verify_consistency(
        old["size"],
        new["size"],
        base64.b64decode(old["root"]),
        base64.b64decode(new["root"]),
        [base64.b64decode(h) for h in proof["hashes"]],
    )
    assert client.get("/v1/checkpoint").text == new["note"]
    assert client.get("/checkpoint").text == new["note"]


def test_tiles_and_entry_bundles_rebuild_the_checkpointed_root(
    client: TestClient, recorder: Recorder, ledger: Ledger
) -> None:
    record(client, recorder, 4)
    size = client.get("/v1/checkpoints/latest").json()["size"]
    tile = client.get(f"/tile/0/000.p/{size}")
    assert tile.headers["cache-control"] != "public, max-age=31536000, immutable"
    hashes = [tile.content[i : i + 32] for i in range(0, len(tile.content), 32)]
    bundle = client.get(f"/tile/entries/000.p/{size}").content
    entries, pos = [], 0
    while pos < len(bundle):
        length = int.from_bytes(bundle[pos : pos + 2], "big")
        entries.append(bundle[pos + 2 : pos + 2 + length])
        pos += 2 + length
    assert [leaf_hash(e) for e in entries] == hashes
    assert all(json.loads(e)["v"] == 1 for e in entries)
    root = base64.b64decode(client.get("/v1/checkpoints/latest").json()["root"])
    assert root_of(hashes) == root
    assert client.get("/tile/0/000").status_code == 404  # not a full tile yet
    assert client.get(f"/tile/0/000.p/{size + 1}").status_code == 404  # beyond the checkpoint


def tag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def test_an_entry_bundle_goes_gzipped_to_a_client_that_accepts_it(
    client: TestClient, recorder: Recorder
) -> None:
    """tlog-tiles: entry bundles SHOULD be compressed at the HTTP layer. Gzipped and not,
    they are two representations, each tagged by its own bytes, the same from the route
    (the first time) and from memory (after)."""
    record(client, recorder, 255)  # with the charter: 256 leaves
    plain = client.get("/tile/entries/000", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding" and plain.headers["etag"] == tag_of(
        plain.content
    )
    answers = []
    for _ in ("the route", "memory"):
        with client.stream(
            "GET", "/tile/entries/000", headers={"Accept-Encoding": "gzip"}
        ) as packed:
            raw = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["vary"] == "Accept-Encoding"
        assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content) / 2
        assert packed.headers["etag"] == tag_of(raw) != plain.headers["etag"]
        answers.append((raw, packed.headers["etag"], packed.headers["cache-control"]))
    assert answers[0] == answers[1]
    tag = answers[0][1]
    held = client.get(
        "/tile/entries/000", headers={"Accept-Encoding": "gzip", "If-None-Match": tag}
    )
    assert held.status_code == 304
    other = client.get(
        "/tile/entries/000",
        headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]},
    )
    assert other.status_code == 200 and other.content == plain.content
    tile = client.get("/tile/0/000", headers={"Accept-Encoding": "gzip"})  # hashes: as they are
    assert "content-encoding" not in tile.headers and "vary" not in tile.headers


def test_a_full_tile_is_served_as_immutable(client: TestClient, recorder: Recorder) -> None:
    record(client, recorder, 255)  # with the charter: 256 leaves
    full = client.get("/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    tag = full.headers["etag"]
    assert tag == '"' + hashlib.sha256(full.content).hexdigest() + '"'
    again = client.get("/tile/0/000", headers={"If-None-Match": f'"other", {tag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get("/tile/0/000", headers={"If-None-Match": f"W/{tag}"}).status_code == 304
    assert client.get("/tile/0/000", headers={"If-None-Match": "*"}).status_code == 304
    stale = client.get("/tile/0/000", headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert stale.status_code == 200 and stale.content == full.content
    partial = client.get("/tile/1/000.p/1")
    assert partial.headers["cache-control"] == "public, max-age=60"
    assert partial.headers["etag"] == '"' + hashlib.sha256(partial.content).hexdigest() + '"'
    assert client.get("/tile/entries/000").status_code == 200
    assert client.get("/tile/1/000.p/1").content == root_of(
        [full.content[i : i + 32] for i in range(0, 256 * 32, 32)]
    )
