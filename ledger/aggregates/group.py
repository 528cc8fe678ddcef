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

    def role_in_group(self, person: str) -> str | None:
        """The current member's role (member, leader or associate), None if not a member."""
        member = self.members.get(person)
        return str(member["role_in_group"]) if member else None

    def has_action(self, action: str) -> bool:
        return action in self.actions
