"""The witness over HTTP: ``POST /add-checkpoint`` (c2sp.org/tlog-witness), plain ASGI.

The core imports no web framework, so this is a small ASGI application any
ASGI server (``ledger witness serve`` uses uvicorn) can run. Status codes:
200 with cosignature lines, 400 malformed request, 403 not signed by the
log's key, 404 unknown log, 409 old size mismatch or conflicting root (body:
the latest cosigned size, ``text/x.tlog.size``), 422 consistency proof fails.
``GET /`` answers the witness's name and verifier key.

``POST /log-key-rotation`` is this ledger's extension (tlog-witness has no
key rotation): the body is a C2SP tlog-proof of the log's key rotation
statement (``ledger.log.key_rotation``); 200 with the new verifier key, 403
if the old key did not endorse it or it is not in a checkpoint this witness
cosigned, 404 unknown log, 400 malformed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ledger import errors as e
from ledger.errors import LedgerError, MalformedWitnessRequest, OldSizeConflict
from ledger.witnessing.protocol import SIZE_CONTENT_TYPE, parse_add_checkpoint
from ledger.witnessing.witness import Witness

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STATUSES: dict[type[LedgerError], int] = {
    LedgerError: 400,
    e.MalformedWitnessRequest: 400,
    e.ProofError: 400,
    e.WitnessRefusal: 400,
    e.UntrustedCheckpoint: 403,
    e.RefusedKeyRotation: 403,
    e.ForgedKeyRotation: 403,
    e.UnknownLog: 404,
    e.NotFound: 404,
    e.OldSizeConflict: 409,
    e.UnprovenExtension: 422,
    e.TamperDetected: 500,
    e.TamperedWitnessState: 500,
    e.StorageUnavailable: 503,
}
"""The witness's answers, by c2sp.org/tlog-witness: this protocol's own edge, beside the API's.

Each ``WitnessRefusal`` is listed (a test checks it); any other error answers as
its nearest listed base, so a bad note is 400 and a witness that finds its own
database altered answers 500."""


def status_of(exc: LedgerError) -> int:
    """The tlog-witness status for ``exc``."""
    return e.answer_for(STATUSES, exc, 400)


MAX_BODY_BYTES = 64 * 1024
"""An old-size line, 63 proof lines and a checkpoint with its signatures fit easily."""


class WitnessApp:
    """ASGI application serving one ``Witness``."""

    def __init__(self, witness: Witness) -> None:
        self.witness = witness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        posts = {"/add-checkpoint": self.add_checkpoint, "/log-key-rotation": self.add_key_rotation}
        if path in posts:
            if method != "POST":
                await _answer(send, 405, f"{path[1:]} takes POST\n", extra=[(b"allow", b"POST")])
                return
            body = await _read_body(receive)
            if body is None:
                await _answer(send, 413, f"the request body is over {MAX_BODY_BYTES} bytes\n")
                return
            status, text, content_type = await asyncio.to_thread(posts[path], body)
            await _answer(send, status, text, content_type)
        elif path == "/" and method == "GET":
            await _answer(send, 200, f"{self.witness.name}\n{self.witness.vkey}\n")
        else:
            await _answer(
                send,
                404,
                "not found: this witness serves POST /add-checkpoint and POST /log-key-rotation\n",
            )

    def add_checkpoint(self, body: bytes) -> tuple[int, str, str]:
        """(status, body, content type) for one add-checkpoint request."""
        try:
            request = parse_add_checkpoint(body)
            lines = self.witness.add_checkpoint(request.old_size, request.proof, request.note)
        except OldSizeConflict as exc:
            return 409, f"{exc.known_size}\n", SIZE_CONTENT_TYPE
        except LedgerError as exc:
            return status_of(exc), f"{exc}\n", "text/plain; charset=utf-8"
        return 200, "".join(lines), "text/plain; charset=utf-8"

    def add_key_rotation(self, body: bytes) -> tuple[int, str, str]:
        """(status, body, content type) for one log-key-rotation request."""
        try:
            vkey = self.witness.add_key_rotation(_utf8(body))
        except LedgerError as exc:
            return status_of(exc), f"{exc}\n", "text/plain; charset=utf-8"
        return 200, vkey + "\n", "text/plain; charset=utf-8"


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedWitnessRequest("the request body is not UTF-8") from None


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(
    send: Send,
    status: int,
    text: str,
    content_type: str = "text/plain; charset=utf-8",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = text.encode("utf-8")
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})
