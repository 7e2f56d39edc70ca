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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from channels.base import REGISTRATION_FIELDS, Channel, Inbound
from desk.clock import Clock
from desk.errors import ComplaintNotYours, InvalidMessage, UnknownComplaint
from desk.replies import Replies, ReplyContext
from router import CustomerHistory, Decision, RuleSet, ServiceLevel, route
from store import queries
from store.database import Database
from store.models import Attachment, Complaint, Customer, Identity, Message, OutboxItem

log = logging.getLogger(__name__)

NUMBER_IN_TEXT = re.compile(r"\bC-\d{4}-\d{6,}\b")
HISTORY_WINDOW = timedelta(days=366)


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
        if not inbound.text.strip() and not inbound.attachments:
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
            return self._replay(session, seen), False
        now = self.clock.now()
        sender = inbound.sender
        identity, customer = queries.identity_for(
            session,
            sender.channel,
            sender.address,
            now,
            display_name=sender.display_name,
            email=sender.email,
            phone=sender.phone,
            tier=sender.tier,
        )
        assert customer.id is not None
        complaint = self._thread(session, inbound, customer.id)
        created = complaint is None
        decision = None
        if complaint is None:
            history = CustomerHistory(
                customer.tier,
                queries.complaint_times(session, customer.id, inbound.received_at - HISTORY_WINDOW),
            )
            decision = route(
                inbound,
                history,
                self.policy.rules,
                self.policy.service_levels,
                self.policy.default_language,
            )
            complaint = self._open(session, inbound, customer, identity, decision)
        assert complaint.id is not None and complaint.number is not None
        message = queries.add_message(
            session,
            Message(
                complaint_id=complaint.id,
                direction="in",
                channel=inbound.channel,
                external_id=inbound.external_id,
                identity_id=identity.id,
                author="customer",
                kind="complaint" if created else "follow-up",
                subject=inbound.subject,
                text=inbound.text,
                language=complaint.language,
                created_at=now,
            ),
            [
                Attachment(
                    message_id=0,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    data=a.data,
                )
                for a in inbound.attachments
            ],
        )
        queries.add_event(
            session,
            complaint.id,
            now,
            "customer",
            "message_received",
            {
                "message": message.id,
                "channel": inbound.channel,
                "source": inbound.source,
                "attachments": len(inbound.attachments),
            },
        )
        if decision is not None:
            queries.add_event(
                session,
                complaint.id,
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
        else:
            complaint.updated_at = now
            filled = _fill_details(complaint, inbound.details)
            if filled:
                queries.add_event(
                    session,
                    complaint.id,
                    now,
                    "customer",
                    "details_added",
                    {"fields": filled},
                )
        kind = "acknowledgement" if created else "followup"
        text = self.replies.render(
            kind,
            ReplyContext(
                complaint.number,
                customer.name,
                complaint.language,
                complaint.department,
                complaint.category,
                complaint.grade,
                complaint.first_response_due or now,
            ),
        )
        queued = self._answer(session, complaint, identity, kind, text, now)
        channel = self.channels.get(inbound.channel)
        if created and channel is not None and channel.answers_in_response:
            complaint.status = "acknowledged"
            queries.add_event(
                session,
                complaint.id,
                now,
                "system",
                "status_changed",
                {
                    "from": "new",
                    "to": "acknowledged",
                    "why": f"acknowledged in the {inbound.channel} response",
                },
            )
        return self._result(complaint, text, created=created, duplicate=False), queued

    def _thread(self, session: Session, inbound: Inbound, customer_id: int) -> Complaint | None:
        """The complaint this message continues, if it names or references one of the sender's."""
        if inbound.complaint_number:
            named = queries.complaint_by_number(session, inbound.complaint_number)
            if named is None:
                raise UnknownComplaint(f"there is no complaint {inbound.complaint_number}")
            if named.customer_id != customer_id:
                raise ComplaintNotYours(
                    f"complaint {inbound.complaint_number} belongs to another customer"
                )
            return named
        mentioned = NUMBER_IN_TEXT.findall(f"{inbound.subject}\n{inbound.text}")
        return queries.complaint_of_customer(session, customer_id, mentioned) or (
            queries.complaint_by_references(
                session, inbound.channel, customer_id, inbound.thread_hints
            )
        )

    def _open(
        self,
        session: Session,
        inbound: Inbound,
        customer: Customer,
        identity: Identity,
        decision: Decision,
    ) -> Complaint:
        now = self.clock.now()
        assert customer.id is not None and identity.id is not None
        complaint = queries.open_complaint(
            session,
            Complaint(
                customer_id=customer.id,
                identity_id=identity.id,
                channel=inbound.channel,
                source=inbound.source,
                status="new",
                grade=decision.grade,
                category=decision.category,
                department=decision.department,
                language=decision.language,
                subject=inbound.subject[:200],
                tags=list(decision.tags),
                rule_set_version=decision.rule_set_version,
                routing_trace=decision.trace_as_json(),
                created_at=now,
                updated_at=now,
                first_response_due=decision.first_response_due,
                resolution_due=decision.resolution_due,
            ),
        )
        _fill_details(complaint, inbound.details)
        assert complaint.id is not None
        return complaint

    def _answer(
        self,
        session: Session,
        complaint: Complaint,
        identity: Identity,
        kind: str,
        text: str,
        now: datetime,
    ) -> bool:
        """Record the reply; queue it for delivery when the channel can be written to later."""
        assert complaint.id is not None and complaint.number is not None
        reply = queries.add_message(
            session,
            Message(
                complaint_id=complaint.id,
                direction="out",
                channel=identity.channel,
                identity_id=identity.id,
                author="bot",
                kind=kind,
                text=text,
                language=complaint.language,
                created_at=self.clock.now(),
            ),
        )
        channel = self.channels.get(identity.channel)
        if channel is None or not channel.can_send(identity.address):
            return False
        assert reply.id is not None
        queries.queue_delivery(
            session,
            OutboxItem(
                complaint_id=complaint.id,
                message_id=reply.id,
                channel=identity.channel,
                address=identity.address,
                kind=kind,
                payload={
                    "complaint": complaint.number,
                    "text": text,
                    "language": complaint.language,
                },
                next_attempt_at=self.clock.now(),
                created_at=self.clock.now(),
            ),
        )
        queries.add_event(
            session,
            complaint.id,
            self.clock.now(),
            "system",
            "reply_queued",
            {"message": reply.id, "kind": kind, "channel": identity.channel},
        )
        return True

    def _replay(self, session: Session, seen: Message) -> IntakeResult:
        complaint = session.get(Complaint, seen.complaint_id)
        assert complaint is not None and seen.id is not None
        answer = queries.latest_outbound(session, complaint.id or 0, seen.id)
        return self._result(complaint, answer.text if answer else "", created=False, duplicate=True)

    @staticmethod
    def _result(complaint: Complaint, text: str, *, created: bool, duplicate: bool) -> IntakeResult:
        assert complaint.number is not None
        return IntakeResult(
            complaint.number,
            complaint.status,
            complaint.grade,
            complaint.category,
            complaint.department,
            complaint.language,
            text,
            created,
            duplicate,
        )


def _fill_details(complaint: Complaint, details: Mapping[str, str]) -> list[str]:
    """Set the registration fields the complaint does not have yet; never overwrite one."""
    filled = []
    for key in REGISTRATION_FIELDS:
        if details.get(key) and not getattr(complaint, key):
            setattr(complaint, key, details[key])
            filled.append(key)
    return filled
