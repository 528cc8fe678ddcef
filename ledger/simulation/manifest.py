"""The simulator's manifest: what the city contains and every pattern it planted.

Entries are collected while the story is written, when event ids are not yet
known; they hold ``Link``s that ``resolve`` turns into event ids once the
statements are signed. The format is shared with the projections' tests:
``patterns`` name each planted flag with its rule id and the exact event it is
about, so a projection can be checked to flag exactly what was planted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.simulation.timeline import resolve_links
from ledger.statements import format_time

FLAG_RULES = (
    "release.no_basis",
    "release.on_instructions",
    "release.order_not_found",
    "release.order_mismatch",
    "release.order_after_release",
    "release.s169_no_magistrate_order",
    "release.before_production",
    "release.rearrested_for_new_shooting",
    "release.order_wrong_kind",
    "release.sentence_not_recorded",
    "release.s496_bail_non_bailable",
    "custody.past_24h",
    "custody.remand_over_15_days",
    "custody.held_past_remand",
)
LAWFUL_KINDS = (
    "ata_remand_30_days",
    "police_bail_bailable",
    "bond_within_24h",
)
"""Lawful cases planted next to the flags, where a careless rule would flag: the
projections must raise no flag on their case."""


@dataclass
class ManifestBuilder:
    seed: int
    months: int
    start: Any
    end: Any
    groups: list[dict[str, str]] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, description: str, **fields: Any) -> dict[str, Any]:
        entry = {"kind": kind, **fields, "description": description}
        self.patterns.append(entry)
        return entry

    def flag(
        self, rule: str, *, case: str, person: str, event: Any, description: str, **extra: Any
    ) -> None:
        if rule not in FLAG_RULES:
            raise ValueError(f"unknown flag rule {rule}")
        self.add("flag", description, rule=rule, case=case, person=person, event_id=event, **extra)

    def lawful(self, kind: str, *, case: str, person: str, event: Any, description: str) -> None:
        if kind not in LAWFUL_KINDS:
            raise ValueError(f"unknown lawful pattern {kind}")
        self.add("lawful", description, lawful=kind, case=case, person=person, event_id=event)

    def flags(self, rule: str | None = None) -> list[dict[str, Any]]:
        return [
            p for p in self.patterns if p["kind"] == "flag" and (rule is None or p["rule"] == rule)
        ]

    def resolve(
        self, ids: dict[str, str], *, events: int, tree_size: int, sealed_values: list[str]
    ) -> dict[str, Any]:
        """The manifest as JSON-ready data, every link replaced by its event id."""
        return {
            "seed": self.seed,
            "months": self.months,
            "start": format_time(self.start),
            "end": format_time(self.end),
            "events": events,
            "tree_size": tree_size,
            "groups": list(self.groups),
            "patterns": [resolve_links(p, ids) for p in self.patterns],
            "sealed_values": sorted(set(sealed_values)),
        }


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    Path(path).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
