"""The sweeps' claim on due work: complaints whose due-time column has passed, oldest first,
locked for this transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two instances never
take the same row; SQLite has one writer anyway)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from store.models import Complaint

DueColumn = Literal["warn_due", "escalate_due", "next_update_due", "survey_due", "close_due"]


def claim_due(
    session: Session,
    *,
    column: DueColumn,
    now: datetime,
    limit: int,
    statuses: Collection[str] = (),
    not_statuses: Collection[str] = (),
) -> list[Complaint]:
    """Up to `limit` complaints with `column` at or before `now`, in one of `statuses` (when
    given) and in none of `not_statuses`."""
    due: Any = col(getattr(Complaint, column))
    conditions = [due <= now]
    if statuses:
        conditions.append(col(Complaint.status).in_(list(statuses)))
    if not_statuses:
        conditions.append(col(Complaint.status).not_in(list(not_statuses)))
    return list(
        session.exec(
            select(Complaint)
            .where(*conditions)
            .order_by(due)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
