"""Content negotiation: does the client prefer a given media type over JSON?"""

from __future__ import annotations

from fastapi import Request


def prefers(request: Request, media_type: str) -> bool:
    """True when ``media_type`` is acceptable and ranks above application/json.

    Browsers and default clients send ``*/*`` or nothing and get JSON.
    """
    return accept_prefers(request.headers.get("accept", ""), media_type)


def accept_prefers(accept: str, media_type: str) -> bool:
    """``prefers`` for the text of an ``Accept`` header."""
    best: dict[str, float] = {}
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        kind = pieces[0].lower()
        q = 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        best[kind] = max(best.get(kind, 0.0), q)
    wanted = best.get(media_type, 0.0)
    return wanted > 0 and wanted >= best.get("application/json", 0.0)
