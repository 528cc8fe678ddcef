"""A small city on a real, chartered SQLite ledger, for the lifecycle tests.

``Scene`` records statements by type with the declared example as the default
data (so a test names only what matters to it) and checks refusals leave the
log exactly as it was. The BDD steps in ``features/`` use the same class.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ledger.errors import LedgerError
from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.statements import Draft, parse_time
from ledger.vocabulary import load_all
from ledger.vocabulary.base import VOCABULARY

INSTITUTION_OF_ROLE = {
    "committee": "committee",
    "police": "police",
    "prosecutor": "prosecution",
    "court": "court",
    "interrupters": "interrupters",
}
ROLE_PREFERENCE = ("police", "court", "prosecutor", "committee", "interrupters")
GENESIS = "2026-02-01T00:00:00Z"


def _happened_fields(model: type[BaseModel]) -> list[str]:
    """The example's times of things that happened: the story moves them to its own time,
    since the ledger refuses one later than the statement's recording."""
    properties = model.model_json_schema().get("properties", {})
    return [
        name
        for name, prop in properties.items()
        if any(option.get("x-time") == "happened" for option in prop.get("anyOf", [prop]))
    ]


class SceneClock:
    """The ledger's clock: it follows the story, a minute after the latest event."""

    def __init__(self) -> None:
        self.now = parse_time(GENESIS, field="now")

    def __call__(self) -> datetime:
        return self.now

    def reach(self, moment: datetime) -> None:
        self.now = max(self.now, moment + timedelta(minutes=1))


class Scene:
    """Records the story of a test on a real ledger."""

    def __init__(self, keyring: Keyring, ledger: Ledger, clock: SceneClock) -> None:
        load_all()
        self.keyring = keyring
        self.ledger = ledger
        self.clock = clock
        self.ids: dict[str, str] = {}
        self.last = parse_time("2026-03-01T00:00:00Z", field="at")

    @classmethod
    def create(cls, directory: Path, db: str | None = None) -> Scene:
        """A new keyring in ``directory`` and a chartered ledger (SQLite there, or ``db``)."""
        keyring = Keyring.create(directory / "keys")
        clock = SceneClock()
        url = db or str(directory / "ledger.db")
        ledger = Ledger.open(url, log_key=keyring.log_key(), clock=clock)
        ledger.append([keyring.sign(keyring.charter_draft(GENESIS), now=clock())])
        return cls(keyring, ledger, clock)

    # --- building statements ---------------------------------------------------------------
    def _next_time(self) -> str:
        """A minute after the latest time in the story, so steps stay in order."""
        return (self.last + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def draft(
        self,
        type: str,
        recorder: str | None = None,
        *,
        at: str | None = None,
        sealed: dict[str, Any] | None = None,
        **data: Any,
    ) -> Draft:
        """A draft of ``type`` with the declared example's data, overridden by ``data``."""
        spec = VOCABULARY[type]
        if recorder is None:
            role = next(r for r in ROLE_PREFERENCE if r in spec.roles)
            recorder = INSTITUTION_OF_ROLE[role]
        occurred_at = at or self._next_time()
        story_times = {
            name: occurred_at for name in _happened_fields(spec.data) if name in spec.example
        }
        body = {**spec.example, **story_times, **data}
        body = {k: v for k, v in body.items() if v is not ...}  # ... drops a field
        if sealed is None and spec.sealed_required:
            sealed = dict(spec.example_sealed or {})
        return Draft(
            type=type,
            recorder=recorder,
            occurred_at=occurred_at,
            data=body,
            sealed=sealed,
        )

    def sign(self, draft: Draft) -> Any:
        moment = parse_time(draft.occurred_at, field="occurred_at")
        self.last = max(self.last, moment)
        self.clock.reach(moment)
        return self.keyring.sign(draft, now=self.clock())

    # --- recording -------------------------------------------------------------------------
    def record(self, type: str, recorder: str | None = None, **kw: Any) -> str:
        """Append one statement; return its event id."""
        appended = self.ledger.append([self.sign(self.draft(type, recorder, **kw))])
        return appended[0].event_id

    def refuse(self, type: str, recorder: str | None = None, **kw: Any) -> LedgerError:
        """Try to append; return the refusal, asserting the log did not change."""
        statement = self.sign(self.draft(type, recorder, **kw))
        return self.refuse_statement(statement)

    def refuse_statement(self, statement: Any) -> LedgerError:
        size, root = self.ledger.size, self.ledger.root()
        try:
            self.ledger.append([statement])
        except LedgerError as exc:
            assert (self.ledger.size, self.ledger.root()) == (size, root)
            return exc
        raise AssertionError(f"{statement.type} was accepted but should have been refused")

    def leaf(self, event_id: str) -> str:
        return self.ledger.leaf_text(self.ledger.locate(event_id).leaf_index)

    # --- the city ---------------------------------------------------------------------------
    def city(self) -> Scene:
        """Two groups, three persons (P-17, P-18 members), two officers, one shooting."""
        self.record("group.registered", group="lyari-gang", name="Lyari Gang")
        self.record("group.registered", group="kutchi-rabita", name="Kutchi Rabita", kind="ethnic")
        for person in ("P-17", "P-18", "P-19"):
            self.record("person.registered", person=person)
        self.record("membership.asserted", person="P-17", group="lyari-gang")
        self.record("membership.asserted", person="P-18", group="kutchi-rabita")
        self.record("officer.registered", officer="OFF-3")
        self.record("officer.registered", officer="OFF-4", station="Chakiwara police station")
        self.ids["shooting"] = self.record("shooting.reported", incident="INC-2026-0412")
        return self

    def arrest(self, case: str = "FIR-112-2026-KALAKOT", person: str = "P-17", **kw: Any) -> str:
        return self.record("arrest.made", case=case, person=person, **kw)

    def charge(self, case: str = "FIR-112-2026-KALAKOT", person: str = "P-17", **kw: Any) -> str:
        return self.record("charge.filed", case=case, person=person, **kw)

    def close(self) -> None:
        self.ledger.close()


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    """A chartered ledger with a keyring in ``tmp_path``, and nothing else."""
    s = Scene.create(tmp_path)
    yield s
    s.close()


@pytest.fixture
def city(scene: Scene) -> Scene:
    """The scene with groups, persons, officers and one shooting registered."""
    return scene.city()
