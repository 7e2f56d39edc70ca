"""The acknowledgement the hourly limit withheld, sent late: the first automatic message that
reaches a customer about a complaint is its acknowledgement, never a progress update.

A sender who mails more complaints within the hour than `[email] max_replies_per_hour` gets no
acknowledgement for the rest (loop protection, intake.receive): those complaints stay `new`,
and the customer was never given their numbers. The progress sweep, when such a complaint's
update falls due, sends this instead of the update, once the limit has room again and counted
against it like any acknowledgement (so a loop that opens a complaint with each reply is held
to the same rate as before); until then it sends nothing about that complaint."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from outbox.notify import Notifier, in_thread
from outbox.reply_limit import ReplyLimit
from outbox.templates import Replies, ReplyContext
from store import queries
from store.models import Complaint
from store.queries.customers import customer

KIND = "acknowledgement"


class LateAcknowledgements:
    def __init__(self, notifier: Notifier, replies: Replies, limit: ReplyLimit) -> None:
        self.notifier = notifier
        self.replies = replies
        self.limit = limit

    def owed(self, session: Session, complaint: Complaint) -> bool:
        """Whether the customer is owed the complaint's acknowledgement: it is still `new`
        (no acknowledgement delivered, nobody at the desk has moved it) and none was written."""
        return complaint.status == "new" and not queries.acknowledgement_written(
            session, complaint_id=complaint.id or 0
        )

    def send(self, session: Session, complaint: Complaint, now: datetime) -> datetime | None:
        """Queue the acknowledgement and return None (or do nothing when the customer cannot
        be written to later); or, when the hourly limit has no room, return when it will."""
        address = self.notifier.customer_address(session, complaint)
        if address is None:
            return None
        later = self.limit.room_at(
            session, identity_id=complaint.identity_id, channel=address.channel, now=now
        )
        if later is not None:
            return later
        person = customer(session, customer_id=complaint.customer_id)
        context = ReplyContext(
            complaint.number or "",
            person.name if person is not None else "",
            complaint.language,
            complaint.department,
            complaint.category,
            complaint.grade,
            promised_answer(complaint, now),
            address.channel,
        )
        text = self.replies.render(KIND, context)
        threaded = in_thread(session, complaint, address.channel)
        message = queries.queue_message(
            session, complaint, address.channel, address.address, KIND, text, now, threaded
        )
        detail = {"message": message, "kind": KIND, "channel": address.channel}
        queries.add_event(session, complaint.id or 0, now, "system", "reply_queued", detail)
        return None


def promised_answer(complaint: Complaint, now: datetime) -> datetime:
    """The time the late acknowledgement tells the customer a person will answer by: the
    first-response deadline, or, once that has passed while the acknowledgement was held, as
    long again from now as the deadline gave from the complaint's arrival. A promise already
    broken when it is made helps nobody; the desk's own deadline stays as it was, so the
    complaint still escalates."""
    due = complaint.first_response_due
    if due is None:
        return now
    if due > now:
        return due
    return now + max(due - complaint.created_at, timedelta(0))
