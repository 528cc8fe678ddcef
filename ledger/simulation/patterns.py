"""Planted patterns: what the projections must find, and nothing else.

The city is lawful by default. A few things are planted on purpose, each named
in the manifest with the event it concerns:

* the favoured group: members of the group whose party governs are released
  "on instructions" or with no basis far more often than anyone else;
* a retaliation transfer: an officer who arrested a favoured member is moved
  within weeks;
* one of each flag (custody past 24 hours, remand over 15 days, held past an
  expired remand, orders that do not match, come after the release, are not in
  the log or are of the wrong kind, s.169 bonds without a magistrate's order,
  s.496 bail in a murder case, a "sentence served" with no verdict, a release
  before production, a released person re-arrested for a new shooting);
* one of each lawful case a careless rule would flag (an Anti-Terrorism Court
  case remanded for 30 days, police-station bail in a bailable offence, a
  release on bond within 24 hours), named in the manifest as ``lawful``;
* a broken promise (a trigger nobody acted on) and pending ones at the end.

``Patterns`` decides *when* each one-off pattern is planted: once, in the
middle of the window, where there is time for its consequences to show.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ledger.simulation.manifest import ManifestBuilder

FAVOURED_UNEXPLAINED_RATE = 0.6
"""Share of the favoured group's arrests that end in a release nothing explains."""
BASELINE_UNEXPLAINED_RATE = 0.02
"""The same share elsewhere: rare, but not zero (each one is planted and listed)."""

ONE_OFF = (
    "custody.past_24h",
    "custody.remand_over_15_days",
    "release.no_basis",
    "release.order_mismatch",
    "release.order_after_release",
    "release.order_not_found",
    "release.s169_no_magistrate_order",
    "release.before_production",
    "release.rearrested_for_new_shooting",
    "release.order_wrong_kind",
    "release.sentence_not_recorded",
    "release.s496_bail_non_bailable",
    "custody.held_past_remand",
    "ata_remand_30_days",
    "police_bail_bailable",
    "bond_within_24h",
    "retaliation_transfer",
    "broken_promise",
    "correction",
    "retraction",
    "membership_withdrawal",
)


class Patterns:
    """Quota and timing of one-off planted patterns."""

    def __init__(
        self, start: datetime, end: datetime, scale: float, manifest: ManifestBuilder
    ) -> None:
        self.start = start
        self.end = end
        self.manifest = manifest
        self.quota = max(1, round(scale))
        self.planted: dict[str, list[datetime]] = {kind: [] for kind in ONE_OFF}
        span = end - start
        self.earliest = start + span * 0.15
        self.spacing = max(timedelta(days=3), span / (4 * self.quota))

    def want(self, kind: str, at: datetime, *, room: timedelta = timedelta(days=40)) -> bool:
        """Whether to plant ``kind`` now: not yet planted enough, in the middle of the
        window, with ``room`` left for its consequences before the end."""
        done = self.planted[kind]
        if len(done) >= self.quota or at < self.earliest or at + room > self.end:
            return False
        return not done or at - done[-1] >= self.spacing

    def plant(self, kind: str, at: datetime) -> None:
        self.planted[kind].append(at)

    def unexplained_release(self, rng: random.Random, favoured: bool) -> str | None:
        """None for a lawful release; else the basis of an unexplained one."""
        rate = FAVOURED_UNEXPLAINED_RATE if favoured else BASELINE_UNEXPLAINED_RATE
        if rng.random() >= rate:
            return None
        return "on_instructions" if rng.random() < 0.8 else "none"

    def missing(self) -> list[str]:
        return [kind for kind, done in self.planted.items() if not done]
