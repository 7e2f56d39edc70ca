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
    return queries.queue_message(
        session,
        complaint,
        to.channel,
        to.address,
        "reply",
        text,
        now,
        in_thread(session, complaint, to.channel),
        author=author,
    )
