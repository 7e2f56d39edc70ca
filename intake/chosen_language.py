"""The language a customer chose (Telegram's /language): it wins over the text's for everything
sent to them from then on.

The text decides a message's language and the routing reads it (`router`), so a Chinese
complaint from an English Telegram app is routed by the rules for Chinese. A customer who picks
a language has said more than their text: the choice becomes the stored language of every
complaint of theirs that can still send them something (all but closed and merged ones), and
of each complaint a later message of theirs opens or continues. Every acknowledgement, reply,
notice and survey reads the complaint's language, so all of them follow, and the desk sees the
customer's latest choice. Each change is on the complaint's timeline ("language_changed").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from intake.case import event
from intake.chat_status import complaints_of_chat
from store import queries
from store.models import Complaint
from store.queries.chat import chat_state_to_change

SILENT = frozenset({"closed", "merged"})
"""Complaints that send the customer nothing more (a message reopening a closed one adopts the
choice then)."""


def adopt_language(complaint: Complaint, language: str, now: datetime) -> dict[str, Any] | None:
    """Make `language` (the customer's choice, "" for none) the complaint's; the timeline's
    event of the change, or None when nothing changed."""
    if not language or language == complaint.language:
        return None
    detail = {"from": complaint.language, "to": language}
    complaint.language = language
    return event(complaint.id or 0, now, "customer", "language_changed", detail)


def choose_language(session: Session, chat_id: int, language: str, now: datetime) -> None:
    """/language in chat `chat_id`: the chat's language, and that of the customer's complaints
    that can still send them something."""
    chat_state_to_change(session, chat_id=chat_id).language = language
    changes = [
        adopt_language(complaint, language, now)
        for complaint in complaints_of_chat(session, chat_id)
        if complaint.status not in SILENT
    ]
    queries.add_events(session, [change for change in changes if change is not None])
