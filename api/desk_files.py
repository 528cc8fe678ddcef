"""The desk under ``/desk/``: static pages and ES modules that sign, seal and open in the browser.

The desk's pages hold private keys and the personal details they open, so
they run under a policy that allows this origin only: no inline script or
style, no request to another host. A page that could load code from
elsewhere would run whatever that host serves next, next to the court's key.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DESK_DIR = Path(__file__).resolve().parent / "desk"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
    " font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'none'"
)


class DeskFiles(StaticFiles):
    """The desk's files, each sent with the desk's Content-Security-Policy and no caching."""

    def __init__(self) -> None:
        super().__init__(directory=DESK_DIR, html=True)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response
