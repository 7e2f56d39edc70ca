"""What staff read: the queue of complaints they may work, and one complaint's whole story.

Both are read-only and scoped to the viewer: an agent sees the departments they belong to, an
admin sees all. The customer's name and contact data are shown as `staff.contact` allows (the
name whole, the contact fields masked for an agent who does not handle the complaint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from complaints.access import sees
from complaints.clock import Moment
from complaints.durations import parse_duration
from complaints.errors import ComplaintBotError, NotAllowed, UnknownComplaint
from complaints.workflow import WAITING
from scheduler.due import wait_started
from staff.contact import contact_for, name_for
from store import queries
from store.database import Database
from store.models import Agent, Attachment, Complaint, Solution
from store.queries.customers import customer, identities_of
from store.queries.events import events_of_kind, timeline_events
from store.queries.messages import attachment_of_complaint, attachment_rows, messages_of_complaint
from store.queries.queue import QueueFilter, QueueRow, check_filters, complaint_queue
from store.queries.solutions import solutions_of_complaint


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
    created_at: Moment
    next_deadline: Moment | None
    overdue: bool
    clock_paused: bool
    """The desk waits for the customer: no deadline runs until they write."""
    tags: list[str]


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int


async def queue(
    database: Database, viewer: Agent, filters: QueueFilter, now: datetime
) -> QueuePage:
    """The complaints the viewer may work that match `filters`, most urgent deadline first."""

    departments = _departments(viewer)

    def work(session: Session) -> QueuePage:
        check_filters(session, filters)  # a department that does not exist is 422 first
        wanted = filters.department
        if wanted and departments is not None and wanted not in departments:
            # An empty page would look like no work in a department they cannot see.
            raise NotAllowed(
                "%(department)s is not one of your departments (%(yours)s); filter by one of those",
                department=wanted,
                yours=", ".join(departments),
            )
        rows, total = complaint_queue(session, filters=filters, departments=departments, now=now)
        return QueuePage([_item(row, viewer) for row in rows], total)

    return await database.read(work)


def due_within(text: str) -> timedelta | None:
    """The queue's `due_within` filter ("2h", "1d"; empty: none), refused in words the console
    translates rather than ignored."""
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        raise ComplaintBotError(
            "due_within: '%(value)s' is not a duration such as 90m, 8h, 7d or 1d12h",
            value=text,
        ) from None


def _departments(viewer: Agent) -> list[str] | None:
    """The departments the viewer's queue is limited to; None for every department (the rule
    of `complaints.access.sees`)."""
    if viewer.role == "admin" or not viewer.departments:
        return None
    return list(viewer.departments)


def _item(row: QueueRow, viewer: Agent) -> QueueItem:
    complaint = row.complaint
    return QueueItem(
        number=complaint.number or "",
        status=complaint.status,
        grade=complaint.grade,
        category=complaint.category,
        department=complaint.department,
        channel=complaint.channel,
        language=complaint.language,
        subject=complaint.subject,
        excerpt=" ".join(row.excerpt.split()),
        customer_name=name_for(viewer, complaint, row.customer_name),
        assignee=complaint.assignee,
        created_at=complaint.created_at,
        next_deadline=row.deadline,
        overdue=row.overdue,
        clock_paused=row.clock_paused,
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
    paused_since: datetime | None = None
    """When the desk began waiting for the customer, while it waits (its clock paused); the
    due times stand as they were until the customer answers, then move on by the wait."""

    @property
    def clock_paused(self) -> bool:
        """The desk waits for the customer (`complaints.workflow.WAITING`)."""
        return self.complaint.status in WAITING


async def complaint_view(database: Database, viewer: Agent, number: str) -> ComplaintView:
    """One complaint with its whole timeline, if the viewer may see its department."""

    def work(session: Session) -> ComplaintView:
        complaint = viewable(session, viewer, number)
        found = customer(session, customer_id=complaint.customer_id)
        assert found is not None and complaint.id is not None
        identities = identities_of(session, customer_id=complaint.customer_id)
        contact = contact_for(viewer, complaint, found, identities)
        solutions = solutions_of_complaint(session, complaint_id=complaint.id)
        paused = None
        if complaint.status in WAITING:
            changes = events_of_kind(session, complaint_id=complaint.id, kind="status_changed")
            paused = wait_started(changes)
        timeline = _timeline(session, complaint.id)
        return ComplaintView(complaint, contact, timeline, solutions, paused)

    return await database.read(work)


def _timeline(session: Session, complaint_id: int) -> list[TimelineEntry]:
    """Messages and events in the order they happened, a message before an event of the same
    moment."""
    messages = messages_of_complaint(session, complaint_id=complaint_id)
    files: dict[int, list[AttachmentInfo]] = {}
    for info in attachment_rows(session, message_ids=[m.id for m in messages if m.id]):
        files.setdefault(info.message_id, []).append(
            AttachmentInfo(info.id, info.filename, info.content_type, info.size)
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
        for event in timeline_events(session, complaint_id=complaint_id)
    ]
    timeline.sort(key=lambda entry: (entry.at, entry.kind != "message"))
    return timeline


def viewable(session: Session, viewer: Agent, number: str) -> Complaint:
    """The complaint, or UnknownComplaint / NotAllowed with a message for the viewer."""
    complaint = queries.complaint_by_number(session, number)
    if complaint is None:
        raise UnknownComplaint("there is no complaint %(number)s; check the number", number=number)
    if not sees(viewer, complaint.department):
        raise NotAllowed(
            "%(number)s belongs to %(department)s, which is not one of your departments "
            "(%(yours)s); ask its supervisor or an admin",
            number=number,
            department=complaint.department,
            yours=", ".join(viewer.departments or []),
        )
    return complaint


async def attachment(
    database: Database, viewer: Agent, number: str, attachment_id: int
) -> Attachment:
    def work(session: Session) -> Attachment:
        complaint = viewable(session, viewer, number)
        found = attachment_of_complaint(
            session, complaint_id=complaint.id or 0, attachment_id=attachment_id
        )
        if found is None:
            raise UnknownComplaint(
                "%(number)s has no attachment %(attachment)s",
                number=number,
                attachment=attachment_id,
            )
        return found

    return await database.read(work)
