"""How fast the synthetic city is recorded, next to the raw Ed25519 signing rate.

Prints events per second for ``ledger.simulation.simulate`` at a moderate scale
(signing, sealing, checking and every rule, on SQLite) and the single-core rate
of bare Ed25519 signatures measured in the same run, with their ratio. Usage::

    .venv/bin/python bench/bench_simulate.py [--scale 1.0] [--months 6] [--workers N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.simulation import CityConfig, default_start, simulate


def sign_rate(seconds: float = 1.0) -> float:
    key = Ed25519PrivateKey.generate()
    message = b"x" * 600  # about the size of a statement's canonical body
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for _ in range(200):
            key.sign(message)
        count += 200
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--db",
        default=None,
        help="SQLite file or PostgreSQL URL (default: a temporary SQLite file)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-simulate-"))
    keyring = Keyring.create(folder / "keys")
    start = default_start(args.months)
    ledger = Ledger.open(args.db or str(folder / "city.db"), log_key=keyring.log_key())
    chartered = start - timedelta(days=1)
    ledger.append(
        [
            keyring.sign(
                keyring.charter_draft(chartered.strftime("%Y-%m-%dT%H:%M:%SZ")),
                now=datetime.now(UTC),
            )
        ]
    )
    reference = sign_rate()
    result = simulate(
        ledger,
        keyring.directory,
        CityConfig(start=start, months=args.months, scale=args.scale),
        workers=args.workers,
    )
    ledger.close()
    rate = result.events / result.seconds
    print(f"simulate: {result.events} events in {result.seconds:.1f} s = {rate:,.0f} events/s")
    print(f"raw Ed25519 sign (one core): {reference:,.0f} signatures/s")
    print(f"ratio simulate / raw sign: {rate / reference:.3f}")


if __name__ == "__main__":
    main()
