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
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import Channel, Inbound
from complaints.addresses import EMAIL
from complaints.cleaning import without_nul
from complaints.clock import Clock
from complaints.errors import ComplaintBotError, IgnoredMessage, ReusedKey
from intake.answered_at import adopt_answered_address
from intake.attachments import (
    AttachmentLimits,
    Dropped,
    dropped_event,
    not_kept_notice,
    within_limits,
)
from intake.case import Case, IntakeResult, event
from intake.duplicates import NewComplaint, flag_duplicates
from intake.follow_up import Continued, FollowUp, continue_complaint
from intake.opening import Opening, open_complaint
from intake.recording import answered_before, queue_reply, received_event, record_message
from intake.resends import own_key, repeated_words, resent
from intake.settings import DuplicateSettings
from intake.threads import follow_merge, thread_of
from observe.metrics import Metrics
from outbox.next_step import standing
from outbox.notify import Notifier
from outbox.reply_limit import ReplyLimit
from outbox.templates import Replies, ReplyContext
from outbox.texts import say
from router import RuleSet
from router.model import CategoryModel
from scheduler.due import DueTimes
from store import queries
from store.database import Database
from store.models import Complaint
from store.queries.complaints import complaint_by_id

log = logging.getLogger(__name__)

__all__ = ["Intake", "IntakePolicy", "IntakeResult"]

BOUNCING = frozenset({EMAIL})
"""The channels whose deliveries can bounce (intake.bounces): only their addresses are ever
suppressed, so only their senders need the suppression lifted."""


@dataclass(frozen=True)
class IntakePolicy:
    default_language: str
    max_attachments: int
    max_attachment_bytes: int
    replies_per_hour: Mapping[str, int] = field(default_factory=dict)
    """Per channel, the most automatic answers to their own messages one sender gets in an
    hour (mail loops); staff notices do not count."""
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
        model: Callable[[], CategoryModel | None] = lambda: None,
        on_queued: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
    ) -> None:
        """`channels` are asked whether they hand the acknowledgement back at once; `rules()`
        gives the rule set in force now and `model()` the triage model (None: rules alone);
        `on_queued` wakes the dispatcher after a commit that queued deliveries; `metrics` counts
        every message by outcome."""
        self.database = database
        self.policy = policy
        self.replies = replies
        self.clock = clock
        self.channels = channels
        self.notifier = notifier
        self.due = due
        self.rules = rules
        self.model = model
        self.on_queued = on_queued
        self.metrics = metrics or Metrics()

    async def receive(self, inbound: Inbound) -> IntakeResult:
        inbound = without_nul(inbound)  # PostgreSQL cannot store U+0000 (see complaints.cleaning)
        received = self.metrics.messages_received
        try:
            inbound, dropped = self._within_limits(inbound)
            # One group commit with whatever else arrived meanwhile, a savepoint each. A
            # concurrent copy of the same message may win the race (PostgreSQL); the retry
            # then finds it a duplicate, answered from what that copy stored. The batch runs
            # sorted by the rows each message locks first (its sender's identity, then its
            # dedupe key), so two instances' batches holding the same messages cannot
            # deadlock on them.
            sender = inbound.sender
            result, queued = await self.database.write_batched(
                lambda s: self._record(s, inbound, dropped),
                retry_on_conflict=True,
                order=(sender.channel, sender.address, inbound.channel, inbound.external_id),
            )
        except IgnoredMessage:
            received.labels(inbound.channel, "ignored").inc()
            raise
        except ComplaintBotError:
            received.labels(inbound.channel, "refused").inc()
            raise
        except Exception:
            received.labels(inbound.channel, "failed").inc()
            raise
        if queued:
            self.on_queued()
        outcome = "duplicate" if result.duplicate else "new" if result.created else "follow_up"
        received.labels(inbound.channel, outcome).inc()
        if outcome == "new" and result.acknowledgement and self._answers_at_once(inbound):
            self.metrics.acknowledgements_sent.labels(inbound.channel, "response").inc()
        log.info(
            "%s %s via %s",
            outcome.replace("_", "-"),
            result.complaint,
            inbound.channel,
            extra={"complaint": result.complaint},
        )
        return result

    @property
    def limits(self) -> AttachmentLimits:
        return AttachmentLimits(self.policy.max_attachments, self.policy.max_attachment_bytes)

    def _within_limits(self, inbound: Inbound) -> tuple[Inbound, tuple[Dropped, ...]]:
        """The message with the attachments that fit, and those dropped (`within_limits`)."""
        return within_limits(inbound, self.limits, answers_at_once=self._answers_at_once(inbound))

    def _opening(self) -> Opening:
        return Opening(
            self.rules(), self.due, self.policy.default_language, self.notifier, self.model()
        )

    def _follow_up(self) -> FollowUp:
        at_or_below, format_due = self.policy.reopen_at_or_below, self.replies.format_due
        return FollowUp(self.notifier, self.due, at_or_below, self.rules(), format_due)

    def _answers_at_once(self, inbound: Inbound) -> bool:
        channel = self.channels.get(inbound.channel)
        return channel is not None and channel.answers_in_response

    def _record(
        self, session: Session, inbound: Inbound, dropped: tuple[Dropped, ...]
    ) -> tuple[IntakeResult, bool]:
        """Parse → decide → persist → say, in the caller's one transaction; the result, and
        whether a delivery was queued. `dropped`: attachments over the limits, recorded and
        named in the answer."""
        seen = queries.find_inbound(session, inbound.channel, inbound.external_id)
        # (A Telegram edit keeps its message's id: the edit is not a new message.)
        compared = self._answers_at_once(inbound) or inbound.channel == EMAIL
        if seen is not None and compared and not resent(session, inbound, seen[0]):
            # A replay answers the sender with the stored message's acknowledgement: where that
            # goes back in the response (the webhook), it must be the same message sent again.
            if self._answers_at_once(inbound):
                raise ReusedKey(
                    "this id was already used for a different complaint (another customer or "
                    "other text); nothing was stored: send this message with a new id"
                )
            if inbound.channel == EMAIL:
                # Another mail under a Message-ID already seen (a mailer that reuses them, or
                # another sender): a message of its own, keyed so that ITS resends dedupe.
                inbound = replace(inbound, external_id=own_key(inbound))
                seen = queries.find_inbound(session, inbound.channel, inbound.external_id)
        if seen is not None:
            return self._replay(session, *seen), False
        now = self.clock.now()
        party = _party(session, inbound, now)
        repeated = repeated_words(session, inbound, party, now)
        existing, resend = self._existing(session, inbound, party, repeated)
        if not (inbound.automated or inbound.relayed) and inbound.sender.channel in BOUNCING:
            # the address works: known or not, it may be mailed again
            queries.clear_suppression(session, inbound.sender.channel, inbound.sender.address, now)
        events: list[dict[str, Any]] = []
        if existing is None:
            continued = Continued(self._open(session, inbound, party, now, events))
        elif resend:  # the same words again: recorded on it, and nothing in it changes
            continued = Continued(Case.of(existing))
        else:
            continued = continue_complaint(
                session, existing, inbound, now, events, self._follow_up()
            )
        case = continued.case
        kind = "acknowledgement" if existing is None else "followup"
        withheld = continued.quiet or self._reason_to_withhold(
            session, inbound, party, now, repeated=repeated is not None
        )
        not_kept = not_kept_notice(case.language, dropped, self.limits) if dropped else ""
        text = ""
        if not withheld:
            text = self._render(kind, party, continued, inbound.channel, existing, now, not_kept)
        message_id, reply_id = record_message(session, inbound, case, party, kind, text, now)
        events.insert(0, received_event(inbound, case, message_id, now))
        if dropped:
            events.append(dropped_event(case.id, now, dropped, self.limits))
        queued = False
        if withheld:
            events.append(event(case.id, now, "system", "reply_withheld", {"why": withheld}))
        elif reply_id is not None and self.notifier.can_send(
            inbound.sender.channel, inbound.answer_address
        ):
            events.append(queue_reply(session, inbound, case, reply_id, kind, text, now))
            queued = True
        queries.add_events(session, events)
        return case.result(text, created=existing is None, duplicate=False), queued

    def _existing(
        self, session: Session, inbound: Inbound, party: queries.Party, repeated: int | None
    ) -> tuple[Complaint | None, bool]:
        """The complaint the message continues, and whether only its words tie it there (a
        resend, which changes nothing: no reopening, no survey answer, no regrading); machine
        mail about none is ignored. A new
        customer owns no complaint yet, unless they name one: then it must be refused. A
        message naming a merged complaint continues the one it was merged into.

        The sender's own words again within the hour, threaded to nothing, continue the
        complaint that holds them: a person unsure the first went through sends it again, and
        a second complaint would get no acknowledgement (`_reason_to_withhold`) and give the
        desk the same case twice. `repeated`: the complaint holding them (`intake.resends`)."""
        threadable = party.known or inbound.complaint_number
        existing = thread_of(session, inbound, party) if threadable else None
        resend = existing is None and repeated is not None and not inbound.automated
        if resend:
            existing = complaint_by_id(session, complaint_id=repeated or 0)
        existing = follow_merge(session, existing)
        if inbound.automated and existing is None:
            raise IgnoredMessage(
                "machine mail (%(automated)s) about no known complaint", automated=inbound.automated
            )
        return existing, resend

    def _open(
        self,
        session: Session,
        inbound: Inbound,
        party: queries.Party,
        now: datetime,
        events: list[dict[str, Any]],
    ) -> Case:
        """Open the complaint and flag it when it looks like one the person sent elsewhere."""
        answered = self._answers_at_once(inbound)
        case = open_complaint(
            session, inbound, party, now, events, self._opening(), answered_at_once=answered
        )
        new = NewComplaint(
            case.id,
            case.number,
            party.customer_id,
            inbound.channel,
            f"{inbound.subject}\n{inbound.text}",
            customer_known=party.known,
            emails=_emails_of(inbound),
        )
        events.extend(flag_duplicates(session, new, self.policy.duplicates, now))
        return case

    def _render(
        self,
        kind: str,
        party: queries.Party,
        continued: Continued,
        channel: str,
        existing: Complaint | None,
        now: datetime,
        not_kept: str,
    ) -> str:
        """The acknowledgement's or follow-up's template, or the text `answer` of outbox.texts
        that replaces it (the survey's thanks, a reopening, a dispute). A follow-up says where
        `existing` stands, as a progress update does; `not_kept` (attachments dropped) goes
        where the template places it, else at the end."""
        case, answer = continued.case, continued.answer
        if answer:
            due = self.replies.format_due(case.first_response_due, case.language)
            values = dict(continued.values)
            said = say(case.language, answer, number=case.number, due=due, **values) + "\n"
            return f"{said}\n{not_kept}\n" if not_kept else said
        context = ReplyContext(
            case.number,
            party.name,
            case.language,
            case.department,
            case.category,
            case.grade,
            case.first_response_due,
            channel,
            not_kept,
            standing(existing, now, self.replies.format_due, case.language) if existing else None,
        )
        rendered = self.replies.render(kind, context)
        return rendered if not_kept in rendered else f"{rendered}\n{not_kept}\n"

    def _reason_to_withhold(
        self,
        session: Session,
        inbound: Inbound,
        party: queries.Party,
        now: datetime,
        *,
        repeated: bool,
    ) -> str:
        """Why no automatic answer may go back, or "": machine mail, or too many automatic
        answers to this sender within the hour. (A suppressed address is not a reason here:
        the sender's own message has just lifted the suppression.) A person's reply to the
        bot's own mail is answered like any follow-up: it is the commonest one, and what makes
        mail a machine's is its markers (channels.email.bounces), not what it answers.

        The limit is against loops with autoresponders that mark nothing, so it counts only
        what a loop can cause: answers to the sender's own messages. Notices that staff or
        the schedule cause (assignment, resolution, the survey) neither count nor are held
        back. It holds back a new complaint's acknowledgement too: an autoresponder that does
        not thread its replies opens a new complaint with each one, and that loop is stopped
        by nothing else. `repeated`: the sender's own words again within the hour."""
        if inbound.automated:
            return f"machine mail: {inbound.automated}"
        sender = inbound.sender
        answerable = self.notifier.can_send(sender.channel, inbound.answer_address)
        if not answerable and not self._answers_at_once(inbound):  # kept; the desk sees why
            return (
                f"the {sender.channel} channel cannot write to the sender (a no-reply or form "
                "sender, and no other address to answer in the message)"
            )
        limit = ReplyLimit(self.policy.replies_per_hour)
        if sender.channel not in limit.per_hour or not party.known:
            return ""
        over = limit.over(
            session, identity_id=party.identity_id, channel=inbound.sender.channel, now=now
        )
        if over:
            return over
        if repeated:
            # what an autoresponder that marks nothing sends back each time; a person who
            # sends the same words again was answered the first time
            return "the sender's own words again within the hour"
        return ""

    def _replay(self, session: Session, message_id: int, complaint_id: int) -> IntakeResult:
        complaint = complaint_by_id(session, complaint_id=complaint_id)
        assert complaint is not None
        answer = queries.first_reply_after(session, complaint_id, message_id)
        return answered_before(session, complaint, message_id).result(
            answer, created=False, duplicate=True
        )


def _emails_of(inbound: Inbound) -> tuple[str, ...]:
    """The e-mail addresses a message gives for its sender, as `_party` stores them: the
    customer's e-mail and, on the e-mail channel, the identity's address."""
    sender = inbound.sender
    given = [sender.email.strip().lower()]
    if sender.channel == EMAIL:
        given.append(sender.address)
    return tuple(dict.fromkeys(email for email in given if email))


def _party(session: Session, inbound: Inbound, now: datetime) -> queries.Party:
    """The sender as a customer identity, created or updated with what the channel knows
    (an address the customer asked answers to go to is theirs: `adopt_answered_address`)."""
    adopt_answered_address(session, inbound)
    sender = inbound.sender
    return queries.identity_for(
        session,
        sender.channel,
        sender.address,
        now,
        display_name=sender.display_name,
        email=sender.email.strip().lower(),  # compared case-blind (duplicates)
        phone=sender.phone,
        phone_hint=sender.phone_hint,
        tier=sender.tier,
    )
