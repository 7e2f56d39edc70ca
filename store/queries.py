"""Queries and writes, as plain functions over a `Session` the caller's transaction owns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import (
    Attachment,
    Complaint,
    Customer,
    Department,
    Event,
    Identity,
    Message,
    OutboxItem,
    RuleSetVersion,
)


def complaint_number(complaint_id: int, year: int) -> str:
    """Human number: the year it was opened and a serial that never repeats (C-2026-000123)."""
    return f"C-{year}-{complaint_id:06d}"


def find_inbound(session: Session, channel: str, external_id: str) -> Message | None:
    return session.exec(
        select(Message).where(Message.channel == channel, Message.external_id == external_id)
    ).first()


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
) -> tuple[Identity, Customer]:
    """The identity for (channel, address) and its customer, created on first contact.

    Contact details the channel supplies update the customer, since the newest is the best.
    """
    found = session.exec(
        select(Identity, Customer)
        .join(Customer, col(Customer.id) == Identity.customer_id)
        .where(Identity.channel == channel, Identity.address == address)
    ).first()
    if found is None:
        customer = Customer(name=display_name, email=email, phone=phone, tier=tier, created_at=now)
        session.add(customer)
        session.flush()
        assert customer.id is not None
        identity = Identity(
            customer_id=customer.id, channel=channel, address=address, display_name=display_name
        )
        session.add(identity)
        session.flush()
        return identity, customer
    identity, customer = found
    for field, value in (
        ("name", display_name),
        ("email", email),
        ("phone", phone),
        ("tier", tier),
    ):
        if value and getattr(customer, field) != value:
            setattr(customer, field, value)
    if display_name and identity.display_name != display_name:
        identity.display_name = display_name
    return identity, customer


def complaint_by_number(session: Session, number: str) -> Complaint | None:
    return session.exec(select(Complaint).where(Complaint.number == number)).first()


def complaint_of_customer(
    session: Session, customer_id: int, numbers: Iterable[str]
) -> Complaint | None:
    """The first of `numbers` that is one of this customer's complaints; others are ignored."""
    wanted = list(numbers)
    if not wanted:
        return None
    found = {
        complaint.number: complaint
        for complaint in session.exec(
            select(Complaint).where(
                col(Complaint.number).in_(wanted), Complaint.customer_id == customer_id
            )
        )
    }
    return next((found[number] for number in wanted if number in found), None)


def complaint_by_references(
    session: Session, channel: str, customer_id: int, references: Sequence[str]
) -> Complaint | None:
    """The customer's complaint holding a message whose transport id is among `references`."""
    if not references:
        return None
    return session.exec(
        select(Complaint)
        .join(Message, col(Message.complaint_id) == Complaint.id)
        .where(
            Message.channel == channel,
            col(Message.external_id).in_(list(references)),
            Complaint.customer_id == customer_id,
        )
        .order_by(col(Complaint.id).desc())
    ).first()


def complaint_times(session: Session, customer_id: int, since: datetime) -> tuple[datetime, ...]:
    return tuple(
        session.exec(
            select(Complaint.created_at).where(
                Complaint.customer_id == customer_id, Complaint.created_at >= since
            )
        )
    )


def open_complaint(session: Session, complaint: Complaint) -> Complaint:
    session.add(complaint)
    session.flush()
    assert complaint.id is not None
    complaint.number = complaint_number(complaint.id, complaint.created_at.year)
    return complaint


def add_message(
    session: Session, message: Message, attachments: Iterable[Attachment] = ()
) -> Message:
    session.add(message)
    session.flush()
    for attachment in attachments:
        attachment.message_id = message.id  # type: ignore[assignment]
        session.add(attachment)
    return message


def add_event(
    session: Session,
    complaint_id: int,
    at: datetime,
    actor: str,
    kind: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    session.add(
        Event(complaint_id=complaint_id, at=at, actor=actor, kind=kind, detail=dict(detail or {}))
    )


def latest_outbound(session: Session, complaint_id: int, after_id: int) -> Message | None:
    """The first message the bot wrote on this complaint after message `after_id`."""
    return session.exec(
        select(Message)
        .where(
            Message.complaint_id == complaint_id,
            Message.direction == "out",
            col(Message.id) > after_id,
        )
        .order_by(col(Message.id))
    ).first()


def queue_delivery(session: Session, item: OutboxItem) -> None:
    session.add(item)


def claim_due_deliveries(
    session: Session, now: datetime, lease: timedelta, limit: int
) -> list[OutboxItem]:
    """Take up to `limit` due deliveries and lease them, so no other dispatcher sends them.

    The lease is `next_attempt_at` moved forward: if this process dies while sending, the item
    becomes due again when the lease runs out. On PostgreSQL, SKIP LOCKED lets several
    dispatchers claim disjoint items at once.
    """
    items = list(
        session.exec(
            select(OutboxItem)
            .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
            .order_by(col(OutboxItem.next_attempt_at), col(OutboxItem.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for item in items:
        item.attempts += 1
        item.next_attempt_at = now + lease
    return items


def next_delivery_due(session: Session) -> datetime | None:
    return session.exec(
        select(func.min(OutboxItem.next_attempt_at)).where(OutboxItem.status == "pending")
    ).one()


def delivery(session: Session, item_id: int) -> OutboxItem | None:
    return session.get(OutboxItem, item_id)


def pending_deliveries(session: Session, complaint_id: int | None = None) -> list[OutboxItem]:
    query = select(OutboxItem).where(OutboxItem.status == "pending")
    if complaint_id is not None:
        query = query.where(OutboxItem.complaint_id == complaint_id)
    return list(session.exec(query))


def record_rule_set(session: Session, source: str, now: datetime) -> int:
    """The version number of this rule set text, recording it as a new version when unseen."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    found = session.exec(select(RuleSetVersion).where(RuleSetVersion.digest == digest)).first()
    if found is None:
        found = RuleSetVersion(digest=digest, source=source, created_at=now)
        session.add(found)
        session.flush()
    assert found.version is not None
    return found.version


def sync_departments(session: Session, names: Mapping[str, Mapping[str, str]]) -> None:
    """Make the departments table match settings: add new ones, update names, keep old keys
    (complaints still refer to them)."""
    for key, labels in names.items():
        department = session.get(Department, key)
        if department is None:
            session.add(Department(key=key, names=dict(labels)))
        elif department.names != dict(labels):
            department.names = dict(labels)
