"""Linking a Telegram chat to an e-mail address (/link): a six-digit code is mailed to the
address, and typing it in the chat makes the two customers one.

Only a digest of the code is stored; it expires after `LINK_CODE_LIFETIME` and after
`LINK_ATTEMPTS` wrong tries, so a code cannot be guessed; a new /link while a code is pending
keeps the tries already used. `CodeBudget` limits how many codes are mailed per chat and per
address (`CODES_PER_WINDOW` per `CODE_WINDOW`), so /link cannot be used to flood an address
with mail from the company or to renew the tries over and over. The budget is counted in
memory: a restart forgets it, and each instance counts its own.
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
from complaints.clock import Clock
from outbox.texts import say
from store import queries
from store.database import Database
from store.models import ChatState
from store.queries.chat import chat_state, chat_state_to_change
from store.queries.customers import add_identity, identity_at
from store.queries.customers import customer as customer_by_id

CHANNEL = "telegram"
"""The chat's channel, as identities are stored."""
LINK_CODE_LIFETIME = timedelta(minutes=15)
LINK_ATTEMPTS = 5
CODES_PER_WINDOW = 3
CODE_WINDOW = timedelta(hours=1)


def new_code(state: ChatState, email: str, now: datetime) -> str:
    """Remember a fresh code for `email` in the chat's state; return the code to mail."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    pending = bool(state.link_code_hash) and (
        state.link_expires_at is not None and state.link_expires_at >= now
    )
    state.link_email, state.link_code_hash = email.lower(), _digest(state.chat_id, code)
    state.link_expires_at = now + LINK_CODE_LIFETIME
    if not pending:  # the tries of a pending code carry over to its successor
        state.link_attempts = 0
    return code


class CodeBudget:
    """How many /link codes were mailed lately, per chat and per address."""

    def __init__(self) -> None:
        self._sent: dict[str, list[datetime]] = {}

    def wait(self, chat_id: int, email: str, now: datetime) -> timedelta:
        """How long until a code may be mailed for this chat and address (zero: now)."""
        waits = [timedelta(0)]
        for key in _budget_keys(chat_id, email):
            recent = self._recent(key, now)
            if len(recent) >= CODES_PER_WINDOW:
                waits.append(recent[-CODES_PER_WINDOW] + CODE_WINDOW - now)
        return max(waits)

    def take(self, chat_id: int, email: str, now: datetime) -> bool:
        """Count one code mailed now, if the budget allows it (else False, nothing counted)."""
        if self.wait(chat_id, email, now):
            return False
        for key in _budget_keys(chat_id, email):
            self._sent[key] = [*self._recent(key, now), now]
        if len(self._sent) > 10_000:  # forget the keys with nothing recent
            for key in [key for key in self._sent if not self._recent(key, now)]:
                del self._sent[key]
        return True

    def _recent(self, key: str, now: datetime) -> list[datetime]:
        return [at for at in self._sent.get(key, []) if at > now - CODE_WINDOW]


def _budget_keys(chat_id: int, email: str) -> tuple[str, str]:
    return f"chat:{chat_id}", f"address:{email.lower()}"


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


class LinkCodes:
    """The /link part of the chat (`intake.chat.ChatDesk`): its store, clock and budget."""

    database: Database
    clock: Clock
    link_budget: CodeBudget

    async def start_link(self, chat_id: int, email: str) -> str:
        """Remember a fresh code for `email`; return the code, to be mailed to that address,
        or "" when this chat or address had its codes for now (`link_wait` says how long)."""
        now = self.clock.now()
        if not self.link_budget.take(chat_id, email, now):
            return ""
        return await self.database.write(
            lambda session: new_code(chat_state_to_change(session, chat_id=chat_id), email, now)
        )

    def link_wait(self, chat_id: int, email: str) -> timedelta:
        """How long until /link may mail another code for this chat and address."""
        return self.link_budget.wait(chat_id, email, self.clock.now())

    async def link_pending(self, chat_id: int) -> bool:
        state = await self.database.read(lambda session: chat_state(session, chat_id=chat_id))
        return state is not None and bool(state.link_code_hash)

    async def verify_link(self, chat_id: int, code: str) -> str:
        """The address linked by `code` (its customer and the chat's become one), or ""."""
        now = self.clock.now()
        return await self.database.write(
            lambda session: verify(session, chat_state(session, chat_id=chat_id), code, now)
        )


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
