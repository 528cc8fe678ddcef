"""``ledger demo``: the whole product on one machine, for a first look.

It records a synthetic city through the real signed path (keys for the demo
institutions, a charter, every statement signed and checked by the rules),
signs a checkpoint, verifies the log from nothing, computes the projections,
exports the public log, builds the bilingual public site and serves the site
and the API at http://127.0.0.1:8000. Everything lands in one directory
(``demo/`` by default); running it again reuses what is there unless
``--fresh`` is given.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    from cli.shell import console, handles_errors, output_directory

    @app.command()
    @handles_errors
    def demo(
        directory: Path = typer.Option(
            Path("demo"), "--dir", help="Where the demo's ledger, keys and site go"
        ),
        fresh: bool = typer.Option(False, "--fresh", help="Start over: delete the directory first"),
        seed: int = typer.Option(1, help="Random seed of the synthetic city"),
        months: int = typer.Option(6, min=1, help="Months of city life to record"),
        scale: float = typer.Option(1.0, min=0.1, help="Multiplies the number of shootings"),
        serve: bool = typer.Option(
            True, "--serve/--no-serve", help="Serve the site and API when done"
        ),
        host: str = typer.Option("127.0.0.1", help="Address to serve on"),
        port: int = typer.Option(8000, min=1, max=65535, help="Port to serve on"),
    ) -> None:
        """Record a demo city, compute projections, build the site and serve it with the API."""
        output_directory(directory, "--dir")
        if fresh and directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True, exist_ok=True)
        db = directory / "ledger.db"
        keys = directory / "keys"
        if not db.exists():
            _record_city(
                db, keys, directory / "manifest.json", seed=seed, months=months, scale=scale
            )
        else:
            console.print(f"Reusing the ledger in {db} (use --fresh to start over)")
        _verify(str(db))
        _report(str(db))
        _export(str(db), keys, directory / "export")
        site = directory / "site"
        _build_site(str(db), site, f"http://{f'[{host}]' if ':' in host else host}:{port}/")
        console.print()
        console.print(
            f"Ledger:   {db}  (keys in {keys}/, manifest in {directory / 'manifest.json'})"
        )
        console.print(
            f"Export:   {directory / 'export'}/  (check it offline: ledger verify --export {directory / 'export'})"
        )
        console.print(f"Site:     {site}/")
        if serve:
            _serve(str(db), keys, site, host, port)


def _record_city(
    db: Path, keys: Path, manifest: Path, *, seed: int, months: int, scale: float
) -> None:
    from cli.shell import console, record_city
    from ledger.keyring import Keyring
    from ledger.service import Ledger
    from ledger.simulation import CityConfig, default_start, write_manifest
    from ledger.statements import format_time

    if keys.exists():
        shutil.rmtree(keys)
    keyring = Keyring.create(keys)
    config = CityConfig(start=default_start(months), seed=seed, months=months, scale=scale)
    with Ledger.open(str(db), log_key=keyring.log_key()) as ledger:
        chartered = config.start - timedelta(days=1)
        draft = keyring.charter_draft(format_time(chartered))
        draft.recorded_at = format_time(chartered)
        charter = keyring.sign(draft, now=chartered)
        ledger.append([charter])
        console.print(
            f"Chartered {keyring.origin}: {', '.join(keyring.institutions)} (keys in {keys}/)"
        )
        result = record_city(ledger, keys, config)
        checkpoint = ledger.sign_checkpoint()
    write_manifest(result.manifest, manifest)
    console.print(
        f"Recorded {result.events} signed statements for {len(result.manifest['groups'])} groups,"
        f" {result.manifest['start'][:10]} to {result.manifest['end'][:10]}"
    )
    console.print(f"Checkpoint at tree size {checkpoint.size}, root {checkpoint.root.hex()}")


def _verify(db: str) -> None:
    from cli.shell import console, progress_bar
    from ledger.errors import TamperDetected
    from ledger.storage import open_store
    from ledger.verification.replay import verify_store

    store = open_store(db)
    try:
        with progress_bar("verify") as bar:
            task = bar.add_task("verifying from nothing", total=store.max_notification_id())
            report = verify_store(
                store, progress=lambda n, t: bar.update(task, completed=n, total=t)
            )
    finally:
        store.close()
    if not report.ok:
        raise TamperDetected(f"the demo ledger does not verify: {report.problems[0]}")
    console.print(f"Verified {report.events} statements and {report.checkpoints} checkpoints: OK")


def _report(db: str) -> None:
    from rich.table import Table

    from cli.shell import console
    from ledger.projections.service import Reports
    from ledger.projections.tables import cell_text
    from ledger.service import Ledger

    with Ledger.open(db) as ledger:
        reports = Reports(ledger)
        groups = reports.report("groups")
        flags = reports.flags()
    table = Table(
        title=f"Promises per group (as of {groups.as_of[:10]}, tree size {groups.tree_size})"
    )
    for column in (
        "group",
        "triggers",
        "kept",
        "kept late",
        "broken",
        "pending",
        "unexplained releases",
    ):
        table.add_column(column, justify="left" if column == "group" else "right")
    for row in groups.rows:
        table.add_row(
            str(row.get("name") or row.get("group")),
            *(
                str(row.get(key, ""))
                for key in ("triggers", "kept", "kept_late", "broken", "pending")
            ),
            cell_text(row.get("unexplained_release_rate")),
        )
    console.print(table)
    open_flags = sum(1 for f in flags if f.get("status") == "open")
    console.print(
        f"{len(flags)} flagged releases and custody problems, {open_flags} still open for the committee"
    )


def _export(db: str, keys: Path, out: Path) -> None:
    from cli.shell import console
    from ledger.export_layout import export_ledger
    from ledger.service import Ledger

    with Ledger.open(db) as ledger:
        manifest = export_ledger(ledger, out, keys_dir=keys)
    console.print(f"Exported the public log ({manifest['size']} statements) to {out}/")


def _build_site(db: str, out: Path, base_url: str) -> None:
    from cli.shell import console
    from cli.site_refresh import save_build_options
    from ledger.service import Ledger
    from public_site.build import build_site
    from public_site.source import open_ledger_source

    with Ledger.open(db) as ledger:
        source = open_ledger_source(ledger, [])
        try:
            result = build_site(source, out, base_url=base_url)
        finally:
            source.close()
    save_build_options(out, base_url, [])
    console.print(
        f"Built the public site: {result.pages} pages in English and Urdu;"
        f" {result.proofs} events verifiable in the browser"
    )


def _serve(db: str, keys: Path, site: Path, host: str, port: int) -> None:
    import os

    import uvicorn

    from cli.commands.serve import keep_site_current
    from cli.shell import console

    os.environ["LEDGER_DB"] = db
    os.environ["LEDGER_KEYS"] = str(keys.resolve())
    os.environ["LEDGER_SITE"] = str(site.resolve())
    os.environ["LEDGER_CHECKPOINT_INTERVAL"] = "1.0"
    console.print(
        f"Serving the public site at http://{host}:{port}/ and the API at http://{host}:{port}/docs"
        " (Ctrl-C to stop)"
    )
    refresher = keep_site_current(site, db, 5.0, keys, None)  # new checkpoints reach the site too
    try:
        uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port, log_level="warning")
    finally:
        refresher.stop()
