"""Every lifecycle's state as plain JSON, so a snapshot is loaded without folding again.

Folding a large log's statements into their lifecycles again (through each
type's evolve function) is most of the cost of loading a snapshot. The
snapshot therefore keeps each lifecycle's attributes as they stand, and
``restore`` puts them back. What the timeline already holds is not saved
twice: a lifecycle's ``originals`` (each statement as signed) are read again
from the facts' events. The registry is small and its state holds typed
records; it is folded again from its own statements.

Statements are named by their log position, not their id, and a lifecycle's
``order`` (its statements but the amendments, with their positions) is read
again from its ``event_ids``: this keeps the saved form a third smaller, and
loading it is mostly reading it.

A saved state is derived data like the rest of the snapshot: ``check_snapshot``
(``ledger verify``) folds the verified leaves again and compares.
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle
from ledger.aggregates.states import LifecycleStates
from ledger.vocabulary.base import VOCABULARY, Amendment

Saved = list[list[Any]]
"""[[lifecycle class name, [[key, attributes, names of set attributes], …]], …]."""

Event = dict[str, Any]


def save_states(states: LifecycleStates, events: dict[str, Event]) -> Saved:
    """Each lifecycle's attributes, in the order the subjects opened (the registry is not saved)."""
    return [
        [cls.__name__, [_saved(state, events) for state in of_kind.values()]]
        for cls, of_kind in states.lifecycles.items()
    ]


def _saved(state: Lifecycle, events: dict[str, Event]) -> list[Any]:
    attributes: dict[str, Any] = {}
    sets: list[str] = []
    for name, value in vars(state).items():
        if name in ("originals", "order"):
            continue
        if name == "event_ids":
            value = [events[event_id]["i"] for event_id in value]
        elif isinstance(value, set | frozenset):
            sets.append(name)
            value = sorted(value)
        attributes[name] = value
    return [state.key, attributes, sets]


def restore(
    states: LifecycleStates, saved: Saved, events: dict[str, Event], order: list[str]
) -> None:
    """Put saved lifecycles back into ``states`` (the registry is the caller's to fold)."""
    classes = _lifecycle_classes()
    amendment = {name: issubclass(spec.data, Amendment) for name, spec in VOCABULARY.items()}
    for name, subjects in saved:
        cls = classes[name]
        of_kind = states.lifecycles.setdefault(cls, {})
        for key, attributes, sets in subjects:
            state = object.__new__(cls)
            values = dict(attributes)
            for attribute in sets:
                values[attribute] = set(values[attribute])
            values["event_ids"] = ids = [order[index] for index in values["event_ids"]]
            values["order"] = [
                (event_id, events[event_id]["i"])
                for event_id in ids
                if not amendment[events[event_id]["type"]]
            ]
            values["originals"] = {
                event_id: _as_signed(events[event_id]) for event_id, _ in values["order"]
            }
            state.__dict__.update(values)
            of_kind[str(key)] = state


def _as_signed(event: Event) -> dict[str, Any]:
    """The statement as a lifecycle keeps it (``Lifecycle.originals``): as signed."""
    return {
        "type": event["type"],
        "occurred_at": event.get("original_occurred_at", event["occurred_at"]),
        "recorder": event["recorder"],
        "data": event.get("original_data", event["data"]),
    }


def _lifecycle_classes() -> dict[str, type[Lifecycle]]:
    from ledger.vocabulary import load_all

    load_all()
    return {
        spec.lifecycle.__name__: spec.lifecycle
        for spec in VOCABULARY.values()
        if isinstance(spec.lifecycle, type) and issubclass(spec.lifecycle, Lifecycle)
    }
