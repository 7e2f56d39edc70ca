"""A reply from the address a customer asked answers to go to is theirs.

Raúl writes from work with `Reply-To:` his home address; the acknowledgement goes home, and he
answers from there. That address is no identity yet, so without this his answer would be a
stranger's: a second customer and a second complaint. When a new address's message replies to
the bot's signed mail about a complaint (`Inbound.referenced_complaints`: only mail the bot
sent there carries those ids) whose customer asked answers to go to that very address, the
address becomes one of that customer's identities. A number merely written in the text, or a
reply to mail sent elsewhere, adopts nothing.
"""

from __future__ import annotations

from sqlmodel import Session

from channels.base import Inbound
from store.queries.customers import adopt_identity, customer_answered_at, identity_at


def adopt_answered_address(session: Session, inbound: Inbound) -> None:
    """Make the sender's address an identity of the customer who asked answers to go to it,
    when `inbound` replies to one of those answers and the address is nobody's yet."""
    sender = inbound.sender
    if not inbound.referenced_complaints:
        return
    if identity_at(session, channel=sender.channel, address=sender.address) is not None:
        return
    customer_id = customer_answered_at(
        session,
        channel=sender.channel,
        address=sender.address,
        numbers=inbound.referenced_complaints,
    )
    if customer_id is not None:
        adopt_identity(
            session, customer_id=customer_id, channel=sender.channel, address=sender.address
        )
