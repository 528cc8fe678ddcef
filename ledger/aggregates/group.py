"""An armed group: its registration, its members as the police assert them,
and the group-wide enforcement actions taken against it.

Projections ask a group who its members were at a time (to attribute a
shooting to a covered group) and which actions were taken (to judge whether a
promised crackdown happened). So a membership is kept as spells: each
assertion opens one, from when it happened until a withdrawal ends every
open spell of that person. A new role (member to leader) opens a new spell
beside the earlier one; the latest open spell gives the current role.
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
        self.registered_in: str | None = None
        self.memberships: dict[str, list[dict[str, Any]]] = {}
        """Each person's spells, in log order: group, role, from, until, asserted, withdrawn."""
        self.actions: dict[str, dict[str, Any]] = {}

    # --- queries ---------------------------------------------------------------
    @property
    def registered(self) -> bool:
        return self.registered_at is not None

    def current_spell(self, person: str) -> dict[str, Any] | None:
        """The latest spell of ``person`` that no withdrawal has ended, if any."""
        spells = [s for s in self.memberships.get(person, []) if s["until"] is None]
        return spells[-1] if spells else None

    def is_member(self, person: str) -> bool:
        """Whether ``person`` is a current member (asserted and not withdrawn)."""
        return self.current_spell(person) is not None

    def role_in_group(self, person: str) -> str | None:
        """The current member's role (member, leader or associate), None if not a member."""
        spell = self.current_spell(person)
        return str(spell["role"]) if spell else None

    def has_action(self, action: str) -> bool:
        return action in self.actions
