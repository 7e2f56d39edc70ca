"""The same complaint sent by two channels: flagged on both at intake, merged by an agent.

Flagging is only a hint (a tag and an event on each complaint), so it may cast a wider net than
"the same customer record": a customer who wrote once by the shop's webhook with their e-mail
address and once by e-mail is two customer records until someone links them. Merging is the
human decision: the source complaint's timeline joins the target's, the source becomes
"merged" (the scheduler leaves it alone) and the customer is told once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from admin.accounts import sees
from channels.email.channel import NAME as EMAIL
from complaints.clock import Clock
from complaints.errors import (
    ComplaintBotError,
    NotAllowed,
    NotMergeable,
    UnknownComplaint,
)
from complaints.fields import REGISTRATION_FIELDS
from complaints.workflow import FINISHED
from intake.settings import DuplicateSettings
from router.text import FoldedText, has_cjk
from store import queries
from store.database import Database
from store.models import Agent, ChatState, Complaint, Event, Identity, OutboxItem

TAG = "possible-duplicate"
SUSPECTED = "duplicate_suspected"
NOT_COMPARED = tuple(FINISHED - {"resolved"})
"""A complaint in these statuses is over (or gone): a new one is not its duplicate."""
NOT_A_TARGET = FINISHED
AUTOMATIC = ("progress", "survey")
"""Outbox kinds the scheduler wrote for the source; they are moot once it is merged."""
DUE_COLUMNS = ("escalate_due", "warn_due", "next_update_due", "survey_due", "close_due")
NOTICE = {
    "en": "Your complaints {source} and {target} are about the same matter; we now handle them "
    "together as {target}.",
    "es": "Sus reclamaciones {source} y {target} tratan del mismo asunto; a partir de ahora las "
    "gestionamos juntas como {target}.",
    "zh-Hans": "您的投诉 {source} 和 {target} 涉及同一事项；我们现已将其合并为 {target} 一并处理。",
    "zh-Hant": "您的投訴 {source} 和 {target} 涉及同一事項；我們現已將其合併為 {target} 一併處理。",
}


# ---- similarity ------------------------------------------------------------------------------


def shingles(text: str) -> frozenset[str]:
    """What two texts are compared by: their folded words, and for Chinese (which has no
    spaces) character pairs, so "冰箱不制冷" and "冰箱不制冷了" still overlap."""
    folded = FoldedText.of(text)
    marks = set(folded.word_set)
    run: list[str] = []
    for char in f"{folded.folded} ":
        if has_cjk(char):
            run.append(char)
            continue
        if len(run) == 1:
            marks.add(run[0])
        marks.update(a + b for a, b in itertools.pairwise(run))
        run = []
    return frozenset(marks)


def similarity(first: str, second: str) -> float:
    """Jaccard overlap of the two texts' shingles: 1 for the same words, 0 for none shared."""
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b) if a and b else 0.0


# ---- flagging at intake ----------------------------------------------------------------------


def _statements() -> tuple[Any, Any, Any]:
    """The three statements flagging runs, built once so SQLAlchemy compiles them once: the
    person's e-mail addresses; their recent complaints by customer; and those of the other
    customer records that share one of the addresses (both lookups indexed)."""
    complaints, messages = queries.COMPLAINTS, queries.MESSAGES
    customers, identities = queries.CUSTOMERS, queries.IDENTITIES
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


def _candidates(session: Session, new: NewComplaint, since: datetime) -> list[Any]:
    """Recent open complaints on other channels of the same person, with their first inbound
    message: the cost grows with the person's complaints, not with the desk's."""
    connection = session.connection()
    values = {
        "customer": new.customer_id,
        "since": since,
        "complaint": new.id,
        "channel": new.channel,
    }
    found = list(connection.execute(_SAME_CUSTOMER, values))
    emails = [email for (email,) in connection.execute(_EMAILS, values)]
    if emails:
        found += connection.execute(_SAME_ADDRESS, {**values, "emails": emails})
    return found


@dataclass(frozen=True)
class NewComplaint:
    """What flagging needs of the complaint intake has just opened."""

    id: int
    number: str
    customer_id: int
    channel: str
    text: str
    """Its subject and first message."""
    customer_known: bool
    """The customer wrote before (else only a shared e-mail address can find a duplicate)."""
    has_email: bool


def flag_duplicates(
    session: Session, new: NewComplaint, settings: DuplicateSettings, now: datetime
) -> list[dict[str, Any]]:
    """Compare a complaint just opened with the same person's recent complaints on other
    channels; tag both of each alike pair. Returns the new complaint's events, for intake to
    record with the rest of its timeline; the other complaints' events are written here."""
    if not new.customer_known and not new.has_email:
        return []  # a first-time sender without an e-mail address has nothing to compare
    events: list[dict[str, Any]] = []
    tagged = False
    for other_id, other_number, subject, other_text in _candidates(
        session, new, now - settings.window
    ):
        score = round(similarity(new.text, f"{subject}\n{other_text}"), 3)
        if score < settings.similarity:
            continue
        other = session.get(Complaint, other_id)
        assert other is not None
        if TAG not in (other.tags or []):
            other.tags = [*(other.tags or []), TAG]
        tagged = True
        queries.add_event(
            session, other_id, now, "system", SUSPECTED, {"of": new.number, "similarity": score}
        )
        events.append(
            {
                "complaint_id": new.id,
                "at": now,
                "actor": "system",
                "kind": SUSPECTED,
                "detail": {"of": other_number, "similarity": score},
            }
        )
    if tagged:
        complaint = session.get(Complaint, new.id)
        assert complaint is not None
        if TAG not in (complaint.tags or []):
            complaint.tags = [*(complaint.tags or []), TAG]
    return events


def follow_merge(session: Session, complaint: Complaint | None) -> Complaint | None:
    """The complaint that carries on for `complaint`: itself, or the one it was merged into
    (and so on, if that was merged in turn), so a message naming an old number lands there."""
    seen: set[str] = set()
    while complaint is not None and complaint.merged_into and complaint.number not in seen:
        seen.add(complaint.number or "")
        complaint = queries.complaint_by_number(session, complaint.merged_into) or complaint
    return complaint


# ---- the desk: candidates and merging ----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    number: str
    channel: str
    status: str
    department: str
    created_at: datetime
    similarity: float


@dataclass(frozen=True)
class Flagged:
    number: str
    status: str
    merged_into: str
    candidates: list[Candidate]


@dataclass(frozen=True)
class Merged:
    source: str
    target: str
    customer_told: bool


class Duplicates:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        can_send: Callable[[str, str], bool],
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.can_send = can_send
        self.on_queued = on_queued

    async def flagged(self, number: str, agent: Agent) -> Flagged:
        """The complaints `number` was flagged as a possible duplicate of, still open."""

        def work(session: Session) -> Flagged:
            complaint = _visible(session, number, agent)
            found: dict[str, Candidate] = {}
            for detail in _suspicions(session, complaint):
                other = queries.complaint_by_number(session, str(detail.get("of")))
                if other is None or other.status == "merged" or other.number == number:
                    continue
                found[other.number or ""] = Candidate(
                    other.number or "",
                    other.channel,
                    other.status,
                    other.department,
                    other.created_at,
                    float(detail.get("similarity", 0)),
                )
            return Flagged(number, complaint.status, complaint.merged_into, list(found.values()))

        return await self.database.read(work)

    async def merge(self, number: str, into: str, agent: Agent, note: str = "") -> Merged:
        """Merge complaint `number` into `into`: one transaction, or nothing changes."""
        if number == into:
            raise ComplaintBotError(f"{number} cannot be merged into itself; name the other one")
        now, actor = self.clock.now(), f"agent:{agent.name}"

        def work(session: Session) -> Merged:
            source = _visible(session, number, agent)
            target = _visible(session, into, agent)
            _check_mergeable(session, source, target)
            assert source.id is not None and target.id is not None
            _cancel_automatic(session, source.id)
            _move_timeline(session, source.id, target.id)
            for field in REGISTRATION_FIELDS:
                if not getattr(target, field) and getattr(source, field):
                    setattr(target, field, getattr(source, field))
            for complaint in (source, target):
                complaint.tags = [tag for tag in complaint.tags or [] if tag != TAG]
                complaint.updated_at = now
            queries.change_status(session, source, "merged", actor, f"merged into {into}", now)
            source.merged_into = into
            for column in DUE_COLUMNS:
                setattr(source, column, None)
            told = self._tell_customer(session, source, target, now)
            extra = {"note": note} if note else {}
            queries.add_event(session, source.id, now, actor, "merged", {"into": into, **extra})
            queries.add_event(
                session, target.id, now, actor, "merged", {"from": number, "told": told, **extra}
            )
            return Merged(number, into, told)

        merged = await self.database.write(work)
        if merged.customer_told:
            self.on_queued()
        return merged

    def _tell_customer(
        self, session: Session, source: Complaint, target: Complaint, now: datetime
    ) -> bool:
        """Once, on the target's channel and in its language: the two are handled as one."""
        identity = session.get(Identity, target.identity_id)
        if identity is None or not self.can_send(identity.channel, identity.address):
            return False
        text = NOTICE.get(target.language, NOTICE["en"]).format(
            source=source.number, target=target.number
        )
        queries.queue_message(
            session, target, identity.channel, identity.address, "progress", text, now
        )
        return True


def _visible(session: Session, number: str, agent: Agent) -> Complaint:
    complaint = queries.complaint_by_number(session, number)
    if complaint is None:
        raise UnknownComplaint(f"there is no complaint {number}; check the number")
    if not sees(agent, complaint.department):
        raise NotAllowed(
            f"{number} belongs to {complaint.department}, which is not one of your departments "
            f"({', '.join(agent.departments or [])}); ask its supervisor or an admin"
        )
    return complaint


def _suspicions(session: Session, complaint: Complaint) -> list[dict[str, Any]]:
    """The details ({"of": number, "similarity": x}) of the complaint's duplicate flags."""
    return [
        event.detail or {}
        for event in session.exec(
            select(Event)
            .where(Event.complaint_id == complaint.id, Event.kind == SUSPECTED)
            .order_by(col(Event.id))
        )
    ]


def _check_mergeable(session: Session, source: Complaint, target: Complaint) -> None:
    if source.status == "merged":
        raise NotMergeable(f"{source.number} was already merged into {source.merged_into}")
    if target.status in NOT_A_TARGET:
        hint = f" (into {target.merged_into})" if target.merged_into else ""
        raise NotMergeable(
            f"{target.number} is {target.status}{hint}; merge into a complaint that is still open"
        )
    flagged = any(detail.get("of") == target.number for detail in _suspicions(session, source))
    if source.customer_id != target.customer_id and not flagged:
        raise NotMergeable(
            f"{source.number} and {target.number} belong to different customers and were not "
            "flagged as duplicates of each other; only one person's complaints can be merged"
        )


def _cancel_automatic(session: Session, source_id: int) -> None:
    session.execute(
        sa.update(OutboxItem)
        .where(
            col(OutboxItem.complaint_id) == source_id,
            col(OutboxItem.status) == "pending",
            col(OutboxItem.kind).in_(AUTOMATIC),
        )
        .values(status="cancelled", last_error="the complaint was merged into another")
    )


_MOVED = tuple(
    SQLModel.metadata.tables[name] for name in ("messages", "events", "solutions", "outbox")
)


def _move_timeline(session: Session, source_id: int, target_id: int) -> None:
    """Messages, events, solutions and deliveries keep their times and move to the target,
    so its timeline reads as one; a Telegram conversation on the source continues there."""
    for table in _MOVED:
        session.execute(
            sa.update(table).where(table.c.complaint_id == source_id).values(complaint_id=target_id)
        )
    session.execute(
        sa.update(ChatState)
        .where(col(ChatState.complaint_id) == source_id)
        .values(complaint_id=target_id)
    )
