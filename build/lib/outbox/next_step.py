"""What a customer can expect next on an open complaint, said the same way in progress updates
and in the Telegram /status: a person's first answer until one was given, then the resolution
target, and never a time already past."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from complaints.workflow import FINISHED, WAITING
from outbox.texts import say
from store.models import Complaint

FormatDue = Callable[[datetime, str], str]


def next_step(complaint: Complaint, now: datetime, format_due: FormatDue) -> str:
    """One sentence in the complaint's language; "" when nothing is due from the desk (the
    complaint is finished, or the desk waits for the customer)."""
    if complaint.status in FINISHED or complaint.status in WAITING:
        return ""
    if complaint.first_response_at is None:
        key, due = "next.first_response", complaint.first_response_due
    else:
        key, due = "next.resolution", complaint.resolution_due
    if due is None or due <= now:
        return say(complaint.language, f"{key}_late")
    return say(complaint.language, key, due=format_due(due, complaint.language))
