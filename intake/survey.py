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
and still nothing"), unless it ends the message marked as a score ("very happy, 5/5", "满意，五分",
"muy contento, le doy un cinco": the words before it are the comment).

A number may be written as a word: one..five, uno/una..cinco, 一/二/两..五 (traditional 兩 too);
"满分"/"滿分" (full marks) is 5. A word counts only where it cannot be anything else: marked as a
score ("four out of five", "cuatro de cinco", "五分", "五星", "三颗星", "tres estrellas", "cinco,
muy contento"), introduced as one ("给五分", "I give it a five", "le doy un cinco"), or alone ("五",
"Five!"). So "one more thing…", "一直没有信号", "五天了", "three weeks" are no scores.
An answer in words without a number ("满意", "muy contento") is no score: see
`intake.courtesy.is_satisfied`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from channels.base import Inbound
from intake.courtesy import is_satisfied
from intake.reopening import reopen
from outbox.notify import Notifier
from router.text import cjk_count, fold
from scheduler.due import DueTimes, awaits_survey
from store import queries
from store.models import Complaint
from store.queries.complaints import complaints_of_customer
from store.queries.events import events_of_kind

_DIGITS = "0-9０-９"
_SCORE = re.compile(
    rf"\s*([1-5１-５])(?![{_DIGITS}])"
    rf"(?![.,．，:：][{_DIGITS}])"  # 4.5, 3,5, 1:30
    r"(?!\s*[%％$€¥£])"  # an amount
    r"(?!(?:st|nd|rd|th|º|ª|°)(?![a-z]))",  # 1st, 2nd, 5°
    re.IGNORECASE,
)
_OUT_OF = re.compile(
    rf"\s*(?:[/／]|out\s+of|de|sobre)\s*(?:[5５](?![{_DIGITS}/／]|[.．,，:：][{_DIGITS}])"
    r"|(?:five|cinco)(?![a-z]))",
    re.IGNORECASE,
)
_RANGE = re.compile(
    rf"\s*(?:[-–—~～/／,，、]|to|or|and|a|al|o|y|或|到|至)\s*[{_DIGITS}]", re.IGNORECASE
)
_STAR = r"(?:⭐|★|🌟)\ufe0f?"
_MARK = re.compile(
    rf"\s*(?:stars?|points?|pts|puntos?|estrellas?)(?![a-z])|\s*{_STAR}|\s*分(?![钟鐘钱錢之])"
    r"|\s*(?:颗|顆|个|個)?星(?!期)",
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


_WORDS = {
    **dict.fromkeys(("one", "uno", "una", "un", "一"), 1),
    **dict.fromkeys(("two", "dos", "二", "两", "兩"), 2),
    **dict.fromkeys(("three", "tres", "三"), 3),
    **dict.fromkeys(("four", "cuatro", "四"), 4),
    **dict.fromkeys(("five", "cinco", "五", "满分", "滿分"), 5),
}
_GIVE = (
    r"(?:(?:我|我们|我們)?(?:给|給|打|评|評)(?:你们|你們|您|你)?(?:个|個)?"
    r"|(?:i(?:'d|’d| would)? )?(?:give|rate) (?:it|you|this)?\s*(?:an? )?"
    r"|(?:(?:le|les|te|os) )?(?:doy|daria|daría|pongo|pondria|pondría) (?:un |una )?)"
)
_WORD = (
    r"(?:(?<![a-z])(?:one|two|three|four|five|uno|una|dos|tres|cuatro|cinco)(?![a-z])"
    r"|(?<![一二两兩三四五六七八九十百千万萬零〇第])[一二两兩三四五](?![十百千万萬])"
    r"|满分|滿分)"
)
_GIVEN = re.compile(rf"\s*({_GIVE})?\s*({_WORD}|un(?= (?:estrella|punto)))", re.IGNORECASE)
_GIVEN_DIGIT = re.compile(rf"\s*{_GIVE}(?=\s*[1-5１-５])", re.IGNORECASE)
_OUT_OF_BODY = _OUT_OF.pattern.removeprefix(r"\s*")
_TRAILING = re.compile(
    rf"(?:^|(?<=[\s,，、:：;；.。!！?？()（）\u4e00-\u9fff]))({_GIVE})?\s*"
    rf"((?<![{_DIGITS}.,:/])[1-5１-５]|{_WORD})\s*"
    rf"({_OUT_OF_BODY}|(?:stars?|points?|puntos?|estrellas?)(?![a-z])"
    r"|分|(?:颗|顆|个|個)?星)?[\s.。!！~～)）]*$",
    re.IGNORECASE,
)
_DATE_BEFORE = re.compile(r"(?:on|since|until|by|el|del|desde|hasta|dia)\s*$", re.IGNORECASE)


def survey_answer(text: str) -> Answer | None:
    """The score and comment when `text` is an answer to the survey (see the module's
    docstring), else None."""
    stars = _STARS.match(text)
    if stars:
        count = len(re.findall(_STAR, stars.group(1)))
        return Answer(count, _comment(text[stars.end() :])) if count <= 5 else None
    given = _GIVEN_DIGIT.match(text)
    word = _GIVEN.match(text)
    if given:
        return _leading(text[given.end() :], strict=False)
    if word:
        # a word (or a given score) reads as a digit would, but counts only when it is marked,
        # introduced or alone: "one more thing" is no score
        score = _WORDS[fold(word.group(2))] if word.group(2) != "un" else 1
        return _leading(f"{score}{text[word.end() :]}", strict=not word.group(1))
    return _leading(text, strict=False) or _trailing(text)


def _leading(text: str, *, strict: bool) -> Answer | None:
    """A score that starts `text` (digits only); `strict`: only when marked or alone."""
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
    if not marked and comment and (strict or _too_long(comment)):
        return None
    return Answer(score, comment)


def _trailing(text: str) -> Answer | None:
    """A score that ends `text`, marked or introduced as one ("very happy, 5/5", "满意，五分",
    "le doy un cinco"), after at most a short comment."""
    found = _TRAILING.search(text)
    if found is None or not (found.group(1) or found.group(3)):
        return None
    before = text[: found.start()]
    if (
        found.group(3)
        and found.group(3).lstrip().startswith(("/", "／"))
        and (_DATE_BEFORE.search(fold(before)))
    ):
        return None  # "on 3/5" is a date
    comment = before.rstrip(_LEADING).strip()
    if _too_long(comment):
        return None
    token = found.group(2)
    score = int(fold(token)) if fold(token).isdigit() else _WORDS[fold(token)]
    return Answer(score, comment[:COMMENT_KEPT])


def _too_long(comment: str) -> bool:
    return (
        len(comment) > COMMENT_MAX_CHARS
        or len(comment.split()) > COMMENT_MAX_WORDS
        or cjk_count(comment) > COMMENT_MAX_CJK
    )


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
    The stored score is the current round's, and a low one that reopens the case is blanked
    at once with the rest of the round (`reopen_complaint`: an open complaint is not rated);
    every round's score stays in its `survey_answered` event, with the address told of a
    reopening (`to`)."""
    complaint.survey_score, complaint.survey_answered_at = score, now
    due.on_survey_answered(complaint)
    # this round's (an earlier round's is in its message): what it says besides the score, else
    # the satisfied words this round was answered with before (`record_comment`)
    kept = complaint.survey_comment if _commented_this_round(session, complaint) else ""
    complaint.survey_comment = comment or kept
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


def record_comment(session: Session, complaint: Complaint, text: str, now: datetime) -> None:
    """Keep a plainly satisfied answer without a number ("满意", "very happy":
    `intake.courtesy.is_satisfied`) as the open round's comment. No score is invented: the
    round stays open, so a score may still follow (and keeps this comment); unanswered, the case
    closes at close_due as any unanswered survey does. It reopens nothing."""
    complaint.survey_comment = text.strip()[:COMMENT_KEPT]
    queries.add_event(session, complaint.id or 0, now, "customer", "survey_commented", {})


def _commented_this_round(session: Session, complaint: Complaint) -> bool:
    """Whether the open round holds a comment without a score (`record_comment`): one made
    since the complaint's latest change of status (its resolution started the round)."""

    def latest(kind: str) -> int:
        found = events_of_kind(session, complaint_id=complaint.id or 0, kind=kind)
        return found[-1].id or 0 if found else 0

    return latest("survey_commented") > latest("status_changed")


def open_survey_answered(session: Session, customer_id: int, inbound: Inbound) -> Complaint | None:
    """The complaint whose survey a message that names or threads to no complaint answers: the
    sender's one complaint with an open round, when the message reads as a survey answer (a
    score, or plainly satisfied words). With none, or several (which one would it answer?), it
    is None and the message is a new complaint."""
    if inbound.automated or (score_in(inbound.text) is None and not is_satisfied(inbound)):
        return None
    surveyed = [
        complaint
        for complaint in complaints_of_customer(session, customer_id=customer_id)
        if awaits_survey(complaint) and not complaint.merged_into
    ]
    return surveyed[0] if len(surveyed) == 1 else None
