"""Queries and writes, as plain functions over a `Session` the caller's transaction owns."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from complaints.numbers import complaint_number
from complaints.workflow import check
from store.models import (
    Agent,
    Complaint,
    Customer,
    DeadLetter,
    Department,
    Message,
    OutboxItem,
    RuleSetVersion,
    Suppression,
)

CUSTOMERS = SQLModel.metadata.tables["customers"]
IDENTITIES = SQLModel.metadata.tables["identities"]
COMPLAINTS = SQLModel.metadata.tables["complaints"]
MESSAGES = SQLModel.metadata.tables["messages"]
ATTACHMENTS = SQLModel.metadata.tables["attachments"]
EVENTS = SQLModel.metadata.tables["events"]
OUTBOX = SQLModel.metadata.tables["outbox"]
SUPPRESSIONS = SQLModel.metadata.tables["suppressions"]
# Intake writes through these Core tables: building ORM objects and flushing them cost several
# times more than the SQL itself on the hot path (see bench/intake.py).


_FIND_INBOUND = sa.select(MESSAGES.c.id, MESSAGES.c.complaint_id).where(
    MESSAGES.c.channel == sa.bindparam("channel"),
    MESSAGES.c.external_id == sa.bindparam("external_id"),
)
_FIND_IDENTITY = (
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
_COMPLAINT_TIMES = sa.select(COMPLAINTS.c.created_at).where(
    COMPLAINTS.c.customer_id == sa.bindparam("customer_id"),
    COMPLAINTS.c.created_at >= sa.bindparam("since", type_=COMPLAINTS.c.created_at.type),
)
_INSERT_CUSTOMER = sa.insert(CUSTOMERS).returning(CUSTOMERS.c.id)
_INSERT_IDENTITY = sa.insert(IDENTITIES).returning(IDENTITIES.c.id)
_INSERT_COMPLAINT = sa.insert(COMPLAINTS).returning(COMPLAINTS.c.id)
_SET_NUMBER = (
    sa.update(COMPLAINTS)
    .where(COMPLAINTS.c.id == sa.bindparam("complaint_id"))
    .values(number=sa.bindparam("number"))
)
_CLEAR_SUPPRESSION = (
    sa.update(SUPPRESSIONS)
    .where(
        SUPPRESSIONS.c.channel == sa.bindparam("b_channel"),
        SUPPRESSIONS.c.address == sa.bindparam("b_address"),
        sa.or_(SUPPRESSIONS.c.bounces > 0, SUPPRESSIONS.c.suppressed),
    )
    .values(bounces=0, suppressed=False, updated_at=sa.bindparam("b_now"))
)
_REPLIES_SINCE = (
    sa.select(sa.func.count())
    .select_from(MESSAGES)
    .where(
        MESSAGES.c.identity_id == sa.bindparam("identity_id"),
        MESSAGES.c.created_at >= sa.bindparam("since", type_=MESSAGES.c.created_at.type),
        MESSAGES.c.direction == "out",
        MESSAGES.c.author == "bot",
    )
)
_INSERT_MESSAGES = sa.insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True)


@functools.cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The model's Python-side defaults, which Core inserts do not apply by themselves."""
    return {
        name: field.default
        for name, field in model.model_fields.items()
        if field.default is not PydanticUndefined and name != "id"
    }


def _row(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    return {**_defaults(model), **values}


def find_inbound(session: Session, channel: str, external_id: str) -> tuple[int, int] | None:
    """(message id, complaint id) of a message already received with this dedupe key."""
    row = (
        session.connection()
        .execute(_FIND_INBOUND, {"channel": channel, "external_id": external_id})
        .first()
    )
    return None if row is None else (row[0], row[1])


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
) -> Party:
    """The identity for (channel, address) and its customer, created on first contact.

    Contact details the channel supplies update the customer, since the newest is the best.
    """
    connection = session.connection()
    found = connection.execute(_FIND_IDENTITY, {"channel": channel, "address": address}).first()
    fresh = {"name": display_name, "email": email, "phone": phone, "tier": tier}
    if found is None:
        customer_id = connection.execute(
            _INSERT_CUSTOMER, {**fresh, "created_at": now}
        ).scalar_one()
        identity_id = connection.execute(
            _INSERT_IDENTITY,
            {
                "customer_id": customer_id,
                "channel": channel,
                "address": address,
                "display_name": display_name,
            },
        ).scalar_one()
        return Party(identity_id, customer_id, display_name, tier, known=False)
    identity_id, shown_as, customer_id, *current = found
    changed = {
        key: value
        for (key, value), old in zip(fresh.items(), current, strict=True)
        if value and value != old
    }
    if changed:
        session.execute(sa.update(CUSTOMERS).where(CUSTOMERS.c.id == customer_id), changed)
    if display_name and display_name != shown_as:
        session.execute(
            sa.update(IDENTITIES).where(IDENTITIES.c.id == identity_id),
            {"display_name": display_name},
        )
    name, tier_now = changed.get("name", current[0]), changed.get("tier", current[3])
    return Party(identity_id, customer_id, name, tier_now, known=True)


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
    rows = session.connection().execute(
        _COMPLAINT_TIMES, {"customer_id": customer_id, "since": since}
    )
    return tuple(rows.scalars())


def open_complaint(session: Session, values: Mapping[str, Any]) -> tuple[int, str]:
    """Insert a complaint; return its id and its human number."""
    connection = session.connection()
    complaint_id = connection.execute(_INSERT_COMPLAINT, _row(Complaint, values)).scalar_one()
    number = complaint_number(complaint_id, values["created_at"].year)
    connection.execute(_SET_NUMBER, {"complaint_id": complaint_id, "number": number})
    return complaint_id, number


def add_messages(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert messages in one statement; return their ids in the order given."""
    result = session.connection().execute(_INSERT_MESSAGES, [_row(Message, row) for row in rows])
    return list(result.scalars())


def add_attachments(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        session.connection().execute(sa.insert(ATTACHMENTS), [dict(row) for row in rows])


def add_events(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append to timelines: each row has complaint_id, at, actor, kind and detail."""
    session.connection().execute(sa.insert(EVENTS), [dict(row) for row in rows])


def add_event(
    session: Session,
    complaint_id: int,
    at: datetime,
    actor: str,
    kind: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    add_events(
        session,
        [
            {
                "complaint_id": complaint_id,
                "at": at,
                "actor": actor,
                "kind": kind,
                "detail": dict(detail or {}),
            }
        ],
    )


def first_reply_after(session: Session, complaint_id: int, message_id: int) -> str:
    """The text of the bot's first message on this complaint after message `message_id`."""
    text = session.execute(
        sa.select(MESSAGES.c.text)
        .where(
            MESSAGES.c.complaint_id == complaint_id,
            MESSAGES.c.direction == "out",
            MESSAGES.c.id > message_id,
        )
        .order_by(MESSAGES.c.id)
        .limit(1)
    ).scalar()
    return text or ""


def queue_delivery(session: Session, values: Mapping[str, Any]) -> None:
    session.connection().execute(sa.insert(OUTBOX), _row(OutboxItem, values))


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


def record_rule_set(
    session: Session,
    source: str,
    now: datetime,
    origin: str = "settings",
    author: str = "",
    note: str = "",
) -> int:
    """The version number of this rule set text, recording it as a new version when unseen."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    found = session.exec(select(RuleSetVersion).where(RuleSetVersion.digest == digest)).first()
    if found is None:
        found = RuleSetVersion(
            digest=digest, source=source, created_at=now, origin=origin, author=author, note=note
        )
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


def replies_since(session: Session, identity_id: int, since: datetime) -> int:
    """How many automatic messages the bot wrote to this identity since `since`."""
    return (
        session.connection()
        .execute(
            sa.select(sa.func.count())
            .select_from(MESSAGES)
            .where(
                MESSAGES.c.identity_id == identity_id,
                MESSAGES.c.created_at >= since,
                MESSAGES.c.direction == "out",
                MESSAGES.c.author == "bot",
            )
        )
        .scalar_one()
    )


def is_suppressed(session: Session, channel: str, address: str) -> bool:
    found = session.get(Suppression, (channel, address))
    return bool(found and found.suppressed)


def clear_suppression(session: Session, channel: str, address: str, now: datetime) -> None:
    """Mail arrived from the address: it works, so bounces so far no longer count."""
    session.connection().execute(
        _CLEAR_SUPPRESSION, {"b_channel": channel, "b_address": address, "b_now": now}
    )


def count_bounce(
    session: Session, channel: str, address: str, reason: str, threshold: int, now: datetime
) -> bool:
    """Count a bounce for `address`; return True when it has just become suppressed."""
    found = session.get(Suppression, (channel, address))
    if found is None:
        found = Suppression(channel=channel, address=address, updated_at=now)
        session.add(found)
    found.bounces += 1
    found.last_reason, found.updated_at = reason[:300], now
    if found.bounces >= threshold and not found.suppressed:
        found.suppressed = True
        return True
    return False


def deliveries_by_transport_id(
    session: Session, channel: str, transport_ids: Sequence[str]
) -> list[OutboxItem]:
    return list(
        session.exec(
            select(OutboxItem).where(
                OutboxItem.channel == channel, col(OutboxItem.transport_id).in_(transport_ids)
            )
        )
    )


def keep_dead_letter(
    session: Session, channel: str, raw: bytes, reason: str, now: datetime, status: str = "kept"
) -> int:
    letter = DeadLetter(
        channel=channel, raw=raw, reason=reason[:1000], status=status, received_at=now
    )
    session.add(letter)
    session.flush()
    assert letter.id is not None
    return letter.id


def dead_letters(session: Session, status: str | None = None) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(col(DeadLetter.id))
    if status is not None:
        query = query.where(DeadLetter.status == status)
    return list(session.exec(query))


def queue_message(
    session: Session,
    complaint: Complaint,
    channel: str,
    address: str,
    kind: str,
    text: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
    *,
    to_customer: bool = True,
) -> int:
    """Record a bot message about `complaint` and queue it for `address`; return its id.
    A message to staff (`to_customer=False`) is not counted as written to the customer."""
    assert complaint.id is not None
    (message_id,) = add_messages(
        session,
        [
            {
                "complaint_id": complaint.id,
                "direction": "out",
                "channel": channel,
                "identity_id": complaint.identity_id if to_customer else None,
                "author": "bot",
                "kind": kind,
                "text": text,
                "language": complaint.language,
                "created_at": now,
            }
        ],
    )
    queue_delivery(
        session,
        {
            "complaint_id": complaint.id,
            "message_id": message_id,
            "channel": channel,
            "address": address,
            "kind": kind,
            "next_attempt_at": now,
            "created_at": now,
            "payload": {
                "complaint": complaint.number,
                "text": text,
                "language": complaint.language,
                **(extra or {}),
            },
        },
    )
    return message_id


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


def sync_agents(session: Session, agents: Sequence[Any]) -> None:
    """Make the agents table hold the agents settings.toml names (by name)."""
    existing = {agent.name: agent for agent in session.exec(select(Agent))}
    for entry in agents:
        agent = existing.get(entry.name)
        if agent is None:
            session.add(
                Agent(
                    name=entry.name,
                    telegram_user_id=entry.telegram_user_id,
                    departments=list(entry.departments),
                    senior=entry.senior,
                )
            )
        else:
            agent.telegram_user_id = entry.telegram_user_id
            agent.departments = list(entry.departments)
            agent.senior = entry.senior


def change_status(
    session: Session, complaint: Complaint, target: str, actor: str, why: str, now: datetime
) -> bool:
    """Move `complaint` to `target` with an event; False when it already is there."""
    if complaint.status == target:
        return False
    check(complaint.status, target)
    add_event(
        session,
        complaint.id or 0,
        now,
        actor,
        "status_changed",
        {"from": complaint.status, "to": target, "why": why},
    )
    complaint.status, complaint.updated_at = target, now
    return True
