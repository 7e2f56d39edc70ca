"""Whether a message is one the store already holds, sent again: the same message under its
own dedupe key (a retry: answered from what was stored), or the sender's same words within the
hour under a new key (a person unsure the first went through, or an autoresponder repeating
itself: joined to the complaint holding them, and not answered again)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlmodel import Session

from channels.base import Inbound, key_apart
from store import queries

REPEAT_WINDOW = timedelta(hours=1)
"""How long a sender's exact words count as the same message sent again."""


def repeated_words(
    session: Session, inbound: Inbound, party: queries.Party, now: datetime
) -> int | None:
    """The complaint holding the same words from this sender within `REPEAT_WINDOW`, if any:
    a resend (joined to it) or an autoresponder repeating itself (not answered). One read, for
    a sender already known."""
    if not party.known or not inbound.text.strip():
        return None
    return queries.said_since(session, party.identity_id, inbound.stored_text, now - REPEAT_WINDOW)


def resent(session: Session, inbound: Inbound, message_id: int) -> bool:
    """Whether `inbound` is the stored message `message_id` sent again: the same sender, the
    same text. After an erasure neither is known; a resend is assumed, answered with what the
    store still holds (nothing personal), so the erased message is not stored anew."""
    origin = queries.origin_of(session, message_id)
    sender = inbound.sender
    return origin.erased or (origin.channel, origin.address, origin.text) == (
        sender.channel,
        sender.address,
        inbound.stored_text,
    )


def own_key(inbound: Inbound) -> str:
    """The dedupe key of a mail whose Message-ID an earlier, different mail holds: that id
    with a digest of this mail's sender and text, which its own resends repeat. Answers to it
    still refer to the Message-ID it carried (`channels.base.transport_id`)."""
    sender = inbound.sender
    mail = f"{sender.channel}\n{sender.address}\n{inbound.text}".encode()
    return key_apart(inbound.external_id, f"sha256:{hashlib.sha256(mail).hexdigest()[:32]}")
