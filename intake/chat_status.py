"""/status in the Telegram chat: the customer's latest complaints, one line each, all in one
language, chosen as a bare status question typed as text is answered, minus the text
(`intake.status_questions.command_language`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from intake.chat_link import CHANNEL
from outbox.names import status_name
from outbox.next_step import FormatDue, next_step
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
    complaints: Sequence[Complaint], language: str, now: datetime, format_due: FormatDue
) -> str:
    """One line per complaint: its number, its status in words and what happens next (nothing
    promised for a finished complaint, never a time already past)."""
    if not complaints:
        return say(language, "no_complaints")
    lines = []
    for complaint in complaints[-SHOWN:]:
        line = say(
            language,
            "status_line",
            number=complaint.number,
            status=status_name(language, complaint.status),
        )
        step = next_step(complaint, now, format_due, language)
        lines.append(f"{line} {step}" if step else line)
    return "\n".join(lines)
