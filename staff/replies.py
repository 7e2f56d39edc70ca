"""An agent's answer to the customer, as a message row and its outbox row (kept apart from
staff.actions, which would outgrow a module)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.addresses import Address
from outbox.notify import in_thread
from store import queries
from store.models import Complaint


def queue_reply(
    session: Session, complaint: Complaint, to: Address, author: str, text: str, now: datetime
) -> int:
    """Record an agent's answer and queue it for the customer, threaded to their last message
    (mail clients show it in the same conversation); the message's id."""
    assert complaint.id is not None
    (reply_id,) = queries.add_messages(
        session,
        [
            {
                "complaint_id": complaint.id,
                "direction": "out",
                "channel": to.channel,
                "identity_id": complaint.identity_id,
                "author": author,
                "kind": "reply",
                "text": text,
                "language": complaint.language,
                "created_at": now,
            }
        ],
    )
    queries.queue_delivery(
        session,
        {
            "complaint_id": complaint.id,
            "message_id": reply_id,
            "channel": to.channel,
            "address": to.address,
            "kind": "reply",
            "next_attempt_at": now,
            "created_at": now,
            "payload": {
                "complaint": complaint.number,
                "text": text,
                "language": complaint.language,
                **in_thread(session, complaint, to.channel),
            },
        },
    )
    return reply_id
