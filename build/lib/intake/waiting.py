"""The customer answers while the desk waits for them (a proposal or a question): the case is
worked again, and its deadlines move on by the time the desk spent waiting."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from scheduler.due import DueTimes, wait_started
from store import queries
from store.models import Complaint
from store.queries.events import events_of_kind


def customer_answered(session: Session, complaint: Complaint, due: DueTimes, now: datetime) -> None:
    """Resume a complaint in a WAITING status: investigating again, the SLA clock running."""
    assert complaint.id is not None
    since = wait_started(events_of_kind(session, complaint_id=complaint.id, kind="status_changed"))
    if since is not None:
        due.on_customer_answered(complaint, since, now)
    queries.change_status(
        session, complaint, "investigating", "customer", "the customer answered", now
    )
