"""``ledger serve``: the HTTP API (and optionally the public site) under uvicorn.

The web framework is imported only when the command runs, so the core never
depends on it. Workers are separate processes, each with its own ledger
object; the database's writer lock keeps them to one linear log (see
``api.gate``). Settings reach the workers through ``LEDGER_*`` variables, so
they are made and checked here first (``api.settings.Settings``, the same
object the workers build): a bad value, or one that contradicts the charter's
policy, stops ``ledger serve`` with one line before any worker starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from api.settings import Settings
    from cli.site_refresh import SiteRefresher


def register(app: typer.Typer) -> None:
    from cli.shell import DbOption, KeysOption, PassphraseOption, handles_errors

    @app.command()
    @handles_errors
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
        site_refresh: float = typer.Option(
            5.0,
            "--site-refresh",
            min=0.0,
            help="Seconds between looks for a new checkpoint to rebuild the --site for (0: never rebuild)",
        ),
    ) -> None:
        """Serve the HTTP API for recorders, the committee, the court and mirrors."""
        import uvicorn

        from api.app import check_served_files
        from api.settings import Settings
        from cli.shell import err_console

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
        settings = Settings.from_env()
        check_settings(settings)
        check_served_files(settings)
        refresher = None
        if site is not None and site_refresh > 0:
            refresher = keep_site_current(site, db, site_refresh, keys, passphrase_env)
        try:
            uvicorn.run(
                "api.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level=log_level,
                # A worker computing a report at a million events can be slow to answer the
                # supervisor's ping; 5 s (the default) had busy workers killed and restarted.
                timeout_worker_healthcheck=60,
            )
        finally:
            if refresher is not None:
                refresher.stop()


def keep_site_current(
    site: Path, db: str, interval: float, keys: Path, passphrase_env: str | None
) -> SiteRefresher:
    """Rebuild ``site`` in the background whenever the ledger signs a checkpoint the site does
    not state; with the log key when ``keys`` holds it, as the server itself checks."""
    from cli.commands.site import DEFAULT_PROCESSES
    from cli.shell import err_console
    from cli.site_refresh import SiteRefresher
    from ledger.service import Ledger

    opened: list[Ledger] = []

    def latest_note() -> str | None:
        if not opened:
            opened.append(Ledger.open(db))
        ledger = opened[0]
        ledger.refresh()
        latest = ledger.latest_checkpoint()
        return latest.note if latest is not None else None

    refresher = SiteRefresher(
        site,
        db,
        latest_note,
        interval,
        DEFAULT_PROCESSES,
        lambda text: err_console.print(text, markup=False),
        keys.resolve(),
        passphrase_env,
    )
    refresher.start()
    return refresher


def check_settings(settings: Settings) -> None:
    """Refuse settings that contradict the charter of the ledger about to be served.

    A database that does not exist yet is served as a new, empty ledger (as
    the workers would open it), checked against the default every charter
    starts from.
    """
    from ledger.service import Ledger

    policy = None
    if "://" in settings.db or Path(settings.db).expanduser().is_file():
        with Ledger.open(settings.db) as ledger:
            registry = ledger.registry()
            policy = registry.policy if registry is not None else None
    settings.check_against_charter(policy)
