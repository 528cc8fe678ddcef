"""Key management beyond ``ledger init``: rotating the log key, statements of revoked keys.

``ledger keys-rotate-log`` replaces the key that signs checkpoints without
breaking any checkpoint signed before. The committee records the new key as
``key.registered`` with purpose ``log`` (its signed-note ``vkey`` in the data);
from the tree size that includes that statement the new key signs, and every
earlier checkpoint stays verifiable with the key that was valid at its size
(``Registry.log_key_at``). The steps, each safe to interrupt:

1. the new private key is written to ``log.next.key`` (mode 0600);
2. a last checkpoint is signed with the old key for the log as it stands;
3. the rotation statement is appended, carrying the old key's endorsement of
   the new key (a signed note naming it and the size it signs from), and the
   *handover checkpoint* including it is signed with both keys, so mirrors
   and witnesses that trust only the old key can follow (docs/verify.md,
   "Log key rotation");
4. ``log.key`` is kept as ``log.retired-<key hash>.key`` and the new key takes
   its place (``log.vkey`` too), so later commands and servers sign with it.

A running ``ledger serve`` holds the key it started with: restart it.

``ledger keys-revoked`` lists the statements signed by keys that were revoked
later: they remain valid (signed while the key was good) but are marked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    from cli.shell import DbOption, KeysOption, PassphraseOption, handles_errors

    @app.command("keys-rotate-log")
    @handles_errors
    def rotate_log_key(
        reason: str = typer.Option("scheduled rotation of the log key", help="Why the key changes"),
        db: str = DbOption,
        keys: Path = KeysOption,
        passphrase_env: str | None = PassphraseOption,
    ) -> None:
        """Replace the checkpoint-signing key; earlier checkpoints stay verifiable."""
        from cli.shell import console

        result = rotate_log_key_in(db, keys, passphrase_env, reason)
        console.print(
            f"The log key is now {result['vkey']} (valid from tree size {result['valid_from']});"
            f" recorded as event {result['event_id']}; checkpoint at size {result['checkpoint_size']}."
            " Restart any running `ledger serve` so it signs with the new key."
        )

    @app.command("keys-revoked")
    @handles_errors
    def revoked_statements(
        db: str = DbOption,
        as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    ) -> None:
        """Statements signed by a key that was revoked later (still valid, marked)."""
        from rich.table import Table

        from cli.shell import console
        from ledger.storage import open_store
        from ledger.verification.before_acting import statements_by_revoked_keys

        store = open_store(db)
        try:
            marked = statements_by_revoked_keys(store)
        finally:
            store.close()
        if as_json:
            console.print_json(json.dumps([m.__dict__ for m in marked]))
            return
        table = Table(title="Statements signed by keys revoked later")
        for col in ("position", "event", "type", "recorder", "key id", "key revoked at"):
            table.add_column(col)
        for m in marked:
            table.add_row(
                str(m.leaf_index),
                m.event_id,
                m.type,
                m.recorder,
                m.key_id,
                f"{m.revoked_at} ({m.revocation_reason})",
            )
        console.print(table)


def rotate_log_key_in(
    db: str, keys: Path, passphrase_env: str | None, reason: str
) -> dict[str, object]:
    """Rotate the log key of the ledger at ``db`` held in the keys directory ``keys``."""
    from cli.shell import open_keyring, utc_now
    from ledger.crypto import (
        generate_signing_key,
        load_signing_key,
        public_key_text,
        save_signing_key,
    )
    from ledger.errors import NotChartered, WrongLogKey
    from ledger.log.key_rotation import KeyRotation
    from ledger.log.note import NoteSigner
    from ledger.service import Ledger
    from ledger.statements import Draft, format_time

    keyring = open_keyring(keys, passphrase_env)
    pending = keys / "log.next.key"
    new_key = (
        load_signing_key(pending, keyring.passphrase)
        if pending.exists()
        else generate_signing_key()
    )
    if not pending.exists():
        save_signing_key(pending, new_key, keyring.passphrase)
    signer = NoteSigner(keyring.origin, new_key)
    old_key = keyring.log_key()
    now = utc_now()
    with Ledger.open(db, log_key=old_key) as ledger:
        registry = ledger.registry()
        if registry is None:
            raise NotChartered("the ledger has no charter yet: run `ledger init`")
        if registry.log_key != NoteSigner(keyring.origin, old_key).vkey:
            raise WrongLogKey(
                f"{keys}/log.key is not the log's current key ({registry.log_key}):"
                " rotate with the keys directory that signs this log's checkpoints"
            )
        if ledger.size:
            ledger.sign_checkpoint()
        old_signer = NoteSigner(keyring.origin, old_key)
        endorsement = KeyRotation(keyring.origin, signer.vkey, ledger.size + 1).endorse(old_signer)
        draft = Draft(
            type="key.registered",
            recorder=keyring.committee_id(),
            occurred_at=format_time(now),
            data={
                "institution": keyring.committee_id(),
                "public_key": public_key_text(new_key.public_key()),
                "purpose": "log",
                "vkey": signer.vkey,
                "endorsement": endorsement,
                "reason": reason,
            },
        )
        (appended,) = ledger.append([keyring.sign(draft, now=now)])
        checkpoint = _sign_handover(ledger, appended.leaf_index + 1, [old_signer, signer])
    retired = keys / f"log.retired-{NoteSigner(keyring.origin, old_key).key_hash.hex()}.key"
    os.replace(keys / "log.key", retired)
    os.replace(pending, keys / "log.key")
    (keys / "log.vkey").write_text(signer.vkey + "\n", "utf-8")
    return {
        "vkey": signer.vkey,
        "event_id": appended.event_id,
        "valid_from": appended.leaf_index + 1,
        "checkpoint_size": checkpoint.size,
    }


def _sign_handover(ledger: Any, size: int, signers: list[Any]) -> Any:
    """The checkpoint of ``size`` (which includes the rotation), signed by the old and the new key."""
    from ledger.log.checkpoint import Checkpoint, sign_checkpoint
    from ledger.service import SignedCheckpoint
    from ledger.statements import format_time

    ledger.refresh()
    now = ledger.clock()
    root = ledger.tree.root(size)
    note = sign_checkpoint(Checkpoint.at_time(ledger.origin, size, root, now), signers)
    ledger.store.insert_checkpoint(size, root, note, format_time(now))
    return SignedCheckpoint(size, root, note, format_time(now))
