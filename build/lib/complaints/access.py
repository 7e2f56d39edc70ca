"""Who may do what: the staff roles and the department rule every view and action checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

ROLES = ("agent", "supervisor", "admin")
"""Each role can do what the ones before it can: a supervisor also approves solutions and
reads reports, an admin also configures (accounts, rules, canned replies, privacy)."""


class StaffMember(Protocol):
    """What the rules need of a person (the store's `Agent` row is one)."""

    @property
    def role(self) -> str: ...

    @property
    def departments(self) -> Sequence[str] | None: ...


def sees(person: StaffMember, department: str) -> bool:
    """Whether `person` may see and work complaints of `department` (admins see all; an agent
    registered without departments, as settings.toml allows, works every department)."""
    return person.role == "admin" or not person.departments or department in person.departments


def at_least(person: StaffMember, role: str) -> bool:
    return ROLES.index(person.role) >= ROLES.index(role)
