"""What the hot-spot sweep counts, and its alerts (one per dimension, value and window: the
unique constraint holds even when two bots sweep one store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.models import HotSpotAlert
from store.queries.tables import COMPLAINTS, HOT_SPOT_ALERTS

DIMENSIONS = {"category": COMPLAINTS.c.category, "product": COMPLAINTS.c.product}
"""The complaint columns a hot spot is looked for in."""


def _counts(
    session: Session,
    column: Any,
    since: datetime,
    until: datetime,
    condition: Any,
    min_count: int = 0,
) -> dict[str, int]:
    """Complaints per non-empty value of `column` opened in [since, until)."""
    number = sa.func.count()
    query = (
        sa.select(column, number)
        .where(
            COMPLAINTS.c.created_at >= since,
            COMPLAINTS.c.created_at < until,
            column != "",
            condition,
        )
        .group_by(column)
    )
    if min_count:
        query = query.having(number >= min_count)
    return {value: count for value, count in session.execute(query)}


def unalerted_counts(
    session: Session, *, dimension: str, since: datetime, until: datetime, min_count: int
) -> dict[str, int]:
    """Per value of `dimension` with at least `min_count` complaints opened in the window
    [since, until), and not yet alerted for that window: how many."""
    column = DIMENSIONS[dimension]
    alerted = sa.exists().where(
        HOT_SPOT_ALERTS.c.dimension == dimension,
        HOT_SPOT_ALERTS.c.value == column,
        HOT_SPOT_ALERTS.c.window_start == since,
    )
    return _counts(session, column, since, until, ~alerted, min_count=min_count)


def value_counts(
    session: Session, *, dimension: str, since: datetime, until: datetime, values: Sequence[str]
) -> dict[str, int]:
    """Complaints opened in [since, until) per one of `values` of `dimension` (absent: none)."""
    column = DIMENSIONS[dimension]
    return _counts(session, column, since, until, column.in_(list(values)))


def newest_complaints(
    session: Session, *, dimension: str, value: str, since: datetime, until: datetime, limit: int
) -> list[tuple[int, str]]:
    """(id, number) of the newest complaints with `value` opened in [since, until)."""
    column = DIMENSIONS[dimension]
    rows = session.execute(
        sa.select(COMPLAINTS.c.id, COMPLAINTS.c.number)
        .where(COMPLAINTS.c.created_at >= since, COMPLAINTS.c.created_at < until, column == value)
        .order_by(COMPLAINTS.c.created_at.desc(), COMPLAINTS.c.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1] or "") for row in rows]


def record_alert(session: Session, *, alert: HotSpotAlert) -> bool:
    """Record `alert`; False (and nothing recorded) when the spot was already alerted for its
    window, for instance a moment ago by another bot on this store."""
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return False
    return True
