"""The satisfaction survey's answer, one path for every channel: a reply that IS a score (a
digit 1-5 alone or with a few words: "4", "5, thanks", "４", "4 - good") or a tap on a Telegram
button scores the open survey round once. A low score reopens the case and tells the
supervisor; a good one closes it.

A reply that merely starts with a digit is not a score when the digit counts something ("3
weeks…", "2 semanas…", "3周了…") or when much more follows: that is a follow-up and is treated
as one (it reopens a resolved case)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from intake.reopening import reopen
from outbox.notify import Notifier
from router.text import cjk_count, fold
from scheduler.due import DueTimes, awaits_survey
from store import queries
from store.models import Complaint

_SCORE = re.compile(r"^\s*([1-5])(?!\d)(?![.,]\d)(?!\s*[%$€¥])")
_UNIT = re.compile(
    r"^\s*(?:(?:minute|hour|day|week|month|year|time)s?|mins?|hrs?|"
    r"(?:minuto|hora|dia|semana|mes|meses|ano|vez|veces)s?|"
    r"个|個|天|日|周|週|星期|礼拜|禮拜|月|年|次|小时|小時|分钟|分鐘)(?![a-z])"
)
COMMENT_MAX_CHARS = 40
"""At most this much may follow the digit of a score ("5 - thank you, very quick service")."""
COMMENT_MAX_WORDS = 6
COMMENT_MAX_CJK = 10
"""Chinese says as much in fewer characters: "5 非常满意，谢谢" is a score, "3周了路由器又坏了，
根本没有解决！" is not."""


def score_in(text: str) -> int | None:
    """The score when `text` is one: a digit 1-5, alone or followed by a short comment that
    does not make the digit a quantity."""
    folded = fold(text).strip()
    found = _SCORE.match(folded)
    if found is None:
        return None
    rest = folded[found.end() :].strip()
    if _UNIT.match(rest):
        return None
    if (
        len(rest) > COMMENT_MAX_CHARS
        or len(rest.split()) > COMMENT_MAX_WORDS
        or cjk_count(rest) > COMMENT_MAX_CJK
    ):
        return None
    return int(found.group(1))


def survey_score(complaint: Complaint, text: str) -> int | None:
    """The score when a survey round of the complaint is open and the reply is a score."""
    if not awaits_survey(complaint):
        return None
    return score_in(text)


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
    """Record the score of the open round (the caller checks one is open: `awaits_survey`)
    and move a resolved case on; True when the score reopened it. The stored score is the
    latest round's; every round's score stays in its `survey_answered` event."""
    complaint.survey_score, complaint.survey_answered_at = score, now
    due.on_survey_answered(complaint)
    complaint.survey_comment = comment  # this round's (an earlier round's is in its message)
    queries.add_event(
        session, complaint.id or 0, now, "customer", "survey_answered", {"score": score}
    )
    if complaint.status != "resolved":
        return False
    if score > reopen_at_or_below:
        queries.change_status(
            session, complaint, "closed", "customer", f"survey score {score}", now
        )
        return False
    notifier.tell_supervisor(session, complaint, "survey_reopened", now, score=score)
    reopen(session, complaint, f"survey score {score}", now, due=due)
    return True
