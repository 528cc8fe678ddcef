"""How an event type is declared: its typed public data, who may record it,
what must be sealed, and which lifecycle handles it.

Each area of the vocabulary (governance, registry, promises, …) declares its
types in its own module with :func:`event_type`. The names are the contract with
recorders; the data models are pydantic models with ``extra="forbid"`` so that a
missing, extra or wrongly typed field is refused with its path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.fields import FieldInfo

from ledger.errors import MalformedStatement, UnknownEventType

if TYPE_CHECKING:
    from ledger.admission import Decision, Entry

ROLES = ("committee", "police", "prosecutor", "court", "interrupters")


class TimeKind(Enum):
    """What a time in event data stands for, which decides how late it may plausibly be.

    A ``HAPPENED`` time (when an instruction was received, a corrected time of
    the fact) is in the past when it is recorded, like ``occurred_at``. A
    ``PLANNED`` time (a deadline, the next hearing, the end of a warning's
    period or of a head's term) may lie ahead. ``ledger.admission`` holds both to
    the same earliest date; see ``Decision._check_times``.
    """

    HAPPENED = "happened"
    PLANNED = "planned"


_UTC_TIME = StringConstraints(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UtcTime = Annotated[
    str, _UTC_TIME, Field(json_schema_extra={"x-time": "happened"}), TimeKind.HAPPENED
]
"""A time something happened, no later than the statement's recording (plus skew)."""
PlannedTime = Annotated[
    str, _UTC_TIME, Field(json_schema_extra={"x-time": "planned"}), TimeKind.PLANNED
]
"""A time something is due or planned, which may be after the statement's recording."""
EventId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Ref = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
"""A public identifier chosen by a recorder: a pseudonym, case number, group slug."""
Text = Annotated[str, StringConstraints(max_length=4000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class EventData(BaseModel):
    """Base of every event type's public data: strict, closed, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _time_kind(annotation: Any) -> TimeKind | None:
    """The TimeKind marked on a field's type, looking inside ``X | None``."""
    if get_origin(annotation) is Annotated:
        return next((m for m in annotation.__metadata__ if isinstance(m, TimeKind)), None)
    for arg in get_args(annotation):
        kind = _time_kind(arg)
        if kind is not None:
            return kind
    return None


def _field_time_kind(info: FieldInfo) -> TimeKind | None:
    marked = next((m for m in info.metadata if isinstance(m, TimeKind)), None)
    return marked or _time_kind(info.annotation)


def times_in(data: BaseModel, prefix: str = "data") -> Iterator[tuple[str, str, TimeKind]]:
    """Every time in ``data`` as ``(field path, value, kind)``, nested models and lists included.

    The types are the declaration: a field typed :data:`UtcTime` or
    :data:`PlannedTime` is found here, so a new event type's times are checked
    without being listed anywhere else.
    """
    for name, info in type(data).model_fields.items():
        value = getattr(data, name)
        path = f"{prefix}.{name}"
        kind = _field_time_kind(info)
        if kind is not None and isinstance(value, str):
            yield path, value, kind
        elif isinstance(value, BaseModel):
            yield from times_in(value, path)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from times_in(item, f"{path}[{index}]")


Handler = Callable[["Entry", Any, "Decision"], None]


@dataclass(frozen=True)
class EventSpec:
    """One event type of the vocabulary."""

    name: str
    area: str
    summary: str
    data: type[EventData]
    roles: frozenset[str]
    handler: Handler
    sealed_fields: tuple[str, ...] = ()
    """Personal details that belong in the sealed part (documented; the ledger
    cannot read sealed content, it only checks that a sealed part is present
    when ``sealed_required``)."""
    sealed_required: bool = False
    example: dict[str, Any] = field(default_factory=dict)
    example_sealed: dict[str, Any] | None = None

    def validate(self, data: dict[str, Any]) -> EventData:
        try:
            return self.data.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            path = ".".join(str(p) for p in ("data", *first["loc"]))
            raise MalformedStatement(f"{self.name}: {first['msg']}", field=path) from exc


VOCABULARY: dict[str, EventSpec] = {}


def event_type(
    name: str,
    *,
    area: str,
    summary: str,
    data: type[EventData],
    roles: tuple[str, ...],
    handler: Handler,
    sealed_fields: tuple[str, ...] = (),
    sealed_required: bool = False,
    example: dict[str, Any] | None = None,
    example_sealed: dict[str, Any] | None = None,
) -> EventSpec:
    """Declare an event type and add it to the vocabulary."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"{name}: unknown roles {sorted(unknown)}")
    if name in VOCABULARY:
        raise ValueError(f"event type {name} declared twice")
    spec = EventSpec(
        name=name,
        area=area,
        summary=summary,
        data=data,
        roles=frozenset(roles),
        handler=handler,
        sealed_fields=sealed_fields,
        sealed_required=sealed_required,
        example=example or {},
        example_sealed=example_sealed,
    )
    VOCABULARY[name] = spec
    return spec


def spec_for(type_name: str) -> EventSpec:
    from ledger.vocabulary import load_all

    load_all()
    try:
        return VOCABULARY[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}", field="type") from None
