"""A message that only asks how a complaint is going ("Any news about my complaint?",
"¿Hay alguna novedad?", "我的投诉有消息了吗？", "我的投訴有進展了嗎？"), sent as a new mail or
webhook message without the complaint's number.

From a customer with open complaints it continues one instead of opening another with a full
acknowledgement (a walkthrough counted a new case for each such question, in all four
languages): the only one, or of several the one last active, and then the answer says how each
of them stands (number, status, what is due next); the same on every channel whose messages are
threaded by `intake.threads`.

The answer is one message to the one person who just asked, so it is wholly in the language of
the question (`answer_language`), every time in that language's zone, whatever the languages of
the complaints it lists or the one it is kept on. A tester's Spanish question came back wholly
in English, the Spanish complaint's time in UTC rather than Madrid's, because the answer took
the language of the complaint it was kept on (the English one, last active); a line per
complaint in that complaint's language would mix languages in one message, which reads worse.
Telegram's /status asks the same without words and is answered by the same rule minus the
text (`command_language`): a customer got Chinese for /status and Spanish for "¿Hay alguna
novedad?" about the same two complaints when /status kept a rule of its own.

The test is a whole-message grammar, like the courtesy's (`intake.courtesy`): status
questions with courtesy words around them ("Hi, any update? Thanks"), nothing else. A question
that says anything more ("any news? the router died again") is a message a person must read
and is routed as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from channels.base import Inbound
from complaints.workflow import FINISHED
from intake.chat_status import status_text
from intake.courtesy import COURTESY_UNITS, plain_words
from outbox.next_step import FormatDue
from router.language import detect_language
from store.models import Complaint
from store.queries.complaints import complaints_of_customer

_EN_CASE = r"(?:my |the )?(?:complaint|case|claim|ticket|issue|request|order|refund|repair)"
_ES_CASE = r"(?:mi |la |el )?(?:reclamacion|queja|incidencia|caso|pedido|reembolso|reparacion)"
_ZH_CASE = r"(?:我的|我)?(?:投诉|投訴|申诉|申訴|问题|問題|工单|工單|订单|訂單|退款|维修|維修)?"
_QUESTIONS = (
    rf"(?:is there |are there |do you have |have you got )?(?:any )?(?:news|updates?|progress)"
    rf"(?: (?:on|about|regarding|with|for) {_EN_CASE})?(?: (?:yet|so far|for me))?",
    rf"(?:what(?: s| is) the )?(?:status|progress) (?:of|on) {_EN_CASE}",
    rf"(?:how is|how s) {_EN_CASE} (?:going|coming along|progressing)",
    rf"(?:hay |tienen |tienes )?(?:alguna |algun )?(?:novedad(?:es)?|noticias?|actualizacion)"
    rf"(?: (?:sobre|de|con|del) {_ES_CASE})?(?: (?:ya|por fin))?",
    rf"(?:como|que tal) (?:va|sigue|esta) {_ES_CASE}",
    rf"(?:en )?(?:que|cual es el) estado (?:esta|tiene|de) {_ES_CASE}",
    rf"estado de {_ES_CASE}",
    rf"(?:请问|請問)?{_ZH_CASE}(?:现在|現在)?(?:有)?(?:什么|什麼)?(?:消息|进展|進展|进度|進度|结果|結果"
    rf"|回复|回覆|下文)(?:了)?(?:吗|嗎|没有|沒有|呢|了吗|了嗎)?",
    rf"(?:请问|請問)?{_ZH_CASE}(?:的)?(?:处理|處理|进度|進度|进展|進展)(?:得)?(?:怎么样|怎麼樣|如何)"
    r"(?:了)?(?:吗|嗎|呢)?",
)
_QUESTION = "|".join(_QUESTIONS)
_EITHER = rf"(?:(?:{COURTESY_UNITS})|(?:{_QUESTION}))(?![a-z]) ?"
_ONLY_ASKS = re.compile(rf"(?:{_EITHER})*(?:{_QUESTION})(?![a-z]) ?(?:{_EITHER})*")


def asks_for_news(inbound: Inbound) -> bool:
    """The message asks how its sender's complaint is going, and says nothing else."""
    words = plain_words(inbound)
    return bool(words) and not inbound.automated and _ONLY_ASKS.fullmatch(words) is not None


def open_complaints(complaints: Sequence[Complaint]) -> list[Complaint]:
    """Those of `complaints` not finished yet, in their order."""
    return [complaint for complaint in complaints if complaint.status not in FINISHED]


def open_complaints_of(session: Session, customer_id: int) -> list[Complaint]:
    """The customer's complaints not finished yet, oldest first."""
    return open_complaints(complaints_of_customer(session, customer_id=customer_id))


def last_active(complaints: Sequence[Complaint]) -> Complaint | None:
    """Of `complaints`, the one the customer or the desk touched last (None for none)."""
    return max(complaints, key=lambda c: (c.updated_at, c.id or 0)) if complaints else None


def open_complaint_asked_about(
    session: Session, customer_id: int, inbound: Inbound
) -> Complaint | None:
    """The complaint a status question without a number joins: the sender's one open
    complaint, or of several the one last active (the question is kept there, and answered
    with how each stands: `status_answer`). With none, None: the message is handled as before."""
    if not asks_for_news(inbound):
        return None
    return last_active(open_complaints_of(session, customer_id))


def reply_language(chosen: str, text: str, hint: str, kept_language: str) -> str:
    """The one rule for the language of an answer to a customer asking where they stand: the
    customer's choice (Telegram's /language) wins, as for everything sent to them; else the
    question's own text, by the one rule that gives a message its language
    (`router.language.detect_language`: the text decides, the channel's language `hint` only
    breaks a tie); else, when neither tells ("ok?", or no text at all: Telegram's /status),
    `kept_language`, that of the complaint the question is kept on, instead of `[bot]
    default_language`: it is what this customer was last answered in."""
    if chosen:
        return chosen
    return detect_language(text, hint, default=kept_language)[0]


def answer_language(inbound: Inbound, kept_on: Complaint) -> str:
    """The language a bare status question is answered in (`reply_language`). The text alone
    is read, not the subject: a mail client carries the subject of the bot's last message
    over, in that complaint's language."""
    return reply_language(
        inbound.chosen_language, inbound.text, inbound.language_hint, kept_on.language
    )


def command_language(chosen: str, hint: str, complaints: Sequence[Complaint], default: str) -> str:
    """The language of a status asked for without words (Telegram's /status): the same rule
    as a typed question's (`reply_language`), minus the text, so the customer's choice, else
    the channel's language (their Telegram app's), else the language of the complaint a typed
    question would be kept on (the open one last active; with none open, the one last
    active), else `default`. A customer with complaints in two languages gets one language
    either way, and the same one whether they type "any news?" or send /status."""
    kept = last_active(open_complaints(complaints)) or last_active(complaints)
    return reply_language(chosen, "", hint, kept.language if kept else default)


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """How a bare status question is answered: in `language` (`answer_language`); `listing`
    is how each open complaint stands, or "" when the one it is kept on is the only one (the
    follow-up's own text says where that one stands)."""

    language: str
    listing: str


def status_answer(
    session: Session, complaint: Complaint, inbound: Inbound, now: datetime, format_due: FormatDue
) -> StatusAnswer | None:
    """How to answer the message on `complaint` when it is a bare status question, else None.

    With several open complaints, each one's standing is listed rather than asked "which
    one?": the desk already knows how each stands, and a question back costs the customer a
    round trip to learn what one message can tell. Every line and every time is in the
    answer's one language (`format_due` puts a time in that language's zone)."""
    if not asks_for_news(inbound):
        return None
    language = answer_language(inbound, complaint)
    open_ = open_complaints_of(session, complaint.customer_id)
    if len(open_) < 2 or complaint not in open_:
        return StatusAnswer(language, "")
    return StatusAnswer(language, status_text(open_, language, now, format_due))
