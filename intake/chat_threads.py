"""Which complaint a chat message is about, when the customer has more than one.

A customer with two open complaints (after /new) answers the older one by replying to the
bot's message about it (the agent's question, the proposal) or by naming its number; the
chat's current complaint is only the fallback (`intake.threads.thread_of`). The bot knows what
each of its Telegram messages was about: the outbox records the message id Telegram gave each
delivery (`transport_id`, every part's of a split message), beside its complaint.
"""

from __future__ import annotations

from sqlmodel import Session

from complaints.numbers import numbers_in
from intake.chat_link import CHANNEL
from store import queries
from store.models import Complaint
from store.queries.complaints import complaint_by_id
from store.queries.outbox import deliveries_by_transport_id


def complaint_of_chat_message(session: Session, chat_id: int, message_id: int) -> str:
    """The number of the complaint that message `message_id` of the chat belongs to: one the
    bot sent there about it, or the customer's own earlier message; "" when none is known."""
    sent = deliveries_by_transport_id(session, CHANNEL, [str(message_id)])
    ids = [item.complaint_id for item in sent if item.address == str(chat_id)]
    own = queries.find_inbound(session, CHANNEL, f"{chat_id}:{message_id}")
    ids += [own[1]] if own is not None else []
    complaint = complaint_by_id(session, complaint_id=ids[0]) if ids else None
    return complaint.number or "" if complaint is not None else ""


def meant_for_another(complaint: Complaint, replied: str, text: str) -> bool:
    """Whether a message replying to the bot's message about complaint `replied` (or to
    none: "") and saying `text` is about another complaint than `complaint`: it replies to
    another one's message, or names numbers and not this one's."""
    if replied:
        return replied != complaint.number
    named = numbers_in(text)
    return bool(named) and complaint.number not in named
