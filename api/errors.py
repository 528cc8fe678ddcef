"""The one place where refusals become HTTP answers: RFC 9457 problem details.

Every ``LedgerError`` (and the two errors only the HTTP edge can raise: body
too large, wrong content type) is answered as ``application/problem+json``
with its stable ``code``, a ``type`` URI built from it, the status that
``STATUSES`` gives its type, the message as ``detail`` and, where known, the
``field`` at fault and the ``index`` of a batch item. Request validation
errors and unknown routes get the same shape, so a client never has to parse
two error formats, and bad input never becomes a 500.

The domain's errors know nothing of HTTP: the status of each type is listed
here, once, and ``tests/test_error_tables.py`` fails if a type is missing.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.parameters import UnknownParameter, allowed_values, declared
from api.schemas import FORMS
from ledger import errors as e
from ledger.errors import LedgerError

PROBLEM_BASE = "https://ceasefire-ledger.example/problems/"
PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed by a known key",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Refused by the ledger's rules",
    500: "Server error",
    503: "Storage unavailable",
}


class PayloadTooLarge(e.InvalidArgument):
    """The request body is larger than the server accepts."""

    code = "payload_too_large"


class ReportMovedOn(e.Refused):
    """A page was asked for a tree size the log has left: its pages are no longer served."""

    code = "report_moved_on"

    def __init__(self, asked: int, now: int) -> None:
        super().__init__(
            f"the report was asked at tree size {asked}, but the log is at {now} now and"
            " only the pages of its current state are served; start again from the first"
            " page (the tables' rows may have changed)",
            field="tree_size",
        )
        self.known_size = now


class UnsupportedMediaType(e.InvalidArgument):
    """Statements are posted as JSON only."""

    code = "unsupported_media_type"


_BY_STATUS: dict[int, tuple[type[LedgerError], ...]] = {
    400: (
        LedgerError,
        e.MalformedStatement,
        e.UnknownEventType,
        e.ClockSkew,
        e.ImplausibleTime,
        e.SealingError,
        e.ProofError,
        e.MalformedWitnessRequest,
        e.InvalidArgument,
        e.MalformedTilePath,
        e.UnreadableInput,
        e.Refused,
        e.AlreadyExists,
        e.NotChartered,
        e.NotSealed,
        e.WrongLogKey,
        e.ContradictsCharter,
        e.KeyFileError,
        e.KeyringError,
        e.ExportRefused,
        e.SiteSourceError,
        e.FontMissing,
        e.Unreachable,
        e.InvalidWitnessPolicy,
        e.WitnessRefusal,
        UnknownParameter,
    ),
    401: (e.InvalidSignature, e.UnknownKey),
    403: (
        e.RevokedKey,
        e.UnauthorizedRole,
        e.ForgedKeyRotation,
        e.UntrustedCheckpoint,
        e.RefusedKeyRotation,
    ),
    404: (e.NotFound, e.NoSuchLedger, e.UnknownLog),
    409: (e.ReplayedStatement, e.OldSizeConflict, ReportMovedOn),
    413: (e.BatchTooLarge, PayloadTooLarge),
    415: (UnsupportedMediaType,),
    422: (e.CaseRuleViolation, e.UnknownReference, e.UnprovenExtension),
    500: (
        e.DocsAssetMissing,
        e.TamperDetected,
        e.TamperedWitnessState,
        e.HistoryConflict,
        e.PublishedCheckpointInvalid,
    ),
    503: (e.StorageUnavailable, e.NoCheckpointSigner, e.QuorumNotReached),
}
STATUSES: dict[type[LedgerError], int] = e.answer_table(_BY_STATUS)
"""The HTTP status of each error type, listed by status so that a reader sees what shares one."""


def status_of(exc: LedgerError) -> int:
    """The status of ``exc``'s type (an unlisted subclass answers as its nearest listed base)."""
    return e.answer_for(STATUSES, exc, 500)


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    index: int | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    if index is not None:
        body["index"] = index
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def ledger_problem(exc: LedgerError) -> JSONResponse:
    """The answer for any LedgerError; ``line`` is the 0-based batch index at the edge."""
    extra: dict[str, Any] = {"event_id": exc.event_id} if exc.event_id else {}
    if isinstance(exc, UnknownParameter):
        extra["allowed"] = exc.allowed
    if isinstance(exc, ReportMovedOn):
        extra["tree_size"] = exc.known_size
    return problem(
        status_of(exc),
        exc.code,
        exc.message,
        field=exc.field,
        index=exc.line,
        extra=extra,
    )


async def _on_ledger_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    return ledger_problem(exc)


def _parameter_problem(request: Request, error: dict[str, Any]) -> JSONResponse:
    """A path or query parameter's bad value, said in words, naming the parameter.

    A value of the wrong form is answered with what the form is (``FORMS``),
    never with the pattern; a value an enumerated parameter does not take is
    answered with the values it takes, in ``detail`` and as ``allowed``.
    """
    location, name = str(error["loc"][0]), str(error["loc"][1])
    where = f"{location} parameter '{name}'"
    kind = error.get("type")
    form = FORMS.get(name)
    info = declared(request, location).get(name)
    allowed = allowed_values(info) if info is not None else None
    if kind == "string_pattern_mismatch" and form is not None:
        detail = f"{where} is not {form.noun}: {form.sentence}"
    elif kind in ("enum", "literal_error") and allowed:
        value = error.get("input")
        detail = f"{where} does not take the value {value!r}; it takes: {', '.join(allowed)}"
    else:
        detail = f"{where}: {error.get('msg', 'invalid value')}"
    extra = {"allowed": allowed} if allowed else None
    return problem(400, "invalid_request", detail, field=name, extra=extra)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ())]
    if len(loc) == 2 and loc[0] in ("path", "query"):
        return _parameter_problem(request, dict(first))
    field = ".".join(loc[1:] if len(loc) > 1 else loc) or None
    detail = str(first.get("msg", "invalid request"))
    return problem(422 if loc[:1] == ["body"] else 400, "invalid_request", detail, field=field)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable"}
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    return problem(exc.status_code, code, detail, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _on_ledger_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
