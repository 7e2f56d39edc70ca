"""What staff read: the queue of complaints they may work, and one complaint's whole story.

Both are read-only and scoped to the viewer: an agent sees the departments they belong to, an
admin sees all. The customer's contact data is shown as `admin.privacy.contact_for` allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from admin.privacy import contact_for
from complaints.access import sees
from complaints.errors import NotAllowed, UnknownComplaint
from complaints.workflow import FINISHED
from store import queries
from store.database import Database
from store.models import (
    Agent,
    Attachment,
    Complaint,
    Customer,
    Event,
    Identity,
    Message,
    Solution,
)

MAX_PAGE = 200
EXCERPT = 120


@dataclass(frozen=True)
class QueueFilter:
    department: str = ""
    status: str = ""
    """A status, or "open" (anything not finished), or "" for all."""
    grade: str = ""
    channel: str = ""
    assignee: str = ""
    """An agent's name, or "-" for unassigned."""
    overdue: bool = False
    due_within: timedelta | None = None
    """Only open complaints whose watched deadline falls within this time from now."""
    q: str = ""
    """Words searched in the complaint's number, subject, messages and the customer's name,
    e-mail, phone and addresses."""
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class QueueItem:
    number: str
    status: str
    grade: str
    category: str
    department: str
    channel: str
    language: str
    subject: str
    excerpt: str
    """The first words the customer wrote: what the queue shows when there is no subject."""
    customer_name: str
    assignee: str
    created_at: datetime
    next_deadline: datetime | None
    overdue: bool
    tags: list[str]


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int


async def queue(
    database: Database, viewer: Agent, filters: QueueFilter, now: datetime
) -> QueuePage:
    """The complaints the viewer may work that match `filters`, most urgent deadline first."""

    def work(session: Session) -> QueuePage:
        first_words = (
            select(sa.func.substr(Message.text, 1, EXCERPT))
            .where(Message.complaint_id == Complaint.id, Message.direction == "in")
            .order_by(col(Message.id))
            .limit(1)
            .correlate(Complaint)
            .scalar_subquery()
        )
        query = select(Complaint, Customer.name, first_words).join(
            Customer, col(Customer.id) == col(Complaint.customer_id)
        )
        conditions = _conditions(viewer, filters, now)
        if filters.q.strip():
            conditions.append(_search(filters.q.strip()))
        query = query.where(*conditions)
        total = session.exec(
            select(sa.func.count()).select_from(
                select(Complaint.id)
                .join(Customer, col(Customer.id) == col(Complaint.customer_id))
                .where(*conditions)
                .subquery()
            )
        ).one()
        rows = session.exec(
            query.order_by(
                col(Complaint.escalate_due).is_(None),
                col(Complaint.escalate_due),
                col(Complaint.id).desc(),
            )
            .offset(max(filters.offset, 0))
            .limit(min(max(filters.limit, 1), MAX_PAGE))
        ).all()
        return QueuePage(
            [_item(complaint, name, excerpt or "", now) for complaint, name, excerpt in rows],
            total,
        )

    return await database.read(work)


def _conditions(viewer: Agent, filters: QueueFilter, now: datetime) -> list[Any]:
    conditions: list[Any] = []
    if viewer.role != "admin" and viewer.departments:
        conditions.append(col(Complaint.department).in_(viewer.departments))
    if filters.department:
        conditions.append(Complaint.department == filters.department)
    if filters.status == "open":
        conditions.append(col(Complaint.status).not_in(FINISHED))
    elif filters.status:
        conditions.append(Complaint.status == filters.status)
    if filters.grade:
        conditions.append(Complaint.grade == filters.grade)
    if filters.channel:
        conditions.append(Complaint.channel == filters.channel)
    if filters.assignee == "-":
        conditions.append(Complaint.assignee == "")
    elif filters.assignee:
        conditions.append(Complaint.assignee == filters.assignee)
    if filters.overdue:
        conditions.append(col(Complaint.escalate_due) <= now)
    if filters.due_within is not None:
        conditions.append(col(Complaint.escalate_due) <= now + filters.due_within)
    return conditions


def _search(text: str) -> Any:
    """Every word must occur somewhere in the complaint or its customer (case-insensitive)."""
    clauses = []
    for word in text.split()[:8]:
        pattern = f"%{word.lower()}%"
        messages = select(Message.complaint_id).where(sa.func.lower(Message.text).like(pattern))
        identities = select(Identity.customer_id).where(
            sa.func.lower(Identity.address).like(pattern)
        )
        clauses.append(
            sa.or_(
                sa.func.lower(Complaint.number).like(pattern),
                sa.func.lower(Complaint.subject).like(pattern),
                sa.func.lower(Complaint.product).like(pattern),
                sa.func.lower(Customer.name).like(pattern),
                sa.func.lower(Customer.email).like(pattern),
                sa.func.lower(Customer.phone).like(pattern),
                col(Complaint.id).in_(messages),
                col(Complaint.customer_id).in_(identities),
            )
        )
    return sa.and_(*clauses)


def _item(complaint: Complaint, customer_name: str, excerpt: str, now: datetime) -> QueueItem:
    return QueueItem(
        number=complaint.number or "",
        status=complaint.status,
        grade=complaint.grade,
        category=complaint.category,
        department=complaint.department,
        channel=complaint.channel,
        language=complaint.language,
        subject=complaint.subject,
        excerpt=" ".join(excerpt.split()),
        customer_name=customer_name,
        assignee=complaint.assignee,
        created_at=complaint.created_at,
        next_deadline=complaint.escalate_due,
        overdue=complaint.escalate_due is not None and complaint.escalate_due <= now,
        tags=list(complaint.tags or []),
    )


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    """"message" or "event"."""
    actor: str
    """Who: "customer", "agent:<name>", "system", "bot"…"""
    direction: str = ""
    channel: str = ""
    message_kind: str = ""
    text: str = ""
    subject: str = ""
    attachments: list[AttachmentInfo] = field(default_factory=list)
    event: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComplaintView:
    complaint: Complaint
    contact: dict[str, Any]
    timeline: list[TimelineEntry]
    solutions: list[Solution]


async def complaint_view(database: Database, viewer: Agent, number: str) -> ComplaintView:
    """One complaint with its whole timeline, if the viewer may see its department."""

    def work(session: Session) -> ComplaintView:
        complaint = viewable(session, viewer, number)
        customer = session.get(Customer, complaint.customer_id)
        assert customer is not None and complaint.id is not None
        identities = list(session.exec(select(Identity).where(Identity.customer_id == customer.id)))
        messages = list(
            session.exec(
                select(Message)
                .where(Message.complaint_id == complaint.id)
                .order_by(col(Message.created_at), col(Message.id))
            )
        )
        files: dict[int, list[AttachmentInfo]] = {}
        if messages:
            # Metadata only: the file contents stay in the database until downloaded.
            rows = session.connection().execute(
                sa.select(
                    queries.ATTACHMENTS.c.id,
                    queries.ATTACHMENTS.c.message_id,
                    queries.ATTACHMENTS.c.filename,
                    queries.ATTACHMENTS.c.content_type,
                    queries.ATTACHMENTS.c.size,
                ).where(queries.ATTACHMENTS.c.message_id.in_([m.id for m in messages]))
            )
            for file_id, message_id, filename, content_type, size in rows:
                files.setdefault(message_id, []).append(
                    AttachmentInfo(file_id, filename, content_type, size)
                )
        events = session.exec(
            select(Event)
            .where(Event.complaint_id == complaint.id)
            .order_by(col(Event.at), col(Event.id))
        )
        timeline = [
            TimelineEntry(
                at=message.created_at,
                kind="message",
                actor=message.author or ("customer" if message.direction == "in" else "bot"),
                direction=message.direction,
                channel=message.channel,
                message_kind=message.kind,
                text=message.text,
                subject=message.subject,
                attachments=files.get(message.id or 0, []),
            )
            for message in messages
        ] + [
            TimelineEntry(
                at=event.at,
                kind="event",
                actor=event.actor,
                event=event.kind,
                detail=dict(event.detail or {}),
            )
            for event in events
        ]
        timeline.sort(key=lambda entry: (entry.at, entry.kind != "message"))
        solutions = list(
            session.exec(
                select(Solution)
                .where(Solution.complaint_id == complaint.id)
                .order_by(col(Solution.id))
            )
        )
        return ComplaintView(
            complaint, contact_for(viewer, complaint, customer, identities), timeline, solutions
        )

    return await database.read(work)


def viewable(session: Session, viewer: Agent, number: str) -> Complaint:
    """The complaint, or UnknownComplaint / NotAllowed with a message for the viewer."""
    complaint = queries.complaint_by_number(session, number)
    if complaint is None:
        raise UnknownComplaint(f"there is no complaint {number}; check the number")
    if not sees(viewer, complaint.department):
        raise NotAllowed(
            f"{number} belongs to {complaint.department}, which is not one of your departments "
            f"({', '.join(viewer.departments or [])}); ask its supervisor or an admin"
        )
    return complaint


async def attachment(
    database: Database, viewer: Agent, number: str, attachment_id: int
) -> Attachment:
    def work(session: Session) -> Attachment:
        complaint = viewable(session, viewer, number)
        found = session.exec(
            select(Attachment)
            .join(Message, col(Message.id) == col(Attachment.message_id))
            .where(Attachment.id == attachment_id, Message.complaint_id == complaint.id)
        ).first()
        if found is None:
            raise UnknownComplaint(f"{number} has no attachment {attachment_id}")
        return found

    return await database.read(work)
