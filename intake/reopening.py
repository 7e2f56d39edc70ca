"""Reopening a finished complaint, one path for every cause (a low survey score, a customer
writing to a resolved or closed complaint, a disputed rejection): the status event, and fresh
deadlines so the case is tracked again (`DueTimes.on_reopened`: progress updates, warnings,
escalation)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from scheduler.due import DueTimes
from store.models import Complaint
from store.queries.complaints import reopen_complaint


def reopen(
    session: Session, complaint: Complaint, why: str, now: datetime, *, due: DueTimes
) -> None:
    """Reopen `complaint` (the customer's doing, for the reason `why`) and track it again;
    its resolution and survey score end with the round (`reopen_complaint`)."""
    reopen_complaint(session, complaint, actor="customer", why=why, now=now)
    due.on_reopened(complaint, now)
