"""Request and response shapes at the HTTP edge (documented in the OpenAPI schema).

Statements themselves are not modelled here: the core parses and checks them
(``ledger.statements``, ``ledger.vocabulary``); the request schemas below only
describe them for clients and for generated documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from ledger.statements import REQUIRED_FIELDS

EVENT_ID_PATTERN = r"^[0-9a-f]{64}$"
REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


@dataclass(frozen=True)
class Form:
    """What a valid value of a parameter looks like, as a pattern and in words.

    A refusal says the words, never the pattern: "an event id is 64 lowercase
    hexadecimal characters", not ``^[0-9a-f]{64}$``.
    """

    noun: str
    pattern: str
    words: str

    @property
    def sentence(self) -> str:
        return f"{self.noun} is {self.words}"


_REF_WORDS = (
    "1 to 64 characters (letters, digits, '.', '_', ':' and '-'), starting with a letter or a digit"
)
FORMS: dict[str, Form] = {
    "event_id": Form(
        "an event id", EVENT_ID_PATTERN, "64 lowercase hexadecimal characters (0-9 and a-f)"
    ),
    "case": Form("a case id", REF_PATTERN, _REF_WORDS),
    "person": Form("a person id", REF_PATTERN, _REF_WORDS),
    "key_id": Form(
        "a key id",
        r"^(?:[0-9a-f]{16}|[0-9a-f]{32})$",
        "16 lowercase hexadecimal characters (a signing key) or 32 (a sealing key)",
    ),
    "as_of": Form(
        "a time", TIME_PATTERN, "written in UTC as YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-03-01T10:00:00Z"
    ),
    "table": Form(
        "a table's name",
        r"^[a-z][a-z-]{0,63}$",
        "1 to 64 lowercase letters and hyphens, such as groups-derived-from",
    ),
}
"""Every parameter with a pattern, by name: the routes declare them from here."""


def _path(name: str) -> Any:
    form = FORMS[name]
    return Path(pattern=form.pattern, description=form.sentence)


EventIdPath = Annotated[str, _path("event_id")]
CasePath = Annotated[str, _path("case")]
PersonPath = Annotated[str, _path("person")]
KeyIdPath = Annotated[str, _path("key_id")]
TablePath = Annotated[str, _path("table")]
AsOfQuery = Annotated[
    str | None,
    Query(
        pattern=FORMS["as_of"].pattern,
        max_length=20,
        description="Judge deadlines at this UTC time (not before the latest event);"
        f" default: the time signed in the latest checkpoint ({FORMS['as_of'].sentence})",
    ),
]

STATEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "A signed statement (see docs/events.md): the recorder's signature over the RFC 8785"
        " canonical JSON of every other member."
    ),
    "required": list(REQUIRED_FIELDS),
    "properties": {
        "v": {"type": "integer", "enum": [1]},
        "ledger": {"type": "string"},
        "type": {"type": "string", "examples": ["arrest.made"]},
        "recorder": {"type": "string", "examples": ["police"]},
        "key_id": {"type": "string"},
        "occurred_at": {"type": "string", "examples": ["2026-03-01T10:00:00Z"]},
        "recorded_at": {"type": "string", "examples": ["2026-03-01T10:05:00Z"]},
        "data": {"type": "object"},
        "sealed": {"type": "object"},
        "refs": {"type": "array", "items": {"type": "string", "pattern": EVENT_ID_PATTERN}},
        "signature": {"type": "string"},
    },
}

RECORD_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    STATEMENT_SCHEMA,
                    {
                        "type": "object",
                        "required": ["statements"],
                        "properties": {
                            "statements": {
                                "type": "array",
                                "items": STATEMENT_SCHEMA,
                                "minItems": 1,
                            }
                        },
                        "additionalProperties": False,
                    },
                ]
            }
        }
    },
}


class CheckpointRef(BaseModel):
    """A signed checkpoint: the tree size and the C2SP signed note."""

    size: int
    note: str


class CheckpointOut(CheckpointRef):
    root: str = Field(description="Root hash, base64")
    signed_at: str


class Recorded(BaseModel):
    """Where a statement stands in the log."""

    event_id: str
    leaf_index: int


class RecordedOne(Recorded):
    checkpoint: CheckpointRef | None = Field(
        description="A signed checkpoint that includes the statement, if one exists yet"
    )
    included_by: str | None = Field(
        description="Time by which a checkpoint including the statement will be signed"
        " (null when this server does not sign checkpoints)"
    )


class RecordedBatch(BaseModel):
    events: list[Recorded]
    checkpoint: CheckpointRef | None
    included_by: str | None


class LoggedEvent(BaseModel):
    event_id: str
    leaf_index: int
    statement: dict[str, Any]


class EventPage(BaseModel):
    items: list[LoggedEvent]
    tree_size: int
    next: str | None = Field(description="Link to the next page, null at the end of the log")


Cell = str | int | float | bool | None


class ReportTableListing(BaseModel):
    """One of a report's tables: how its rows join the table they belong to, and where it is."""

    table: str
    parent: str | None = Field(description="The table whose rows these rows belong to")
    key: list[str] = Field(description="The columns naming a row")
    joins_on: list[str] = Field(description="The parent's key: the first columns of each row")
    columns: list[str]
    total: int = Field(description="Rows in the table")
    href: str = Field(description="Its first page, pinned to the tree size")


class ReportHead(BaseModel):
    report: str
    tree_size: int
    root: str = Field(description="Merkle root at tree_size, hex")
    as_of: str = Field(description="The time deadlines were judged at")
    as_of_source: str


class ReportTables(ReportHead):
    tables: list[ReportTableListing] = Field(description="The main table first")


class ReportTablePage(ReportHead):
    table: str
    parent: str | None
    key: list[str]
    joins_on: list[str]
    columns: list[str]
    offset: int
    limit: int
    total: int = Field(description="Rows in the whole table")
    items: list[dict[str, Cell]] = Field(description="The rows of this page, by column")
    next: str | None = Field(
        description="Path of the next page, pinned to the tree size; null at the last page"
    )


class InclusionProof(BaseModel):
    event_id: str
    leaf_index: int
    tree_size: int
    hashes: list[str] = Field(description="Proof hashes, base64, the leaf's sibling first")
    checkpoint: str | None = Field(description="Signed checkpoint note at tree_size, if one exists")


class ConsistencyProof(BaseModel):
    from_size: int = Field(alias="from")
    to_size: int = Field(alias="to")
    from_root: str
    to_root: str
    hashes: list[str]
    checkpoints: list[str]

    model_config = {"populate_by_name": True}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    index: int | None = None
    allowed: list[str] | None = Field(
        default=None,
        description="The values (or, for unknown_parameter, the query parameters) that are taken",
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 413, 415, 422)
}
