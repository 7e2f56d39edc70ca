"""A customer disputes a rejection (they wrote again to a complaint the desk decided is not
one). Whatever the settings, the desk learns of it: a `disputed` event on the timeline (with
the address told, if any) and the tag `dispute` (the queue filters by it); the complaint reopens
with fresh deadlines. The department's supervisor reviews the decision, or, in a department
without one, the first `[escalation] levels` address (`Notifier.tell_reviewer`); the customer
is promised a supervisor only when one was told, else a review by the complaints team."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from intake.reopening import reopen
from outbox.notify import Notifier
from scheduler.due import DueTimes
from store import queries
from store.models import Complaint

TAG = "dispute"
"""The tag of a complaint whose rejection the customer disputed."""


def dispute(
    session: Session, complaint: Complaint, now: datetime, *, notifier: Notifier, due: DueTimes
) -> str:
    """Record the dispute, tell the reviewer and reopen `complaint`; the key of the customer's
    text: "dispute_received" (a supervisor reviews) or "dispute_received_by_team"."""
    told = notifier.tell_reviewer(session, complaint, "dispute", now)
    detail = {"to": told} if told else {}
    queries.add_event(session, complaint.id or 0, now, "customer", "disputed", detail)
    tags = list(complaint.tags or [])
    if TAG not in tags:
        complaint.tags = [*tags, TAG]
    reopen(session, complaint, "the customer disputes the rejection", now, due=due)
    if told and told == notifier.supervisor_of(complaint):
        return "dispute_received"
    return "dispute_received_by_team"
