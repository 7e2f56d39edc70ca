"""Merging the same complaint sent by two channels (intake flags the suspects): the source
complaint's timeline joins the target's, the source becomes "merged" (the scheduler leaves it
alone) and the customer is told once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaints.clock import Clock
from complaints.duplicates import SUSPECTED, TAG
from complaints.errors import ComplaintBotError, NotMergeable
from complaints.fields import REGISTRATION_FIELDS
from complaints.workflow import FINISHED, UNTAKEN
from outbox.notify import Notifier
from router import GRADES
from scheduler.due import DueTimes
from staff.taking import actor_of, hand_over
from staff.views import viewable
from store import queries
from store.database import Database
from store.models import Agent, Complaint
from store.queries.complaints import hold_status, move_timeline
from store.queries.duplicates import share_an_email
from store.queries.events import events_of_kind
from store.queries.outbox import cancel_pending

AUTOMATIC = ("progress", "survey")
"""Outbox kinds the scheduler wrote for the source; they are moot once it is merged. A notice
of what a person did (a resolution, a rejection, an assignment…) has a kind of its own and
still goes out."""


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
        notifier: Notifier,
        due: DueTimes,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.notifier = notifier
        self.due = due
        self.on_queued = on_queued

    async def flagged(self, number: str, agent: Agent) -> Flagged:
        """The complaints `number` was flagged as a possible duplicate of, still open."""

        def work(session: Session) -> Flagged:
            complaint = viewable(session, agent, number)
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
            raise ComplaintBotError(
                "%(number)s cannot be merged into itself; name the other one", number=number
            )
        now, actor = self.clock.now(), actor_of(agent)

        def work(session: Session) -> Merged:
            source = viewable(session, agent, number)
            target = viewable(session, agent, into)
            _check_mergeable(session, source, target)
            hold_status(session, source, target)  # a colleague's change meanwhile: 409
            assert source.id is not None and target.id is not None
            cancel_pending(
                session,
                complaint_id=source.id,
                kinds=AUTOMATIC,
                reason="the complaint was merged into another",
            )
            move_timeline(session, source_id=source.id, target_id=target.id)
            for field in REGISTRATION_FIELDS:
                if not getattr(target, field) and getattr(source, field):
                    setattr(target, field, getattr(source, field))
            _take_the_graver(session, self.due, target, source, actor, now)
            if source.assignee and not target.assignee:  # their work there goes on with them
                hand_over(session, target, source.assignee)
                if target.status in UNTAKEN:
                    queries.change_status(session, target, "assigned", actor, "assigned", now)
                queries.add_event(
                    session, target.id, now, actor, "assigned", {"from": "", "to": source.assignee}
                )
            for complaint in (source, target):
                complaint.tags = [tag for tag in complaint.tags or [] if tag != TAG]
                complaint.updated_at = now
            queries.change_status(session, source, "merged", actor, f"merged into {into}", now)
            source.merged_into = into
            DueTimes.on_merged_away(source)
            told = self.notifier.tell_customer(
                session, target, "merged_notice", now, source=number, target=into
            )
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


def _take_the_graver(
    session: Session, due: DueTimes, kept: Complaint, away: Complaint, actor: str, now: datetime
) -> None:
    """The kept complaint carries on both, so it must not be less urgent than either: the
    graver grade and the earlier open deadlines (`DueTimes.on_merged`) and, when the merged-away
    case is graver, its category and department too (a safety case merged into a rude-staff
    one stays with the safety team). What changed is a `merge_took_over` event on the kept case,
    not a `corrected` one: no agent judged the routing, so the triage model must not learn
    from it."""
    graver = GRADES.index(away.grade) > GRADES.index(kept.grade)
    before = {"grade": kept.grade, "category": kept.category, "department": kept.department}
    due.on_merged(kept, away, now)
    if graver:
        kept.category, kept.department = away.category, away.department
    after = {"grade": kept.grade, "category": kept.category, "department": kept.department}
    changes = {
        field: {"from": before[field], "to": after[field]}
        for field in before
        if before[field] != after[field]
    }
    if changes:
        why = f"taken from {away.number}, merged into it"
        queries.add_event(
            session, kept.id or 0, now, actor, "merge_took_over", {**changes, "why": why}
        )


def _suspicions(session: Session, complaint: Complaint) -> list[dict[str, Any]]:
    """The details ({"of": number, "similarity": x}) of the complaint's duplicate flags."""
    found = events_of_kind(session, complaint_id=complaint.id or 0, kind=SUSPECTED)
    return [event.detail or {} for event in found]


def _check_mergeable(session: Session, source: Complaint, target: Complaint) -> None:
    if source.status == "merged":
        raise NotMergeable(
            "%(number)s was already merged into %(other)s",
            number=source.number or "",
            other=source.merged_into or "",
        )
    if target.status in FINISHED:
        if target.merged_into:
            raise NotMergeable(
                "%(number)s is %(status)s (into %(other)s); merge into a complaint that is "
                "still open",
                number=target.number or "",
                status=target.status,
                other=target.merged_into,
            )
        raise NotMergeable(
            "%(number)s is %(status)s; merge into a complaint that is still open",
            number=target.number or "",
            status=target.status,
        )
    if not _one_person(session, source, target):
        raise NotMergeable(
            "%(number)s and %(other)s belong to different customers and were not flagged as "
            "duplicates of each other; only one person's complaints can be merged",
            number=source.number or "",
            other=target.number or "",
        )


def _one_person(session: Session, source: Complaint, target: Complaint) -> bool:
    """Whether the two complaints are one person's: one customer record, two records giving
    one e-mail address (an e-mail sender and the shop's `customer.email` for them: the shop's
    webhook is signed, so its word is as good as a mail's From), or flagged as duplicates."""
    if source.customer_id == target.customer_id:
        return True
    if share_an_email(session, first=source.customer_id, second=target.customer_id):
        return True
    return any(detail.get("of") == target.number for detail in _suspicions(session, source))
