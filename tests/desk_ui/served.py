"""The desk served by ``ledger serve`` on a loopback port over a real ledger, and a browser on it.

The story is recorded through the signed path (SQLite file or PostgreSQL schema): a
city, P-17 arrested and released "on instructions" (which the rules flag), and the
interrupters' key revoked by the committee. The committee's key is also written with a
passphrase, as ``ledger init`` writes a protected key, for the desk to open.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto import key_id, raw_public_key, save_signing_key, verify_raw
from ledger.log.merkle import leaf_hash, verify_inclusion
from ledger.log.note import NoteVerifier
from ledger.service import verify_checkpoint_note
from ledger.statements import parse_statement
from tests.conftest import drop_pg_schema, fresh_pg_schema
from tests.reliability.support import serving
from tests.vocabulary.conftest import Scene

CASE = "FIR-112-2026-KALAKOT"
Served = TypeVar("Served")

PASSPHRASE = "monsoon ledger 1947"
"""The committee key's passphrase: typed into the page, never sent."""


@dataclass
class DeskServer:
    """A served ledger: its address, keys directory, the story's ids and the protected key."""

    url: str
    keys: Path
    ids: dict[str, str]
    protected_key: Path
    log_vkey: str

    def pem(self, institution: str) -> str:
        return (self.keys / f"{institution}.key").read_text()

    def get(self, path: str) -> Any:
        answer = httpx.get(self.url + path, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def verify_recorded(self, event_id: str, signer: Ed25519PrivateKey) -> dict[str, Any]:
        return verify_recorded(self.url, self.log_vkey, event_id, signer)


def verify_recorded(
    url: str, log_vkey: str, event_id: str, signer: Ed25519PrivateKey
) -> dict[str, Any]:
    """The statement as the server at ``url`` holds it: its id, its Ed25519 signature by
    ``signer``'s public key, and its inclusion in a checkpoint signed with the log's key
    (waiting for the server's background signer to include it)."""

    def get(path: str) -> Any:
        answer = httpx.get(url + path, timeout=30)
        answer.raise_for_status()
        return answer.json()

    statement = get(f"/v1/events/{event_id}")["statement"]
    parsed = parse_statement(statement)
    assert parsed.event_id == event_id
    public = signer.public_key()
    assert parsed.key_id == key_id(public)
    signed_by = verify_raw(
        raw_public_key(public), parsed.signed_bytes, base64.b64decode(parsed.signature)
    )
    assert signed_by, "the signature does not verify with the signer's public key"
    proof = get(f"/v1/proofs/inclusion/{event_id}")
    for _ in range(200):
        if proof.get("checkpoint"):
            break
        time.sleep(0.1)
        proof = get(f"/v1/proofs/inclusion/{event_id}")
    note = proof["checkpoint"]
    assert note, "no signed checkpoint includes the statement"
    checkpoint = verify_checkpoint_note(note, NoteVerifier.from_vkey(log_vkey))
    verify_inclusion(
        leaf_hash(parsed.leaf_bytes()),
        proof["leaf_index"],
        checkpoint.size,
        [base64.b64decode(h) for h in proof["hashes"]],
        checkpoint.root_hash,
    )
    return dict(statement)


def desk_story(scene: Scene) -> dict[str, str]:
    """A city; P-17 arrested and released on a minister's instructions; P-18 released with
    no basis, and the police's answer to the committee long overdue; a revoked key."""
    scene.city()
    ids = {"arrest": scene.arrest(CASE, "P-17")}
    ids["release"] = scene.record(
        "release.recorded",
        "police",
        case=CASE,
        person="P-17",
        legal_basis="on_instructions",
        order_event=None,
        order_number=None,
        instructions_from="a provincial minister",
        reasons="Released on a telephoned instruction.",
    )
    scene.arrest("FIR-113-2026-KALAKOT", "P-18")
    ids["overdue"] = scene.record(
        "release.recorded",
        "police",
        case="FIR-113-2026-KALAKOT",
        person="P-18",
        legal_basis="none",
        order_event=None,
        order_number=None,
        instructions_from=None,
        reasons="Let go at the gate.",
    )
    scene.record(
        "explanation.requested",
        "committee",
        subject=ids["overdue"],
        addressed_to="police",
        questions="Why was P-18 let go?",
        due="2026-03-20T12:00:00Z",
    )
    revoked = key_id(scene.keyring.signing_key("interrupters").public_key())
    scene.record("key.revoked", "committee", key_id=revoked, reason="the laptop was stolen")
    scene.ledger.sign_checkpoint()
    return ids


def serve_desk(root: Path, db: str | None = None) -> Iterator[DeskServer]:
    """Record the story, then ``ledger serve`` on a port the system picks; killed after."""
    scene = Scene.create(root, db)
    ids = desk_story(scene)
    protected = root / "protected" / "committee.key"
    save_signing_key(protected, scene.keyring.signing_key("committee"), PASSPHRASE.encode())
    keys = scene.keyring.directory
    vkey = scene.keyring.log_vkey()
    scene.close()
    with serving(db or str(root / "ledger.db"), keys) as address:
        yield DeskServer(address, keys, ids, protected, vkey)


def open_key(page: Any, pem: str, passphrase: str = "") -> str:
    """Paste a key into the page's key panel and open it; returns what the panel says."""
    page.fill("#key-text", pem)
    page.fill("#key-passphrase", passphrase)
    page.click("#key-open")
    page.wait_for_selector("#key-status.accepted, #key-status.refused")
    return str(page.text_content("#key-status"))


def desk_page(browser: Any, url: str, *, width: int = 1280, lang: str = "en") -> Any:
    """A fresh page (own context, so nothing is shared) on a desk page, once it has loaded."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(f"localStorage.setItem('desk.lang', '{lang}')")
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached")
    return page


def one_server_per_backend(metafunc: pytest.Metafunc, fixture: str) -> None:
    """Every scenario of a feature module on both backends, served once per backend by the
    module-scoped ``fixture``. pytest-bdd asks for fixtures at run time, when a parametrized
    one can no longer be chosen: the parameter is attached here, from the module's
    ``pytest_generate_tests`` (the module also pins ``db_url`` to one value)."""
    if fixture not in metafunc.fixturenames:
        metafunc.fixturenames.append(fixture)
    metafunc.parametrize(fixture, ["sqlite", "postgres"], indirect=True, scope="module")


def serve_on_backend(
    request: pytest.FixtureRequest,
    root: Path,
    serve: Callable[[Path, str | None], Iterator[Served]],
) -> Iterator[Served]:
    """``serve`` over a SQLite file in ``root``, or over a fresh PostgreSQL schema (dropped
    after), as ``request.param`` says."""
    if request.param == "sqlite":
        yield from serve(root, None)
        return
    url, schema = fresh_pg_schema(request.getfixturevalue("postgres_available"))
    try:
        yield from serve(root, url)
    finally:
        drop_pg_schema(schema)
