"""The event vocabulary: one module per area of the brief."""

from __future__ import annotations

AREAS = (
    "governance",
    "registry",
    "promises",
    "incidents",
    "enforcement",
    "court",
    "interruption",
    "audit",
    "corrections",
)
"""The areas in the brief's order (the order of docs/events.md); ``load_all`` imports each."""


def load_all() -> None:
    """Import every area module so that all event types are declared.

    The areas are named in an import statement, not looked up by name, so a
    missing or misnamed area is an ImportError the first time the vocabulary
    is used. The import waits until then because the areas' rules import the
    admission module, which itself needs the vocabulary's base.
    """
    from ledger.vocabulary import (  # noqa: F401  (imported for the event types they declare)
        audit,
        corrections,
        court,
        enforcement,
        governance,
        incidents,
        interruption,
        promises,
        registry,
    )
