"""The time deadlines are judged at, and where it came from.

A promise is broken when its deadline passes without the consequence. "Passes"
needs a *now*, and a now the public can check: not the wall clock of whoever
builds the report, and not the time of the latest event (a quiet ledger would
then never break a promise). So the time judged at is, in order:

1. an explicit time the reader asked for (``--as-of``, ``?as_of=``), which
   may not precede the latest event (a report as of an earlier time would
   count events that had not yet happened);
2. the time in the latest signed checkpoint (its ``time`` extension line,
   read from the note after checking the log key's signature);
3. otherwise (a checkpoint of an older ledger has no time, or there is no
   checkpoint, or events were recorded as occurring after the checkpoint was
   signed) the time of the latest event, and every report says so.

Reports, the site and the API carry ``as_of`` with ``as_of_source`` and a
sentence saying which rule chose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.errors import InvalidArgument, LedgerError
from ledger.statements import format_time, parse_time

REQUESTED = "requested"
CHECKPOINT = "checkpoint"
LATEST_EVENT = "latest_event"


@dataclass(frozen=True)
class EvaluationTime:
    """When deadlines are judged (``at``, a ledger time), which rule chose it, and why."""

    at: str
    source: str
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.at,
            "as_of_source": self.source,
            "as_of_explanation": self.explanation,
        }


def parse_as_of(text: str) -> str:
    """A requested evaluation time, checked: ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    try:
        return format_time(parse_time(text, field="as_of"))
    except LedgerError as exc:
        raise InvalidArgument(str(exc), field="as_of") from exc


def choose(
    latest_event: str,
    *,
    requested: str | None = None,
    checkpoint_time: datetime | None = None,
    checkpoint_size: int | None = None,
    checkpoint_problem: str | None = None,
) -> EvaluationTime:
    """The evaluation time by the rules above; a requested time before the latest event is refused."""
    if requested is not None:
        at = parse_as_of(requested)
        if latest_event and at < latest_event:
            raise InvalidArgument(
                f"as_of {at} is before the latest event ({latest_event}): a report as of an earlier"
                " time would count events that had not happened yet",
                field="as_of",
            )
        return EvaluationTime(at, REQUESTED, f"deadlines judged at {at}, the time requested")
    if checkpoint_time is not None:
        signed = format_time(checkpoint_time)
        if not latest_event or signed >= latest_event:
            return EvaluationTime(
                signed,
                CHECKPOINT,
                f"deadlines judged at {signed}, the time signed in the latest checkpoint"
                f" (tree size {checkpoint_size})",
            )
        return EvaluationTime(
            latest_event,
            LATEST_EVENT,
            f"deadlines judged at {latest_event}, the time of the latest event: it is later than"
            f" the time signed in the latest checkpoint ({signed})",
        )
    why = checkpoint_problem or "the latest checkpoint carries no signed time"
    return EvaluationTime(
        latest_event,
        LATEST_EVENT,
        f"deadlines judged at {latest_event or 'no time (the log has no event yet)'}, the time of"
        f" the latest event, because {why}: a deadline after it reads as pending even if it has"
        " since passed",
    )
