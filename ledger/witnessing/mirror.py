"""A mirror: follow a ledger over HTTP, re-check everything, keep a servable copy.

The mirror reads only ``GET /checkpoint`` and C2SP tiles. For each new
checkpoint it verifies the log's signature (with the given log key, or the
key named by the charter at leaf 0, trusted on first use), fetches the entry
bundles it lacks and the matching level-0 hash tiles (which must hash the
same entries), computes the root the new entries give *before* storing them,
and refuses a checkpoint whose root differs, that is smaller than, or has
another root at the same size as the last one it verified. The entries are
then appended through ``Ledger.append_lines``, so every signature, role and
lifecycle rule is checked again, and the signed note is stored beside them:
``ledger serve --db mirror.db`` serves the copy.

Any inconsistency raises ``HistoryConflict`` naming both checkpoints. With a
witness the mirror cosigns what it verified and records conflicts as evidence.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ledger.errors import (
    HistoryConflict,
    LedgerError,
    NotChartered,
    ProofError,
    Unreachable,
)
from ledger.log.checkpoint import Checkpoint, open_checkpoint
from ledger.log.key_rotation import log_key_valid, verify_rotation_proof
from ledger.log.merkle import leaf_hash, verify_consistency
from ledger.log.note import NoteVerifier, parse_note
from ledger.log.proof_format import parse_proof
from ledger.log.tiles import (
    TILE_WIDTH,
    parse_entry_bundle,
    split_hash_tile,
    tile_path,
)
from ledger.service import Ledger, utc_now
from ledger.statements import format_time
from ledger.witnessing.rotations import rotation_proofs
from ledger.witnessing.witness import Witness


@dataclass(frozen=True)
class Synced:
    size: int
    appended: int
    note: str
    cosignature: str | None = None


def _describe(note: str) -> str:
    cp = Checkpoint.parse(parse_note(note).text)
    return f"checkpoint {cp.origin} size {cp.size} root {base64.b64encode(cp.root_hash).decode()}"


class Mirror:
    """Follows one ledger into a local ledger database."""

    def __init__(
        self,
        url: str,
        ledger: Ledger,
        *,
        log_vkey: str | None = None,
        witness: Witness | None = None,
        http: httpx.Client | None = None,
        say: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.url = url.rstrip("/")
        self.ledger = ledger
        self.log_vkey = log_vkey
        self.witness = witness
        self.http = http or httpx.Client(timeout=30.0)
        self.say = say

    def _get(self, path: str) -> bytes:
        try:
            response = self.http.get(f"{self.url}/{path}")
        except httpx.HTTPError as exc:
            raise Unreachable(f"cannot reach {self.url}/{path}: {exc}") from exc
        if response.status_code != 200:
            raise Unreachable(
                f"{self.url}/{path} answered {response.status_code}: {response.text[:200]}"
            )
        return response.content

    # --- the log key --------------------------------------------------------------
    def _log_keys(self, size: int) -> list[tuple[int, str]]:
        """The log keys this mirror trusts: the chain its own copy of the log records."""
        if self.ledger.size > 0:
            registry = self.ledger.registry()
            if registry is not None:
                chain = list(registry.log_keys)
                if self.log_vkey is not None and all(vkey != self.log_vkey for _, vkey in chain):
                    raise HistoryConflict(
                        f"the log names the log keys {', '.join(v for _, v in chain)}, not the given {self.log_vkey}"
                    )
                return chain
        if self.log_vkey is not None:
            return [(0, self.log_vkey)]
        if size == 0:
            raise NotChartered("the log is empty: there is no charter to take its key from")
        bundle = self._get(tile_path(None, 0, min(TILE_WIDTH, size)))
        first = parse_entry_bundle(bundle, min(TILE_WIDTH, size))[0]
        try:
            charter = json.loads(first)
            vkey = str(charter["data"]["log_key"]) if charter["type"] == "ledger.chartered" else ""
        except (ValueError, KeyError, TypeError):
            vkey = ""
        if not vkey:
            raise NotChartered("leaf 0 is not a charter naming the log key: give --log-key")
        self.say(
            f"Trusting the log key named by the charter at leaf 0 (trust on first use): {vkey}"
        )
        self.log_vkey = vkey
        return [(0, vkey)]

    def _open(self, note: str) -> Checkpoint:
        """The checkpoint of ``note`` if a log key valid at its size signed it (ProofError otherwise)."""
        claimed = Checkpoint.parse(parse_note(note).text)
        valid = log_key_valid(self._log_keys(claimed.size), claimed.size)
        return open_checkpoint(note, [NoteVerifier.from_vkey(vkey) for vkey in valid])

    def _verified(self, note: str) -> Checkpoint:
        """The served checkpoint, verified with the key valid at its size, following key rotations."""
        try:
            return self._open(note)
        except ProofError as exc:
            problem = str(exc)
        try:
            claimed = Checkpoint.parse(parse_note(note).text)
        except ProofError:
            raise HistoryConflict(
                f"the served checkpoint is malformed: {problem}", presented_note=note
            ) from None
        if self._follow_rotations(claimed.size):
            try:
                return self._open(note)
            except ProofError as exc:
                problem = str(exc)
        raise HistoryConflict(
            f"the served checkpoint does not verify with the log key valid at size {claimed.size}"
            f" ({problem}), and no key rotation the old key endorsed explains it",
            presented_note=note,
        )

    def _follow_rotations(self, size: int) -> bool:
        """Sync through each handover checkpoint of a rotation up to ``size``; whether a key was learned.

        The rotation proof must verify with the key trusted now (endorsement
        and inclusion in the handover checkpoint); the handover is then synced
        like any checkpoint, so the rotation statement passes the ledger's
        rules here too, and the new key is taken from this copy of the log.
        """
        try:
            listing = json.loads(self._get("v1/log-key-rotations"))
            items = sorted(listing["rotations"], key=lambda r: int(r["valid_from"]))
        except (LedgerError, ValueError, KeyError, TypeError):
            return False
        learned = False
        for item in items:
            chain = self._log_keys(size)
            valid_from = int(item["valid_from"])
            if any(vkey == item.get("vkey") for _, vkey in chain) or valid_from > size:
                continue
            try:
                verified = verify_rotation_proof(str(item["proof"]), chain[-1][1])
            except ProofError as exc:
                raise HistoryConflict(
                    f"the log presents a key rotation the old key did not endorse: {exc}"
                ) from None
            handover = verified.checkpoint
            self._advance(handover, parse_proof(verified.proof).checkpoint_note)
            if self._log_keys(size)[-1][1] != verified.rotation.new_vkey:
                raise HistoryConflict(
                    f"the rotation proof names {verified.rotation.new_vkey}, this copy of the log does not register it"
                )
            self.say(
                f"Learned the log key {verified.rotation.new_vkey} (valid from size {valid_from})"
                " from the log's rotation, endorsed by the old key"
            )
            learned = True
        return learned

    # --- one round ------------------------------------------------------------------
    def sync_once(self) -> Synced:
        """Fetch the latest checkpoint and everything up to it; HistoryConflict on any conflict."""
        note = self._get("checkpoint").decode("utf-8")
        return self._advance(self._verified(note), note)

    def _advance(self, cp: Checkpoint, note: str) -> Synced:
        """Sync to the verified checkpoint ``cp`` (signed ``note``)."""
        self.ledger.refresh()
        previous = self.ledger.latest_checkpoint()
        if previous is not None:
            self._check_against(
                Checkpoint.parse(parse_note(previous.note).text), previous.note, cp, note
            )
            if previous.size == cp.size:
                return Synced(cp.size, 0, previous.note, self._cosign(previous.note, cp))
        start = self.ledger.size
        if start > cp.size:
            raise self._conflict(
                "rollback",
                previous.note if previous else None,
                note,
                f"this mirror already holds {start} entries",
            )
        appended = self._fetch_and_append(cp, note, previous.note if previous else None)
        self.ledger.store.insert_checkpoint(cp.size, cp.root_hash, note, format_time(utc_now()))
        return Synced(cp.size, appended, note, self._cosign(note, cp))

    def _check_against(
        self, old: Checkpoint, old_note: str, new: Checkpoint, new_note: str
    ) -> None:
        if new.origin != old.origin:
            raise self._conflict("fork", old_note, new_note, "the origin changed")
        if new.size < old.size:
            raise self._conflict("rollback", old_note, new_note, "the tree shrank")
        if new.size == old.size and new.root_hash != old.root_hash:
            raise self._conflict("fork", old_note, new_note, "two roots for the same size")

    def _conflict(
        self, kind: str, verified: str | None, presented: str, why: str
    ) -> HistoryConflict:
        message = f"{_describe(presented)} conflicts ({why})"
        if verified is not None:
            message += f" with {_describe(verified)} verified before: the log shows two histories"
        if self.witness is not None and verified is not None:
            try:
                evidence = self.witness.record_conflict(kind, presented, why)
                message += f"; kept as evidence #{evidence.id}"
            except LedgerError:
                pass
        message += (
            f"\n--- verified before ---\n{verified or '(none)'}\n--- presented now ---\n{presented}"
        )
        return HistoryConflict(message, verified_note=verified, presented_note=presented)

    def _fetch_and_append(self, cp: Checkpoint, note: str, previous_note: str | None) -> int:
        start = self.ledger.size
        frontier = self.ledger.tree.frontier
        batches: list[tuple[int, list[bytes]]] = []
        for index in range(start // TILE_WIDTH, -(-cp.size // TILE_WIDTH)):
            first = index * TILE_WIDTH
            width = min(TILE_WIDTH, cp.size - first)
            try:
                entries = parse_entry_bundle(self._get(tile_path(None, index, width)), width)
                hashes = split_hash_tile(self._get(tile_path(0, index, width)), width)
            except ProofError as exc:
                raise HistoryConflict(
                    f"tile {index} of {_describe(note)} is malformed: {exc}"
                ) from None
            held = self.ledger.tree.tile_hashes(0, index, start - first) if start > first else []
            for offset, (entry, served) in enumerate(zip(entries, hashes, strict=True)):
                if leaf_hash(entry) != served:
                    raise HistoryConflict(
                        f"the hash tile disagrees with entry {first + offset} served for {_describe(note)}"
                    )
                if offset < len(held):
                    if served != held[offset]:
                        raise self._conflict(
                            "fork",
                            previous_note,
                            note,
                            f"entry {first + offset} differs from the copy held here",
                        )
                    continue
                frontier.append(served)
            batches.append((first, [e for i, e in enumerate(entries) if first + i >= start]))
        if frontier.root() != cp.root_hash:
            raise self._conflict(
                "not_extending",
                previous_note,
                note,
                f"the served entries {start}..{cp.size - 1} do not give the signed root",
            )
        appended = 0
        for first, lines in batches:
            if not lines:
                continue
            try:
                self.ledger.append_lines(lines, first_line=max(first, start) + 1)
            except LedgerError as exc:
                raise HistoryConflict(
                    f"the log at {_describe(note)} holds an entry the ledger's rules refuse: {exc}"
                ) from None
            appended += len(lines)
        if self.ledger.root() != cp.root_hash:
            raise HistoryConflict(f"after appending, the local root differs from {_describe(note)}")
        if previous_note is not None:
            old = Checkpoint.parse(parse_note(previous_note).text)
            verify_consistency(
                old.size,
                cp.size,
                old.root_hash,
                cp.root_hash,
                self.ledger.consistency_proof(old.size, cp.size),
            )
        return appended

    def _cosign(self, note: str, cp: Checkpoint) -> str | None:
        if self.witness is None:
            return None
        if cp.origin not in self.witness.logs():
            self.witness.add_log(cp.origin, log_key_valid(self._log_keys(cp.size), cp.size)[-1])
        self._teach_rotations(cp.origin)
        state = self.witness.state(cp.origin)
        old = state.size if state else 0
        proof = self.ledger.consistency_proof(old, cp.size) if 0 < old < cp.size else []
        return self.witness.add_checkpoint(old, proof, note)[0]

    def _teach_rotations(self, origin: str) -> None:
        """Give this mirror's witness the rotations it verified and the witness does not know yet."""
        assert self.witness is not None
        known = {vkey for _, vkey in self.witness.log_keys(origin)}
        registry = self.ledger.registry()
        if registry is None or all(vkey in known for _, vkey in registry.log_keys[1:]):
            return
        state = self.witness.state(origin)
        for verified in rotation_proofs(self.ledger):
            rotation = verified.rotation
            if (
                rotation.new_vkey not in known
                and state is not None
                and state.size >= rotation.valid_from
            ):
                self.witness.add_key_rotation(verified.proof)
                known.add(rotation.new_vkey)

    def follow(self, *, interval: float, once: bool, rounds: int | None = None) -> Synced:
        """Sync, then keep polling every ``interval`` seconds (``once``: one round)."""
        done = 0
        while True:
            result = self.sync_once()
            done += 1
            if result.appended:
                self.say(f"Verified {_describe(result.note)} (+{result.appended} entries)")
            if once or (rounds is not None and done >= rounds):
                return result
            time.sleep(interval)
