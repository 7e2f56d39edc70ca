"""Linking a Telegram chat to an e-mail address (/link): a six-digit code is mailed to the
address, and typing it in the chat makes the two customers one.

Only a digest of the code is stored; it expires after `LINK_CODE_LIFETIME` and after
`LINK_ATTEMPTS` wrong tries, so a code cannot be guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from channels.base import Channel, Outbound
from complaints.addresses import EMAIL
from outbox.texts import say
from store import queries
from store.models import ChatState
from store.queries.customers import add_identity, identity_at
from store.queries.customers import customer as customer_by_id

CHANNEL = "telegram"
"""The chat's channel, as identities are stored."""
LINK_CODE_LIFETIME = timedelta(minutes=15)
LINK_ATTEMPTS = 5


def new_code(state: ChatState, email: str, now: datetime) -> str:
    """Remember a fresh code for `email` in the chat's state; return the code to mail."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    state.link_email, state.link_code_hash = email.lower(), _digest(state.chat_id, code)
    state.link_expires_at, state.link_attempts = now + LINK_CODE_LIFETIME, 0
    return code


def verify(session: Session, state: ChatState | None, code: str, now: datetime) -> str:
    """Link on the right code: the e-mail address's customer and this chat's become one.
    Returns the address linked, or "" (wrong or expired code; nothing is merged)."""
    if state is None or not state.link_code_hash:
        return ""
    state.link_attempts += 1
    expired = state.link_expires_at is None or state.link_expires_at < now
    if expired or state.link_attempts > LINK_ATTEMPTS:
        state.link_code_hash = ""
        return ""
    if not hmac.compare_digest(state.link_code_hash, _digest(state.chat_id, code)):
        return ""
    email, state.link_code_hash, state.link_email = state.link_email, "", ""
    _merge(session, state.chat_id, email, now)
    return email


def _digest(chat_id: int, code: str) -> str:
    return hashlib.sha256(f"{chat_id}:{code}".encode()).hexdigest()


def _merge(session: Session, chat_id: int, email: str, now: datetime) -> None:
    """Make the chat's customer and the e-mail address's customer one (the older survives)."""
    chat = identity_at(session, channel=CHANNEL, address=str(chat_id))
    if chat is None:
        return
    mail = identity_at(session, channel=EMAIL, address=email)
    if mail is None:
        add_identity(session, customer_id=chat.customer_id, channel=EMAIL, address=email)
        customer = customer_by_id(session, customer_id=chat.customer_id)
        if customer is not None and not customer.email:
            customer.email = email
        return
    if mail.customer_id == chat.customer_id:
        return
    survivor, merged = sorted((mail.customer_id, chat.customer_id))
    queries.merge_customers(session, survivor=survivor, merged=merged, now=now)


def link_code_mailer(email: Channel) -> Callable[[str, str, str], Awaitable[None]]:
    """How /link mails its one-time code: straight through the e-mail channel, not the outbox,
    because the code is short-lived and belongs to no complaint; a failure is told to the user
    at once (they can ask again)."""

    async def send(address: str, code: str, language: str) -> None:
        await email.send(
            address,
            Outbound(
                message_id=f"link-{secrets.token_hex(8)}",
                complaint_number="",
                kind="notification",
                text=say(language, "link_mail", code=code),
                language=language,
            ),
        )

    return send
