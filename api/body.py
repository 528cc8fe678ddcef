"""Reading a posted body defensively: size, media type, UTF-8, JSON, nesting.

The statement envelope is parsed by the core (``parse_statement``); this is
what comes before it at the HTTP edge, so that oversized, mis-typed, invalid
or deeply nested input is refused with a clear problem instead of reaching
the parser or the rules.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from api.errors import PayloadTooLarge, UnsupportedMediaType
from ledger.errors import MalformedStatement


def is_json_media_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def nesting_depth(value: Any) -> int:
    """How deeply objects and arrays nest (iteratively: no recursion on hostile input)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _reject_constant(name: str) -> Any:
    raise MalformedStatement(f"invalid JSON: {name} is not a JSON number")


async def read_json(request: Request, *, limit: int, max_depth: int) -> Any:
    """Parse a posted JSON body within the server's limits."""
    if not is_json_media_type(request.headers.get("content-type")):
        raise UnsupportedMediaType(
            "post statements as JSON with Content-Type: application/json",
            field="Content-Type",
        )
    raw = await read_limited_body(request, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedStatement(
            f"the body is not valid UTF-8 ({exc.reason} at byte {exc.start})"
        ) from exc
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise MalformedStatement(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise MalformedStatement(f"JSON nested deeper than {max_depth} levels") from exc
    except ValueError as exc:  # e.g. an integer longer than Python's conversion limit
        raise MalformedStatement(f"invalid JSON: {exc}") from exc
    if nesting_depth(value) > max_depth:
        raise MalformedStatement(f"JSON nested deeper than {max_depth} levels")
    return value
