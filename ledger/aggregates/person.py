"""A person known to the ledger by a public pseudonym (name, ID and address sealed).

Every arrest, charge or membership names a registered person, so the public
can follow one pseudonym across cases without learning who it is.
"""

from __future__ import annotations

from ledger.aggregates.lifecycle import Lifecycle


class Person(Lifecycle):
    kind = "person"
    identity_fields = ("person",)

    def reset(self) -> None:
        self.area: str | None = None
        self.birth_year: int | None = None
        self.registered_at: str | None = None
        self.registered_by: str | None = None

    @property
    def registered(self) -> bool:
        return self.registered_at is not None
