"""``ledger mirror URL --db mirror.db``: keep a verified copy of a ledger, alarm on two histories."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    from cli.shell import console, err_console, handles_errors

    @app.command("mirror")
    @handles_errors
    def mirror_command(
        url: str = typer.Argument(
            ..., help="The ledger's base URL (serving /checkpoint and /tile/…)"
        ),
        db: str = typer.Option(
            "mirror.db", "--db", help="Local copy (SQLite file or PostgreSQL URL)"
        ),
        log_key: str | None = typer.Option(
            None,
            "--log-key",
            help="The log's verifier key (default: the charter's, trusted on first use)",
        ),
        witness_dir: Path | None = typer.Option(
            None, "--witness-dir", help="Cosign what was verified with this witness"
        ),
        once: bool = typer.Option(False, "--once", help="Sync once and exit"),
        interval: float = typer.Option(30.0, min=0.1, help="Seconds between polls"),
    ) -> None:
        """Follow a ledger over HTTP, re-verify every entry and checkpoint, keep a servable copy.

        Exits non-zero with both checkpoints named if the ledger ever shows a
        history that does not extend the one verified before.
        """
        from ledger.service import Ledger
        from ledger.signature_pool import Checker
        from ledger.storage import open_store
        from ledger.witnessing.mirror import Mirror
        from ledger.witnessing.witness import Witness

        witness = Witness(witness_dir) if witness_dir is not None else None
        ledger = Ledger(open_store(db), checker=Checker(processes=1))
        try:
            mirror = Mirror(
                url,
                ledger,
                log_vkey=log_key,
                witness=witness,
                say=lambda m: err_console.print(m, highlight=False, soft_wrap=True),
            )
            result = mirror.follow(interval=interval, once=once)
        finally:
            ledger.close()
        console.print(
            f"Mirror at size {result.size}: every entry and checkpoint verified", highlight=False
        )
        if result.cosignature:
            console.print(f"Cosigned: {result.cosignature.strip()}", highlight=False)
