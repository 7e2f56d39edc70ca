"""The lookups that flag a new complaint as a possible duplicate of one the same person sent
by another channel (intake.duplicates compares the texts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from complaints.addresses import EMAIL
from complaints.workflow import FINISHED
from store.queries.tables import COMPLAINTS, CUSTOMERS, IDENTITIES, MESSAGES

NOT_COMPARED = tuple(sorted(FINISHED - {"resolved"}))
"""A complaint in these statuses is over (or gone): a new one is not its duplicate."""


def _statements() -> tuple[Any, Any, Any]:
    """The three statements flagging runs, built once so SQLAlchemy compiles them once: the
    person's e-mail addresses; their recent complaints by customer; and those of the other
    customer records that share one of the addresses (both lookups indexed)."""
    complaints, messages = COMPLAINTS, MESSAGES
    customers, identities = CUSTOMERS, IDENTITIES
    customer: Any = sa.bindparam("customer")
    emails = sa.union(
        sa.select(customers.c.email).where(customers.c.id == customer, customers.c.email != ""),
        sa.select(identities.c.address).where(
            identities.c.customer_id == customer, identities.c.channel == EMAIL
        ),
    )
    first_inbound = (
        sa.select(sa.func.min(messages.c.id))
        .where(messages.c.complaint_id == complaints.c.id, messages.c.direction == "in")
        .correlate(complaints)
        .scalar_subquery()
    )
    recent = (
        sa.select(complaints.c.id, complaints.c.number, messages.c.subject, messages.c.text)
        .join(messages, messages.c.id == first_inbound)
        .where(
            complaints.c.created_at >= sa.bindparam("since"),
            complaints.c.id != sa.bindparam("complaint"),
            complaints.c.channel != sa.bindparam("channel"),
            complaints.c.status.not_in(NOT_COMPARED),
        )
    )
    addresses: Any = sa.bindparam("emails", expanding=True)
    sharing = sa.union(
        sa.select(identities.c.customer_id).where(
            identities.c.channel == EMAIL, identities.c.address.in_(addresses)
        ),
        sa.select(customers.c.id).where(customers.c.email.in_(addresses)),
    )
    return (
        emails,
        recent.where(complaints.c.customer_id == customer),
        recent.where(complaints.c.customer_id.in_(sharing), complaints.c.customer_id != customer),
    )


_EMAILS, _SAME_CUSTOMER, _SAME_ADDRESS = _statements()


def duplicate_candidates(
    session: Session,
    *,
    customer_id: int,
    complaint_id: int,
    channel: str,
    since: datetime,
    new_customer_emails: Sequence[str] | None = None,
) -> list[Any]:
    """(id, number, subject, text) of the same person's complaints opened since `since` on
    other channels and not over, with their first inbound message: by customer record, and by
    the other customer records that share one of the person's e-mail addresses. The cost grows
    with the person's complaints, not with the desk's.

    For a customer created by this very message, `new_customer_emails` are their addresses:
    they have no other complaint and no address but these, so only the shared-address lookup
    runs (one statement instead of three)."""
    connection = session.connection()
    values = {
        "customer": customer_id,
        "since": since,
        "complaint": complaint_id,
        "channel": channel,
    }
    if new_customer_emails is not None:
        found: list[Any] = []
        emails = list(new_customer_emails)
    else:
        found = list(connection.execute(_SAME_CUSTOMER, values))
        emails = [email for (email,) in connection.execute(_EMAILS, values)]
    if emails:
        found += connection.execute(_SAME_ADDRESS, {**values, "emails": emails})
    return found
