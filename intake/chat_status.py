"""/status in the Telegram chat: the customer's latest complaints, one line each, in their
language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlmodel import Session

from intake.chat_link import CHANNEL
from outbox.names import status_name
from outbox.texts import say
from store.models import Complaint
from store.queries.complaints import complaints_of_customer
from store.queries.customers import identity_at

SHOWN = 10
"""How many of the newest complaints /status lists."""


def complaints_of_chat(session: Session, chat_id: int) -> list[Complaint]:
    identity = identity_at(session, channel=CHANNEL, address=str(chat_id))
    if identity is None:
        return []
    return complaints_of_customer(session, customer_id=identity.customer_id)


def status_text(
    complaints: Sequence[Complaint], language: str, format_due: Callable[[datetime, str], str]
) -> str:
    if not complaints:
        return say(language, "no_complaints")
    return "\n".join(
        say(
            language,
            "status_line",
            number=c.number,
            status=status_name(language, c.status),
            due=format_due(c.first_response_due or c.created_at, language),
        )
        for c in complaints[-SHOWN:]
    )
