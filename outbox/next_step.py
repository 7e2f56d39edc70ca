"""Where an open complaint stands and what the customer can expect next, said the same way in
progress updates, in the follow-up confirmation and in the Telegram /status: its status in
words, who handles it, then a person's first answer until one was given, then the resolution
target, and never a time already past."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from complaints.workflow import FINISHED, WAITING
from outbox.names import status_name
from outbox.texts import say
from store.models import Complaint

FormatDue = Callable[[datetime, str], str]


def next_step(
    complaint: Complaint, now: datetime, format_due: FormatDue, language: str = ""
) -> str:
    """One sentence in `language`, else the complaint's; "" when nothing is due from the desk
    (the complaint is finished, or the desk waits for the customer)."""
    if complaint.status in FINISHED or complaint.status in WAITING:
        return ""
    language = language or complaint.language
    if complaint.first_response_at is None:
        key, due = "next.first_response", complaint.first_response_due
    else:
        key, due = "next.resolution", complaint.resolution_due
    if due is None or due <= now:
        return say(language, f"{key}_late")
    return say(language, key, due=format_due(due, language))


@dataclass(frozen=True, slots=True)
class Standing:
    """The pieces a text about an open complaint fills in: `status` ("being investigated"),
    `owner` (", handled by Ana", or "" while nobody took it) and `next` (`next_step`)."""

    status: str
    owner: str
    next: str


def standing(
    complaint: Complaint, now: datetime, format_due: FormatDue, language: str = ""
) -> Standing:
    """Where `complaint` stands now, in `language`, else its own (a status question is answered
    in the question's: `intake.status_questions.answer_language`)."""
    language = language or complaint.language
    owner = say(language, "owner", name=complaint.assignee) if complaint.assignee else ""
    return Standing(
        status_name(language, complaint.status),
        owner,
        next_step(complaint, now, format_due, language),
    )
