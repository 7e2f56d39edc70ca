"""Complaints: finding them (by number, by the customer's references), opening them, and
moving their status with an event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from complaints.numbers import complaint_number
from complaints.workflow import check
from store.models import ChatState, Complaint, Message
from store.queries.events import add_event, add_events
from store.queries.outbox import expire_loaded
from store.queries.tables import COMPLAINTS, EVENTS, MESSAGES, OUTBOX, SOLUTIONS, with_defaults

_COMPLAINT_TIMES = sa.select(COMPLAINTS.c.created_at).where(
    COMPLAINTS.c.customer_id == sa.bindparam("customer_id"),
    COMPLAINTS.c.created_at >= sa.bindparam("since", type_=COMPLAINTS.c.created_at.type),
)
_TIMELINE = (MESSAGES, EVENTS, SOLUTIONS, OUTBOX)
"""What a complaint's timeline is made of: rows that follow it when it is merged."""
_INSERT_COMPLAINT = sa.insert(COMPLAINTS).returning(COMPLAINTS.c.id)
_SET_NUMBER = (
    sa.update(COMPLAINTS)
    .where(COMPLAINTS.c.id == sa.bindparam("complaint_id"))
    .values(number=sa.bindparam("number"))
)


def complaint_by_id(session: Session, *, complaint_id: int) -> Complaint | None:
    return session.get(Complaint, complaint_id)


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


def complaints_of_customer(session: Session, *, customer_id: int) -> list[Complaint]:
    """All the customer's complaints, oldest first."""
    return list(
        session.exec(
            select(Complaint)
            .where(Complaint.customer_id == customer_id)
            .order_by(col(Complaint.id))
        )
    )


def complaint_times(session: Session, customer_id: int, since: datetime) -> tuple[datetime, ...]:
    rows = session.connection().execute(
        _COMPLAINT_TIMES, {"customer_id": customer_id, "since": since}
    )
    return tuple(rows.scalars())


def open_complaint(session: Session, values: Mapping[str, Any]) -> tuple[int, str]:
    """Insert a complaint; return its id and its human number."""
    connection = session.connection()
    complaint_id = connection.execute(
        _INSERT_COMPLAINT, with_defaults(Complaint, values)
    ).scalar_one()
    number = complaint_number(complaint_id, values["created_at"].year)
    connection.execute(_SET_NUMBER, {"complaint_id": complaint_id, "number": number})
    return complaint_id, number


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


def move_timeline(session: Session, *, source_id: int, target_id: int) -> None:
    """Move the source complaint's messages, events, solutions and deliveries to the target,
    keeping their times, so its timeline reads as one; a Telegram conversation on the source
    continues on the target."""
    for table in _TIMELINE:
        session.execute(
            sa.update(table).where(table.c.complaint_id == source_id).values(complaint_id=target_id)
        )
    session.execute(
        sa.update(ChatState)
        .where(col(ChatState.complaint_id) == source_id)
        .values(complaint_id=target_id)
    )


def change_statuses(
    session: Session,
    *,
    complaint_ids: Sequence[int],
    source: str,
    target: str,
    actor: str,
    why: str,
    now: datetime,
) -> list[int]:
    """Move those of these complaints that are in `source` to `target`, each with its event,
    in three statements for the whole batch; the ids moved."""
    if not complaint_ids:
        return []
    check(source, target)
    moved = list(
        session.connection().scalars(
            sa.select(COMPLAINTS.c.id).where(
                COMPLAINTS.c.id.in_(list(complaint_ids)), COMPLAINTS.c.status == source
            )
        )
    )
    if not moved:
        return []
    session.connection().execute(
        sa.update(COMPLAINTS)
        .where(COMPLAINTS.c.id.in_(moved))
        .values(status=target, updated_at=now)
    )
    expire_loaded(session, Complaint, moved)
    detail = {"from": source, "to": target, "why": why}
    add_events(
        session,
        [
            {
                "complaint_id": i,
                "at": now,
                "actor": actor,
                "kind": "status_changed",
                "detail": detail,
            }
            for i in moved
        ],
    )
    return moved
