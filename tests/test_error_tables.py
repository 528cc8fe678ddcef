"""Every refusal has one answer at each edge: an HTTP status, an exit code, a witness status.

The domain's errors carry no status or exit code; the API (``api/errors.py``),
the CLI (``cli/shell.py``) and the witness server (``ledger/witnessing/server.py``)
each answer them from one table. These tests find every error type in the
program and fail if a table leaves one out, so a new refusal cannot silently
fall back to a generic answer. The numbers below are the answers users, clients
and scripts already rely on.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import api
import cli
import ledger
import public_site
from api.errors import STATUSES, PayloadTooLarge, ReportMovedOn, UnsupportedMediaType, status_of
from api.parameters import UnknownParameter
from cli.shell import EXIT_CODES, exit_code_of
from ledger import errors as e
from ledger.errors import LedgerError
from ledger.witnessing import server as witness_server


def _import_all(package: ModuleType) -> None:
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)


def _subclasses(kind: type[LedgerError]) -> set[type[LedgerError]]:
    found = {kind}
    for sub in kind.__subclasses__():
        found |= _subclasses(sub)
    return found


def error_types() -> set[type[LedgerError]]:
    """Every LedgerError type defined anywhere in the program, its modules all imported."""
    for package in (ledger, api, cli, public_site):
        _import_all(package)
    return {
        kind
        for kind in _subclasses(LedgerError)
        if kind.__module__.split(".")[0] in {"ledger", "api", "cli", "public_site"}
    }


HTTP_ONLY = {PayloadTooLarge, UnsupportedMediaType, UnknownParameter, ReportMovedOn}
"""Raised by the HTTP edge itself; no command can meet them."""


def test_error_types_live_in_the_domain_module_unless_the_http_edge_raises_them() -> None:
    strays = {k.__qualname__ for k in error_types() - HTTP_ONLY if k.__module__ != "ledger.errors"}
    assert not strays, f"error types outside ledger/errors.py: {sorted(strays)}"


def test_every_error_type_has_an_http_status() -> None:
    missing = {k.__qualname__ for k in error_types() if k not in STATUSES}
    assert not missing, f"add these to api/errors.py STATUSES: {sorted(missing)}"


def test_every_error_type_has_an_exit_code() -> None:
    missing = {k.__qualname__ for k in error_types() - HTTP_ONLY if k not in EXIT_CODES}
    assert not missing, f"add these to cli/shell.py EXIT_CODES: {sorted(missing)}"


def test_every_witness_refusal_has_a_tlog_witness_status() -> None:
    refusals = _subclasses(e.WitnessRefusal) | {e.MalformedWitnessRequest}
    missing = {k.__qualname__ for k in refusals if k not in witness_server.STATUSES}
    assert not missing, f"add these to the witness server's STATUSES: {sorted(missing)}"


def test_the_domain_errors_know_nothing_of_http_or_exit_codes() -> None:
    for kind in error_types():
        assert "http_status" not in vars(kind) and "exit_code" not in vars(kind), kind


@pytest.mark.parametrize(
    ("kind", "status", "exit_code"),
    [
        (LedgerError, 400, 2),
        (e.MalformedStatement, 400, 2),
        (e.InvalidArgument, 400, 2),
        (e.InvalidSignature, 401, 2),
        (e.UnknownKey, 401, 2),
        (e.RevokedKey, 403, 2),
        (e.UnauthorizedRole, 403, 2),
        (e.ReplayedStatement, 409, 2),
        (e.CaseRuleViolation, 422, 2),
        (e.UnknownReference, 422, 2),
        (e.NotFound, 404, 3),
        (e.NoSuchLedger, 404, 2),
        (e.StorageUnavailable, 503, 4),
        (e.TamperDetected, 500, 5),
        (e.HistoryConflict, 500, 6),
        (e.PublishedCheckpointInvalid, 500, 5),
        (e.QuorumNotReached, 503, 6),
        (e.UnknownLog, 404, 3),
        (e.TamperedWitnessState, 500, 5),
        (e.NoCheckpointSigner, 503, 2),
        (e.BatchTooLarge, 413, 2),
        (e.MalformedTilePath, 400, 2),
        (e.ForgedKeyRotation, 403, 2),
    ],
)
def test_each_edge_answers_as_users_already_rely_on(
    kind: type[LedgerError], status: int, exit_code: int
) -> None:
    error = kind("x")
    assert (status_of(error), exit_code_of(error)) == (status, exit_code)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (e.MalformedWitnessRequest("x"), 400),
        (e.ProofError("x"), 400),
        (e.UntrustedCheckpoint("x"), 403),
        (e.RefusedKeyRotation("x"), 403),
        (e.UnknownLog("x"), 404),
        (e.OldSizeConflict("x", 3), 409),
        (e.UnprovenExtension("x"), 422),
        (e.TamperedWitnessState("x"), 500),
    ],
)
def test_the_witness_answers_with_the_tlog_witness_statuses(
    error: LedgerError, status: int
) -> None:
    assert witness_server.status_of(error) == status


def test_an_unlisted_subclass_answers_as_its_nearest_listed_base() -> None:
    class Local(e.NotFound):
        code = "local"

    assert (status_of(Local("x")), exit_code_of(Local("x"))) == (404, 3)
    assert witness_server.status_of(Local("x")) == 404


def test_an_error_outside_every_table_gets_the_edge_s_fallback() -> None:
    assert e.answer_for({e.NotFound: 404}, e.Refused("x"), 400) == 400


def test_a_type_listed_under_two_answers_is_refused() -> None:
    with pytest.raises(ValueError, match="NotFound is listed under both 404 and 409"):
        e.answer_table({404: (e.NotFound,), 409: (e.OldSizeConflict, e.NotFound)})
