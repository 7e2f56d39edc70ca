"""A customer asks for someone else to handle their complaint (seed 001): "/handler" on every
channel, or "change handler" in their language at the start of a message. A senior agent of
the department takes over and the supervisor is told; without one, the supervisor is told that."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from complaints.workflow import OPEN_WORK
from outbox.notify import Notifier
from router.text import fold
from store import queries
from store.models import Complaint
from store.queries.accounts import senior_agents

_HANDLER = re.compile(r"^\s*(/handler\b|change handler\b|cambiar de gestor|更换处理人|更換處理人)")


def asks_for_handler(text: str) -> bool:
    """The customer's explicit request for someone else, at the start of the message."""
    return _HANDLER.match(fold(text)) is not None


def hand_to_senior(
    session: Session, notifier: Notifier, complaint: Complaint, now: datetime
) -> str | None:
    """Reassign to a senior agent of the complaint's department (not the current handler) and
    tell the supervisor; return the senior's name, or None when there is none (the supervisor
    is told that too)."""
    seniors = [
        agent
        for agent in senior_agents(session)
        if agent.name != complaint.assignee
        and (not agent.departments or complaint.department in agent.departments)
    ]
    previous = complaint.assignee or "nobody"
    if not seniors:
        notifier.tell_supervisor(
            session,
            complaint,
            f"{complaint.number}: the customer asked for another handler, and no senior agent "
            f"is registered for {complaint.department}; {previous} keeps it for now.",
            now,
        )
        return None
    senior = seniors[0].name
    queries.add_event(
        session,
        complaint.id or 0,
        now,
        "customer",
        "handler_changed",
        {"from": complaint.assignee, "to": senior},
    )
    complaint.assignee = senior
    if complaint.status not in OPEN_WORK:
        queries.change_status(
            session, complaint, "assigned", "customer", "asked for another handler", now
        )
    notifier.tell_supervisor(
        session,
        complaint,
        f"{complaint.number}: the customer asked for another handler; {senior} takes over from "
        f"{previous}.",
        now,
    )
    return senior
