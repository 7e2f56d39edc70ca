"""An agent of the department acts on a complaint nobody has taken yet (resolves it, asks its
customer something, proposes a solution): it becomes theirs first, one rule for the API, the
console and the agents' chat. Refusing instead would make them take it in a second step
that adds nothing; acting without taking would leave a case in work with nobody answerable
for it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.workflow import UNTAKEN
from store import queries
from store.models import Complaint


def take_if_untaken(
    session: Session, complaint: Complaint, name: str, now: datetime, why: str
) -> None:
    """When nobody took `complaint` yet, `name` takes it (its events say so); the customer
    hears of what they did, not of a handler besides."""
    if complaint.status not in UNTAKEN:
        return
    actor = f"agent:{name}"
    queries.change_status(session, complaint, "assigned", actor, why, now)
    if complaint.assignee != name:
        queries.add_event(
            session,
            complaint.id or 0,
            now,
            actor,
            "assigned",
            {"from": complaint.assignee, "to": name},
        )
        complaint.assignee = name
