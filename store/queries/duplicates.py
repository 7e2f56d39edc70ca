"""The lookups that flag a new complaint as a possible duplicate of one the same person sent
by another channel (intake.duplicates compares the texts)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from complaints.addresses import EMAIL
from complaints.workflow import FINISHED
from store.direct import Direct
from store.queries.tables import COMPLAINTS, CUSTOMERS, IDENTITIES, MESSAGES

NOT_COMPARED = tuple(sorted(FINISHED - {"resolved"}))
"""A complaint in these statuses is over (or gone): a new one is not its duplicate."""


def _statements(addresses: Any) -> tuple[Any, Any, Any]:
    """The three statements flagging runs: the person's e-mail addresses; their recent
    complaints by customer; and those of the other customer records that share one of the
    `addresses` (both lookups indexed)."""
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
            complaints.c.created_at >= sa.bindparam("since", type_=complaints.c.created_at.type),
            complaints.c.id != sa.bindparam("complaint"),
            complaints.c.channel != sa.bindparam("channel"),
            # != each rather than NOT IN: a literal list compiles per execution
            *(complaints.c.status != status for status in NOT_COMPARED),
        )
    )
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


_EMAILS, _SAME_CUSTOMER = (Direct(statement) for statement in _statements([])[:2])


@functools.lru_cache(maxsize=8)
def _same_address(count: int) -> Direct:
    """The shared-address lookup for `count` addresses (`email_0`, `email_1`, ...): one
    statement per count, so it runs on the driver like the others (usually one address)."""
    addresses = [sa.bindparam(f"email_{index}", type_=sa.String()) for index in range(count)]
    return Direct(_statements(addresses)[2])


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
    values: dict[str, Any] = {
        "customer": customer_id,
        "since": since,
        "complaint": complaint_id,
        "channel": channel,
    }
    if new_customer_emails is not None:
        found: list[Any] = []
        emails = list(new_customer_emails)
    else:
        found = _SAME_CUSTOMER.rows(session, values)
        emails = [email for (email,) in _EMAILS.rows(session, values)]
    if emails:
        values.update((f"email_{index}", email) for index, email in enumerate(emails))
        found += _same_address(len(emails)).rows(session, values)
    return found


def share_an_email(session: Session, *, first: int, second: int) -> bool:
    """Whether two customer records give one e-mail address (the customer's e-mail, or an
    e-mail identity): one person, as flagging counts them, until someone links the records."""
    emails = [
        {email for (email,) in _EMAILS.rows(session, {"customer": customer})}
        for customer in (first, second)
    ]
    return bool(emails[0] & emails[1])
