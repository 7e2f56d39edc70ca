"""What the /metrics scrape reads from the store: two GROUP BY queries, cheap enough for every
scrape (the outbox one walks the `(status, next_attempt_at)` index; the complaints one counts
the table by status and grade)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from observe.metrics import StoreFigures
from store.queries.tables import COMPLAINTS, OUTBOX


def store_figures(session: Session, *, now: datetime) -> StoreFigures:
    """Complaints by (status, grade); per channel, the undelivered outbox items and the age
    of the oldest one at `now`."""
    by_status = (
        sa.select(COMPLAINTS.c.status, COMPLAINTS.c.grade, sa.func.count())
        .group_by(COMPLAINTS.c.status, COMPLAINTS.c.grade)
        .order_by(COMPLAINTS.c.status, COMPLAINTS.c.grade)
    )
    backlog = (
        sa.select(OUTBOX.c.channel, sa.func.count(), sa.func.min(OUTBOX.c.created_at))
        .where(OUTBOX.c.status == "pending")
        .group_by(OUTBOX.c.channel)
    )
    complaints = {(status, grade): count for status, grade, count in session.execute(by_status)}
    pending, oldest = {}, {}
    for channel, count, first in session.execute(backlog):
        pending[channel] = count
        oldest[channel] = max((now - first).total_seconds(), 0.0)
    return StoreFigures(complaints, pending, oldest)
