"""Fixtures for the HTTP API: an app over a real chartered ledger, a client, signed statements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ledger.keyring import Keyring
from ledger.service import Ledger
from tests.conftest import Clock, Recorder, chartered_ledger


def api_settings(db: str, keyring: Keyring, clock: Clock, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "db": db,
        "keys_dir": keyring.directory,
        "clock": clock,
        "checkpoint_interval": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def client(ledger: Ledger, keyring: Keyring, clock: Clock) -> Iterator[TestClient]:
    """A client of an app over the chartered ``ledger`` (SQLite and PostgreSQL)."""
    app = create_app(api_settings(ledger.store.url, keyring, clock))
    with TestClient(app) as test_client:
        yield test_client


def key_registration(recorder: Recorder, name: str = "Ceasefire Police Unit, second key") -> Any:
    """A valid statement any test can post: the committee registers a new police key."""
    from ledger.crypto import generate_signing_key, public_key_text

    return recorder.sign(
        "key.registered",
        "committee",
        {
            "institution": "police",
            "public_key": public_key_text(generate_signing_key().public_key()),
            "purpose": "signing",
            "reason": name,
        },
    )


def small_ledger(db: str, keyring: Keyring, clock: Clock, statements: int = 2) -> list[str]:
    """A chartered ledger at ``db`` holding ``statements`` key registrations and a checkpoint.

    Returns the ids of the registrations.
    """
    recorder = Recorder(keyring, clock)
    with chartered_ledger(db, keyring, clock) as ledger:
        appended = ledger.append(
            [key_registration(recorder, f"key {i}") for i in range(statements)]
        )
        ledger.sign_checkpoint()
    return [a.event_id for a in appended]
