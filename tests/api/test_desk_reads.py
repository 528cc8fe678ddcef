"""What the desk reads besides the log (api/routes/desk.py), on SQLite and PostgreSQL:
who holds a key, as the registry records it after each statement; the schema."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.crypto import key_id
from ledger.keyring import Keyring
from ledger.sealing import sealing_key_id
from tests.conftest import Recorder


def test_who_holds_a_key_follows_the_log(
    client: TestClient, keyring: Keyring, recorder: Recorder
) -> None:
    police = key_id(keyring.signing_key("police").public_key())
    held = client.get(f"/v1/keys/{police}").json()
    assert (held["institution"], held["role"], held["status"]) == ("police", "police", "active")
    assert held["origin"] == keyring.origin
    seal_to = {r["institution"]: r["kid"] for r in held["seal_to"]}
    assert seal_to == {
        name: sealing_key_id(keyring.sealing_public_key(name))
        for name in ("committee", "court", "police")
    }

    revocation = recorder.sign("key.revoked", "committee", {"key_id": police, "reason": "lost"})
    assert client.post("/v1/events", json=revocation.to_dict()).status_code == 201
    held = client.get(f"/v1/keys/{police}").json()
    assert (held["status"], held["revocation_reason"]) == ("revoked", "lost")


def test_a_key_never_registered_or_misspelt_is_refused(client: TestClient) -> None:
    unknown = client.get("/v1/keys/00112233445566ff")
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "key_id"
    assert client.get("/v1/keys/NOT-A-KEY").status_code in (400, 422)


def test_the_schema_is_what_ledger_schema_prints(client: TestClient) -> None:
    from ledger.vocabulary.schema import vocabulary_json_schema

    assert client.get("/v1/schema").json() == vocabulary_json_schema()
