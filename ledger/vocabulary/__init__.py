"""The event vocabulary: one module per area of the brief."""

from __future__ import annotations

import importlib

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

_loaded = False


def load_all() -> None:
    """Import every area module so that all event types are declared."""
    global _loaded
    if _loaded:
        return
    for area in AREAS:
        importlib.import_module(f"ledger.vocabulary.{area}")
    _loaded = True
