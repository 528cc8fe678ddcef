"""The synthetic city: a realistic Karachi ledger with known, planted patterns.

``simulate(ledger, keys, CityConfig(...))`` records the city through the real
signed path and returns the manifest of what it planted; ``City(config).drafts()``
gives the planned statements alone (for tests of the story itself).
"""

from ledger.simulation.config import CityConfig, default_start
from ledger.simulation.manifest import FLAG_RULES, write_manifest
from ledger.simulation.runner import SimulationResult, simulate
from ledger.simulation.story import City

__all__ = [
    "City",
    "CityConfig",
    "FLAG_RULES",
    "SimulationResult",
    "default_start",
    "simulate",
    "write_manifest",
]
