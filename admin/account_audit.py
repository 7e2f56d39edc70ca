"""What the audit log records of an account update: the fields by value, contact fields
only as "changed" (the log must not become a copy of staff's e-mail addresses)."""

from __future__ import annotations

from typing import Any

from store.models import Agent


def audited(agent: Agent) -> dict[str, Any]:
    """What an account update may change that the audit log shows by value (no contact data)."""
    return {
        "role": agent.role,
        "departments": list(agent.departments or []),
        "active": agent.active,
        "senior": agent.senior,
        "language": agent.language,
        "email_changed": agent.email,
        "telegram_changed": agent.telegram_user_id,
    }


def changes_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The changed fields: by value, or only `True` for contact fields (named `*_changed`)."""
    return {
        key: True if key.endswith("_changed") else value
        for key, value in after.items()
        if before[key] != value
    }
