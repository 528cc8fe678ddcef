"""How an event type is declared: its typed public data, who may record it,
what must be sealed, and which lifecycle handles it.

Each area of the vocabulary (governance, registry, promises, …) declares its
types in its own module with :func:`event_type`. The names are the contract with
recorders; the data models are pydantic models with ``extra="forbid"`` so that a
missing, extra or wrongly typed field is refused with its path.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, singledispatch
from typing import Annotated, Any, NamedTuple, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.fields import FieldInfo

from ledger.errors import MalformedStatement, UnknownEventType

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


class Amendment(EventData):
    """Base of the data of a statement that changes what an earlier one means.

    A correction or retraction is recorded on the lifecycle of the statement it
    amends and makes that lifecycle replay its history; everything else is
    folded as it comes.
    """


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


@cache
def _time_kinds(model: type[BaseModel]) -> tuple[tuple[str, TimeKind | None], ...]:
    """Each field of a model with the TimeKind its type marks (read once per model)."""
    return tuple((name, _field_time_kind(info)) for name, info in model.model_fields.items())


def times_in(data: BaseModel, prefix: str = "data") -> Iterator[tuple[str, str, TimeKind]]:
    """Every time in ``data`` as ``(field path, value, kind)``, nested models and lists included.

    The types are the declaration: a field typed :data:`UtcTime` or
    :data:`PlannedTime` is found here, so a new event type's times are checked
    without being listed anywhere else.
    """
    for name, kind in _time_kinds(type(data)):
        value = getattr(data, name)
        if value is None:
            continue
        path = f"{prefix}.{name}"
        if kind is not None and isinstance(value, str):
            yield path, value, kind
        elif isinstance(value, BaseModel):
            yield from times_in(value, path)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from times_in(item, f"{path}[{index}]")


Handler = Callable[..., None]
"""A rule handler, ``(entry, data, decision) -> None``: it checks the statement against
its lifecycle and records it on exactly one (see ``ledger.admission``)."""


class Recorded(NamedTuple):
    """One statement as a fold sees it, besides its typed data.

    ``signed`` is the public data exactly as signed (or as corrected): what a
    lifecycle keeps, so its state holds no field the recorder did not write.
    A named tuple, immutable and cheap to make: every fold of every statement
    makes one.
    """

    type: str
    signed: dict[str, Any]
    occurred_at: str
    recorder: str
    event_id: str
    leaf_index: int

    def kept(self, *, with_type: bool = False, with_recorder: bool = False) -> dict[str, Any]:
        """The statement as a lifecycle keeps it: its signed data, when it happened, its id."""
        item = dict(self.signed)
        if with_type:
            item["type"] = self.type
        item["occurred_at"] = self.occurred_at
        if with_recorder:
            item["recorder"] = self.recorder
        item["event_id"] = self.event_id
        return item


@singledispatch
def evolve(data: EventData, state: Any, event: Recorded) -> None:
    """How one statement changes the state of the lifecycle it was recorded on.

    Each event type registers exactly one, next to its rule handler (the
    ``evolve`` argument of :func:`event_type`). The aggregates fold with these,
    and so do the projections' facts (``ledger.aggregates.states``): both keep
    the state these functions set, and read from them which lifecycle a type
    belongs to (see :func:`lifecycle_of`) instead of keeping lists of type names.
    """
    raise LookupError(
        f"{type(data).__name__} has no evolve function: declare one with event_type(..., evolve=)"
    )


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

    @property
    def lifecycle(self) -> type:
        """The state this type's evolve function changes (a lifecycle or the registry)."""
        return lifecycle_of(self.data)

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
    evolve: Callable[[Any, Any, Recorded], None],
    sealed_fields: tuple[str, ...] = (),
    sealed_required: bool = False,
    example: dict[str, Any] | None = None,
    example_sealed: dict[str, Any] | None = None,
) -> EventSpec:
    """Declare an event type and add it to the vocabulary, with its rules and its fold.

    ``handler`` decides whether a statement may be recorded and on which
    lifecycle; ``evolve`` is how it then changes that lifecycle's state. The
    second parameter of ``evolve`` is annotated with the lifecycle it changes.
    """
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
    _register_evolve(data, evolve)
    VOCABULARY[name] = spec
    return spec


def _register_evolve(data: type[EventData], function: Callable[[Any, Any, Recorded], None]) -> None:
    if evolve.dispatch(data) is not evolve.dispatch(EventData):
        # Several types may share one function (bail granted or denied), never one data class.
        raise ValueError(f"{data.__name__} already has an evolve function")
    evolve.register(data, function)
    lifecycle_of.cache_clear()


@cache
def lifecycle_of(data: type[EventData]) -> type:
    """The class annotated as the state of ``data``'s evolve function."""
    function = evolve.dispatch(data)
    names = list(inspect.signature(function).parameters)
    state = get_type_hints(function).get(names[1]) if len(names) > 1 else None
    if not isinstance(state, type):
        raise TypeError(f"the evolve function of {data.__name__} does not name its state's class")
    return state


def types_of(*data: type[EventData]) -> frozenset[str]:
    """The names of the event types declared with these data classes."""
    from ledger.vocabulary import load_all

    load_all()
    found = frozenset(spec.name for spec in VOCABULARY.values() if spec.data in data)
    if len(found) != len(data):
        raise ValueError(f"not every one of {[d.__name__ for d in data]} is a declared type")
    return found


def fold(
    state: Any,
    statement: dict[str, Any],
    event_id: str,
    leaf_index: int,
    spec: EventSpec | None = None,
    typed: EventData | None = None,
) -> None:
    """Evolve ``state`` by one statement (the dict the log stores), typed by its event type.

    ``spec`` is the declaration of the statement's type, and ``typed`` its data as
    ``spec`` validated it, when the caller already holds them.
    """
    spec = spec or spec_for(statement["type"])
    evolve(
        typed if typed is not None else spec.validate(statement["data"]),
        state,
        Recorded(
            statement["type"],
            statement["data"],
            statement["occurred_at"],
            statement["recorder"],
            event_id,
            leaf_index,
        ),
    )


def spec_for(type_name: str) -> EventSpec:
    """The declaration of a type; every area is loaded first if the type is not yet known.

    Folds call this once per statement, so a declared type is found without
    importing the areas again.
    """
    spec = VOCABULARY.get(type_name)
    if spec is not None:
        return spec
    from ledger.vocabulary import load_all

    load_all()
    try:
        return VOCABULARY[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}", field="type") from None
