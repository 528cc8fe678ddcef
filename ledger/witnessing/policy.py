"""Which witnesses the ledger asks, and how many must cosign: ``witnesses.json``.

The file lives in the ledger's keys directory beside ``log.vkey``::

    {"quorum": 2,
     "witnesses": [{"name": "press", "url": "http://127.0.0.1:7001",
                    "vkey": "press.example/witness+1a2b3c4d+BA..."}]}

``name`` is the label people use; the vkey (a cosignature/v1 verifier key)
is what is checked. Without a "quorum" key a majority of the witnesses is required.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import AlreadyExists, InvalidWitnessPolicy, UnreadableInput
from ledger.log.cosignature import CosignatureVerifier

POLICY_FILE = "witnesses.json"


@dataclass(frozen=True)
class WitnessEntry:
    name: str
    url: str
    vkey: str

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_vkey(self.vkey)


@dataclass(frozen=True)
class WitnessPolicy:
    witnesses: tuple[WitnessEntry, ...] = ()
    explicit_quorum: int | None = None

    @property
    def configured(self) -> bool:
        return bool(self.witnesses)

    @property
    def quorum(self) -> int:
        """Cosignatures needed before a checkpoint is published."""
        if self.explicit_quorum is not None:
            return self.explicit_quorum
        return len(self.witnesses) // 2 + 1 if self.witnesses else 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = (
            {} if self.explicit_quorum is None else {"quorum": self.explicit_quorum}
        )
        data["witnesses"] = [{"name": w.name, "url": w.url, "vkey": w.vkey} for w in self.witnesses]
        return data

    @classmethod
    def from_json(cls, data: Any, *, where: str = POLICY_FILE) -> WitnessPolicy:
        try:
            entries = tuple(
                WitnessEntry(str(w["name"]), str(w.get("url", "")), str(w["vkey"]))
                for w in data.get("witnesses", [])
            )
            quorum = data.get("quorum")
        except (AttributeError, KeyError, TypeError):
            raise InvalidWitnessPolicy(
                f"{where} is not a witness policy (quorum, witnesses)"
            ) from None
        for entry in entries:
            entry.verifier()  # a mistyped key is refused now, not at publication
        policy = cls(entries, int(quorum) if quorum is not None else None)
        policy.check()
        return policy

    def check(self) -> None:
        if self.explicit_quorum is not None and not 1 <= self.explicit_quorum <= max(
            1, len(self.witnesses)
        ):
            raise InvalidWitnessPolicy(
                f"a quorum of {self.explicit_quorum} is impossible with {len(self.witnesses)} witnesses",
                field="quorum",
            )

    def with_witness(self, entry: WitnessEntry) -> WitnessPolicy:
        entry.verifier()
        if any(w.name == entry.name or w.vkey == entry.vkey for w in self.witnesses):
            raise AlreadyExists(
                f"a witness named {entry.name} or with that key is already configured"
            )
        return WitnessPolicy(self.witnesses + (entry,), self.explicit_quorum)

    def with_quorum(self, quorum: int) -> WitnessPolicy:
        policy = WitnessPolicy(self.witnesses, quorum)
        policy.check()
        return policy


def load_policy(keys_dir: Path | None) -> WitnessPolicy:
    """The policy in ``keys_dir`` (an empty one if there is none)."""
    if keys_dir is None:
        return WitnessPolicy()
    path = Path(keys_dir) / POLICY_FILE
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return WitnessPolicy()
    except OSError as exc:
        raise UnreadableInput(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"{path} is not valid JSON: {exc.msg}") from exc
    return WitnessPolicy.from_json(data, where=str(path))


def save_policy(keys_dir: Path, policy: WitnessPolicy) -> Path:
    """Write ``witnesses.json`` atomically (a reader never sees half a file)."""
    path = Path(keys_dir) / POLICY_FILE
    tmp = path.with_name(f".{POLICY_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(policy.to_json(), indent=2) + "\n", "utf-8")
    os.replace(tmp, path)
    return path
