"""Reopening a finished complaint, one path for every cause (a low survey score, a customer
writing to a resolved or closed complaint, a disputed rejection): the status event, and fresh
deadlines so the case is tracked again (`DueTimes.on_reopened`: progress updates, warnings,
escalation)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from scheduler.due import DueTimes
from store import queries
from store.models import Complaint


def reopen(
    session: Session, complaint: Complaint, why: str, now: datetime, *, due: DueTimes
) -> None:
    """Reopen `complaint` (the customer's doing, for the reason `why`) and track it again."""
    queries.change_status(session, complaint, "reopened", "customer", why, now)
    due.on_reopened(complaint, now)
