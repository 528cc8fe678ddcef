"""Deciding whether a statement may join the log, and which lifecycle records it.

The decision is the same wherever it is taken: when a recorder appends, when a
mirror follows, and when ``ledger verify`` replays the whole log from nothing.
It depends only on the statement, whether its signature verified, and the state
of the log before it (the *world*), so replaying the log re-checks every
role/key decision as of its position.

Order of checks, each a clear error: event type known; signing key known and
belonging to the recorder; key not revoked; the recorder's role may record the
type; signature valid; data fields typed as declared; sealed part present and
well-formed where personal details are required; references point at earlier
events; times plausible; then the lifecycle's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol, TypeVar
from uuid import UUID

from ledger.aggregates.base import LedgerAggregate
from ledger.aggregates.registry import REGISTRY_KEY, Registry
from ledger.charter_policy import max_clock_skew
from ledger.errors import (
    CaseRuleViolation,
    ClockSkew,
    ImplausibleTime,
    InvalidSignature,
    ReplayedStatement,
    RevokedKey,
    UnauthorizedRole,
    UnknownKey,
    UnknownReference,
)
from ledger.sealing_policy import check_sealed_part
from ledger.statements import Statement, parse_time
from ledger.vocabulary.base import EventData, TimeKind, spec_for, times_in

A = TypeVar("A", bound=LedgerAggregate)

EARLIEST_TIME: Final = datetime(1947, 8, 14, tzinfo=UTC)
"""No time in a statement may be earlier than 14 August 1947, Pakistan's founding.

The ledger records arrests, custody, releases and court orders under
Pakistan's law (CrPC 1898 as the country adopted it, ATA 1997, the
Constitution): none of them can have happened before the state existed, while
a later floor (1990, say) would refuse an old case or order a court may
legitimately cite. So ``0001-01-01`` or a year typed as ``1026`` is refused
with the field named, rather than counted in a report as a fact of the Middle
Ages.
"""

PLANNING_HORIZON: Final = timedelta(days=25 * 365)
"""How far past its recording a planned time (a deadline, the next hearing, the end
of a warning's period or a head's term) may lie: 25 years.

Warnings run for months, terms for years, hearings are adjourned by weeks; a
date decades ahead is a mistyped year or a placeholder meaning "never"
(``9999-12-31``), which would silently make a promise unbreakable.
"""
_REGISTRY_ID = Registry.id_for(REGISTRY_KEY)


@dataclass(frozen=True)
class EventInfo:
    """What the log knows about an earlier event, for references and rules."""

    event_id: str
    leaf_index: int
    type: str
    recorder: str
    occurred_at: str
    aggregate_id: UUID


@dataclass
class Entry:
    """A statement on its way into the log, at a known position."""

    statement: Statement
    leaf_index: int
    signature_ok: bool
    leaf: str = field(default="")

    def __post_init__(self) -> None:
        if not self.leaf:
            self.leaf = self.statement.leaf_bytes().decode("utf-8")

    @property
    def event_id(self) -> str:
        return self.statement.event_id


class World(Protocol):
    """The log's state before the statements being decided."""

    def load(self, cls: type[A], aggregate_id: UUID) -> A | None: ...

    def event_info(self, event_id: str) -> EventInfo | None: ...


class Decision:
    """A unit of work over a batch: aggregates touched and events added so far.

    Handlers look things up through it (so a batch sees its own earlier
    statements) and record the statement on exactly one aggregate.

    ``envelopes``: record each statement as an aggregate event (to be stored, or
    compared with the stored one). Without them, as a replay that stores and
    compares nothing needs, each lifecycle is a bare state (``LedgerAggregate.replayed``)
    that folds the statement by the very evolve functions the aggregate applies
    (``absorb``), so the rules judge the same state and decide the same; only the
    event objects, versions and timestamps nobody reads are not made.
    """

    def __init__(self, world: World, *, envelopes: bool = True) -> None:
        self.world = world
        self.envelopes = envelopes
        self.touched: dict[UUID, LedgerAggregate] = {}
        self._absent: set[tuple[type[LedgerAggregate], UUID]] = set()
        """Lifecycles looked up (as a kind) and not found: none is opened but by this decision
        (a writer decides under the writer lock, a replay one statement at a time), so each is
        one query."""
        self.new_events: dict[str, EventInfo] = {}
        self._entry: Entry | None = None
        self._typed: EventData | None = None
        self._skew: timedelta | None = None
        """The current statement's data as validated (what its lifecycle folds)."""
        self._recorded_on: LedgerAggregate | None = None

    # --- lookups -------------------------------------------------------------
    def get(self, cls: type[A], key: str) -> A | None:
        agg = self._lookup(cls, cls.id_for(key))
        if agg is not None and not isinstance(agg, cls):
            return None
        return agg

    def _lookup(self, cls: type[LedgerAggregate], agg_id: UUID) -> LedgerAggregate | None:
        agg = self.touched.get(agg_id)
        if agg is None and (cls, agg_id) not in self._absent:
            agg = self.world.load(cls, agg_id)
            if agg is None:
                self._absent.add((cls, agg_id))
            else:
                self.touched[agg_id] = agg
        return agg

    def get_by_id(self, aggregate_id: UUID) -> LedgerAggregate | None:
        """The lifecycle with this id, whatever its kind (to correct an earlier event)."""
        return self._lookup(LedgerAggregate, aggregate_id)

    def require(self, cls: type[A], key: str, *, field: str, what: str) -> A:
        agg = self.get(cls, key)
        if agg is None:
            raise UnknownReference(f"no {what} {key!r} is recorded in the ledger", field=field)
        return agg

    def event_info(self, event_id: str) -> EventInfo | None:
        return self.new_events.get(event_id) or self.world.event_info(event_id)

    def require_event(
        self, event_id: str, *, field: str, types: tuple[str, ...] | None = None
    ) -> EventInfo:
        info = self.event_info(event_id)
        if info is None:
            raise UnknownReference(f"event {event_id} is not in the ledger", field=field)
        if types is not None and info.type not in types:
            raise CaseRuleViolation(
                f"event {event_id} is a {info.type}, expected {' or '.join(types)}", field=field
            )
        return info

    @property
    def registry(self) -> Registry:
        reg = self.touched.get(_REGISTRY_ID)
        if not isinstance(reg, Registry):
            reg = self.get(Registry, REGISTRY_KEY)
        if reg is None:
            raise CaseRuleViolation("the ledger has no charter yet: record ledger.chartered first")
        return reg

    @property
    def entry(self) -> Entry:
        assert self._entry is not None
        return self._entry

    # --- recording -----------------------------------------------------------
    def open(self, cls: type[A], key: str) -> A:
        """Open a new lifecycle with the current statement as its first event."""
        if self.get(cls, key) is not None:
            raise CaseRuleViolation(f"{cls.kind} {key!r} is already recorded", field="data")
        if self.envelopes:
            agg = cls.open(key, **self._event())
        else:
            agg = cls.replayed(key)
            self._absorb(agg)
        self.touched[agg.id] = agg
        self._mark(agg)
        return agg

    def record(self, agg: LedgerAggregate) -> None:
        """Record the current statement on an existing lifecycle."""
        if self.envelopes:
            agg.record(**self._event())
        else:
            self._absorb(agg)
        self.touched[agg.id] = agg
        self._mark(agg)

    def _event(self) -> dict[str, Any]:
        """The current statement as an aggregate event's fields (see ``LedgerAggregate.open``)."""
        e = self.entry
        return {
            "leaf": e.leaf,
            "leaf_index": e.leaf_index,
            "event_id": e.event_id,
            "timestamp": e.statement.recorded_at,
            "parsed": e.statement.to_dict(),
            "typed": self._typed,
        }

    def _absorb(self, agg: LedgerAggregate) -> None:
        """Fold the current statement into a bare state, as the aggregate event would."""
        e = self.entry
        agg.absorb(e.statement.to_dict(), e.event_id, e.leaf_index, self._typed)

    def _mark(self, agg: LedgerAggregate) -> None:
        if self._recorded_on is not None:
            raise AssertionError("a statement is recorded on exactly one lifecycle")
        self._recorded_on = agg

    # --- the decision ----------------------------------------------------------
    def decide(self, entry: Entry, *, now: datetime | None = None) -> EventInfo:
        """Check ``entry`` against every rule; on success record it and return its info.

        On failure raises a LedgerError and records nothing for this entry.
        """
        st = entry.statement
        spec = spec_for(st.type)
        self._skew = None
        if self.event_info(st.event_id) is not None:
            raise ReplayedStatement(
                f"statement {st.event_id} is already in the ledger", event_id=st.event_id
            )
        if st.type == "ledger.chartered":
            self._authorise_charter(entry)
        else:
            self._authorise(entry, spec.roles)
        data = spec.validate(st.body["data"])
        self._check_sealed(entry, spec.sealed_required)
        for i, ref in enumerate(st.refs):
            self.require_event(ref, field=f"refs[{i}]")
        self._check_times(entry, data, now)
        self._entry = entry
        self._typed = data
        self._recorded_on = None
        try:
            spec.handler(entry, data, self)
            if self._recorded_on is None:
                raise AssertionError(f"handler for {st.type} recorded nothing")
            info = EventInfo(
                event_id=st.event_id,
                leaf_index=entry.leaf_index,
                type=st.type,
                recorder=st.recorder,
                occurred_at=st.body["occurred_at"],
                aggregate_id=self._recorded_on.id,
            )
        finally:
            self._entry = None
            self._typed = None
        self.new_events[st.event_id] = info
        return info

    def _authorise_charter(self, entry: Entry) -> None:
        st = entry.statement
        if entry.leaf_index != 0 or self.get(Registry, REGISTRY_KEY) is not None:
            raise CaseRuleViolation(
                "ledger.chartered is the genesis statement and can only be the first", field="type"
            )
        if not entry.signature_ok:
            raise InvalidSignature(
                "the charter's signature does not verify with the key it names", field="signature"
            )
        spec_roles = spec_for(st.type).roles
        for inst in st.body["data"].get("institutions", []):
            if isinstance(inst, dict) and inst.get("id") == st.recorder:
                if inst.get("role") not in spec_roles:
                    raise UnauthorizedRole(
                        f"role {inst.get('role')!r} may not charter the ledger", field="recorder"
                    )
                return
        raise UnknownKey("the charter's recorder is not one of its institutions", field="recorder")

    def _authorise(self, entry: Entry, roles: frozenset[str]) -> None:
        st = entry.statement
        registry = self.registry
        key = registry.keys.get(st.key_id)
        if key is None or key.purpose != "signing":
            raise UnknownKey(f"key {st.key_id} is not a registered signing key", field="key_id")
        if key.institution != st.recorder:
            raise UnknownKey(
                f"key {st.key_id} belongs to {key.institution}, not {st.recorder}", field="key_id"
            )
        if not key.active:
            raise RevokedKey(
                f"key {st.key_id} was revoked at log position {key.revoked_at}"
                f" ({key.revocation_reason})",
                field="key_id",
            )
        role = registry.role_of(st.recorder)
        if role not in roles:
            raise UnauthorizedRole(
                f"{st.recorder} (role {role}) may not record {st.type};"
                f" only {', '.join(sorted(roles))} may",
                field="type",
            )
        if not entry.signature_ok:
            raise InvalidSignature(
                f"signature does not verify with key {st.key_id}", field="signature"
            )
        if registry.origin and st.body["ledger"] != registry.origin:
            raise CaseRuleViolation(
                f"statement is for ledger {st.body['ledger']!r}, this is {registry.origin!r}",
                field="ledger",
            )

    def _check_sealed(self, entry: Entry, required: bool) -> None:
        sealed = entry.statement.sealed
        if sealed is None:
            if required:
                raise CaseRuleViolation(
                    f"{entry.statement.type} carries personal details: a sealed part is required",
                    field="sealed",
                )
            return
        check_sealed_part(sealed, entry.statement, self.registry)

    def _check_times(self, entry: Entry, data: EventData, now: datetime | None) -> None:
        """Every time in the statement is plausible; ``recorded_at`` is not ahead of ``now``.

        ``recorded_at`` (within the allowed clock skew of the server's clock)
        is the reference: a time that *happened* (``occurred_at`` and each
        :data:`~ledger.vocabulary.base.UtcTime` in the data) may not be after
        it, a *planned* one not more than :data:`PLANNING_HORIZON` after it,
        and none before :data:`EARLIEST_TIME`. Replaying the log gives the same
        answer, since all of these are signed.
        """
        st = entry.statement
        if now is not None and st.recorded_at > now + self.max_skew():
            raise ClockSkew(
                f"recorded_at {st.body['recorded_at']} is in the future"
                f" (server time {now:%Y-%m-%dT%H:%M:%SZ}, allowed skew {self.max_skew()})",
                field="recorded_at",
            )
        _not_before_earliest("recorded_at", st.recorded_at)
        self._check_time("occurred_at", st.occurred_at, TimeKind.HAPPENED, st.recorded_at)
        self.check_data_times(data, "data", st.recorded_at)

    def check_data_times(self, data: EventData, prefix: str, recorded_at: datetime) -> None:
        """The times in ``data`` (whose fields start at ``prefix``) are plausible.

        Also called by ``event.corrected`` for the data it puts in place of the
        original's, which is only typed once the original is known.
        """
        for path, text, kind in times_in(data, prefix):
            self._check_time(path, parse_time(text, field=path), kind, recorded_at)

    def _check_time(
        self, field: str, moment: datetime, kind: TimeKind, recorded_at: datetime
    ) -> None:
        _not_before_earliest(field, moment)
        skew = self.max_skew()
        if kind is TimeKind.HAPPENED and moment > recorded_at + skew:
            raise ClockSkew(
                f"{field} is after recorded_at: it records as done what had not yet happened"
                f" ({_shown(moment)} > {_shown(recorded_at)} + {skew})",
                field=field,
            )
        if kind is TimeKind.PLANNED and moment > recorded_at + PLANNING_HORIZON:
            raise ImplausibleTime(
                f"{field} {_shown(moment)} is more than 25 years after recorded_at:"
                " a mistyped year, or a placeholder for 'never'?",
                field=field,
            )

    def max_skew(self) -> timedelta:
        """The clock skew the charter allows between recorders, server and statements.

        Read once per statement decided (every time in it is held to the same skew).
        """
        if self._skew is None:
            self._skew = max_clock_skew(self._policy())
        return self._skew

    def _policy(self) -> dict[str, Any]:
        reg = self.touched.get(_REGISTRY_ID)
        if not isinstance(reg, Registry):
            reg = self.get(Registry, REGISTRY_KEY)
        return reg.policy if reg is not None else {}


def _shown(moment: datetime) -> str:
    """A time as statements write it; four-digit years even before 1000 (strftime may not pad)."""
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%SZ}"


def _not_before_earliest(field: str, moment: datetime) -> None:
    if moment < EARLIEST_TIME:
        raise ImplausibleTime(
            f"{field} {_shown(moment)} is before {EARLIEST_TIME:%Y-%m-%d}"
            " (Pakistan's founding), the earliest time the ledger accepts: a mistyped year?",
            field=field,
        )


def check_data(spec_name: str, data: dict[str, Any]) -> EventData:
    return spec_for(spec_name).validate(data)
