"""Who a sealed part must be readable by.

The charter's policy names the institutions whose keys every sealed part must
be encrypted to (by default the special court and the citizens' committee). A
statement whose sealed part leaves one of them out is refused: otherwise a
recorder could hide personal details from the very bodies that audit them.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.registry import Registry
from ledger.charter_policy import SEALING_RECIPIENTS
from ledger.errors import CaseRuleViolation, SealingError
from ledger.sealing import sealed_recipients, validate_envelope
from ledger.statements import Statement


def required_recipient_roles(policy: dict[str, Any]) -> tuple[str, ...]:
    return tuple(policy.get("sealing_recipients", SEALING_RECIPIENTS))


def check_sealed_part(sealed: dict[str, Any], statement: Statement, registry: Registry) -> None:
    """The sealed part is a well-formed envelope readable by every required recipient.

    ``registry`` is the registry as of the statement's position in the log.
    """
    try:
        validate_envelope(sealed)
    except SealingError as exc:
        raise SealingError(
            exc.message, field=f"sealed.{exc.field}" if exc.field else "sealed"
        ) from exc
    recipients = set(sealed_recipients(sealed))
    for role in required_recipient_roles(registry.policy):
        for inst in registry.institutions_with_role(role):
            keys = registry.active_sealing_keys(inst.id)
            if keys and not recipients & keys.keys():
                raise CaseRuleViolation(
                    f"the sealed part is not readable by {inst.name} ({role}):"
                    f" encrypt it to one of its sealing keys {sorted(keys)}",
                    field="sealed.recipients",
                )
