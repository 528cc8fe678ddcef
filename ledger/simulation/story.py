"""The city's story: groups warned, shootings, attributions, responses, enforcement.

``City`` writes the whole story as planned statements on a ``Timeline`` and
hands them out in time order. Each shooting schedules what follows it — the
report, the interrupters' responses, the attribution, arrests (whose cases are
written by ``ledger.simulation.cases``), enforcement against the shooters'
group — and the next shooting. Randomness comes from one seeded generator, so
the same configuration always tells the same story.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ledger.simulation.cases import CaseWriter
from ledger.simulation.city import (
    AREAS,
    FAVOURED_GROUP,
    HOSPITALS,
    Cast,
    GroupProfile,
    OfficerProfile,
)
from ledger.simulation.committee import Committee
from ledger.simulation.config import CityConfig
from ledger.simulation.manifest import ManifestBuilder
from ledger.simulation.patterns import Patterns
from ledger.simulation.planning import Trigger
from ledger.simulation.timeline import Link, Planned, Timeline, days, hours

SHOOTINGS_PER_GROUP_MONTH = 5.0
DEADLINES = {"arrest_hours": 72, "enforcement_days": 14, "charge_days": 30}
PLACES = (
    "a tea stall",
    "the vegetable market",
    "a bus stop",
    "a CNG station",
    "the main chowk",
    "a wedding hall",
    "a mobile phone shop",
    "the football ground",
    "a mosque gate",
    "a school van stop",
)
TRANSFER_TITLES = ("DIG South", "DIG West", "DIG East", "Additional IG Karachi")
OFFICERS_PER_AREA = 3
"""Ceasefire Unit officers per area in the default city; a larger city has more (see ``_setup``)."""
POSTED_OUT = ("Special Branch, Thatta district", "Thatta")
"""(station, area) outside the city where a retaliation transfer sends an officer."""


@dataclass
class WarningPlan:
    ref: str
    groups: list[str]
    issued: datetime
    attacks: bool


class City:
    """Writes the synthetic city's statements, in time order, with its manifest."""

    def __init__(self, config: CityConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.start, self.end = config.start, config.end
        self.timeline = Timeline(self.end)
        self.cast = Cast(self.rng)
        self.groups = self.cast.groups(config.groups)
        self.by_slug = {g.slug: g for g in self.groups}
        self.manifest = ManifestBuilder(
            config.seed,
            config.months,
            self.start,
            self.end,
            groups=[g.public() for g in self.groups],
        )
        self.patterns = Patterns(self.start, self.end, config.scale, self.manifest)
        self.officers: list[OfficerProfile] = []
        self.warnings: list[WarningPlan] = []
        self.triggers: list[Trigger] = []
        self.fresh: dict[str, list[str]] = {g.slug: [] for g in self.groups}
        self.retiring: list[tuple[GroupProfile, str]] = []
        self.counters: dict[str, int] = {}
        self.cases = CaseWriter(self)
        self.committee = Committee(self)
        self.rate_per_hour = len(self.groups) * SHOOTINGS_PER_GROUP_MONTH * config.scale / (30 * 24)

    # --- plumbing -----------------------------------------------------------------
    def next(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    def plan(
        self,
        type: str,
        recorder: str,
        at: datetime,
        data: dict[str, Any],
        *,
        key: str | None = None,
        sealed: dict[str, Any] | None = None,
        refs: list[Link] | None = None,
        occurred: datetime | None = None,
    ) -> bool:
        """Plan one statement at ``at``; False if that is after the end of the window."""
        if key is not None and sealed is not None:
            raise ValueError(
                "a statement others refer to is not sealed (its id must be known early)"
            )
        recorded = min(at + hours(self.rng.uniform(0.05, 6.0)), self.end)
        return self.timeline.add(
            Planned(type, recorder, at, data, recorded, occurred, sealed, list(refs or []), key)
        )

    def drafts(self) -> Iterator[Planned]:
        """Every statement of the city, in log order."""
        self._setup()
        yield from self.timeline.run()
        self._finish()

    @property
    def favoured(self) -> str:
        return FAVOURED_GROUP if FAVOURED_GROUP in self.by_slug else self.groups[0].slug

    # --- the cast and the promises ------------------------------------------------------
    def _setup(self) -> None:
        t, rng = self.start, self.rng
        self.plan(
            "head.appointed",
            "committee",
            t + hours(1),
            {
                "head": "H-01",
                "term_start": _fmt(t),
                "term_end": _fmt(t + days(3 * 365)),
                "reason": "Appointed by the citizens' committee to head the Ceasefire department for three years.",
            },
        )
        for i, g in enumerate(self.groups):
            self.plan(
                "group.registered",
                "police",
                t + hours(2) + timedelta(minutes=i),
                {
                    "group": g.slug,
                    "name": g.name,
                    "kind": g.kind,
                    "area": g.area,
                    "affiliation": g.affiliation,
                },
            )
        areas = sorted({g.area for g in self.groups} | {"Saddar"})
        for area in areas:
            for _ in range(OFFICERS_PER_AREA * max(1, math.ceil(self.config.scale))):
                officer, sealed = self.cast.officer(area)
                self.officers.append(officer)
                self.plan(
                    "officer.registered",
                    "police",
                    t + hours(3),
                    {
                        "officer": officer.ref,
                        "rank": officer.rank,
                        "station": officer.station,
                        "unit": f"Ceasefire Unit, {area}",
                    },
                    sealed=sealed,
                )
        for g in self.groups:
            for n in range(5):
                person = self.register_person(
                    g, t + days(1) + timedelta(minutes=n), role="leader" if n == 0 else "member"
                )
                if n == 4:
                    self.retiring.append((g, person))
                elif n:
                    self.fresh[g.slug].append(person)
        first = [g.slug for g in self.groups[: max(1, math.ceil(len(self.groups) * 0.6))]]
        if self.favoured not in first:
            first[-1] = self.favoured
        rest = [g.slug for g in self.groups if g.slug not in first]
        self._warn(t + days(5), first, "call_in", attacks=True)
        if len(rest) > 1:
            self._warn(t + (self.end - t) * 0.25, rest[:-1], "custom_notification", attacks=True)
        self.timeline.later(
            t + days(2) + hours(rng.expovariate(self.rate_per_hour)), self._shooting
        )
        self.timeline.later(t + days(rng.uniform(20, 40)), self._routine_transfer)
        self.timeline.later(t + (self.end - t) * 0.4, self._withdraw_membership)

    def register_person(self, g: GroupProfile, at: datetime, *, role: str = "member") -> str:
        person, sealed, born = self.cast.person(g.area)
        self.plan(
            "person.registered",
            "police",
            at,
            {"person": person, "area": g.area, "birth_year": born},
            sealed=sealed,
        )
        self.plan(
            "membership.asserted",
            "police",
            at + timedelta(minutes=5),
            {
                "person": person,
                "group": g.slug,
                "role_in_group": role,
                "basis": f"Named as a {role} of {g.name} in Special Branch reports and by two informants.",
            },
        )
        return person

    def _warn(self, at: datetime, groups: list[str], kind: str, *, attacks: bool) -> None:
        ref = f"W-{at.year}-{self.next('warning'):02d}"
        self.warnings.append(WarningPlan(ref, groups, at, attacks))
        names = ", ".join(self.by_slug[g].name for g in groups)
        self.plan(
            "warning.issued",
            "police",
            at,
            {
                "warning": ref,
                "kind": kind,
                "groups": groups,
                "effective_from": _fmt(at),
                "effective_until": _fmt(self.end + days(180)),
                "covered_acts": ["shooting", "killing", "armed_attack"],
                "covers_attacks_on_groups": attacks,
                "deadlines": dict(DEADLINES),
                "terms": f"Told to {names}: any shooting by any member brings arrests within 72 hours and a "
                "crackdown on the whole group within 14 days; anyone who shoots at you is pursued the same way.",
            },
        )

    def covering(self, group: str, at: datetime) -> WarningPlan | None:
        for w in self.warnings:
            if group in w.groups and w.issued <= at:
                return w
        return None

    # --- officers ------------------------------------------------------------------------
    def on_duty(self) -> list[OfficerProfile]:
        """Officers serving in the city's stations with no transfer pending: who may arrest."""
        return [o for o in self.officers if o.area in AREAS and not o.transfer_pending]

    def pick_officer(self, area: str, at: datetime) -> OfficerProfile:
        free = self.on_duty()
        here = [o for o in free if o.area == area] or free or self.officers
        officer = self.rng.choice(here)
        officer.last_arrest = (at - self.start).total_seconds()
        return officer

    def transfer(
        self,
        officer: OfficerProfile,
        at: datetime,
        *,
        reason: str,
        title: str,
        to_station: str | None = None,
        to_area: str | None = None,
        key: str | None = None,
    ) -> bool:
        """Plan ``officer``'s move from the station he serves at now; False if not planned.

        The officer's station and area change only once the transfer is planned,
        so the next transfer starts from where this one ends (the ledger refuses
        a transfer from a station the officer has left, or to the same station).
        """
        officer.transfer_pending = False
        if to_station is None:
            to_area = self.rng.choice([a for a in AREAS if a != officer.area])
            to_station = self.rng.choice(AREAS[to_area])
        if to_station == officer.station:
            return False
        planned = self.plan(
            "officer.transferred",
            "police",
            at,
            {
                "officer": officer.ref,
                "from_station": officer.station,
                "to_station": to_station,
                "order_ref": f"TO-{at.year}-{self.next('transfer'):04d}",
                "ordered_by": title,
                "reason": reason,
            },
            key=key,
        )
        if planned:
            officer.station, officer.area = to_station, to_area or officer.area
        return planned

    def _routine_transfer(self, at: datetime) -> None:
        idle = [
            o
            for o in self.on_duty()
            if (at - self.start).total_seconds() - o.last_arrest > days(45).total_seconds()
        ]
        if idle:
            self.transfer(
                self.rng.choice(idle),
                at,
                title=self.rng.choice(TRANSFER_TITLES),
                reason=self.rng.choice(
                    (
                        "Routine posting on completion of tenure.",
                        "Posted to fill a vacancy at the station.",
                    )
                ),
            )
        self.timeline.later(at + days(self.rng.uniform(25, 50)), self._routine_transfer)

    def retaliate(self, officer: OfficerProfile, arrest: Link, group: str, at: datetime) -> None:
        """Plant: the officer who arrested a favoured member is moved out of the city within weeks.

        Posted out, he arrests nobody again, so he is never moved twice for this.
        """
        if officer.transfer_pending or officer.area not in AREAS:
            return
        officer.transfer_pending = True
        when = at + days(self.rng.uniform(10, 25))
        key = f"retaliation:{officer.ref}:{self.next('retaliation')}"

        def move(now: datetime) -> None:
            if self.transfer(
                officer,
                now,
                title="Additional IG Karachi",
                key=key,
                reason="Transferred on administrative grounds.",
                to_station=POSTED_OUT[0],
                to_area=POSTED_OUT[1],
            ):
                self.manifest.add(
                    "retaliation_transfer",
                    f"{officer.ref} arrested a member of {group} and was transferred"
                    f" {(now - at).days} days later.",
                    officer=officer.ref,
                    group=group,
                    arrest_event=arrest,
                    transfer_event=Link(key),
                )

        if not self.timeline.later(when, move):
            officer.transfer_pending = False

    def _withdraw_membership(self, at: datetime) -> None:
        """A member who left the group: never a suspect, so the withdrawal is clean."""
        g, person = self.rng.choice(self.retiring)
        self.plan(
            "membership.withdrawn",
            "police",
            at,
            {
                "person": person,
                "group": g.slug,
                "reason": "Left the group and moved away from Karachi; confirmed by family and area elders.",
            },
        )
        self.patterns.plant("membership_withdrawal", at)

    # --- shootings ---------------------------------------------------------------------
    def _shooting(self, at: datetime) -> None:
        self.shooting(at)
        self.timeline.later(at + hours(self.rng.expovariate(self.rate_per_hour)), self._shooting)

    def shooting(
        self,
        at: datetime,
        *,
        forced: tuple[str, GroupProfile] | None = None,
        rearrest_of: tuple[str, Link] | None = None,
    ) -> None:
        rng = self.rng
        weights = [1.3 if g.slug == self.favoured else 1.0 for g in self.groups]
        shooter = forced[1] if forced else rng.choices(self.groups, weights)[0]
        others = [g for g in self.groups if g is not shooter]
        target = rng.choice(others) if others and rng.random() < 0.55 else None
        area = target.area if target and rng.random() < 0.3 else shooter.area
        killed, injured = rng.choice((0, 0, 0, 1, 1, 2)), rng.choice((0, 1, 1, 2, 3))
        if killed + injured == 0:
            injured = 1
        incident = f"INC-{at.year}-{self.next('incident'):05d}"
        key = f"inc:{incident}"
        source = rng.choices(("police", "hospital", "interrupters", "community"), (40, 25, 20, 15))[
            0
        ]
        recorder = "police" if source in ("police", "hospital") else "interrupters"
        place = rng.choice(PLACES)
        data: dict[str, Any] = {
            "incident": incident,
            "area": area,
            "killed": killed,
            "injured": injured,
            "source": source,
            "description": f"Shots fired from a motorcycle near {place} in {area}.",
        }
        reported = at + hours(rng.uniform(0.2, 1.5))
        if not self.plan("shooting.reported", recorder, reported, data, key=key, occurred=at):
            return
        self._responses(reported, incident, area, killed + injured, shooter, target)
        if self.patterns.want("correction", at, room=days(5)):
            self.patterns.plant("correction", at)
            fixed = {
                **data,
                "injured": injured + 1,
                "description": data["description"]
                + " A further victim was identified at hospital.",
            }
            ckey = f"correction:{incident}"
            self.plan(
                "event.corrected",
                recorder,
                at + days(rng.uniform(1, 3)),
                {
                    "original": Link(key),
                    "reason": "A further injured victim was identified the next day.",
                    "corrected_data": fixed,
                },
                key=ckey,
                refs=[Link(key)],
            )
            self.manifest.add(
                "correction",
                f"The report of {incident} was corrected by its recorder.",
                original=Link(key),
                event_id=Link(ckey),
            )
        if forced is None and rng.random() > 0.8:
            return
        self._attribute(at, incident, shooter, target, forced, rearrest_of)

    def _responses(
        self,
        at: datetime,
        incident: str,
        area: str,
        victims: int,
        shooter: GroupProfile,
        target: GroupProfile | None,
    ) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            self.plan(
                "hospital.response",
                "interrupters",
                at + hours(rng.uniform(2, 10)),
                {
                    "response": f"HR-{self.next('response'):05d}",
                    "incident": incident,
                    "hospital": rng.choice(HOSPITALS),
                    "victims_reached": victims,
                    "outcome": rng.choice(
                        (
                            "Families agreed not to retaliate; follow-up visit set.",
                            "Met the victims' brothers at the hospital; tension remains high.",
                        )
                    ),
                },
            )
        if rng.random() < 0.2:
            ref = f"CR-{self.next('response'):05d}"
            when = at + days(rng.uniform(1, 3))
            data = {
                "response": ref,
                "incident": incident,
                "area": area,
                "kind": rng.choice(("vigil", "march", "meeting")),
                "participants": rng.randint(30, 400),
            }
            self.plan("community.response", "interrupters", when, data)
            if self.patterns.want("retraction", at, room=days(5)):
                self.patterns.plant("retraction", at)
                dup = f"dup:{ref}"
                self.plan(
                    "community.response",
                    "interrupters",
                    when + hours(2),
                    {**data, "response": f"{ref}-B"},
                    key=dup,
                )
                rkey = f"retraction:{ref}"
                self.plan(
                    "event.retracted",
                    "interrupters",
                    when + days(1),
                    {
                        "original": Link(dup),
                        "reason": f"Recorded twice: this is the same gathering as {ref}.",
                    },
                    key=rkey,
                    refs=[Link(dup)],
                )
                self.manifest.add(
                    "retraction",
                    f"A duplicate response to {incident} was retracted.",
                    original=Link(dup),
                    event_id=Link(rkey),
                )
        if target is not None and rng.random() < 0.3:
            ref = f"MED-{self.next('mediation'):05d}"
            sessions = 2 if rng.random() < 0.3 else 1
            for s in range(sessions):
                sealed = None
                if rng.random() < 0.5:
                    sealed = {
                        "participants": [self.cast.official_name(), self.cast.official_name()]
                    }
                self.plan(
                    "mediation.held",
                    "interrupters",
                    at + days(rng.uniform(1, 5) + 10 * s),
                    {
                        "mediation": ref,
                        "area": area,
                        "groups": [shooter.slug, target.slug],
                        "incident": incident,
                        "outcome": "ongoing"
                        if s + 1 < sessions
                        else rng.choice(("agreement", "ongoing", "failed")),
                        "participants_count": rng.randint(4, 20),
                    },
                    sealed=sealed,
                )

    def _suspects(self, shooter: GroupProfile, at: datetime) -> list[str]:
        count = 2 if self.rng.random() < 0.25 else 1
        found = []
        for n in range(count):
            pool = self.fresh[shooter.slug]
            found.append(
                pool.pop(0)
                if pool and self.rng.random() < 0.3
                else self.register_person(shooter, at + timedelta(minutes=10 * n))
            )
        return found

    def _attribute(
        self,
        at: datetime,
        incident: str,
        shooter: GroupProfile,
        target: GroupProfile | None,
        forced: tuple[str, GroupProfile] | None,
        rearrest_of: tuple[str, Link] | None,
    ) -> None:
        rng = self.rng
        warned = self.covering(shooter.slug, at)
        if warned is None and target is not None:
            w = self.covering(target.slug, at)
            warned = w if w and w.attacks else None
        group_only = warned is None and forced is None and rng.random() < 0.15
        attributed_at = at + hours(rng.uniform(3, 20))
        suspects = (
            []
            if group_only
            else ([forced[0]] if forced else self._suspects(shooter, at + hours(1)))
        )
        if not self.plan(
            "shooting.attributed",
            "police",
            attributed_at,
            {
                "incident": incident,
                "suspects": suspects,
                "groups": [shooter.slug],
                "target_groups": [target.slug] if target else [],
                "basis": rng.choice(
                    (
                        "Two eyewitnesses and CCTV footage from the chowk.",
                        "Statement of the injured victim and recovery of the motorcycle.",
                        "Informant reports corroborated by call records.",
                    )
                ),
                "confidence": rng.choice(("suspected", "probable", "confirmed")),
            },
        ):
            return
        trigger = None
        if warned is not None:
            trigger = Trigger(incident, shooter.slug, warned.ref, at)
            self.triggers.append(trigger)
            if forced is None and self.patterns.want("broken_promise", at):
                self.patterns.plant("broken_promise", at)
                trigger.undo("no_arrest_no_enforcement")
                return
            self._enforce(at, trigger, shooter)
        elif forced is None and rng.random() > 0.55:
            return
        for person in suspects:
            if trigger is not None:
                when = at + hours(
                    rng.uniform(max(6, (attributed_at - at).total_seconds() / 3600 + 1), 60)
                )
                charge_by = at + days(rng.uniform(10, 25))
            else:
                when = attributed_at + hours(rng.uniform(6, 20 * 24))
                charge_by = None
            if (
                not self._arrest_later(
                    when, person, shooter, incident, trigger, charge_by, rearrest_of
                )
                and trigger is not None
            ):
                trigger.due.append(when)

    def _arrest_later(
        self,
        when: datetime,
        person: str,
        shooter: GroupProfile,
        incident: str,
        trigger: Trigger | None,
        charge_by: datetime | None,
        rearrest_of: tuple[str, Link] | None,
    ) -> bool:
        def arrest(now: datetime) -> None:
            self.cases.open_case(now, person, shooter, incident, trigger, charge_by, rearrest_of)

        return self.timeline.later(when, arrest)

    def _enforce(self, at: datetime, trigger: Trigger, shooter: GroupProfile) -> None:
        rng = self.rng
        if shooter.slug == self.favoured and rng.random() < 0.5:
            deadline = at + days(DEADLINES["enforcement_days"])
            if deadline <= self.end:
                trigger.undo("no_enforcement")
            else:  # not broken yet: the deadline runs past the end, so the promise is pending
                trigger.due.append(deadline)
            return
        when = at + days(rng.uniform(2, 10))
        trigger.due.append(when)
        covering = self.covering(shooter.slug, at)
        kind = rng.choice(("raid", "search", "asset_seizure", "group_arrests", "patrol_surge"))
        self.plan(
            "enforcement.action",
            "police",
            when,
            {
                "action": f"ACT-{self.next('action'):05d}",
                "group": shooter.slug,
                "warning": covering.ref if covering else None,
                "kind": kind,
                "incidents": [trigger.incident],
                "description": f"{kind.replace('_', ' ').capitalize()} against {shooter.name} in {shooter.area}"
                f" after {trigger.incident}.",
            },
        )

    # --- the end -------------------------------------------------------------------------
    def _finish(self) -> None:
        """Name every broken promise and every promise still pending at the end."""
        for t in self.triggers:
            trigger_event = Link(f"inc:{t.incident}")
            if t.causes:
                self.manifest.add(
                    "broken_promise",
                    f"{t.incident} by {t.group}: {', '.join(t.causes)}.",
                    warning=t.warning,
                    group=t.group,
                    trigger_event=trigger_event,
                    causes=list(t.causes),
                    planted="no_arrest_no_enforcement" in t.causes,
                )
            elif any(d > self.end for d in t.due):
                self.manifest.add(
                    "pending_promise",
                    f"{t.incident} by {t.group}: deadlines run past the end.",
                    warning=t.warning,
                    group=t.group,
                    trigger_event=trigger_event,
                    as_of=_fmt(self.end),
                )
        self.manifest.add(
            "favoured_group",
            f"Members of {self.by_slug[self.favoured].name} are released on instructions or"
            " without basis far more often than members of other groups.",
            group=self.favoured,
            metric="unexplained_release_rate",
        )


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
