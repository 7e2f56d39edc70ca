"""Intake: one inbound message becomes one recorded, routed and acknowledged complaint.

All of it happens in one transaction: dedupe on (channel, external id), link or create the
customer, thread into an existing complaint or open a new one, route it, record the message
and events, and write the acknowledgement and its deliveries to the outbox. A channel tells its
sender "received" only after `receive` returns, so a crash before that loses nothing: the
sender retries and the dedupe key makes the retry harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from channels.base import Channel, Inbound
from complaints.addresses import EMAIL
from complaints.clock import Clock
from complaints.errors import IgnoredMessage, InvalidMessage
from intake.case import Case, IntakeResult, event
from intake.duplicates import NewComplaint, flag_duplicates
from intake.follow_up import FollowUp, continue_complaint
from intake.opening import Opening, open_complaint
from intake.settings import DuplicateSettings
from intake.threads import follow_merge, thread_of
from outbox.notify import Notifier
from outbox.templates import Replies, ReplyContext
from router import RuleSet
from scheduler.due import DueTimes
from store import queries
from store.database import Database
from store.queries.complaints import complaint_by_id

log = logging.getLogger(__name__)

__all__ = ["Intake", "IntakePolicy", "IntakeResult"]


@dataclass(frozen=True)
class IntakePolicy:
    default_language: str
    max_attachments: int
    max_attachment_bytes: int
    replies_per_hour: Mapping[str, int] = field(default_factory=dict)
    """Per channel, the most automatic replies one sender gets in an hour (mail loops)."""
    reopen_at_or_below: int = 2
    """A survey answered with this score or lower reopens the complaint."""
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
        notifier: Notifier,
        due: DueTimes,
        *,
        rules: Callable[[], RuleSet],
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        """`channels` are asked whether they hand the acknowledgement back at once; `rules()`
        gives the rule set in force now; `on_queued` wakes the dispatcher after a commit that
        queued deliveries."""
        self.database = database
        self.policy = policy
        self.replies = replies
        self.clock = clock
        self.channels = channels
        self.notifier = notifier
        self.due = due
        self.rules = rules
        self.on_queued = on_queued

    async def receive(self, inbound: Inbound) -> IntakeResult:
        self._check_limits(inbound)
        # A concurrent copy of the same message may win the race (PostgreSQL); the retry then
        # finds it a duplicate, answered from what that copy stored.
        result, queued = await self.database.write(
            lambda s: self._record(s, inbound), retry_on_conflict=True
        )
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

    def _opening(self) -> Opening:
        return Opening(self.rules(), self.due, self.policy.default_language, self.notifier)

    def _follow_up(self) -> FollowUp:
        return FollowUp(self.notifier, self.due, self.policy.reopen_at_or_below)

    def _answers_at_once(self, inbound: Inbound) -> bool:
        channel = self.channels.get(inbound.channel)
        return channel is not None and channel.answers_in_response

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
        existing = follow_merge(session, thread_of(session, inbound, party)) if threadable else None
        if inbound.automated and existing is None:
            raise IgnoredMessage(f"machine mail ({inbound.automated}) about no known complaint")
        if party.known and not inbound.automated:
            queries.clear_suppression(session, sender.channel, sender.address, now)
        events: list[dict[str, Any]] = []
        if existing is None:
            case = open_complaint(
                session,
                inbound,
                party,
                now,
                events,
                self._opening(),
                answered_at_once=self._answers_at_once(inbound),
            )
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
            case = continue_complaint(session, existing, inbound, now, events, self._follow_up())
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
            event(
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
            events.append(event(case.id, now, "system", "reply_withheld", {"why": withheld}))
        else:
            queued = self._queue_reply(session, inbound, case, reply[0], kind, text, now, events)
        queries.add_events(session, events)
        return case.result(text, created=existing is None, duplicate=False), queued

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
        case: Case,
        reply_id: int,
        kind: str,
        text: str,
        now: datetime,
        events: list[dict[str, Any]],
    ) -> bool:
        """Queue the reply for delivery when its channel can be written to later."""
        sender = inbound.sender
        if not self.notifier.can_send(sender.channel, sender.address):
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
            event(
                case.id,
                now,
                "system",
                "reply_queued",
                {"message": reply_id, "kind": kind, "channel": sender.channel},
            )
        )
        return True

    def _replay(self, session: Session, message_id: int, complaint_id: int) -> IntakeResult:
        complaint = complaint_by_id(session, complaint_id=complaint_id)
        assert complaint is not None
        answer = queries.first_reply_after(session, complaint_id, message_id)
        return Case.of(complaint).result(answer, created=False, duplicate=True)
