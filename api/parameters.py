"""The parameters each address takes, read from its route: unknown ones refused, bad values explained.

A filter the server does not know must not look like a filter that matched
nothing: ``/v1/audit/flags?rule=release.no_bassis`` answering an empty queue
would tell the committee that no release was flagged. So every query
parameter a route does not declare is refused (``UnknownParameter``), and an
enumerated parameter's bad value is answered with the values it takes
(``api.errors``). Both read the parameters as the route declares them, so the
OpenAPI document, the checks and the messages cannot disagree.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterator
from typing import Any, Literal, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from pydantic.fields import FieldInfo

from ledger import errors as e


class UnknownParameter(e.InvalidArgument):
    """A query parameter the address does not take (a misspelt filter, most often)."""

    code = "unknown_parameter"

    def __init__(self, name: str, allowed: list[str]) -> None:
        takes = f"it takes: {', '.join(allowed)}" if allowed else "it takes none"
        super().__init__(
            f"query parameter '{name}' is not one this address takes; {takes}", field=name
        )
        self.allowed = allowed


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def declared(request: Request, location: str) -> dict[str, FieldInfo]:
    """The ``location`` ("query" or "path") parameters of the route that matched, by name."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if not isinstance(dependant, Dependant):
        return {}
    found: dict[str, FieldInfo] = {}
    for part in _dependants(dependant):
        fields = part.query_params if location == "query" else part.path_params
        for field in fields:
            found[field.alias] = field.field_info
    return found


def allowed_values(info: FieldInfo) -> list[str] | None:
    """The values an enumerated parameter takes (a ``Literal`` or an ``Enum``, maybe optional)."""
    annotation: Any = info.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else None
    if get_origin(annotation) is Literal:
        return [str(value) for value in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return None


async def refuse_unknown_query_parameters(request: Request) -> None:
    """Every route's first dependency: a query parameter it does not declare is refused."""
    known = declared(request, "query")
    for name in request.query_params:
        if name not in known:
            raise UnknownParameter(name, list(known))
