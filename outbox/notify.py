"""Notices to staff: written on the complaint's timeline and sent outside the customer's
thread, to addresses like "email:boss@example.com" or "telegram:-100…"."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from router import RuleSet
from store import queries
from store.models import Complaint


def tell_supervisor(
    session: Session, rules: RuleSet, complaint: Complaint, text: str, now: datetime
) -> bool:
    """Queue `text` to the complaint's department supervisor; False when there is none."""
    department = rules.departments.get(complaint.department)
    if department is None or not department.supervisor:
        return False
    channel, _, address = department.supervisor.partition(":")
    queries.queue_message(
        session, complaint, channel, address, "notification", text, now, to_customer=False
    )
    queries.add_event(
        session, complaint.id or 0, now, "system", "supervisor_told", {"to": department.supervisor}
    )
    return True
