"""The HTTP API of the Ceasefire Ledger: recorders write, everyone reads and verifies.

``create_app(settings)`` builds an application around one ledger database.
Recorders (police, prosecutors, the court registry, interrupters, the
committee) POST signed statements; the public, the committee, the court and
mirrors read the log, its checkpoints, proofs, tiles and reports. When the
settings name a site directory, the static public site is served at ``/``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Depends, FastAPI

from api import docs
from api.desk_files import DeskFiles
from api.errors import install_error_handlers
from api.gate import open_gate
from api.hot import HotReads
from api.parameters import refuse_unknown_query_parameters
from api.routes import audit, cases, checkpoints, desk, events, proofs, reports, tiles
from api.settings import Settings
from api.signer import CheckpointSigner
from api.site_files import SiteFiles, check_site
from ledger.collector import collector_paused

ROUTERS = (
    events.router,
    proofs.router,
    checkpoints.router,
    tiles.router,
    cases.router,
    audit.router,
    reports.router,
    desk.router,
)
"""The area routers, in the order their paths appear in the OpenAPI document."""

DESCRIPTION = """
An append-only, signed, verifiable public ledger of promised consequences.

* **Recording** — institutions POST signed statements to `/v1/events`; the signature is
  the authentication. The committee's actions (requesting explanations, recording
  findings, appointing the head) are statements posted the same way.
* **Reading** — the public log (`/v1/events`), signed checkpoints (`/v1/checkpoint`,
  `/checkpoint`), inclusion and consistency proofs (`/v1/proofs/...`), C2SP tlog-tiles
  (`/tile/...`), reports, the audit queue and case histories.
* **Reports** — a whole report at `/v1/reports/{name}` (it grows with the log), or its
  tables page by page at `/v1/reports/{name}/tables/{table}`: the same tables as the
  CSV downloads, 100 rows a page (up to 1,000 with `limit`), each page naming the tree
  size, root and time it reflects, and a `next` link pinned to that tree size.
* **Errors** — RFC 9457 `application/problem+json` with a stable `code`.
"""


def check_served_files(settings: Settings) -> dict[str, Path]:
    """The files the server serves besides the ledger, refused by name when missing.

    Called by ``create_app`` and, before any worker starts, by ``ledger serve``,
    so a missing install stops the server with one line, not a page that
    shows nothing. Returns the documentation pages' files.
    """
    if settings.site_dir is not None:
        check_site(settings.site_dir)
    return docs.docs_files(settings.node_modules)


def create_app(settings: Settings) -> FastAPI:
    """An application over the ledger at ``settings.db`` (opened when the app starts)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gate = open_gate(settings)
        try:  # refuse to serve a database edited behind the program's back
            with gate.use() as ledger, collector_paused():
                ledger.verify_before_acting()
                registry = ledger.registry()
                settings.check_against_charter(registry.policy if registry else None)
        except BaseException:
            gate.close()
            raise
        app.state.gate = gate
        app.state.signer = None
        task: asyncio.Task[None] | None = None
        if gate.can_sign_checkpoints:
            signer = CheckpointSigner(gate, settings.checkpoint_interval, settings.clock)
            app.state.signer = signer
            task = asyncio.create_task(signer.run())
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            gate.close()

    app = FastAPI(
        title="Ceasefire Ledger",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load their scripts from a CDN: ours are served here
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    app.state.settings = settings
    app.state.docs_files = check_served_files(settings)
    install_error_handlers(app)
    app.add_middleware(HotReads)  # remembered answers to the hot reads skip routing (api.hot)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(docs.router)
    app.include_router(desk.fonts)
    app.mount("/desk", DeskFiles(), name="desk")
    if settings.site_dir is not None:
        app.mount("/", SiteFiles(settings.site_dir), name="site")
    return app


def app_from_env() -> FastAPI:
    """The factory ``ledger serve`` gives uvicorn (workers read ``LEDGER_*`` settings)."""
    return create_app(Settings.from_env())
