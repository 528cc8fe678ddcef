"""The API's documentation page, served from this machine: ``/docs`` (Swagger UI).

FastAPI's own pages load their scripts and styles from a CDN. The server may
have no internet, and a page that runs code fetched from another host runs
whatever that host serves next. So the page loads files of this server only:
the prebuilt scripts of an npm package, pinned with their integrity hashes
in ``package-lock.json`` and installed by ``npm install`` (``scripts/demo`` and
``scripts/test`` run it), and a short start-up script of our own for each
(``api/static/``). The page is sent with a Content-Security-Policy that allows
nothing but this origin, so a request elsewhere would be blocked, not made.

Why these packages:

* ``swagger-ui-dist`` is Swagger UI's own prebuilt release (the files
  FastAPI's page fetches from the CDN).
* No ReDoc page (FastAPI's ``/redoc``): Redoc 3.0.1 cannot be installed (it
  requires ``@redocly/redoc-opentelemetry`` ^0.5.1; the registry's latest is
  0.2.2) and sends usage telemetry by default, and Redoc 2 pulls in over a
  hundred packages and always loads its vendor's logo from a CDN. Swagger UI
  shows the same schema, every operation with its parameters and answers.
* Not the PyPI package ``fastapi-offline``: it copies such bundles into its
  wheel without saying which versions, without their licences, and replaces
  FastAPI's application class. The npm packages are the projects' own
  releases, pinned and checked by hash like the site's fonts.

A missing package stops the server when the application is made, with the
command that installs it (``DocsAssetMissing``), as a missing font stops the
site build: never a documentation page that silently shows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from ledger.errors import DocsAssetMissing, NotFound
from public_site.fonts import INSTALL_COMMAND

ROOT = Path(__file__).resolve().parent.parent
ASSETS_URL = "/docs/assets/"
JAVASCRIPT = "text/javascript; charset=utf-8"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self'; connect-src 'self';"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""This origin only. Both UIs set ``style`` attributes and inline SVG icons
(``'unsafe-inline'`` styles, ``data:`` images)."""


@dataclass(frozen=True)
class Asset:
    """A file a documentation page loads, from an npm package or from the ledger's own files."""

    media_type: str
    package: str | None
    """The npm package (under ``node_modules``); None for the ledger's own file."""
    path: str
    """Inside the package; for the ledger's own file, relative to the repository."""

    def source(self, node_modules: Path) -> Path:
        if self.package is None:
            return ROOT / self.path
        return node_modules / self.package / self.path


ASSETS: dict[str, Asset] = {
    "swagger-ui.css": Asset("text/css; charset=utf-8", "swagger-ui-dist", "swagger-ui.css"),
    "swagger-ui-bundle.js": Asset(JAVASCRIPT, "swagger-ui-dist", "swagger-ui-bundle.js"),
    "swagger-start.js": Asset(JAVASCRIPT, None, "api/static/swagger-start.js"),
    "favicon.svg": Asset("image/svg+xml", None, "public_site/static/favicon.svg"),
}
"""Name under ``/docs/assets/`` → where the file comes from."""


def docs_files(node_modules: Path) -> dict[str, Path]:
    """Every asset's file; raises ``DocsAssetMissing`` naming the file and how to install it."""
    files = {}
    for name, asset in ASSETS.items():
        source = asset.source(node_modules)
        if not source.is_file() or source.stat().st_size == 0:
            if asset.package is None:
                hint = "it is one of the ledger's own files: reinstall the ledger"
            else:
                hint = f"it comes from the npm package {asset.package}: install it with: {INSTALL_COMMAND}"
            raise DocsAssetMissing(
                f"the API documentation pages need {source}, which is missing or empty; {hint}",
                field="LEDGER_NODE_MODULES" if asset.package else None,
            )
        files[name] = source
    return files


def _page(request: Request, root_id: str, scripts: tuple[str, ...], css: str = "") -> HTMLResponse:
    """A page that loads ``scripts`` (and ``css``) from ``/docs/assets/`` and the schema."""
    styles = f'<link rel="stylesheet" href="{ASSETS_URL}{css}">\n' if css else ""
    tags = "".join(f'<script src="{ASSETS_URL}{name}"></script>\n' for name in scripts)
    text = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<link rel="icon" href="{ASSETS_URL}favicon.svg" type="image/svg+xml">\n'
        f"<title>Ceasefire Ledger API</title>\n{styles}</head>\n<body>\n"
        f'<div id="{root_id}" data-openapi="{request.app.openapi_url}"></div>\n'
        f"{tags}</body>\n</html>\n"
    )
    return HTMLResponse(text, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: every operation, with "Try it out" against this server."""
    return _page(
        request, "swagger-ui", ("swagger-ui-bundle.js", "swagger-start.js"), "swagger-ui.css"
    )


@router.get(ASSETS_URL + "{name}")
async def docs_asset(
    request: Request, name: Annotated[str, PathParam(max_length=64)]
) -> FileResponse:
    files: dict[str, Path] = request.app.state.docs_files
    if name not in files:
        raise NotFound(
            f"no documentation file is named {name!r}; the files are: {', '.join(files)}"
        )
    return FileResponse(
        files[name],
        media_type=ASSETS[name].media_type,
        headers={"Cache-Control": "public, max-age=3600"},
    )
