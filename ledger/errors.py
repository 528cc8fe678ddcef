"""Errors a user can act on: every refusal the ledger makes, as a type of the domain.

Each carries a stable ``code`` (the problem's name in the API's problem+json
answers, in the CLI's messages and in verification reports), a message that
names the problem, and where known the ``field`` at fault and the ``line`` of an
import file. They know nothing of HTTP or of exit codes: each edge answers them
from one table (``api/errors.py`` for HTTP statuses, ``cli/shell.py`` for exit
codes, ``ledger/witnessing/server.py`` for the tlog-witness protocol), and a
test fails if a type is missing from a table. A new refusal is a new type here,
so that an edge can answer it differently without parsing its message.
The edges share how a table is written and read (``answer_table``,
``answer_for``), never the table itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

Answer = TypeVar("Answer")


class LedgerError(Exception):
    """Base of every error the ledger reports to a user."""

    code = "ledger_error"

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


def answer_table(
    by_answer: Mapping[Answer, Iterable[type[LedgerError]]],
) -> dict[type[LedgerError], Answer]:
    """An edge's table, written by answer so that what shares one reads together, keyed by type.

    A type listed under two answers is a mistake in the table (ValueError):
    one of them would silently win.
    """
    table: dict[type[LedgerError], Answer] = {}
    for answer, kinds in by_answer.items():
        for kind in kinds:
            if kind in table:
                raise ValueError(
                    f"{kind.__name__} is listed under both {table[kind]!r} and {answer!r}"
                )
            table[kind] = answer
    return table


def answer_for(
    table: Mapping[type[LedgerError], Answer], error: LedgerError, otherwise: Answer
) -> Answer:
    """The answer to ``error``: its own type's, else its nearest listed base's, else ``otherwise``."""
    for kind in type(error).__mro__:
        if kind in table:
            return table[kind]
    return otherwise


class MalformedStatement(LedgerError):
    """The input is not a well-formed statement (JSON, fields, types)."""

    code = "malformed_statement"


class UnknownEventType(MalformedStatement):
    code = "unknown_event_type"


class InvalidSignature(LedgerError):
    code = "invalid_signature"


class UnknownKey(LedgerError):
    code = "unknown_key"


class RevokedKey(LedgerError):
    code = "revoked_key"


class UnauthorizedRole(LedgerError):
    code = "unauthorized_role"


class ReplayedStatement(LedgerError):
    """The same statement (same content id) is already in the log."""

    code = "replayed_statement"


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


class StorageUnavailable(LedgerError):
    code = "storage_unavailable"


class NoSuchLedger(LedgerError):
    """A command was pointed at a ledger database that does not exist."""

    code = "no_such_ledger"


class TamperDetected(LedgerError):
    """The stored log does not match its signatures, ids, sequence or checkpoints."""

    code = "tamper_detected"


# --- what a user asked for, or gave, is not usable -----------------------------------
class InvalidArgument(LedgerError):
    """An option, argument or query parameter that cannot be used as given (names it)."""

    code = "invalid_argument"


class UnreadableInput(LedgerError):
    """A file or a line of one that cannot be read or decoded (missing, not UTF-8, not JSON)."""

    code = "unreadable_input"


class BatchTooLarge(InvalidArgument):
    """More statements in one batch than the server accepts at once."""

    code = "batch_too_large"


class MalformedTilePath(InvalidArgument):
    """A tile path that is not in the C2SP tlog-tiles form."""

    code = "malformed_tile_path"


# --- the ledger's state does not allow it ------------------------------------------
class Refused(LedgerError):
    """Well-formed, but what is stored (or the time now) does not allow it."""

    code = "refused"


class AlreadyExists(Refused):
    """Creating something would overwrite a ledger, keys or a witness that is already there."""

    code = "already_exists"


class NotChartered(Refused):
    """The ledger (or the followed log) has no charter yet, so it names no keys or policy."""

    code = "not_chartered"


class NotSealed(Refused):
    """An event asked to be unsealed carries no sealed part."""

    code = "not_sealed"


class WrongLogKey(Refused):
    """A log key that is not the one the ledger's charter names for the tree at hand."""

    code = "wrong_log_key"


class ContradictsCharter(Refused):
    """A setting that says otherwise than the charter's policy (the charter decides)."""

    code = "contradicts_charter"


class NoCheckpointSigner(Refused):
    """A checkpoint was asked of a process that does not hold the log's private key."""

    code = "no_checkpoint_signer"


# --- keys, exports, sites ----------------------------------------------------------
class KeyFileError(LedgerError):
    """A key file cannot be read or opened (missing, wrong passphrase, not a key)."""

    code = "key_file_error"


class KeyringError(LedgerError):
    """A keys directory that is missing, incomplete or not for this ledger."""

    code = "keyring_error"


class ExportRefused(LedgerError):
    """The export is incomplete, altered or inconsistent: nothing was done with it."""

    code = "export_refused"


class SiteSourceError(LedgerError):
    """The ledger or export cannot be published (no checkpoint, bad witness key, …)."""

    code = "site_source"


class FontMissing(SiteSourceError):
    """The site cannot be built: an Urdu font package is not installed."""

    code = "font_missing"


class DocsAssetMissing(LedgerError):
    """The API cannot serve its documentation pages: their npm package is not installed."""

    code = "docs_asset_missing"


# --- witnesses and mirrors ---------------------------------------------------------
class Unreachable(LedgerError):
    """A log or witness over the network did not answer, or answered with an error."""

    code = "unreachable"


class InvalidWitnessPolicy(LedgerError):
    """The witness policy (witnesses and quorum) is unreadable or cannot be met."""

    code = "invalid_witness_policy"


class QuorumNotReached(LedgerError):
    """Fewer witnesses cosigned than the policy requires; nothing was published."""

    code = "quorum_not_reached"


class ForgedKeyRotation(ProofError):
    """A log key rotation the old log key did not endorse, or that the log does not hold."""

    code = "forged_key_rotation"


class MalformedWitnessRequest(ProofError):
    """The add-checkpoint body does not follow the C2SP tlog-witness format."""

    code = "malformed_witness_request"


class WitnessRefusal(LedgerError):
    """The witness will not cosign (each kind has its tlog-witness status at the witness's edge)."""

    code = "witness_refusal"


class UnknownLog(WitnessRefusal):
    """The witness does not follow this log."""

    code = "unknown_log"


class UntrustedCheckpoint(WitnessRefusal):
    """The checkpoint is not signed by a log key the witness trusts."""

    code = "untrusted_checkpoint"


class OldSizeConflict(WitnessRefusal):
    """``old_size`` is not the witness's latest cosigned size (or the roots conflict)."""

    code = "old_size_conflict"

    def __init__(self, message: str, known_size: int) -> None:
        super().__init__(message)
        self.known_size = known_size


class UnprovenExtension(WitnessRefusal):
    """The consistency proof from the cosigned tree to the new one does not verify."""

    code = "unproven_extension"


class RefusedKeyRotation(WitnessRefusal):
    """A log key rotation the old key did not endorse, or not in a checkpoint this witness cosigned."""

    code = "refused_key_rotation"


class TamperedWitnessState(TamperDetected):
    """The witness's own database does not verify: it will not cosign from it."""

    code = "tampered_witness_state"


class HistoryConflict(TamperDetected):
    """The followed log showed something that cannot extend what was verified before."""

    code = "history_conflict"

    def __init__(
        self, message: str, *, verified_note: str | None = None, presented_note: str | None = None
    ) -> None:
        super().__init__(message)
        self.verified_note = verified_note
        self.presented_note = presented_note


class PublishedCheckpointInvalid(TamperDetected):
    """A published (cosigned) checkpoint row does not verify: it is not served."""

    code = "published_checkpoint_invalid"
