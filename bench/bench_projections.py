"""Benchmark: rebuild every projection over N events; latency of one incremental update.

Usage: python bench/bench_projections.py [N]   (default 100000; the goal is 1,000,000:
rebuild under 2 minutes, one incremental update under 50 ms)

The log is synthetic statement JSON in the contract's shape (projections are
pure functions of statements, so no signing is needed to measure them). Times
are printed next to a reference measured in the same run — ``json.loads`` of
the same leaves — as ratios, so results compare across machines.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto import public_key_text
from ledger.projections.analysis import Analysis
from ledger.projections.facts import Facts
from ledger.projections.report_names import REPORT_NAMES

START = datetime(2025, 1, 1, tzinfo=UTC)
GROUPS = [f"group-{i}" for i in range(8)]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _public_key(institution: str) -> str:
    """A real Ed25519 public key for each institution: the facts fold the charter typed."""
    seed = hashlib.sha256(institution.encode()).digest()
    return public_key_text(Ed25519PrivateKey.from_private_bytes(seed).public_key())


class SyntheticCity:
    """Statement JSON lines: registry, a warning, then shootings and their cases."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.index = 0

    def line(self, type: str, recorder: str, data: dict[str, Any], at: datetime) -> str:
        event_id = hashlib.sha256(f"{self.index}".encode()).hexdigest()
        self.index += 1
        return json.dumps(
            {
                "v": 1,
                "ledger": "bench/log",
                "type": type,
                "recorder": recorder,
                "key_id": "k",
                "occurred_at": stamp(at),
                "recorded_at": stamp(at),
                "data": data,
                "refs": [],
                "signature": "s" * 88,
                "event_id": event_id,
                "leaf_index": self.index - 1,
            }
        )

    def lines(self, n: int) -> Iterator[str]:
        rng = self.rng
        yield self.line(
            "ledger.chartered",
            "committee",
            {
                "name": "bench",
                "origin": "bench/log",
                "log_key": "bench/log+00000000+key",
                "institutions": [
                    {"id": i, "name": i, "role": r, "signing_keys": [_public_key(i)]}
                    for i, r in (
                        ("committee", "committee"),
                        ("police", "police"),
                        ("prosecution", "prosecutor"),
                        ("court", "court"),
                    )
                ],
                "policy": {"custody_limit_hours": 24, "remand_limit_days": 15},
            },
            START,
        )
        for g in GROUPS:
            yield self.line(
                "group.registered",
                "police",
                {
                    "group": g,
                    "name": g,
                    "kind": "criminal_gang",
                    "area": "Lyari",
                    "affiliation": None,
                },
                START,
            )
        yield self.line(
            "warning.issued",
            "police",
            {
                "warning": "W-1",
                "kind": "call_in",
                "groups": GROUPS,
                "effective_from": stamp(START),
                "effective_until": stamp(START + timedelta(days=3650)),
                "covered_acts": ["shooting"],
                "covers_attacks_on_groups": True,
                "deadlines": {"arrest_hours": 72, "enforcement_days": 14, "charge_days": 30},
                "terms": "t",
            },
            START,
        )
        at = START
        case = 0
        while self.index < n:
            case += 1
            at += timedelta(minutes=rng.uniform(1, 30))
            group = rng.choice(GROUPS)
            person, incident, fir = f"P-{case}", f"INC-{case}", f"FIR-{case}"
            yield self.line(
                "person.registered",
                "police",
                {"person": person, "area": "Lyari", "birth_year": 1990},
                at,
            )
            yield self.line(
                "membership.asserted",
                "police",
                {"person": person, "group": group, "role_in_group": "member", "basis": "b"},
                at,
            )
            yield self.line(
                "shooting.reported",
                "police",
                {
                    "incident": incident,
                    "area": "Lyari",
                    "killed": 1,
                    "injured": 0,
                    "source": "police",
                    "description": "d",
                },
                at,
            )
            yield self.line(
                "shooting.attributed",
                "police",
                {
                    "incident": incident,
                    "suspects": [person],
                    "groups": [group],
                    "target_groups": [],
                    "basis": "b",
                    "confidence": "probable",
                },
                at,
            )
            arrested = at + timedelta(hours=rng.uniform(2, 90))
            yield self.line(
                "arrest.made",
                "police",
                {
                    "case": fir,
                    "person": person,
                    "incidents": [incident],
                    "grounds": "g",
                    "officer": f"O-{case % 50}",
                    "station": "s",
                },
                arrested,
            )
            yield self.line(
                "custody.produced",
                "police",
                {
                    "case": fir,
                    "person": person,
                    "magistrate": "JM",
                    "remand_granted": True,
                    "remand_days": 7,
                    "order_number": None,
                },
                arrested + timedelta(hours=20),
            )
            yield self.line(
                "enforcement.action",
                "police",
                {
                    "action": f"A-{case}",
                    "group": group,
                    "warning": "W-1",
                    "kind": "raid",
                    "incidents": [incident],
                    "description": "d",
                },
                at + timedelta(days=3),
            )
            yield self.line(
                "charge.filed",
                "prosecution",
                {"case": fir, "person": person, "charges": ["PPC 302"], "prosecutor": "PR"},
                arrested + timedelta(days=10),
            )
            for k in range(rng.randint(1, 4)):
                yield self.line(
                    "hearing.held",
                    "court",
                    {
                        "case": fir,
                        "judge": "J",
                        "outcome": "adjourned",
                        "adjournment_reason": "witness_absent",
                        "next_date": None,
                    },
                    arrested + timedelta(days=20 + 10 * k),
                )
            if rng.random() < 0.3:
                basis = "on_instructions" if rng.random() < 0.2 else "s169_bond"
                yield self.line(
                    "release.recorded",
                    "police",
                    {
                        "case": fir,
                        "person": person,
                        "authorising_officer": "O-1",
                        "legal_basis": basis,
                        "order_event": None,
                        "order_number": None,
                        "reasons": "r",
                        "instructions_from": None,
                    },
                    arrested + timedelta(days=12),
                )


def measure(n: int) -> None:
    print(f"generating {n:,} synthetic statements …", flush=True)
    lines = list(SyntheticCity().lines(n))[:n]
    gc.collect()

    began = time.perf_counter()
    for line in lines:
        json.loads(line)
    reference = time.perf_counter() - began
    print(
        f"reference: json.loads of {len(lines):,} leaves: {reference:.2f} s ({len(lines) / reference:,.0f}/s)"
    )

    last = lines.pop()
    began = time.perf_counter()
    facts = Facts().apply_all(json.loads(line) for line in lines)
    folded = time.perf_counter() - began
    analysis = Analysis(facts, facts.count, "00" * 32)
    began = time.perf_counter()
    sizes = {name: len(analysis.report(name).rows) for name in REPORT_NAMES}
    reported = time.perf_counter() - began
    rebuild = folded + reported
    print(
        f"rebuild: fold {folded:.2f} s + all reports {reported:.2f} s = {rebuild:.2f} s"
        f"  ({rebuild / reference:.1f}x the reference; goal for 1,000,000: < 120 s)"
    )
    print(f"  rows per report: {sizes}")

    began = time.perf_counter()
    blob = zlib.compress(json.dumps(facts.to_state(), separators=(",", ":")).encode("utf-8"), 1)
    snapshot = time.perf_counter() - began
    print(
        f"snapshot of the facts: {snapshot:.2f} s, {len(blob) / 1e6:.1f} MB  ({snapshot / reference:.2f}x the reference)"
    )

    per_leaf = reference / len(lines)
    began = time.perf_counter()
    facts.apply(json.loads(last))
    applied = time.perf_counter() - began
    print(
        f"incremental update (one new event folded): {applied * 1000:.3f} ms"
        f"  ({applied / per_leaf:.1f}x one json.loads; goal < 50 ms)"
    )
    began = time.perf_counter()
    fresh = Analysis(facts, facts.count, "00" * 32)
    fresh.report("releases")
    recomputed = time.perf_counter() - began
    print(
        f"reports after the update are lazy: first read of 'releases' recomputes in {recomputed:.2f} s"
        f"  ({recomputed / reference:.2f}x the reference)"
    )


if __name__ == "__main__":
    measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
