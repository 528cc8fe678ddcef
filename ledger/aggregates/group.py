"""An armed group: its registration, its members as the police assert them,
and the group-wide enforcement actions taken against it.

Projections ask a group who its members were at a time (to attribute a
shooting to a covered group) and which actions were taken (to judge whether a
promised crackdown happened).
"""

from __future__ import annotations

from typing import Any

from ledger.aggregates.lifecycle import Lifecycle


class Group(Lifecycle):
    kind = "group"
    identity_fields = ("group",)

    def reset(self) -> None:
        self.name = ""
        self.group_kind = ""
        self.area = ""
        self.affiliation: str | None = None
        self.registered_at: str | None = None
        self.members: dict[str, dict[str, Any]] = {}
        self.former_members: list[dict[str, Any]] = []
        self.actions: dict[str, dict[str, Any]] = {}

    # --- queries ---------------------------------------------------------------
    @property
    def registered(self) -> bool:
        return self.registered_at is not None

    def is_member(self, person: str) -> bool:
        """Whether ``person`` is a current member (asserted and not withdrawn)."""
        return person in self.members

    def role_of(self, person: str) -> str | None:
        member = self.members.get(person)
        return str(member["role_in_group"]) if member else None

    def has_action(self, action: str) -> bool:
        return action in self.actions

    # --- evolution -------------------------------------------------------------
    def evolve(self, statement: dict[str, Any], event_id: str, leaf_index: int) -> None:
        kind, data, at = statement["type"], statement["data"], statement["occurred_at"]
        if kind == "group.registered":
            self.name = data["name"]
            self.group_kind = data["kind"]
            self.area = data["area"]
            self.affiliation = data.get("affiliation")
            self.registered_at = at
        elif kind == "membership.asserted":
            self.members[data["person"]] = {**data, "since": at, "event_id": event_id}
        elif kind == "membership.withdrawn":
            member = self.members.pop(data["person"], None)
            if member is not None:
                self.former_members.append({**member, "until": at, "reason": data["reason"]})
        elif kind == "enforcement.action":
            self.actions[data["action"]] = {**data, "occurred_at": at, "event_id": event_id}
