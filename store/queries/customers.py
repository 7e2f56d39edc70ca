"""Customers and their identities: first contact, contact details, verified links between two
customer records, and an admin's search."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.direct import Direct, DirectInsert
from store.folding import fold, fold_fields, searchable
from store.models import SEARCHED, Complaint, Customer, Identity
from store.queries.events import add_event
from store.queries.tables import COMPLAINTS, CUSTOMERS, IDENTITIES, MESSAGES

_FIND_IDENTITY = Direct(
    sa.select(
        IDENTITIES.c.id,
        IDENTITIES.c.display_name,
        CUSTOMERS.c.id,
        CUSTOMERS.c.name,
        CUSTOMERS.c.email,
        CUSTOMERS.c.phone,
        CUSTOMERS.c.tier,
    )
    .join(CUSTOMERS, CUSTOMERS.c.id == IDENTITIES.c.customer_id)
    .where(
        IDENTITIES.c.channel == sa.bindparam("channel"),
        IDENTITIES.c.address == sa.bindparam("address"),
    )
)
_INSERT_CUSTOMER = DirectInsert(CUSTOMERS, returning=[CUSTOMERS.c.id])
_INSERT_IDENTITY = DirectInsert(IDENTITIES, returning=[IDENTITIES.c.id])
_PHONE_SEPARATORS = (" ", "-", ".", "(", ")", "/")


@dataclass(frozen=True)
class Party:
    """A sender as intake needs them: their identity on the channel and the customer behind it."""

    identity_id: int
    customer_id: int
    name: str
    tier: str
    known: bool
    """The customer existed before this message (so there is history to look up)."""


def identity_for(
    session: Session,
    channel: str,
    address: str,
    now: datetime,
    *,
    display_name: str = "",
    email: str = "",
    phone: str = "",
    tier: str = "",
    phone_hint: str = "",
) -> Party:
    """The identity for (channel, address) and its customer, created on first contact.

    Contact details the channel supplies update the customer, since the newest is the best
    (and its search text with them, in the same statement); `phone_hint` (a number the
    sender wrote, as in a signature) only fills an empty phone.
    """
    found = _FIND_IDENTITY.first(session, {"channel": channel, "address": address})
    if not phone and phone_hint and (found is None or not found[5]):
        phone = phone_hint
    fresh = {"name": display_name, "email": email, "phone": phone, "tier": tier}
    if found is None:
        row = searchable(SEARCHED[Customer], {**fresh, "created_at": now})
        (customer_id,) = _INSERT_CUSTOMER.one(session, row)
        (identity_id,) = _INSERT_IDENTITY.one(
            session,
            {
                "customer_id": customer_id,
                "channel": channel,
                "address": address,
                "display_name": display_name,
            },
        )
        return Party(identity_id, customer_id, display_name, tier, known=False)
    identity_id, shown_as, customer_id, *current = found
    changed = {
        key: value
        for (key, value), old in zip(fresh.items(), current, strict=True)
        if value and value != old
    }
    if changed.keys() & set(SEARCHED[Customer]):
        changed["search_text"] = fold_fields(
            {**dict(zip(fresh, current, strict=True)), **changed}, SEARCHED[Customer]
        )
    if changed:
        session.execute(sa.update(CUSTOMERS).where(CUSTOMERS.c.id == customer_id), changed)
    if display_name and display_name != shown_as:
        session.execute(
            sa.update(IDENTITIES).where(IDENTITIES.c.id == identity_id),
            {"display_name": display_name},
        )
    name, tier_now = changed.get("name", current[0]), changed.get("tier", current[3])
    return Party(identity_id, customer_id, name, tier_now, known=True)


def merge_customers(session: Session, *, survivor: int, merged: int, now: datetime) -> None:
    """Move everything of customer `merged` to `survivor` (a verified link) and drop `merged`,
    so history, tier and repeat counts are shared from now on."""
    moved = list(session.exec(select(Complaint).where(Complaint.customer_id == merged)))
    session.connection().execute(
        sa.update(IDENTITIES).where(IDENTITIES.c.customer_id == merged).values(customer_id=survivor)
    )
    session.connection().execute(
        sa.update(COMPLAINTS).where(COMPLAINTS.c.customer_id == merged).values(customer_id=survivor)
    )
    kept, gone = session.get(Customer, survivor), session.get(Customer, merged)
    if kept is not None and gone is not None:
        for field in ("name", "email", "phone", "tier"):
            if not getattr(kept, field) and getattr(gone, field):
                setattr(kept, field, getattr(gone, field))
        session.delete(gone)
    for complaint in moved:
        add_event(
            session,
            complaint.id or 0,
            now,
            "customer",
            "customer_linked",
            {"into_customer": survivor},
        )


def customer(session: Session, *, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def identities_of(session: Session, *, customer_id: int) -> list[Identity]:
    return list(session.exec(select(Identity).where(Identity.customer_id == customer_id)))


def identity_by_id(session: Session, *, identity_id: int) -> Identity | None:
    return session.get(Identity, identity_id)


def identity_at(session: Session, *, channel: str, address: str) -> Identity | None:
    """Who writes from `address` on `channel` (`telegram`, a chat id), if anyone has."""
    return session.exec(
        select(Identity).where(Identity.channel == channel, Identity.address == address)
    ).first()


def customer_answered_at(
    session: Session, *, channel: str, address: str, numbers: Collection[str]
) -> int | None:
    """The customer of one of the complaints `numbers` whose own message there asked answers
    to go to `address` on `channel` (an e-mail's Reply-To), or None."""
    if not numbers:
        return None
    found = session.execute(
        sa.select(COMPLAINTS.c.customer_id)
        .join(MESSAGES, MESSAGES.c.complaint_id == COMPLAINTS.c.id)
        .where(
            COMPLAINTS.c.number.in_(list(numbers)),
            MESSAGES.c.direction == "in",
            MESSAGES.c.channel == channel,
            MESSAGES.c.reply_to == address,
        )
        .limit(1)
    ).first()
    return found[0] if found is not None else None


def adopt_identity(session: Session, *, customer_id: int, channel: str, address: str) -> None:
    """Give customer `customer_id` the new identity (channel, address), flushed at once (the
    queries after it are Core statements, which see no pending ORM object)."""
    session.execute(
        sa.insert(IDENTITIES).values(
            customer_id=customer_id, channel=channel, address=address, display_name=""
        )
    )


def add_identity(session: Session, *, customer_id: int, channel: str, address: str) -> None:
    session.add(Identity(customer_id=customer_id, channel=channel, address=address))


def complaint_numbers_of(session: Session, *, customer_id: int) -> list[str | None]:
    """The numbers of the customer's complaints, oldest first."""
    return list(
        session.exec(
            select(Complaint.number)
            .where(Complaint.customer_id == customer_id)
            .order_by(col(Complaint.id))
        )
    )


def _digits_only(column: Any) -> Any:
    """The column without the separators people write phone numbers with, in SQL."""
    for separator in _PHONE_SEPARATORS:
        column = sa.func.replace(column, separator, "")
    return column


def search_customers(session: Session, *, text: str, digits: str, limit: int) -> list[Customer]:
    """Customers whose name, e-mail, phone or an identity address contains `text`
    (case-insensitive; name, e-mail and phone also regardless of accents and Chinese script:
    `store.folding`), or whose phone without separators contains `digits` (when given)."""
    conditions = [
        col(Customer.search_text).contains(fold(text), autoescape=True),
        col(Customer.name).icontains(text, autoescape=True),
        col(Customer.email).icontains(text, autoescape=True),
        col(Customer.phone).icontains(text, autoescape=True),
        col(Customer.id).in_(
            select(Identity.customer_id).where(
                col(Identity.address).icontains(text, autoescape=True)
            )
        ),
    ]
    if digits:
        conditions.append(_digits_only(col(Customer.phone)).contains(digits))
    return list(
        session.exec(
            select(Customer).where(sa.or_(*conditions)).order_by(col(Customer.id)).limit(limit)
        )
    )
