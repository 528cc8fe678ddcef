"""One accused person in one FIR, from arrest to release or verdict.

``CaseWriter.open_case`` plans a case's whole life at the arrest: production
before a magistrate within 24 hours, remand (never more than 15 days in all),
judicial custody, the charge, bail, hearings with adjournments, the verdict and
the sentence, and a release whose basis is a court order recorded *before* it
for the same person and case. A lawful case raises no flag. Planted patterns
(``ledger.simulation.patterns``) bend exactly one step and are named in the
manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ledger.simulation.city import PRISONS, GroupProfile, OfficerProfile
from ledger.simulation.planning import Planner, Trigger
from ledger.simulation.timeline import Link, days, hours

DISTRICTS = {
    "Lyari": "South",
    "Kemari": "Keamari",
    "Saddar": "South",
    "Orangi": "West",
    "Baldia": "West",
    "Korangi": "Korangi",
    "Landhi": "Korangi",
    "Malir": "Malir",
    "Gulshan-e-Iqbal": "East",
    "Liaquatabad": "Central",
}
ADJOURNMENTS = (
    ("prosecution_not_ready", 25),
    ("witness_absent", 25),
    ("defence_not_ready", 15),
    ("judge_unavailable", 10),
    ("accused_not_produced", 10),
    ("file_not_available", 10),
    ("other", 5),
)
INSTRUCTING_TITLES = (
    "Office of the Provincial Home Minister",
    "MPA of the area",
    "SSP West",
    "Party sector in-charge",
)
BAD_ORDER = (
    "release.order_mismatch",
    "release.order_after_release",
    "release.order_not_found",
    "release.order_wrong_kind",
    "release.s496_bail_non_bailable",
)
MURDER = ["PPC 302", "PPC 324", "PPC 34"]
MISSING_ORDER = "0" * 63 + "1"
"""An event id no statement has: a release citing it cites an order not in the log."""


@dataclass
class CaseState:
    case: str
    person: str
    group: GroupProfile
    officer: OfficerProfile
    arrested: datetime
    favoured: bool
    trigger: Trigger | None
    custody_until: datetime | None = None  # released at (None: still held at the end)
    productions: list[str] = field(default_factory=list)
    ata: bool = False
    police_bail: bool = False
    judicial_from: datetime | None = None  # sent to judicial custody at (bail comes later)

    @property
    def arrest(self) -> Link:
        return Link(f"arrest:{self.case}")


class CaseWriter:
    def __init__(self, city: Planner) -> None:
        self.city = city
        self.recent_bails: list[tuple[datetime, str, str]] = []  # (at, case, key)

    # --- helpers -------------------------------------------------------------------------
    def _u(self, lo: float, hi: float) -> float:
        return self.city.rng.uniform(lo, hi)

    def _order_number(self, prefix: str, at: datetime) -> str:
        return f"{prefix}-{at.year}-{self.city.next('order'):06d}"

    def _judge(self) -> str:
        return f"J-{self.city.rng.randint(1, 12):02d}"

    def _magistrate(self, s: CaseState) -> str:
        return (
            f"Judicial Magistrate {self.city.rng.choice(('I', 'II', 'IV', 'VII', 'IX', 'XIV'))},"
            f" Karachi {DISTRICTS.get(s.group.area, 'South')}"
        )

    def _want(self, kind: str, at: datetime) -> bool:
        if self.city.patterns.want(kind, at):
            self.city.patterns.plant(kind, at)
            return True
        return False

    # --- the arrest ----------------------------------------------------------------------
    def open_case(
        self,
        at: datetime,
        person: str,
        group: GroupProfile,
        incident: str,
        trigger: Trigger | None,
        charge_by: datetime | None,
        rearrest_of: tuple[str, Link] | None,
    ) -> None:
        c = self.city
        if trigger is not None:
            trigger.due.append(at)
        if at > c.end - hours(2):
            if trigger is not None:
                trigger.due.append(c.end + timedelta(seconds=1))
            return
        officer = c.pick_officer(group.area, at)
        case = f"FIR-{at.year}-{c.next('case'):05d}"
        s = CaseState(case, person, group, officer, at, group.slug == c.favoured, trigger)
        if rearrest_of is None and not s.favoured:
            s.police_bail = trigger is None and self._want("police_bail_bailable", at)
            s.ata = not s.police_bail and self._want("ata_remand_30_days", at)
        offences = ["PPC 147"] if s.police_bail else MURDER + (["ATA 7"] if s.ata else [])
        c.plan(
            "arrest.made",
            "police",
            at,
            {
                "case": case,
                "person": person,
                "incidents": [incident],
                "grounds": c.rng.choice(
                    (
                        "Named in the FIR by the complainant; pistol recovered at arrest.",
                        "Identified on CCTV; arrested at his residence.",
                        "Arrested on the information of a co-accused.",
                    )
                )
                + (
                    " Rioting at the scene; no firearm recovered."
                    if s.police_bail
                    else f" ({'/'.join(offences)})"
                ),
                "officer": officer.ref,
                "station": officer.station,
                "offences": offences,
                "offences_bailable": s.police_bail,
                "anti_terrorism_act": s.ata,
            },
            key=s.arrest.key,
        )
        if rearrest_of is not None:
            old_case, release = rearrest_of
            c.manifest.flag(
                "release.rearrested_for_new_shooting",
                case=old_case,
                person=person,
                event=release,
                rearrest_event=s.arrest,
                new_case=case,
                description=f"{person} was released in {old_case} and arrested again in {case}"
                f" for a later shooting ({incident}).",
            )
        if s.favoured and c.patterns.want("retaliation_transfer", at):
            c.patterns.plant("retaliation_transfer", at)
            c.retaliate(officer, s.arrest, group.slug, at)
        self._after_arrest(s, charge_by)

    def _produce(self, s: CaseState, at: datetime, remand: int, *, judicial: bool = False) -> Link:
        key = f"prod:{s.case}:{len(s.productions)}"
        s.productions.append(key)
        court = "Anti-Terrorism Court II, Karachi" if s.ata else self._magistrate(s)
        self.city.plan(
            "custody.produced",
            "police",
            at,
            {
                "case": s.case,
                "person": s.person,
                "magistrate": court,
                "remand_granted": remand > 0,
                "remand_days": remand,
                "order_number": self._order_number("REM", at) if remand else None,
                "custody": ("judicial" if judicial else "police") if remand else None,
            },
            key=key,
        )
        return Link(key)

    def _after_arrest(self, s: CaseState, charge_by: datetime | None) -> None:
        c, at = self.city, s.arrested
        if s.police_bail:
            release = self._release(
                s,
                at + hours(self._u(3, 10)),
                "police_bail_s496",
                None,
                reasons="Bailed at the police station under s.496: the FIR names a bailable"
                " offence only.",
            )
            if release is not None:
                c.manifest.lawful(
                    "police_bail_bailable",
                    case=s.case,
                    person=s.person,
                    event=release,
                    description=f"{s.person} was bailed at the station in a bailable offence.",
                )
            return
        if s.ata:
            produced = min(at + hours(self._u(2, 20)), c.end - timedelta(minutes=30))
            c.manifest.lawful(
                "ata_remand_30_days",
                case=s.case,
                person=s.person,
                event=s.arrest,
                description=f"{s.person}'s case is before an Anti-Terrorism Court, which remanded"
                " him to police custody for 30 days (ATA s.21-E).",
            )
            self._charged(s, produced, charge_by)
            return
        late = self._want("custody.past_24h", at)
        produced = at + hours(self._u(28, 40) if late else self._u(2, 20))
        produced = min(produced, c.end - timedelta(minutes=30))
        if late:
            c.manifest.flag(
                "custody.past_24h",
                case=s.case,
                person=s.person,
                event=s.arrest,
                description=f"{s.person} was produced {(produced - at).total_seconds() / 3600:.0f}"
                " hours after arrest.",
            )
        basis = c.patterns.unexplained_release(c.rng, s.favoured)
        if basis is not None and (basis == "none" or self._want("release.no_basis", at)):
            basis = "none"
            c.patterns.plant("release.no_basis", at)
        if basis is not None:
            self._unexplained(s, produced, basis)
            return
        if self._want("custody.held_past_remand", at):
            if s.trigger is not None:  # released on bond, no charge follows: the promise is broken
                s.trigger.undo("released_on_bond_no_charge")
            self._produce(s, produced, 3)
            self._s169(s, produced + days(3) + hours(self._u(30, 60)), order=True, past_remand=True)
            return
        if not late and self._want("bond_within_24h", at):
            if s.trigger is not None:  # lawful, but no charge follows: the promise is broken
                s.trigger.undo("released_on_bond_no_charge")
            self._s169(s, at + hours(self._u(4, 12)), order=True, lawful_bond=True)
            return
        if not late and self._want("release.before_production", at):
            self._before_production(s, at + hours(self._u(4, 12)))
            return
        if self._want("release.sentence_not_recorded", at):
            self._produce(s, produced, 5)
            self._not_served(s, produced + days(self._u(1, 3)))
            return
        if self._want("release.s169_no_magistrate_order", at):
            self._produce(s, produced, 3)
            self._s169(s, produced + days(self._u(1, 2.5)), order=False)
            return
        route = "charged"
        if s.trigger is None:
            route = c.rng.choices(("remand_refused", "s169", "s63", "charged"), (8, 10, 4, 78))[0]
        if route == "s169" and produced + days(12) > c.end:
            route = "charged"
        if route == "remand_refused":
            self._produce(s, produced, 0)
            order = self._court_order(
                s,
                produced + timedelta(minutes=20),
                "remand_refused",
                "Remand refused: no material connecting the accused with the offence.",
            )
            self._release(s, produced + hours(self._u(1, 4)), "remand_refused", order)
        elif route == "s169":
            self._produce(s, produced, 3)
            self._s169(s, produced + days(self._u(1, 2.5)), order=True)
        elif route == "s63":
            self._produce(s, produced, 3)
            when = produced + days(self._u(1, 2.5))
            order = self._court_order(
                s, when, "discharge_s63", "Discharged under s.63 on his own bond."
            )
            self._release(s, when + hours(self._u(2, 10)), "s63_discharge", order)
        else:
            self._charged(s, produced, charge_by)

    # --- release routes --------------------------------------------------------------------
    def _release(
        self,
        s: CaseState,
        at: datetime,
        basis: str,
        order: Link | None,
        *,
        order_number: str | None = None,
        reasons: str | None = None,
        instructions_from: str | None = None,
        occurred: datetime | None = None,
        missing_order: bool = False,
    ) -> Link | None:
        key = f"release:{s.case}"
        text = reasons or f"Released under {basis.replace('_', ' ')} as ordered."
        planned = self.city.plan(
            "release.recorded",
            "police",
            at,
            {
                "case": s.case,
                "person": s.person,
                "authorising_officer": s.officer.ref,
                "legal_basis": basis,
                "order_event": MISSING_ORDER if missing_order else order,
                "order_number": order_number,
                "reasons": text,
                "instructions_from": instructions_from,
            },
            key=key,
            refs=[order] if order else None,
            occurred=occurred,
        )
        if not planned:
            return None
        s.custody_until = occurred or at
        return Link(key)

    def _flagged(
        self, s: CaseState, rule: str, release: Link, at: datetime, description: str
    ) -> None:
        c = self.city
        c.manifest.flag(rule, case=s.case, person=s.person, event=release, description=description)
        if s.trigger is not None:
            s.trigger.undo("undone_by_flagged_release")
        c.committee.maybe_inquire(release, rule, at)

    def _court_order(self, s: CaseState, at: datetime, kind: str, terms: str) -> Link:
        key = f"order:{s.case}:{kind}"
        self.city.plan(
            "court.order_issued",
            "court",
            at,
            {
                "case": s.case,
                "person": s.person,
                "order_number": self._order_number("ORD", at),
                "kind": kind,
                "judge": self._judge(),
                "terms": terms,
            },
            key=key,
        )
        return Link(key)

    def _unexplained(self, s: CaseState, produced: datetime, basis: str) -> None:
        c = self.city
        remand = c.rng.randint(3, 7)
        self._produce(s, produced, remand)
        at = produced + days(self._u(0.5, min(5, remand) - 0.2))
        title = c.rng.choice(INSTRUCTING_TITLES) if basis == "on_instructions" else None
        if title and c.rng.random() < 0.35:
            received = at - hours(self._u(1, 6))
            c.plan(
                "instruction.reported",
                "police",
                received + hours(0.5),
                {
                    "case": s.case,
                    "officer": s.officer.ref,
                    "instructed_by": title,
                    "instruction": "release",
                    "received_at": received.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                sealed={"instructed_by_name": c.cast.official_name()},
            )
        reasons = f"Released on the instructions of the {title}." if title else "Released."
        release = self._release(s, at, basis, None, reasons=reasons, instructions_from=title)
        if release is None:
            return
        rule = "release.on_instructions" if title else "release.no_basis"
        self._flagged(
            s, rule, release, at, f"{s.person} ({s.group.slug}) released with basis {basis!r}."
        )
        if title and c.patterns.want("release.rearrested_for_new_shooting", at, room=days(50)):
            c.patterns.plant("release.rearrested_for_new_shooting", at)
            c.timeline.later(
                at + days(self._u(10, 30)),
                lambda now: c.shooting(
                    now, forced=(s.person, s.group), rearrest_of=(s.case, release)
                ),
            )

    def _before_production(self, s: CaseState, at: datetime) -> None:
        title = self.city.rng.choice(INSTRUCTING_TITLES)
        release = self._release(
            s,
            at,
            "on_instructions",
            None,
            instructions_from=title,
            reasons=f"Released from the lock-up on the instructions of the {title}.",
        )
        if release is None:
            return
        self.city.manifest.flag(
            "release.before_production",
            case=s.case,
            person=s.person,
            event=release,
            description=f"{s.person} was released {(at - s.arrested).total_seconds() / 3600:.0f}"
            " hours after arrest, before any production, on no bond, bail or order.",
        )
        self._flagged(
            s,
            "release.on_instructions",
            release,
            at,
            f"{s.person} ({s.group.slug}) was released from the lock-up on instructions.",
        )

    def _not_served(self, s: CaseState, at: datetime) -> None:
        release = self._release(
            s, at, "sentence_complete", None, reasons="Released on completing the sentence."
        )
        if release is not None:
            self._flagged(
                s,
                "release.sentence_not_recorded",
                release,
                at,
                f"{s.person} was released as having served a sentence in a case with no verdict.",
            )

    def _s169(
        self,
        s: CaseState,
        at: datetime,
        *,
        order: bool,
        lawful_bond: bool = False,
        past_remand: bool = False,
    ) -> None:
        release = self._release(
            s,
            at,
            "s169_bond",
            None,
            reasons="Released on bond under s.169: the evidence is insufficient to send"
            " the accused up for trial; reasons recorded in the case diary.",
        )
        if release is None:
            return
        if order:
            self._court_order(
                s,
                at + days(self._u(1, 5)),
                "release",
                "The magistrate accepts the s.169 report and confirms the release on bond.",
            )
        if lawful_bond:
            self.city.manifest.lawful(
                "bond_within_24h",
                case=s.case,
                person=s.person,
                event=release,
                description=f"{s.person} was released on bond under s.169"
                f" {(at - s.arrested).total_seconds() / 3600:.0f} hours after"
                " arrest, before production: lawful (s.63).",
            )
        elif past_remand:
            self.city.manifest.flag(
                "custody.held_past_remand",
                case=s.case,
                person=s.person,
                event=s.arrest,
                description=f"{s.person} was held by the police more than a day after his"
                " 3-day remand expired.",
            )
        elif not order:
            self._flagged(
                s,
                "release.s169_no_magistrate_order",
                release,
                at,
                f"{s.person} was released on an s.169 bond; no magistrate's order followed.",
            )

    # --- the charged case ----------------------------------------------------------------
    def _charged(self, s: CaseState, produced: datetime, charge_by: datetime | None) -> None:
        c, rng = self.city, self.city.rng
        over = not s.ata and self._want("custody.remand_over_15_days", s.arrested)
        first = 30 if s.ata else 8 if over else rng.randint(4, 7)
        self._produce(s, produced, first)
        held_until = produced + days(first)
        if not s.ata and (over or rng.random() < 0.4):
            second = 9 if over else rng.randint(2, min(7, 15 - first))
            again = held_until - hours(self._u(1, 4))
            self._produce(s, again, second)
            held_until = again + days(second)
            if over:
                c.manifest.flag(
                    "custody.remand_over_15_days",
                    case=s.case,
                    person=s.person,
                    event=s.arrest,
                    description=f"{s.person} was remanded for {first + second} days in all.",
                )
        s.judicial_from = held_until - hours(self._u(1, 4))
        self._produce(s, s.judicial_from, 14, judicial=True)
        c.plan(
            "custody.transferred",
            "police",
            held_until,
            {
                "case": s.case,
                "person": s.person,
                "from_facility": f"{s.officer.station} lock-up",
                "to_facility": rng.choice(PRISONS),
                "reason": "Sent to judicial custody by the magistrate.",
            },
        )
        charged = charge_by if charge_by is not None else s.arrested + days(self._u(7, 20))
        charged = max(charged, s.arrested + days(1))
        if s.trigger is not None:
            s.trigger.due.append(charged)
        killed_charge = rng.choice(
            (["PPC 302", "PPC 34"], ["PPC 324", "PPC 34"], ["PPC 302", "PPC 324"])
        )
        if rng.random() < 0.4:
            killed_charge.append("Sindh Arms Act 2013 s.24")
        c.plan(
            "charge.filed",
            "prosecution",
            charged,
            {
                "case": s.case,
                "person": s.person,
                "charges": killed_charge,
                "prosecutor": f"PR-{rng.randint(1, 6):02d}",
            },
        )
        self._trial(s, charged)

    def _trial(self, s: CaseState, charged: datetime) -> None:
        c, rng = self.city, self.city.rng
        judge = self._judge()
        outcome = rng.choices(
            ("s249a", "s265k", "withdrawal", "compounding", "trial_acquittal", "convicted"),
            (10, 5, 8, 7, 35, 35),
        )[0]
        count = rng.randint(1, 2) if outcome in ("s249a", "s265k") else rng.randint(3, 9)
        dates = [charged + days(self._u(10, 25))]
        for _ in range(count):
            dates.append(dates[-1] + days(self._u(14, 35)))
        decided = dates[-1]
        bail_at = charged + days(self._u(10, 60))
        if s.judicial_from is not None:
            bail_at = max(bail_at, s.judicial_from + days(self._u(1, 5)))
        earlier_bail = any(b[0] < bail_at for b in self.recent_bails)
        bad = (
            None
            if s.ata
            else next(
                (
                    k
                    for k in BAD_ORDER
                    if c.patterns.want(k, charged)
                    and (earlier_bail or k != "release.order_mismatch")
                ),
                None,
            )
        )
        if (bad or rng.random() < 0.45) and bail_at + days(2) < decided:
            if bad:
                c.patterns.plant(bad, charged)
            self._bail(s, charged, bail_at, bad)
        for i, when in enumerate(dates[:-1]):
            held = s.custody_until is None or s.custody_until > when
            last = i == len(dates) - 2
            if last:
                outcome_now, reason = "reserved", None
            else:
                outcome_now = rng.choices(
                    ("adjourned", "evidence_recorded", "arguments_heard"), (60, 30, 10)
                )[0]
                reasons = [r for r in ADJOURNMENTS if held or r[0] != "accused_not_produced"]
                reason = (
                    rng.choices([r[0] for r in reasons], [r[1] for r in reasons])[0]
                    if outcome_now == "adjourned"
                    else None
                )
            c.plan(
                "hearing.held",
                "court",
                when,
                {
                    "case": s.case,
                    "judge": judge,
                    "outcome": outcome_now,
                    "adjournment_reason": reason,
                    "next_date": dates[i + 1].strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
        self._decide(s, decided, outcome, judge)

    def _bail(self, s: CaseState, charged: datetime, at: datetime, bad: str | None) -> None:
        c, rng = self.city, self.city.rng
        section = (
            "ata_21d" if s.ata else "s496" if bad == "release.s496_bail_non_bailable" else "s497"
        )
        if rng.random() < 0.3:
            c.plan(
                "bail.denied",
                "court",
                charged + (at - charged) / 2,
                {
                    "case": s.case,
                    "person": s.person,
                    "section": section,
                    "order_number": self._order_number("BD", at),
                    "judge": self._judge(),
                    "reasons": "The accused is named in the FIR with a specific role; bail refused at this stage.",
                },
            )
        key = f"bail:{s.case}"
        number = self._order_number("BAIL", at)
        if not c.plan(
            "bail.granted",
            "court",
            at,
            {
                "case": s.case,
                "person": s.person,
                "section": section,
                "order_number": number,
                "judge": self._judge(),
                "conditions": "Surety of Rs. 200,000 and weekly attendance at the station.",
            },
            key=key,
        ):
            return
        order: Link | None = Link(key)
        occurred, release_at = None, at + hours(self._u(2, 30))
        if bad == "release.order_mismatch":
            other = [b for b in self.recent_bails if b[1] != s.case and b[0] < at]
            order = Link(other[-1][2]) if other else order
            bad = bad if other else None
        elif bad == "release.order_after_release":
            occurred = at - hours(self._u(6, 30))
            release_at = at + hours(self._u(2, 10))
        elif bad == "release.order_not_found":
            order = None
        elif bad == "release.order_wrong_kind":
            order = self._court_order(
                s,
                at - hours(self._u(2, 20)),
                "transfer",
                "The accused is to be moved to the Central Prison for the hearing.",
            )
        self.recent_bails = (self.recent_bails + [(at, s.case, key)])[-50:]
        basis = "bail_ata_21d" if s.ata else f"bail_{section}"
        release = self._release(
            s,
            release_at,
            basis,
            order,
            order_number=number,
            occurred=occurred,
            reasons=f"Released on bail granted under {section.replace('s', 's.')}.",
            missing_order=bad == "release.order_not_found",
        )
        if release is not None and bad is not None:
            what = (
                "is s.496 bail in a murder case"
                if bad == "release.s496_bail_non_bailable"
                else f"rests on a wrong order ({bad.split('.')[1].replace('_', ' ')})"
            )
            self._flagged(s, bad, release, release_at, f"{s.person}'s release on bail {what}.")

    def _decide(self, s: CaseState, at: datetime, outcome: str, judge: str) -> None:
        c, rng = self.city, self.city.rng
        held = s.custody_until is None or s.custody_until > at
        if outcome in ("withdrawal", "compounding"):
            kind = (
                "withdrawal_permission_s494"
                if outcome == "withdrawal"
                else "compounding_permission_s345"
            )
            order = self._court_order(
                s,
                at,
                kind,
                "Permission granted."
                if outcome == "withdrawal"
                else "The heirs of the deceased compounded the offence; permission granted.",
            )
            if outcome == "withdrawal":
                c.plan(
                    "charge.withdrawn",
                    "prosecution",
                    at + days(self._u(1, 3)),
                    {
                        "case": s.case,
                        "person": s.person,
                        "permission_event": order,
                        "reason": "Withdrawn with the court's consent under s.494: key witnesses resiled.",
                    },
                    refs=[order],
                )
            if held:
                self._release(
                    s,
                    at + days(3) + hours(self._u(1, 8)),
                    "withdrawal_s494" if outcome == "withdrawal" else "compounding_s345",
                    order,
                )
            return
        verdict = "convicted" if outcome == "convicted" else "acquitted"
        section = {"s249a": "s249a", "s265k": "s265k"}.get(outcome, "trial")
        key = f"verdict:{s.case}"
        if not c.plan(
            "verdict.delivered",
            "court",
            at,
            {
                "case": s.case,
                "person": s.person,
                "verdict": verdict,
                "section": section,
                "judge": judge,
            },
            key=key,
        ):
            return
        if verdict == "acquitted":
            if held:
                basis = {"s249a": "acquittal_s249a", "s265k": "acquittal_s265k"}.get(
                    outcome, "acquittal_at_trial"
                )
                self._release(s, at + hours(self._u(2, 24)), basis, Link(key))
            return
        months = rng.choice((3, 12, 36, 84, 120, 300)) if held else rng.choice((12, 36, 84))
        sentenced = at + days(self._u(3, 14))
        c.plan(
            "sentence.imposed",
            "court",
            sentenced,
            {
                "case": s.case,
                "person": s.person,
                "custodial_months": months,
                "judge": judge,
                "sentence": f"Rigorous imprisonment for {months} months and a fine of Rs. 100,000.",
            },
        )
        if held and months == 3:
            self._release(
                s,
                at + days(91),
                "sentence_complete",
                None,
                reasons="Released on completing the sentence, with remission.",
            )
