"""A message that only asks how a complaint is going ("Any news about my complaint?",
"¿Hay alguna novedad?", "我的投诉有消息了吗？", "我的投訴有進展了嗎？"), sent as a new mail or
webhook message without the complaint's number.

From a customer with exactly one open complaint it continues that complaint instead of opening
a second one with a full acknowledgement (a walkthrough counted a new case for each such
question, in all four languages). The test is a whole-message grammar, like the courtesy's
(`intake.courtesy`): status questions with courtesy words around them ("Hi, any update? Thanks"),
nothing else. A question that says anything more ("any news? the router died again") is a
message a person must read and is routed as before.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from channels.base import Inbound
from complaints.workflow import FINISHED
from intake.courtesy import COURTESY_UNITS, plain_words
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


def one_open_complaint_asked_about(
    session: Session, customer_id: int, inbound: Inbound
) -> Complaint | None:
    """The complaint a status question without a number asks about: the sender's one open
    complaint. With none, or several (which one?), None: the message is handled as before."""
    if not asks_for_news(inbound):
        return None
    open_ = [
        complaint
        for complaint in complaints_of_customer(session, customer_id=customer_id)
        if complaint.status not in FINISHED
    ]
    return open_[0] if len(open_) == 1 else None
