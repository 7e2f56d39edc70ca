"""The staff's work queue: complaints filtered, searched and paged, the most urgent deadline
first. Who may see which departments is decided by the caller (`complaints.access`); this module
only applies the departments it is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from complaints.addresses import CHANNELS
from complaints.errors import ComplaintBotError
from complaints.grades import GRADES
from complaints.workflow import CLOCK_STOPPED, FINISHED, STATUSES, WAITING
from store.columns import json_text
from store.folding import fold
from store.models import Complaint, Customer, Identity, Message
from store.queries.rule_sets import department_keys

MAX_PAGE = 200
EXCERPT = 120
"""How many characters of the customer's first message a queue row carries."""
SEARCH_WORDS = 8
"""Words of a search beyond this many are ignored: each one adds subqueries."""


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
    """Only complaints with a deadline missed and not met, their clock running (`overdue`)."""
    due_within: timedelta | None = None
    """Only complaints whose clock runs and whose watched deadline falls within this time from
    now (`clock_runs`)."""
    q: str = ""
    """Words searched in the complaint's number, subject, product, messages and the customer's
    name, e-mail, phone and addresses, regardless of case, accents and Chinese script."""
    tag: str = ""
    """Only complaints with this tag ("handler-requested", "needs-triage", a rule's tag)."""
    limit: int = 50
    offset: int = 0


class QueueRow(NamedTuple):
    complaint: Complaint
    customer_name: str
    excerpt: str
    """The first `EXCERPT` characters the customer wrote, as stored ("" when none)."""
    overdue: bool
    """A deadline missed and not met (`overdue`), as the overdue filter sees it."""
    deadline: datetime | None
    """The deadline the customer waits on (`awaited_deadline`)."""

    @property
    def clock_paused(self) -> bool:
        """The desk waits for the customer: the deadlines stand still until they write."""
        return self.complaint.status in WAITING


def complaint_queue(
    session: Session,
    *,
    filters: QueueFilter,
    departments: Sequence[str] | None,
    now: datetime,
) -> tuple[list[QueueRow], int]:
    """One page of the complaints of `departments` (None: all) that match `filters`, and how
    many match in all. Pages hold 1 to `MAX_PAGE` rows. A filter value that names no status,
    grade, channel or department is refused (ComplaintBotError), never an empty page."""
    check_filters(session, filters)
    deadline = awaited_deadline()
    first_words = (
        select(sa.func.substr(Message.text, 1, EXCERPT))
        .where(Message.complaint_id == Complaint.id, Message.direction == "in")
        .order_by(col(Message.id))
        .limit(1)
        .correlate(Complaint)
        .scalar_subquery()
    )
    conditions = _conditions(filters, departments, now)
    if filters.q.strip():
        conditions.append(_search(filters.q.strip()))
    total = session.exec(
        select(sa.func.count()).select_from(
            select(Complaint.id)
            .join(Customer, col(Customer.id) == col(Complaint.customer_id))
            .where(*conditions)
            .subquery()
        )
    ).one()
    rows = session.execute(
        sa.select(Complaint, col(Customer.name), first_words, overdue(now), deadline)
        .join(Customer, col(Customer.id) == col(Complaint.customer_id))
        .where(*conditions)
        .order_by(
            deadline.is_(None),
            col(Complaint.status).in_(WAITING),  # the customer's turn after the desk's
            deadline,
            col(Complaint.id).desc(),
        )
        .offset(max(filters.offset, 0))
        .limit(min(max(filters.limit, 1), MAX_PAGE))
    ).all()
    return [
        QueueRow(complaint, name, excerpt or "", bool(late), due)
        for complaint, name, excerpt, late, due in rows
    ], total


def _conditions(
    filters: QueueFilter, departments: Sequence[str] | None, now: datetime
) -> list[Any]:
    conditions: list[Any] = []
    if departments is not None:
        conditions.append(col(Complaint.department).in_(list(departments)))
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
        conditions.append(overdue(now))
    if filters.due_within is not None:
        conditions.append(clock_runs())
        conditions.append(col(Complaint.escalate_due) <= now + filters.due_within)
    if filters.tag.strip():
        conditions.append(_tagged(filters.tag.strip()))
    return conditions


def _tagged(tag: str) -> Any:
    """The tags column holds a JSON list as the store wrote it (`json_text`, no spaces): the
    tag's own JSON string, quotes included, occurs in it only as a whole element. Text the
    same way in SQLite and PostgreSQL (whose `json` type keeps the text as written)."""
    return sa.cast(col(Complaint.tags), sa.Text).contains(json_text(tag), autoescape=True)


def awaited_deadline() -> Any:
    """The deadline the customer waits on, which the queue shows and sorts by: the first
    response until a person answered, then the resolution; none once finished. Not
    `escalate_due`: once a missed first response is escalated, that column watches the next
    escalation, while the customer still waits for the answer that was due."""
    return sa.type_coerce(
        sa.case(
            (col(Complaint.status).in_(FINISHED), sa.null()),
            (col(Complaint.first_response_at).is_(None), col(Complaint.first_response_due)),
            else_=col(Complaint.resolution_due),
        ),
        Complaint.__table__.c.resolution_due.type,  # type: ignore[attr-defined]
    )


def clock_runs() -> Any:
    """Its deadlines run: neither finished nor waiting for the customer (`CLOCK_STOPPED`)."""
    return col(Complaint.status).not_in(CLOCK_STOPPED)


def overdue(now: datetime) -> Any:
    """The one rule of "overdue" (the queue's filter and row flag, the console's overdue view):
    a deadline missed and not met while the clock runs. A complaint neither finished nor
    waiting for the customer (`clock_runs`: a paused clock is the customer's turn, and its
    deadlines move on when they answer) whose first response was due and no person has answered
    yet, or whose resolution was due. Not `escalate_due`: once a missed first response is
    escalated, that column watches the next escalation, while the customer still waits for an
    answer. The reports count the same misses (`admin.report_figures`)."""
    return sa.and_(
        clock_runs(),
        sa.or_(
            sa.and_(
                col(Complaint.first_response_at).is_(None),
                col(Complaint.first_response_due) <= now,
            ),
            col(Complaint.resolution_due) <= now,
        ),
    )


def check_filters(session: Session, filters: QueueFilter) -> None:
    """Refuse a status, grade, channel or department that does not exist, naming those that do
    (a typo would otherwise look like an empty queue)."""
    if filters.status and filters.status != "open" and filters.status not in STATUSES:
        raise ComplaintBotError(
            "there is no status '%(value)s'; statuses: %(known)s",
            value=filters.status,
            known=", ".join(("open", *STATUSES)),
        )
    if filters.grade and filters.grade not in GRADES:
        raise ComplaintBotError(
            "there is no grade '%(value)s'; grades: %(grades)s",
            value=filters.grade,
            grades=", ".join(GRADES),
        )
    if filters.channel and filters.channel not in CHANNELS:
        raise ComplaintBotError(
            "there is no channel '%(value)s'; channels: %(channels)s",
            value=filters.channel,
            channels=", ".join(CHANNELS),
        )
    if filters.department:
        known = department_keys(session)
        if filters.department not in known:
            raise ComplaintBotError(
                "there is no department '%(department)s'; departments: %(departments)s",
                department=filters.department,
                departments=", ".join(known),
            )


def _search(text: str) -> Any:
    """Every word must occur somewhere in the complaint or its customer, whatever its case,
    accents or Chinese script (`store.folding`): in the folded search texts of the complaint
    (subject, product), its messages and its customer (name, e-mail, phone), or, as typed or
    folded, in the complaint's number or an address of the customer. `%` and `_` are searched
    as themselves, as in the customer search (`autoescape`)."""
    clauses = []
    for word in text.split()[:SEARCH_WORDS]:
        folded = fold(word)
        typed = {word, folded}
        messages = select(Message.complaint_id).where(_contains(Message.search_text, folded))
        identities = select(Identity.customer_id).where(
            sa.or_(*(_has(Identity.address, form) for form in typed))
        )
        clauses.append(
            sa.or_(
                *(_has(Complaint.number, form) for form in typed),
                _contains(Complaint.search_text, folded),
                _contains(Customer.search_text, folded),
                col(Complaint.id).in_(messages),
                col(Complaint.customer_id).in_(identities),
            )
        )
    return sa.and_(*clauses)


def _has(column: Any, word: str) -> Any:
    return col(column).icontains(word, autoescape=True)


def _contains(column: Any, folded: str) -> Any:
    """A folded search text holds the folded word: both are lower case already, so a plain
    LIKE, which SQLite and PostgreSQL answer alike."""
    return col(column).contains(folded, autoescape=True)
