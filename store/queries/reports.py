"""What reports read: the facts of the complaints opened in a period, as plain tuples (they are
bucketed in Python, so the same code runs on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from store.queries.tables import COMPLAINTS


class ReportRow(NamedTuple):
    """One complaint, as much of it as a report needs."""

    created_at: datetime
    category: str
    department: str
    grade: str
    channel: str
    product: str
    status: str
    first_response_due: datetime | None
    first_response_at: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None
    survey_score: int | None


_COLUMNS = [getattr(COMPLAINTS.c, name) for name in ReportRow._fields]


def report_rows(
    session: Session, *, since: datetime, until: datetime, departments: Sequence[str] | None
) -> list[ReportRow]:
    """The complaints opened in [since, until) of `departments` (None: all). A complaint merged
    into another is left out: it is the same complaint, counted once, on the one it joined."""
    query = sa.select(*_COLUMNS).where(
        COMPLAINTS.c.created_at >= since,
        COMPLAINTS.c.created_at < until,
        COMPLAINTS.c.status != "merged",
    )
    if departments is not None:
        query = query.where(COMPLAINTS.c.department.in_(list(departments)))
    return [ReportRow(*row) for row in session.execute(query)]
