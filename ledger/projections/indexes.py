"""The facts' indexes, read from the lifecycle states the evolve functions set.

Reports look things up by group, person, officer, warning, incident, case and
inquiry. Each of those subjects is a lifecycle whose state the vocabulary's
evolve functions keep (``ledger.aggregates.states``), so an index here is a
reading of those states, never a fold of its own: the registration a group's
state names, the steps a case holds and has not had retracted, the spells of a
membership. Only what spans subjects is put together here (a person's
memberships in every group and cases, the arrests citing an incident, every
action or transfer in log order), from the same states.

Values are event ids, which the reports cite; the timeline (``events``, by
id, each with its log position ``i``) puts them in log order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ledger.aggregates.case import Case
from ledger.aggregates.group import Group
from ledger.aggregates.incident import Incident
from ledger.aggregates.inquiry import Inquiry
from ledger.aggregates.mediation import Mediation
from ledger.aggregates.officer import Officer
from ledger.aggregates.states import LifecycleStates
from ledger.aggregates.warning import Warning
from ledger.charter_policy import CUSTODY_LIMIT_HOURS, REMAND_LIMIT_DAYS
from ledger.vocabulary.base import Amendment, spec_for

DEFAULT_POLICY = {
    "custody_limit_hours": CUSTODY_LIMIT_HOURS,
    "remand_limit_days": REMAND_LIMIT_DAYS,
}
"""The limits the reports measure against, where the charter names none."""

Events = dict[str, dict[str, Any]]

REGISTRY = "registry"
"""The key a statement about the ledger itself touches when it changes what every report reads
of it: the policy, or an institution or its role (``Facts._registry_read``)."""
LIFECYCLE = "lifecycle:"
"""Prefix of the key naming the kind of lifecycle a statement changed (``lifecycle:Case``)."""


@dataclass(frozen=True)
class Indexes:
    """What the reports look things up by.

    Values are event ids in log order unless said otherwise; only what counts
    is indexed (no retracted statement), except the mentions of a case.
    """

    policy: dict[str, Any]
    """The charter's limits over the defaults."""
    institutions: dict[str, str]
    """Institution id to role."""
    groups: dict[str, str]
    """Registered group to its registration, in order of registration."""
    memberships: dict[str, list[dict[str, Any]]]
    """Person to membership spells in every group, in order of assertion."""
    officers: dict[str, str]
    """Registered officer to the registration."""
    transfers: list[str]
    """Every officer's transfers."""
    warnings: dict[str, str]
    """Issued warning to the statement that issued it."""
    incidents: dict[str, dict[str, Any]]
    """Incident to ``reported`` (the report, or None) and ``attributions``."""
    cases: dict[str, dict[str, Any]]
    """Case to its ``person`` and ``events`` (its steps), in order of the first step."""
    person_cases: dict[str, list[str]]
    """Person to the cases whose steps name them, in order of the first such step."""
    arrests_by_incident: dict[str, list[str]]
    """Incident to the arrests that cite it."""
    actions: list[str]
    """Every group's enforcement actions."""
    interruption: list[str]
    """Mediation sessions and responses to shootings."""
    responses: dict[str, list[str]]
    """Incident to its responses, for the incidents with any (what ``interruption`` holds
    of each incident, kept so that a statement about one incident reads only that one);
    only looked up by incident, so its order means nothing."""
    inquiries: dict[str, list[str]]
    """Subject event to the requests, explanations and findings about it."""
    case_mentions: dict[str, list[str]]
    """Case to every statement recorded on it, retracted ones too, in order of the first."""


def read_indexes(states: LifecycleStates, events: Events) -> Indexes:
    """Every index, read from ``states``; ``events`` gives each id its log position."""

    def at(event_id: str) -> int:
        return int(events[event_id]["i"])

    groups = states.of(Group)
    officers = states.of(Officer)
    incidents = states.of(Incident)
    cases = _cases(states.of(Case), at)
    return Indexes(
        policy={**DEFAULT_POLICY, **states.registry.policy},
        institutions={i.id: i.role for i in states.registry.institutions.values()},
        groups=_registered(((k, g.registered_in) for k, g in groups.items()), at),
        memberships=_memberships(groups.values(), at),
        officers=_registered(((k, o.registered_in) for k, o in officers.items()), at),
        transfers=sorted((t["event_id"] for o in officers.values() for t in o.transfers), key=at),
        warnings=_registered(((k, w.issued_in) for k, w in states.of(Warning).items()), at),
        incidents=_incidents(incidents, at),
        cases=cases,
        person_cases=_person_cases(cases, events),
        arrests_by_incident=_arrests_by_incident(states.of(Case).values(), at),
        actions=sorted(
            (a["event_id"] for g in groups.values() for a in g.actions.values()), key=at
        ),
        interruption=_interruption(states, at),
        responses=_responses(incidents.items()),
        inquiries=_inquiries(states),
        case_mentions={
            key: [event_id for event_id, _ in case.order] for key, case in states.of(Case).items()
        },
    )


def update_indexes(
    previous: Indexes | None, states: LifecycleStates, events: Events, touched: set[str] | None
) -> Indexes:
    """The indexes after the statements that ``touched`` these subjects (``Facts``'s journal):
    only what reads a kind of lifecycle they changed is read again, and of the cases, only
    the cases they touched. Without ``previous`` or ``touched``, every index is read."""
    if previous is None or touched is None or REGISTRY in touched:
        return read_indexes(states, events)
    kinds = {key[len(LIFECYCLE) :] for key in touched if key.startswith(LIFECYCLE)}

    def at(event_id: str) -> int:
        return int(events[event_id]["i"])

    changes: dict[str, Any] = {}
    if Group.__name__ in kinds:
        groups = states.of(Group)
        changes["groups"] = _registered(((k, g.registered_in) for k, g in groups.items()), at)
        changes["memberships"] = _memberships(groups.values(), at)
        changes["actions"] = sorted(
            (a["event_id"] for g in groups.values() for a in g.actions.values()), key=at
        )
    if Officer.__name__ in kinds:
        officers = states.of(Officer)
        changes["officers"] = _registered(((k, o.registered_in) for k, o in officers.items()), at)
        changes["transfers"] = sorted(
            (t["event_id"] for o in officers.values() for t in o.transfers), key=at
        )
    if Warning.__name__ in kinds:
        changes["warnings"] = _registered(
            ((k, w.issued_in) for k, w in states.of(Warning).items()), at
        )
    if Incident.__name__ in kinds:
        changed = {key[len("incident:") :] for key in touched if key.startswith("incident:")}
        changes["incidents"] = _update_incidents(
            previous.incidents, states.of(Incident), changed, at
        )
    if Mediation.__name__ in kinds:
        changes["interruption"] = _interruption(states, at)
        changes["responses"] = _responses(states.of(Incident).items())
    elif Incident.__name__ in kinds:
        changed = {key[len("incident:") :] for key in touched if key.startswith("incident:")}
        changes.update(_update_responses(previous, states, changed, at))
    if Inquiry.__name__ in kinds:
        changes["inquiries"] = _inquiries(states)
    if Case.__name__ in kinds:
        found = states.of(Case)
        changed = {key[len("case:") :] for key in touched if key.startswith("case:")}
        cases = _update_cases(previous.cases, found, changed & set(found), at)
        mentions = previous.case_mentions
        if any(key not in mentions for key in changed & set(found)):
            mentions = {key: mentions.get(key, []) for key in found}
        changes["case_mentions"] = {
            **mentions,
            **{key: [e for e, _ in found[key].order] for key in changed if key in found},
        }
        changes["cases"] = cases
        changes["person_cases"] = _person_cases(cases, events)
        changes["arrests_by_incident"] = _arrests_by_incident(found.values(), at)
    return replace(previous, **changes) if changes else previous


def _update_cases(
    previous: dict[str, dict[str, Any]],
    found: dict[str, Case],
    changed: set[str],
    at: Callable[[str], int],
) -> dict[str, dict[str, Any]]:
    """``_cases`` with the changed cases read again; sorted again only when one moved."""
    entries = dict(previous)
    last = at(next(reversed(entries.values()))["events"][0]) if entries else -1
    added: list[tuple[int, str, dict[str, Any]]] = []
    moved = False
    for key in changed:
        steps = found[key].standing()
        old = entries.get(key)
        if not steps:
            if old is not None:
                del entries[key]
            continue
        entry = {"person": found[key].person, "events": steps}
        if old is None:
            added.append((at(steps[0]), key, entry))
            continue
        moved = moved or old["events"][0] != steps[0]
        entries[key] = entry
    added.sort(key=lambda f: f[0])
    if added and added[0][0] < last:
        moved = True
    for _, key, entry in added:
        entries[key] = entry
    if moved:
        return dict(sorted(entries.items(), key=lambda pair: at(pair[1]["events"][0])))
    return entries


def person_mentions(events: Events, order: list[str]) -> dict[str, list[str]]:
    """Person to every statement naming them in its data, amendments aside, retracted ones
    too, in log order: who is mentioned where spans every lifecycle, so it is read from
    the timeline."""
    out: dict[str, list[str]] = {}
    for event_id in order:
        event = events[event_id]
        person = event["data"].get("person")
        if isinstance(person, str) and not issubclass(spec_for(event["type"]).data, Amendment):
            out.setdefault(person, []).append(event_id)
    return out


def _interruption(states: LifecycleStates, at: Callable[[str], int]) -> list[str]:
    return sorted(
        [
            *(s["event_id"] for m in states.of(Mediation).values() for s in m.sessions),
            *(r["event_id"] for i in states.of(Incident).values() for r in i.responses.values()),
        ],
        key=at,
    )


def _responses(incidents: Iterable[tuple[str, Incident]]) -> dict[str, list[str]]:
    return {
        key: [r["event_id"] for r in incident.responses.values()]
        for key, incident in incidents
        if incident.responses
    }


def _update_responses(
    previous: Indexes, states: LifecycleStates, changed: set[str], at: Callable[[str], int]
) -> dict[str, Any]:
    """The ``responses`` and ``interruption`` indexes after statements about the ``changed``
    incidents: kept when their responses are the same, the new ones appended when nothing
    was taken away and they all come after every one indexed, else read again."""
    found = states.of(Incident)
    now = _responses((key, found[key]) for key in changed if key in found)
    if all(now.get(key, []) == previous.responses.get(key, []) for key in changed):
        return {}
    responses = {**previous.responses, **now}
    for key in changed - set(now):
        responses.pop(key, None)
    old = previous.interruption
    added = [e for key, ids in now.items() for e in ids if e not in previous.responses.get(key, [])]
    kept = all(set(previous.responses.get(key, [])) <= set(now.get(key, [])) for key in changed)
    added.sort(key=at)
    if kept and (not old or not added or at(added[0]) > at(old[-1])):
        return {"responses": responses, "interruption": old + added}
    return {"responses": responses, "interruption": _interruption(states, at)}


def _inquiries(states: LifecycleStates) -> dict[str, list[str]]:
    return {
        subject: standing
        for subject, inquiry in states.of(Inquiry).items()
        if (standing := inquiry.standing())
    }


def _registered(
    found: Iterable[tuple[str, str | None]], at: Callable[[str], int]
) -> dict[str, str]:
    """Subject to the statement that registered it, in the order of those statements."""
    pairs = [(key, event_id) for key, event_id in found if event_id is not None]
    return dict(sorted(pairs, key=lambda pair: at(pair[1])))


def _memberships(
    groups: Iterable[Group], at: Callable[[str], int]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        for person, spells in group.memberships.items():
            out.setdefault(person, []).extend(spells)
    for spells in out.values():
        if len(spells) > 1:
            spells.sort(key=lambda spell: at(spell["asserted"]))
    return out


def _incidents(
    incidents: dict[str, Incident], at: Callable[[str], int]
) -> dict[str, dict[str, Any]]:
    """Incidents with a report or an attribution that counts, by the first of these."""
    found: list[tuple[int, str, dict[str, Any]]] = []
    for key, incident in incidents.items():
        entry = _incident_entry(incident)
        if entry is not None:
            found.append((_first_at(entry, at), key, entry))
    found.sort(key=lambda f: f[0])
    return {key: entry for _, key, entry in found}


def _incident_entry(incident: Incident) -> dict[str, Any] | None:
    """An incident's entry in ``_incidents``, or None without a report or an attribution."""
    attributions = [a["event_id"] for a in incident.attributions]
    if incident.reported_in is None and not attributions:
        return None
    return {"reported": incident.reported_in, "attributions": attributions}


def _first_at(entry: dict[str, Any], at: Callable[[str], int]) -> int:
    """The log position an incident's entry is ordered by: its report or first attribution."""
    first = (entry["reported"], *entry["attributions"][:1])
    return min(at(e) for e in first if e is not None)


def _update_incidents(
    previous: dict[str, dict[str, Any]],
    incidents: dict[str, Incident],
    changed: set[str],
    at: Callable[[str], int],
) -> dict[str, dict[str, Any]]:
    """``_incidents`` after statements about the ``changed`` incidents: an entry whose place
    holds is replaced where it stands and a new one placed after the last is appended;
    any other change (an entry gone, or moved) reads every incident anew."""
    out = dict(previous)
    last = _first_at(next(reversed(previous.values())), at) if previous else -1
    appended: list[tuple[int, str, dict[str, Any]]] = []
    for key in changed:
        incident = incidents.get(key)
        entry = _incident_entry(incident) if incident is not None else None
        old = previous.get(key)
        if entry is None and old is None:
            continue
        if entry is None:
            return _incidents(incidents, at)
        first = _first_at(entry, at)
        if old is not None and _first_at(old, at) == first:
            out[key] = entry
        elif old is None and first > last:
            appended.append((first, key, entry))
        else:
            return _incidents(incidents, at)
    appended.sort(key=lambda f: f[0])
    out.update((key, entry) for _, key, entry in appended)
    return out


def _cases(cases: dict[str, Case], at: Callable[[str], int]) -> dict[str, dict[str, Any]]:
    """Cases with a step that counts, in the order of their first such step."""
    found: list[tuple[int, str, dict[str, Any]]] = []
    for key, case in cases.items():
        steps = case.standing()
        if steps:
            found.append((at(steps[0]), key, {"person": case.person, "events": steps}))
    found.sort(key=lambda f: f[0])
    return {key: entry for _, key, entry in found}


def _person_cases(cases: dict[str, dict[str, Any]], events: Events) -> dict[str, list[str]]:
    """Each person's cases, in the order of the first step naming them.

    Every step of a case that names a person names the case's person (the
    rules refuse another), so that is the first step naming anyone.
    """
    named: list[tuple[int, str, str]] = []
    for key, entry in cases.items():
        if entry["person"]:
            steps = entry["events"]
            first = next((e for e in steps if events[e]["data"].get("person")), steps[0])
            named.append((int(events[first]["i"]), entry["person"], key))
    out: dict[str, list[str]] = {}
    for _, person, key in sorted(named):
        out.setdefault(person, []).append(key)
    return out


def _arrests_by_incident(cases: Iterable[Case], at: Callable[[str], int]) -> dict[str, list[str]]:
    arrests = sorted((a for case in cases for a in case.arrests), key=lambda a: at(a["event_id"]))
    out: dict[str, list[str]] = {}
    for arrest in arrests:
        for incident in arrest.get("incidents", []):
            out.setdefault(incident, []).append(arrest["event_id"])
    return out
