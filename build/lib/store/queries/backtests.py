"""What a backtest replays: recent complaints with the first inbound message that opened them,
and their customers' earlier complaints (for `repeat`). Reads only."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from store.queries.tables import ATTACHMENTS, COMPLAINTS, CUSTOMERS, MESSAGES


class OpeningMessage(NamedTuple):
    """A complaint and the first inbound message on it, as intake saw them."""

    id: int
    number: str
    channel: str
    language: str
    customer_id: int
    created_at: datetime
    rule_set_version: int
    tier: str
    subject: str
    text: str
    has_attachment: bool


def _recent(last: int) -> sa.Subquery:
    return sa.select(COMPLAINTS.c.id).order_by(COMPLAINTS.c.id.desc()).limit(last).subquery()


def opening_messages(session: Session, *, last: int) -> list[OpeningMessage]:
    """The newest `last` complaints that have an inbound message, newest first."""
    recent = _recent(last)
    first_inbound = (
        sa.select(sa.func.min(MESSAGES.c.id))
        .where(MESSAGES.c.direction == "in", MESSAGES.c.complaint_id.in_(sa.select(recent.c.id)))
        .group_by(MESSAGES.c.complaint_id)
    )
    has_attachment = (
        sa.select(ATTACHMENTS.c.id)
        .where(ATTACHMENTS.c.message_id == MESSAGES.c.id)
        .exists()
        .label("has_attachment")
    )
    rows = session.connection().execute(
        sa.select(
            COMPLAINTS.c.id,
            COMPLAINTS.c.number,
            COMPLAINTS.c.channel,
            COMPLAINTS.c.language,
            COMPLAINTS.c.customer_id,
            COMPLAINTS.c.created_at,
            COMPLAINTS.c.rule_set_version,
            CUSTOMERS.c.tier,
            MESSAGES.c.subject,
            MESSAGES.c.text,
            has_attachment,
        )
        .join(MESSAGES, MESSAGES.c.complaint_id == COMPLAINTS.c.id)
        .join(CUSTOMERS, CUSTOMERS.c.id == COMPLAINTS.c.customer_id)
        .where(MESSAGES.c.id.in_(first_inbound))
        .order_by(COMPLAINTS.c.id.desc())
    )
    return [OpeningMessage(*row) for row in rows]


def recent_customers_complaint_times(
    session: Session, *, last: int, since: datetime
) -> dict[int, list[tuple[int, datetime]]]:
    """Per customer of the newest `last` complaints, (id, created_at) of their complaints
    opened since `since`."""
    recent = _recent(last)
    customers = sa.select(COMPLAINTS.c.customer_id).where(
        COMPLAINTS.c.id.in_(sa.select(recent.c.id))
    )
    times: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    rows = session.connection().execute(
        sa.select(COMPLAINTS.c.customer_id, COMPLAINTS.c.id, COMPLAINTS.c.created_at).where(
            COMPLAINTS.c.customer_id.in_(customers), COMPLAINTS.c.created_at >= since
        )
    )
    for customer_id, complaint_id, at in rows:
        times[customer_id].append((complaint_id, at))
    return times
