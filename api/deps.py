"""Dependencies of the routes: the ledger, the clock, the settings, the signer.

They come from the application's state, set up by ``create_app``'s lifespan,
so each app (and each test) has its own. They are ``async`` so that FastAPI
resolves them on the event loop, without a trip through the thread pool.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from api.gate import LedgerGate
from api.settings import Settings
from api.signer import CheckpointSigner


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_gate(request: Request) -> LedgerGate:
    gate: LedgerGate = request.app.state.gate
    return gate


async def get_signer(request: Request) -> CheckpointSigner | None:
    signer: CheckpointSigner | None = request.app.state.signer
    return signer


async def get_now(request: Request) -> datetime:
    """The server's clock, read once per request."""
    settings: Settings = request.app.state.settings
    return settings.clock()


SettingsDep = Annotated[Settings, Depends(get_settings)]
GateDep = Annotated[LedgerGate, Depends(get_gate)]
SignerDep = Annotated[CheckpointSigner | None, Depends(get_signer)]
NowDep = Annotated[datetime, Depends(get_now)]
