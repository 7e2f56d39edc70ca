"""The satisfaction survey's answer, one path for every channel: a reply that IS a score, or a
tap on a Telegram button, scores the open survey round once. A low score reopens the case and
tells whoever reviews it (`Notifier.tell_reviewer`: the supervisor, else the first
`[escalation] levels` address); a good one closes it.

A reply is a score when it starts with one (`survey_answer`):
- a digit 1-5, full-width too ("4", "４"), marked as a score by "/5" ("1/5", "2 de 5", "3 out of
  5"), a unit ("5 stars", "4 points", "3 puntos", "5 estrellas", "3分", "4 ⭐") or a separator
  ("1 - terrible", "2 — 还是没信号", "5: great", "5, thanks"): any comment may follow;
- a bare digit followed by a short comment ("5 非常满意", "1 still no signal at home");
- one to five star emoji ("⭐⭐", "★★★☆☆", "⭐⭐⭐⭐⭐ great").
The comment is stored without the score ("5 非常满意" → "非常满意").

A digit at the start is not a score when it counts something ("3 weeks…", "2 semanas…", "3周了…",
"5 euros…", "3分钟…"), when it is part of a larger number, an amount, a range, a date or a time
("12345", "4.5", "5%", "1-2", "3/4", "1:30"), or when a bare digit is followed by much more ("3
and my router is broken again, this is NOT resolved at all!"): that is a follow-up and is
treated as one (it reopens a resolved case). A number further on is no score ("I called 3 times
and still nothing")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from intake.reopening import reopen
from outbox.notify import Notifier
from router.text import cjk_count, fold
from scheduler.due import DueTimes, awaits_survey
from store import queries
from store.models import Complaint

_DIGITS = "0-9０-９"
_SCORE = re.compile(
    rf"\s*([1-5１-５])(?![{_DIGITS}])"
    rf"(?![.,．，:：][{_DIGITS}])"  # 4.5, 3,5, 1:30
    r"(?!\s*[%％$€¥£])"  # an amount
    r"(?!(?:st|nd|rd|th|º|ª|°)(?![a-z]))",  # 1st, 2nd, 5°
    re.IGNORECASE,
)
_OUT_OF = re.compile(
    rf"\s*(?:[/／]|out\s+of|de|sobre)\s*[5５](?![{_DIGITS}/／]|[.．,，:：][{_DIGITS}])",
    re.IGNORECASE,
)
_RANGE = re.compile(
    rf"\s*(?:[-–—~～/／,，、]|to|or|and|a|al|o|y|或|到|至)\s*[{_DIGITS}]", re.IGNORECASE
)
_STAR = r"(?:⭐|★|🌟)\ufe0f?"
_MARK = re.compile(
    rf"\s*(?:stars?|points?|pts|puntos?|estrellas?)(?![a-z])|\s*{_STAR}|\s*分(?![钟鐘钱錢之])"
    r"|\s*星(?!期)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(rf"\s*[-–—:：,，、;；](?!\s*[{_DIGITS}])")
_STARS = re.compile(rf"\s*((?:{_STAR}\s*)+)(☆\s*)*")
_UNIT = re.compile(
    r"^\s*(?:(?:minute|hour|day|week|month|year|time)s?|mins?|hrs?|"
    r"(?:minuto|hora|dia|semana|mes|meses|ano|vez|veces)s?|"
    r"(?:euro|dollar|peso|buck|yuan|usd|eur|gb|mb|mbps|giga|mega)s?|"
    r"(?:de\s+)?(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sept?iembre|octubre|"
    r"noviembre|diciembre)|"
    r"个|個|台|部|件|条|條|张|張|位|名|天|日|号|號|点|點|周|週|星期|礼拜|禮拜|月|年|次|小时|小時|"
    r"分钟|分鐘|分钱|分錢|分之|元|块|塊|美元|欧元|歐元)(?![a-z])"
)
_LEADING = " \t\r\n\u3000-–—:：,，、;；.。!！"
COMMENT_MAX_CHARS = 40
"""After a bare digit (no "/5", unit or separator), at most this much may follow ("5 thank
you, very quick service"); more makes the message a follow-up."""
COMMENT_MAX_WORDS = 6
COMMENT_MAX_CJK = 10
"""Chinese says as much in fewer characters: "5 非常满意，谢谢" is a score, "3 路由器又坏了，
根本没有解决，太失望了！" is not."""
COMMENT_KEPT = 1000
"""The longest comment stored."""


@dataclass(frozen=True)
class Answer:
    """A reply that answers the survey: its score and what the customer wrote besides."""

    score: int
    comment: str


def survey_answer(text: str) -> Answer | None:
    """The score and comment when `text` is an answer to the survey (see the module's
    docstring), else None."""
    stars = _STARS.match(text)
    if stars:
        count = len(re.findall(_STAR, stars.group(1)))
        return Answer(count, _comment(text[stars.end() :])) if count <= 5 else None
    found = _SCORE.match(text)
    if found is None:
        return None
    score, at = int(fold(found.group(1))), found.end()
    if _UNIT.match(fold(text[at:])):
        return None
    marked = False
    for pattern in (_OUT_OF, _MARK, _SEPARATOR):
        if pattern is _MARK and not marked and _RANGE.match(text, at):
            return None
        mark = pattern.match(text, at)
        if mark:
            marked, at = True, mark.end()
    comment = _comment(text[at:])
    if not marked and (
        len(comment) > COMMENT_MAX_CHARS
        or len(comment.split()) > COMMENT_MAX_WORDS
        or cjk_count(comment) > COMMENT_MAX_CJK
    ):
        return None
    return Answer(score, comment)


def _comment(rest: str) -> str:
    return rest.lstrip(_LEADING).strip()[:COMMENT_KEPT]


def score_in(text: str) -> int | None:
    """The score when `text` answers the survey."""
    answer = survey_answer(text)
    return answer.score if answer else None


def comment_of(text: str) -> str:
    """What the customer wrote besides the score ("" for a bare score)."""
    answer = survey_answer(text)
    return answer.comment if answer else ""


def survey_score(complaint: Complaint, text: str) -> int | None:
    """The score when a survey round of the complaint is open and the reply is a score."""
    if not awaits_survey(complaint):
        return None
    return score_in(text)


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
) -> str:
    """Record the score of the open round (the caller checks one is open: `awaits_survey`)
    and move a resolved case on. Returns "" unless the score reopened it, else the key of the
    customer's text: "reopened" when the supervisor was told, "reopened_by_team" otherwise
    (an `[escalation] levels` address was told, or nobody: the text promises no supervisor).
    The stored score is the latest round's; every round's score stays in its
    `survey_answered` event, with the address told of a reopening (`to`)."""
    complaint.survey_score, complaint.survey_answered_at = score, now
    due.on_survey_answered(complaint)
    complaint.survey_comment = comment  # this round's (an earlier round's is in its message)
    detail: dict[str, object] = {"score": score}
    if complaint.status != "resolved" or score > reopen_at_or_below:
        queries.add_event(session, complaint.id or 0, now, "customer", "survey_answered", detail)
        if complaint.status == "resolved":
            why = f"survey score {score}"
            queries.change_status(session, complaint, "closed", "customer", why, now)
        return ""
    told = notifier.tell_reviewer(session, complaint, "survey_reopened", now, score=score)
    if told:
        detail["to"] = told
    queries.add_event(session, complaint.id or 0, now, "customer", "survey_answered", detail)
    reopen(session, complaint, f"survey score {score}", now, due=due)
    return "reopened" if told and told == notifier.supervisor_of(complaint) else "reopened_by_team"
