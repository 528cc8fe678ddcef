"""What the desk (``/desk/``) reads besides the public log: who holds a key, the schema, the queue.

The desk opens a key in the browser and must tell its holder, before they sign,
which institution and role the log records for that key and whether it is still
active; it builds its forms from the same JSON Schema ``ledger schema`` prints;
and it shows the committee its queue with each flag's groups, requests and
overdue answers. Every answer is read from the registry and the facts folded
from the log the server verified when it started and has kept current through
every admitted statement: nothing here is stored apart from the log.
"""

from __future__ import annotations

from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.deps import GateDep, NowDep, SettingsDep
from api.reporting import with_reports
from api.schemas import PROBLEM_RESPONSES, KeyIdPath
from ledger.aggregates.registry import Registry
from ledger.crypto import b64encode
from ledger.errors import NotFound
from ledger.sealing_policy import required_recipient_roles
from ledger.statements import format_time
from ledger.vocabulary.schema import vocabulary_json_schema

router = APIRouter(prefix="/v1", tags=["keys"])
fonts = APIRouter(include_in_schema=False)
"""The desk's Urdu face, from npm's package (as the public site's fonts are): without it,
many machines draw ے, ہ and ۔ as empty boxes. Routed before the desk's static files."""

FONT_PACKAGE = "@fontsource/noto-naskh-arabic"
FONT_FILES = frozenset(f"noto-naskh-arabic-arabic-{weight}-normal.woff2" for weight in (400, 700))


class SealRecipient(BaseModel):
    institution: str
    kid: str = Field(description="The sealing key id the envelope names")
    public_key: str = Field(description="The raw X25519 public key, standard base64")


class KeyHolder(BaseModel):
    key_id: str
    purpose: Literal["signing", "sealing"]
    institution: str
    name: str = Field(description="The institution's name in the charter")
    role: str
    status: Literal["active", "revoked"]
    revocation_reason: str | None = None
    origin: str = Field(description="The log's origin, which every statement names")
    seal_to: list[SealRecipient] = Field(
        description="The active sealing keys a sealed part recorded by this institution is"
        " sealed to: the court's, the committee's and the institution's own"
    )


def seal_recipients(registry: Registry, institution: str) -> list[SealRecipient]:
    """Every active sealing key of the roles the charter's policy names (the court and the
    committee by default, ``ledger.sealing_policy``) and of ``institution``, once each."""
    roles = required_recipient_roles(registry.policy)
    holders = [i.id for i in registry.institutions.values() if i.role in roles]
    if institution not in holders:
        holders.append(institution)
    return [
        SealRecipient(institution=holder, kid=kid, public_key=b64encode(raw))
        for holder in holders
        for kid, raw in registry.active_sealing_keys(holder).items()
    ]


def key_holder(registry: Registry | None, key_id: str) -> KeyHolder:
    """The registry's record of ``key_id``; NotFound when the log never registered it."""
    record = registry.keys.get(key_id) if registry is not None else None
    if registry is None or record is None:
        raise NotFound(f"no key {key_id} is registered in this ledger", field="key_id")
    institution = registry.institutions[record.institution]
    return KeyHolder(
        key_id=key_id,
        purpose="signing" if record.purpose == "signing" else "sealing",
        institution=institution.id,
        name=institution.name,
        role=institution.role,
        status="active" if record.active else "revoked",
        revocation_reason=record.revocation_reason,
        origin=registry.origin,
        seal_to=seal_recipients(registry, institution.id),
    )


@router.get(
    "/keys/{key_id}",
    summary="Who holds a key, as the log records it",
    description="The institution, its role and the key's status (`active` or `revoked`)"
    " in the registry folded from the verified log; `404` for a key never registered.",
    response_model=KeyHolder,
    responses=PROBLEM_RESPONSES,
)
async def who_holds(key_id: KeyIdPath, gate: GateDep) -> KeyHolder:
    def read() -> KeyHolder:
        with gate.use() as ledger:
            return key_holder(ledger.registry(), key_id)

    return await anyio.to_thread.run_sync(read)


@router.get(
    "/schema",
    summary="The vocabulary's JSON Schema",
    description="The JSON Schema of the signed statement and of every event type's data,"
    " with who may record each and what is sealed: what `ledger schema` prints.",
    responses=PROBLEM_RESPONSES,
)
def schema() -> dict[str, Any]:
    return vocabulary_json_schema()


QUEUE_DESCRIPTION = """
The audit queue as the committee's desk shows it: every flag (as `/v1/audit/flags`), each
with the groups its person belonged to when the flagged event happened, the committee's
explanation requests on it (addressed to whom, due when) and whether an answer is overdue:
a flag whose status is `explanation_requested` and whose latest request's due date is
before `overdue_judged_at` (the server's time, or the latest checkpoint's if later: a log
where nothing happened for a week signs no new checkpoint, and answers still fall due).
"""


def queue_rows(analysis: Any, now: str) -> list[dict[str, Any]]:
    """The flag rows with their groups, requests and overdue mark (a due date before ``now``),
    read from ``analysis``'s facts."""
    facts = analysis.facts
    rows = []
    for row in analysis.flag_rows():
        requests = []
        for event_id in row["inquiry"]:
            event = facts.event(event_id)
            if event is not None and event["type"] == "explanation.requested":
                requests.append(
                    {
                        "event_id": event_id,
                        "addressed_to": event["data"]["addressed_to"],
                        "due": event["data"]["due"],
                        "occurred_at": event["occurred_at"],
                    }
                )
        overdue = (
            row["status"] == "explanation_requested"
            and bool(requests)
            and requests[-1]["due"] < now
        )
        groups = facts.groups_of(row["person"], row["occurred_at"]) if row["person"] else []
        rows.append({**row, "groups": groups, "requests": requests, "overdue": overdue})
    return rows


@router.get(
    "/desk/queue",
    summary="The audit queue with groups, requests and overdue answers",
    description=QUEUE_DESCRIPTION,
    responses=PROBLEM_RESPONSES,
)
def queue(gate: GateDep, now: NowDep) -> dict[str, Any]:
    def read(reports: Any) -> dict[str, Any]:
        analysis = reports.analysis()
        judged_at = max(analysis.as_of, format_time(now))
        return {
            "tree_size": reports.tree_size,
            "root": reports.root_hex,
            "as_of": analysis.as_of,
            "overdue_judged_at": judged_at,
            "groups": sorted(analysis.facts.groups),
            "institutions": sorted(analysis.facts.institutions),
            "flags": queue_rows(analysis, judged_at),
        }

    return with_reports(gate, read)


@fonts.get("/desk/fonts/{name}")
def font(name: str, settings: SettingsDep) -> FileResponse:
    path = settings.node_modules / FONT_PACKAGE / "files" / name
    if name not in FONT_FILES or not path.is_file():
        raise NotFound(f"the desk has no font {name!r}", field="name")
    return FileResponse(path, media_type="font/woff2", headers={"Cache-Control": "max-age=86400"})
