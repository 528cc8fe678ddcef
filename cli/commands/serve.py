"""``ledger serve``: the HTTP API (and optionally the public site) under uvicorn.

The web framework is imported only when the command runs, so the core never
depends on it. Workers are separate processes, each with its own ledger
object; the database's writer lock keeps them to one linear log (see
``api.gate``). Settings reach the workers through ``LEDGER_*`` variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    from cli.main import DbOption, KeysOption, PassphraseOption

    @app.command()
    def serve(
        db: str = DbOption,
        keys: Path = KeysOption,
        host: str = typer.Option("127.0.0.1", help="Address to listen on"),
        port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on"),
        site: Path | None = typer.Option(
            None, "--site", help="Built public site to serve at / (API under /v1, docs at /docs)"
        ),
        workers: int = typer.Option(1, min=1, max=64, help="Worker processes"),
        checkpoint_interval: float = typer.Option(
            1.0, min=0.0, help="Seconds between background checkpoint signatures"
        ),
        passphrase_env: str | None = PassphraseOption,
        log_level: str = typer.Option("warning", help="uvicorn log level"),
    ) -> None:
        """Serve the HTTP API for recorders, the committee, the court and mirrors."""
        import uvicorn

        from cli.main import err_console

        if site is not None and not site.is_dir():
            err_console.print(f"[bold red]error[/]: --site {site} is not a directory")
            raise typer.Exit(2)
        os.environ["LEDGER_DB"] = db
        if keys.is_dir():
            os.environ["LEDGER_KEYS"] = str(keys.resolve())
        if site is not None:
            os.environ["LEDGER_SITE"] = str(site.resolve())
        if passphrase_env:
            os.environ["LEDGER_PASSPHRASE_ENV"] = passphrase_env
        os.environ["LEDGER_CHECKPOINT_INTERVAL"] = str(checkpoint_interval)
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
