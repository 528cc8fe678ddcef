"""The public site under ``/``: its files, and its own page for an address it does not have.

A mistyped address on the site is a reader's mistake, not a client's: it gets
the site's HTML 404 page in the language of the address (``/ur/…`` the Urdu
page, right to left; ``/en/…`` the English one; anything else the root
``404.html``), with the site's menu and a link home. Addresses under ``/v1/``
belong to the API, and keep the API's problem+json answer
(``api.errors``), whether or not a site is served.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ledger.errors import InvalidArgument
from public_site.log_download import COMPRESSED

NOT_FOUND_PAGE = "404.html"
GZIP_MEDIA_TYPE = "application/gzip"
"""RFC 6713's type for a gzip file, which Python's ``mimetypes`` gives only as an encoding."""
API_PREFIX = "v1"
"""The first path segment of the API's own addresses (``/v1/…``)."""


def check_site(directory: Path) -> None:
    """Refuse a site directory without the 404 page (not a site, or built before it had one)."""
    if not (directory / NOT_FOUND_PAGE).is_file():
        raise InvalidArgument(
            f"{directory} has no {NOT_FOUND_PAGE}: it is not a built site, or was built by an"
            f" older version; build it with: ledger site build {directory}",
            field="LEDGER_SITE",
        )


class SiteFiles(StaticFiles):
    """The built site's files, answering a missing one with the 404 page of its language."""

    def __init__(self, directory: Path) -> None:
        check_site(directory)
        super().__init__(directory=directory, html=True)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """A file as built; the compressed log as the gzip file it is (``application/gzip``), so a
        browser saves it whole instead of showing its bytes as text."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        if os.fspath(full_path).endswith(COMPRESSED):
            response.headers["content-type"] = GZIP_MEDIA_TYPE
        return response

    async def get_response(self, path: str, scope: Scope) -> Response:
        first = path.split(os.sep, 1)[0]
        if first == API_PREFIX:
            raise HTTPException(status_code=404)
        response = await super().get_response(path, scope)  # a miss: the root 404.html
        if response.status_code != 404:
            return response
        page, found = await anyio.to_thread.run_sync(
            self.lookup_path, os.path.join(first, NOT_FOUND_PAGE)
        )
        if found is None or not stat.S_ISREG(found.st_mode):
            return response
        return FileResponse(page, stat_result=found, status_code=404)
