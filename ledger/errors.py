"""Errors a user can act on.

Every refusal the ledger makes is one of these types. Each carries a stable
``code`` (used by the API's problem+json answers and by tests), a message that
names the problem, and where known the ``field`` at fault and the ``line`` of an
import file. The CLI maps them to exit codes and the API to HTTP statuses, each
in one place.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to a user."""

    code = "ledger_error"
    http_status = 400
    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        event_id: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.event_id = event_id
        self.line = line

    def at_line(self, line: int) -> LedgerError:
        """Return the same error, located at a line of an import file."""
        self.line = line
        return self

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.message}"


class MalformedStatement(LedgerError):
    """The input is not a well-formed statement (JSON, fields, types)."""

    code = "malformed_statement"


class UnknownEventType(MalformedStatement):
    code = "unknown_event_type"


class InvalidSignature(LedgerError):
    code = "invalid_signature"
    http_status = 401


class UnknownKey(LedgerError):
    code = "unknown_key"
    http_status = 401


class RevokedKey(LedgerError):
    code = "revoked_key"
    http_status = 403


class UnauthorizedRole(LedgerError):
    code = "unauthorized_role"
    http_status = 403


class ReplayedStatement(LedgerError):
    """The same statement (same content id) is already in the log."""

    code = "replayed_statement"
    http_status = 409


class ClockSkew(LedgerError):
    """A time lies in the future beyond the allowed skew, or far from the server's clock."""

    code = "clock_skew"


class ImplausibleTime(ClockSkew):
    """A time no statement could truly carry: before the ledger's earliest date, or
    a deadline or planned date implausibly far ahead (a mistyped year, a placeholder)."""

    code = "implausible_time"


class CaseRuleViolation(LedgerError):
    """A lifecycle rule refuses the statement (e.g. release of someone not in custody)."""

    code = "case_rule_violation"
    http_status = 422


class UnknownReference(CaseRuleViolation):
    """A statement refers to an event or entity the log does not hold."""

    code = "unknown_reference"


class SealingError(LedgerError):
    code = "sealing_error"


class ProofError(LedgerError):
    """A proof, checkpoint or note does not parse or does not verify."""

    code = "proof_error"


class NotFound(LedgerError):
    code = "not_found"
    http_status = 404
    exit_code = 3


class StorageUnavailable(LedgerError):
    code = "storage_unavailable"
    http_status = 503
    exit_code = 4


class NoSuchLedger(LedgerError):
    """A command was pointed at a ledger database that does not exist."""

    code = "no_such_ledger"
    http_status = 404
    exit_code = 2


class TamperDetected(LedgerError):
    """The stored log does not match its signatures, ids, sequence or checkpoints."""

    code = "tamper_detected"
    http_status = 500
    exit_code = 5
