"""``ledger simulate``: record a synthetic city into a ledger, with its manifest.

The city goes through the same signed path as any recorder's statements
(keys from ``--keys``, every rule enforced), so a simulated ledger verifies
like a real one. The manifest names every planted pattern with its event ids.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    from cli.shell import (
        DbOption,
        KeysOption,
        PassphraseOption,
        ProgressOption,
        console,
        handles_errors,
        output_file,
        passphrase,
        record_city,
    )

    @app.command()
    @handles_errors
    def simulate(
        db: str = DbOption,
        keys: Path = KeysOption,
        seed: int = typer.Option(1, help="Random seed: the same seed tells the same story"),
        months: int = typer.Option(12, min=1, help="Months of city life to record"),
        groups: int = typer.Option(8, min=1, max=10, help="Armed groups in the city"),
        scale: float = typer.Option(
            1.0, help="Multiplies the number of shootings (≈150 for a million events)"
        ),
        start: str | None = typer.Option(
            None,
            help="First day (YYYY-MM-DD, UTC); default: so the city ends at the start of this month",
        ),
        manifest: Path | None = typer.Option(
            None, help="Write the manifest of planted patterns here"
        ),
        init: bool = typer.Option(
            False, "--init", help="Create the keys and charter first (like `ledger init`)"
        ),
        workers: int | None = typer.Option(None, help="Signing processes (default: one per core)"),
        passphrase_env: str | None = PassphraseOption,
        progress: bool | None = ProgressOption,
    ) -> None:
        """Record a synthetic Karachi: groups, warnings, shootings, cases, releases, planted patterns."""
        from ledger.errors import AlreadyExists, InvalidArgument
        from ledger.keyring import Keyring
        from ledger.service import Ledger
        from ledger.simulation import CityConfig, default_start, write_manifest
        from ledger.statements import format_time

        secret = passphrase(passphrase_env)
        if manifest is not None:
            output_file(manifest, "--manifest")  # before the city is recorded, not after
        if start is None:
            first = default_start(months)
        else:
            try:
                first = datetime.strptime(start, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError as exc:
                raise InvalidArgument(
                    f"expected a date like 2025-01-01, got {start!r}", field="--start"
                ) from exc
        config = CityConfig(start=first, seed=seed, months=months, groups=groups, scale=scale)
        if init:
            keyring = Keyring.create(keys, passphrase=secret)
        else:
            from cli.shell import require_existing_ledger

            require_existing_ledger(db)
            keyring = Keyring(keys, secret)
        with Ledger.open(db, log_key=keyring.log_key()) as ledger:
            if init:
                if ledger.size:
                    raise AlreadyExists(
                        f"{db} already holds a ledger of {ledger.size} events; drop --init"
                    )
                chartered = first - timedelta(days=1)
                draft = keyring.charter_draft(format_time(chartered))
                draft.recorded_at = format_time(chartered)
                ledger.append([keyring.sign(draft, now=chartered)])
            result = record_city(
                ledger, keys, config, passphrase=secret, workers=workers, show=progress
            )
            cp = ledger.sign_checkpoint()
        if manifest is not None:
            write_manifest(result.manifest, manifest)
        patterns = [p for p in result.manifest["patterns"] if p["kind"] != "inquiry"]
        flags = sum(1 for p in patterns if p["kind"] == "flag")
        console.print(
            f"Recorded {result.events} events for {len(result.manifest['groups'])} groups"
            f" from {result.manifest['start']} to {result.manifest['end']}"
            f" in {result.seconds:.1f} s ({result.events / max(result.seconds, 1e-9):.0f} events/s)"
        )
        console.print(
            f"Planted {len(patterns)} patterns ({flags} flagged events)"
            + (f"; manifest in {manifest}" if manifest else "")
        )
        console.print(f"Tree size {cp.size}, root {cp.root.hex()}; checkpoint signed")
