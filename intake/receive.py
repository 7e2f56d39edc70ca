"""Intake: one inbound message becomes one recorded, routed and acknowledged complaint.

All of it happens in one transaction: dedupe on (channel, external id), link or create the
customer, thread into an existing complaint or open a new one, route it, record the message
and events, and write the acknowledgement and its deliveries to the outbox. A channel tells its
sender "received" only after `receive` returns, so a crash before that loses nothing: the
sender retries and the dedupe key makes the retry harmless.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels.base import Channel, Inbound
from channels.email.channel import NAME as EMAIL
from complaints.clock import Clock
from complaints.errors import ComplaintNotYours, IgnoredMessage, InvalidMessage, UnknownComplaint
from complaints.fields import REGISTRATION_FIELDS
from complaints.numbers import numbers_in
from complaints.workflow import SOLVED
from intake.duplicates import NewComplaint, flag_duplicates, follow_merge
from intake.settings import DuplicateSettings
from outbox.notify import tell_supervisor
from outbox.templates import Replies, ReplyContext
from outbox.texts import say
from router import CustomerHistory, Decision, RuleSet, ServiceLevel, route
from router.text import fold
from staff.actions import hand_to_senior
from store import queries
from store.database import Database
from store.models import Complaint, Identity

log = logging.getLogger(__name__)

HISTORY_WINDOW = timedelta(days=366)
REOPENABLE = SOLVED
"""Statuses a new message from the customer reopens (a rejection is not reopened by mail)."""


@dataclass(frozen=True)
class IntakeResult:
    complaint: str
    status: str
    grade: str
    category: str
    department: str
    language: str
    acknowledgement: str
    created: bool
    """A new complaint was opened (False: the message joined an existing one)."""
    duplicate: bool
    """The message had been received before; nothing was stored this time."""


@dataclass(frozen=True)
class IntakePolicy:
    rules: RuleSet
    service_levels: Mapping[str, ServiceLevel]
    default_language: str
    max_attachments: int
    max_attachment_bytes: int
    replies_per_hour: Mapping[str, int] = field(default_factory=dict)
    """Per channel, the most automatic replies one sender gets in an hour (mail loops)."""
    notify: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Per department, where new complaints are posted for its agents: (channel, address)."""
    reopen_at_or_below: int = 2
    """A survey answered with this score or lower reopens the complaint."""
    warn_before: timedelta = timedelta(hours=1)
    """How long before a deadline the department is warned."""
    duplicates: DuplicateSettings = field(default_factory=DuplicateSettings)
    """When a new complaint is flagged as the same as one sent by another channel."""


class Intake:
    def __init__(
        self,
        database: Database,
        policy: IntakePolicy,
        replies: Replies,
        clock: Clock,
        channels: Mapping[str, Channel],
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        """`channels` are asked whether an address can be written to later (a webhook source
        without a callback URL gets its answers only in the HTTP response) and whether they hand
        the acknowledgement back at once; `on_queued` wakes the dispatcher after a commit that
        queued deliveries."""
        self.database = database
        self.policy = policy
        self.replies = replies
        self.clock = clock
        self.channels = channels
        self.on_queued = on_queued

    async def receive(self, inbound: Inbound) -> IntakeResult:
        self._check_limits(inbound)
        try:
            result, queued = await self.database.write(lambda s: self._record(s, inbound))
        except IntegrityError:
            # A concurrent copy of the same message won the race (PostgreSQL); now it is a
            # duplicate, answered from what that copy stored.
            result, queued = await self.database.write(lambda s: self._record(s, inbound))
        if queued:
            self.on_queued()
        log.info(
            "%s %s via %s%s",
            "new" if result.created else "follow-up",
            result.complaint,
            inbound.channel,
            " (duplicate)" if result.duplicate else "",
        )
        return result

    def _check_limits(self, inbound: Inbound) -> None:
        if not inbound.text.strip() and not inbound.attachments and not inbound.automated:
            raise InvalidMessage("the message has no text and no attachment")
        if len(inbound.attachments) > self.policy.max_attachments:
            raise InvalidMessage(f"at most {self.policy.max_attachments} attachments are accepted")
        for attachment in inbound.attachments:
            if attachment.size > self.policy.max_attachment_bytes:
                raise InvalidMessage(
                    f"attachment {attachment.filename!r} is {attachment.size} bytes; the limit "
                    f"is {self.policy.max_attachment_bytes}"
                )

    def _record(self, session: Session, inbound: Inbound) -> tuple[IntakeResult, bool]:
        seen = queries.find_inbound(session, inbound.channel, inbound.external_id)
        if seen is not None:
            return self._replay(session, *seen), False
        now = self.clock.now()
        sender = inbound.sender
        party = queries.identity_for(
            session,
            sender.channel,
            sender.address,
            now,
            display_name=sender.display_name,
            email=sender.email.strip().lower(),  # compared case-blind (duplicates)
            phone=sender.phone,
            tier=sender.tier,
        )
        # A new customer owns no complaint yet, unless they name one: then it must be refused.
        threadable = party.known or inbound.complaint_number
        # A message naming a merged complaint continues the one it was merged into.
        existing = (
            follow_merge(session, self._thread(session, inbound, party)) if threadable else None
        )
        if inbound.automated and existing is None:
            raise IgnoredMessage(f"machine mail ({inbound.automated}) about no known complaint")
        if party.known and not inbound.automated:
            queries.clear_suppression(session, sender.channel, sender.address, now)
        events: list[dict[str, Any]] = []
        if existing is None:
            case = self._open(session, inbound, party, now, events)
            new = NewComplaint(
                case.id,
                case.number,
                party.customer_id,
                inbound.channel,
                f"{inbound.subject}\n{inbound.text}",
                customer_known=party.known,
                has_email=bool(sender.email) or inbound.channel == EMAIL,
            )
            events.extend(flag_duplicates(session, new, self.policy.duplicates, now))
        else:
            case = self._continue(session, existing, inbound, now, events)
        kind = "acknowledgement" if existing is None else "followup"
        withheld = self._reason_to_withhold(session, inbound, party, now)
        text = (
            ""
            if withheld
            else self.replies.render(
                kind,
                ReplyContext(
                    case.number,
                    party.name,
                    case.language,
                    case.department,
                    case.category,
                    case.grade,
                    case.first_response_due,
                ),
            )
        )
        rows = [
            {
                "complaint_id": case.id,
                "direction": "in",
                "channel": inbound.channel,
                "external_id": inbound.external_id,
                "identity_id": party.identity_id,
                "author": "customer",
                "kind": "automated"
                if inbound.automated
                else ("complaint" if existing is None else "follow-up"),
                "subject": inbound.subject,
                "text": inbound.text,
                "language": case.language,
                "created_at": now,
            }
        ]
        if text:
            rows.append(
                {
                    "complaint_id": case.id,
                    "direction": "out",
                    "channel": sender.channel,
                    "identity_id": party.identity_id,
                    "author": "bot",
                    "kind": kind,
                    "text": text,
                    "language": case.language,
                    "created_at": now,
                }
            )
        message_id, *reply = queries.add_messages(session, rows)
        queries.add_attachments(
            session,
            [
                {
                    "message_id": message_id,
                    "filename": item.filename,
                    "content_type": item.content_type,
                    "size": item.size,
                    "data": item.data,
                }
                for item in inbound.attachments
            ],
        )
        events.insert(
            0,
            _event(
                case.id,
                now,
                "customer",
                "message_received",
                {
                    "message": message_id,
                    "channel": inbound.channel,
                    "source": inbound.source,
                    "attachments": len(inbound.attachments),
                    **({"automated": inbound.automated} if inbound.automated else {}),
                },
            ),
        )
        queued = False
        if withheld:
            events.append(_event(case.id, now, "system", "reply_withheld", {"why": withheld}))
        else:
            queued = self._queue_reply(session, inbound, case, reply[0], kind, text, now, events)
        queries.add_events(session, events)
        return case.result(text, created=existing is None, duplicate=False), queued

    def _continue(
        self,
        session: Session,
        complaint: Complaint,
        inbound: Inbound,
        now: datetime,
        events: list[dict[str, Any]],
    ) -> _Case:
        """A message joins its complaint: fill blank details, reopen a closed case."""
        assert complaint.id is not None
        complaint.updated_at = now
        filled = _fill_details(complaint, inbound.details)
        if filled:
            events.append(
                _event(complaint.id, now, "customer", "details_added", {"fields": filled})
            )
        if inbound.automated:
            return _Case.of(complaint)
        score = _survey_score(inbound.text) if _awaits_survey(complaint) else None
        if score is not None:
            self._record_survey(session, complaint, score, now, inbound.text)
        elif _asks_for_handler(inbound.text) and complaint.status not in REOPENABLE:
            senior = hand_to_senior(session, self.policy.rules, complaint, now)
            key, values = (
                ("assigned_notice", {"name": senior}) if senior else ("handler_unavailable", {})
            )
            self._tell(session, complaint, key, now, **values)
        elif complaint.status in REOPENABLE:
            queries.change_status(
                session, complaint, "reopened", "customer", "the customer wrote again", now
            )
        return _Case.of(complaint)

    def _record_survey(
        self, session: Session, complaint: Complaint, score: int, now: datetime, text: str = ""
    ) -> None:
        """A reply that answers the survey (a digit 1-5) scores it once: a low score reopens
        the case, a good one closes it; either way the customer is thanked."""
        assert complaint.id is not None
        complaint.survey_score, complaint.survey_answered_at = score, now
        complaint.close_due = None
        comment = _SCORE.sub("", fold(text), count=1).strip(" -–—:.,!\n")
        if comment:
            complaint.survey_comment = text.strip()[:1000]
        queries.add_event(
            session, complaint.id, now, "customer", "survey_answered", {"score": score}
        )
        reopen = score <= self.policy.reopen_at_or_below
        if reopen:
            tell_supervisor(
                session,
                self.policy.rules,
                complaint,
                f"{complaint.number} was reopened: the customer rated the solution {score}/5.",
                now,
            )
        queries.change_status(
            session,
            complaint,
            "reopened" if reopen else "closed",
            "customer",
            f"survey score {score}",
            now,
        )
        self._tell(session, complaint, "reopened" if reopen else "survey_done", now)

    def _tell(
        self, session: Session, complaint: Complaint, key: str, now: datetime, **values: str
    ) -> None:
        """Queue a short notice to the customer on their channel, when it can carry one."""
        identity = session.get(Identity, complaint.identity_id)
        channel = self.channels.get(identity.channel) if identity else None
        if identity is not None and channel is not None and channel.can_send(identity.address):
            text = say(complaint.language, key, number=complaint.number or "", **values)
            queries.queue_message(
                session, complaint, identity.channel, identity.address, "progress", text, now
            )

    def _reason_to_withhold(
        self, session: Session, inbound: Inbound, party: queries.Party, now: datetime
    ) -> str:
        """Why no automatic answer may go back, or "": machine mail, loop protection, or too
        many automatic answers to this sender within the hour. (A suppressed address is not a
        reason here: the sender's own message has just lifted the suppression.)"""
        if inbound.automated:
            return f"machine mail: {inbound.automated}"
        if inbound.no_reply:
            return inbound.no_reply
        sender = inbound.sender
        limit = self.policy.replies_per_hour.get(sender.channel)
        if limit is None:
            return ""
        if not party.known:
            return ""
        sent = queries.replies_since(session, party.identity_id, now - timedelta(hours=1))
        if sent >= limit:
            return f"{sent} automatic replies to this sender in the last hour (limit {limit})"
        return ""

    def _queue_reply(
        self,
        session: Session,
        inbound: Inbound,
        case: _Case,
        reply_id: int,
        kind: str,
        text: str,
        now: datetime,
        events: list[dict[str, Any]],
    ) -> bool:
        """Queue the reply for delivery when its channel can be written to later."""
        sender = inbound.sender
        channel = self.channels.get(sender.channel)
        if channel is None or not channel.can_send(sender.address):
            return False
        queries.queue_delivery(
            session,
            {
                "complaint_id": case.id,
                "message_id": reply_id,
                "channel": sender.channel,
                "address": sender.address,
                "kind": kind,
                "next_attempt_at": now,
                "created_at": now,
                "payload": {
                    "complaint": case.number,
                    "text": text,
                    "language": case.language,
                    "subject": inbound.subject,
                    "in_reply_to": inbound.external_id,
                    "references": [*inbound.thread_hints, inbound.external_id],
                },
            },
        )
        events.append(
            _event(
                case.id,
                now,
                "system",
                "reply_queued",
                {"message": reply_id, "kind": kind, "channel": sender.channel},
            )
        )
        return True

    def _thread(self, session: Session, inbound: Inbound, party: queries.Party) -> Complaint | None:
        """The complaint this message continues, if it names or references one of the sender's."""
        if inbound.complaint_number:
            named = queries.complaint_by_number(session, inbound.complaint_number)
            if named is None:
                raise UnknownComplaint(f"there is no complaint {inbound.complaint_number}")
            if named.customer_id != party.customer_id:
                raise ComplaintNotYours(
                    f"complaint {inbound.complaint_number} belongs to another customer"
                )
            return named
        mentioned = [
            *inbound.referenced_complaints,
            *numbers_in(f"{inbound.subject}\n{inbound.text}"),
        ]
        return queries.complaint_of_customer(session, party.customer_id, mentioned) or (
            queries.complaint_by_references(
                session, inbound.channel, party.customer_id, inbound.thread_hints
            )
        )

    def _open(
        self,
        session: Session,
        inbound: Inbound,
        party: queries.Party,
        now: datetime,
        events: list[dict[str, Any]],
    ) -> _Case:
        """Route the message and open its complaint; append the routing events."""
        history = CustomerHistory(
            party.tier,
            queries.complaint_times(
                session, party.customer_id, inbound.received_at - HISTORY_WINDOW
            )
            if party.known
            else (),
        )
        decision = route(
            inbound,
            history,
            self.policy.rules,
            self.policy.service_levels,
            self.policy.default_language,
        )
        channel = self.channels.get(inbound.channel)
        answered_at_once = channel is not None and channel.answers_in_response
        status = "acknowledged" if answered_at_once else "new"
        values = {
            "customer_id": party.customer_id,
            "identity_id": party.identity_id,
            "channel": inbound.channel,
            "source": inbound.source,
            "status": status,
            "grade": decision.grade,
            "category": decision.category,
            "department": decision.department,
            "language": decision.language,
            "subject": inbound.subject[:200],
            "tags": list(decision.tags),
            "rule_set_version": decision.rule_set_version,
            "routing_trace": decision.trace_as_json(),
            "created_at": now,
            "updated_at": now,
            "first_response_due": decision.first_response_due,
            "resolution_due": decision.resolution_due,
            "next_update_due": now + self.policy.service_levels[decision.grade].progress_every,
            "escalate_due": decision.first_response_due,
            "warn_due": decision.first_response_due - self.policy.warn_before,
            **{
                key: inbound.details[key] for key in REGISTRATION_FIELDS if inbound.details.get(key)
            },
        }
        complaint_id, number = queries.open_complaint(session, values)
        events.append(
            _event(
                complaint_id,
                now,
                "router",
                "routed",
                {
                    "category": decision.category,
                    "department": decision.department,
                    "grade": decision.grade,
                    "language": decision.language,
                    "tags": list(decision.tags),
                    "rule_set_version": decision.rule_set_version,
                },
            )
        )
        self._notify_department(session, inbound, party, decision, complaint_id, number, now)
        if answered_at_once:
            events.append(
                _event(
                    complaint_id,
                    now,
                    "system",
                    "status_changed",
                    {
                        "from": "new",
                        "to": "acknowledged",
                        "why": f"acknowledged in the {inbound.channel} response",
                    },
                )
            )
        return _Case(
            complaint_id,
            number,
            status,
            decision.grade,
            decision.category,
            decision.department,
            decision.language,
            decision.first_response_due,
        )

    def _notify_department(
        self,
        session: Session,
        inbound: Inbound,
        party: queries.Party,
        decision: Decision,
        complaint_id: int,
        number: str,
        now: datetime,
    ) -> None:
        """Post the new complaint to its department's group, where agents answer by reply."""
        target = self.policy.notify.get(decision.department)
        if target is None:
            return
        complaint = session.get(Complaint, complaint_id)
        assert complaint is not None
        rules = self.policy.rules
        language = self.policy.default_language
        category = rules.categories[decision.category].names.get(language, decision.category)
        text = (
            f"{number} · {decision.grade} · {category}\n"
            f"{party.name or 'Customer'} ({inbound.channel})\n\n"
            f"{_clip(inbound.subject + chr(10) if inbound.subject else '')}"
            f"{_clip(inbound.text)}\n\n"
            "Reply to this message to answer the customer."
        )
        queries.queue_message(
            session, complaint, target[0], target[1], "notification", text, now, to_customer=False
        )

    def _replay(self, session: Session, message_id: int, complaint_id: int) -> IntakeResult:
        complaint = session.get(Complaint, complaint_id)
        assert complaint is not None
        answer = queries.first_reply_after(session, complaint_id, message_id)
        return _Case.of(complaint).result(answer, created=False, duplicate=True)


@dataclass(frozen=True)
class _Case:
    """What intake needs of the complaint a message belongs to, new or existing."""

    id: int
    number: str
    status: str
    grade: str
    category: str
    department: str
    language: str
    first_response_due: datetime

    @classmethod
    def of(cls, complaint: Complaint) -> _Case:
        assert complaint.id is not None and complaint.number is not None
        return cls(
            complaint.id,
            complaint.number,
            complaint.status,
            complaint.grade,
            complaint.category,
            complaint.department,
            complaint.language,
            complaint.first_response_due or complaint.created_at,
        )

    def result(self, acknowledgement: str, *, created: bool, duplicate: bool) -> IntakeResult:
        return IntakeResult(
            self.number,
            self.status,
            self.grade,
            self.category,
            self.department,
            self.language,
            acknowledgement,
            created,
            duplicate,
        )


def _event(
    complaint_id: int, at: datetime, actor: str, kind: str, detail: dict[str, Any]
) -> dict[str, Any]:
    return {"complaint_id": complaint_id, "at": at, "actor": actor, "kind": kind, "detail": detail}


_SCORE = re.compile(r"^\s*([1-5])(?!\d)")


def _awaits_survey(complaint: Complaint) -> bool:
    return complaint.close_due is not None and complaint.survey_score is None


_HANDLER = re.compile(r"^\s*(/handler\b|change handler\b|cambiar de gestor|更换处理人|更換處理人)")


def _asks_for_handler(text: str) -> bool:
    """The customer's explicit request for someone else: "/handler" (every channel), or the
    phrase "change handler" in their language, at the start of the message."""
    return _HANDLER.match(fold(text)) is not None


def _survey_score(text: str) -> int | None:
    """The score when the reply starts with a digit 1-5 ("4", "5 - great", "５")."""
    found = _SCORE.match(fold(text))
    return int(found.group(1)) if found else None


def _clip(text: str, limit: int = 3000) -> str:
    """Keep a group post within one Telegram message, so a reply to it always finds it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fill_details(complaint: Complaint, details: Mapping[str, str]) -> list[str]:
    """Set the registration fields the complaint does not have yet; never overwrite one."""
    filled = []
    for key in REGISTRATION_FIELDS:
        if details.get(key) and not getattr(complaint, key):
            setattr(complaint, key, details[key])
            filled.append(key)
    return filled
