"""An agent's answer to the customer, as a message row and its outbox row (kept apart from
staff.actions, which would outgrow a module)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.addresses import Address
from complaints.errors import CannotReach
from outbox.notify import Notifier, in_thread
from store import queries
from store.models import Complaint
from store.queries.customers import customer


def reply_address(session: Session, complaint: Complaint, notifier: Notifier) -> Address:
    """Where an answer to the customer goes; refused (409) with the reason the person can act
    on when it can go nowhere: the customer's data was erased (no address is kept, which a
    channel's limits would not explain), or their channel cannot carry a later message."""
    address = notifier.customer_address(session, complaint)
    if address is not None:
        return address
    number = complaint.number or ""
    found = customer(session, customer_id=complaint.customer_id)
    if found is not None and found.erased_at is not None:
        raise CannotReach(
            "%(number)s: the customer's personal data was erased, so no address of theirs is "
            "kept and nothing can be sent to them; contact them another way if you still can",
            number=number,
        )
    raise CannotReach(
        "%(number)s: the customer's %(channel)s channel cannot receive later messages; "
        "contact them another way",
        number=number,
        channel=complaint.channel,
    )


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
