"""The satisfaction survey's answer, one path for every channel: a reply that starts with a
digit 1-5 (e-mail, webhook, chat text) or a tap on a Telegram button scores it once. A low score
reopens the case and tells the supervisor; a good one closes it."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from outbox.notify import Notifier
from router.text import fold
from scheduler.due import DueTimes, awaits_survey
from store import queries
from store.models import Complaint

_SCORE = re.compile(r"^\s*([1-5])(?!\d)")


def survey_score(complaint: Complaint, text: str) -> int | None:
    """The score when the complaint awaits its survey and the reply starts with a digit 1-5
    ("4", "5 - great", "５")."""
    if not awaits_survey(complaint):
        return None
    found = _SCORE.match(fold(text))
    return int(found.group(1)) if found else None


def comment_of(text: str) -> str:
    """What the customer wrote besides the score ("" for a bare digit)."""
    rest = _SCORE.sub("", fold(text), count=1).strip(" -–—:.,!\n")
    return text.strip()[:1000] if rest else ""


def record_survey(
    session: Session,
    complaint: Complaint,
    score: int,
    now: datetime,
    *,
    notifier: Notifier,
    due: DueTimes,
    reopen_at_or_below: int,
    comment: str = "",
) -> bool:
    """Record the score (once: the caller checks it was not answered) and move a resolved
    case on; True when the score reopened it."""
    complaint.survey_score, complaint.survey_answered_at = score, now
    due.on_survey_answered(complaint)
    if comment:
        complaint.survey_comment = comment
    queries.add_event(
        session, complaint.id or 0, now, "customer", "survey_answered", {"score": score}
    )
    if complaint.status != "resolved":
        return False
    reopen = score <= reopen_at_or_below
    if reopen:
        notifier.tell_supervisor(
            session,
            complaint,
            f"{complaint.number} was reopened: the customer rated the solution {score}/5.",
            now,
        )
    queries.change_status(
        session,
        complaint,
        "reopened" if reopen else "closed",
        "customer",
        f"survey score {score}",
        now,
    )
    return reopen
