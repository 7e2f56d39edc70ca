"""Reopening a finished complaint, one path for every cause (a low survey score, a customer
writing to a resolved or closed complaint, a disputed rejection): the status event, and fresh
deadlines so the case is tracked again (`DueTimes.on_reopened`: progress updates, warnings,
escalation)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from channels.base import Inbound
from router.text import fold
from scheduler.due import DueTimes
from store import queries
from store.models import Complaint


def reopen(
    session: Session, complaint: Complaint, why: str, now: datetime, *, due: DueTimes
) -> None:
    """Reopen `complaint` (the customer's doing, for the reason `why`) and track it again."""
    queries.change_status(session, complaint, "reopened", "customer", why, now)
    due.on_reopened(complaint, now)


_COURTESY_WORDS = (
    "thanks|thank you|thank u|thx|ty|many thanks|thanks a lot|thank you very much|"
    "thanks again|cheers|ok|okay|okey|great|perfect|fine|got it|noted|"
    "gracias|muchas gracias|mil gracias|vale|de acuerdo|perfecto|genial|entendido|"
    "谢谢|谢谢你|谢谢您|谢谢你们|多谢|感谢|非常感谢|好的|好|收到|明白|"
    "謝謝|謝謝你|謝謝您|謝謝你們|多謝|感謝|非常感謝|明白了|知道了"
)
_COURTESY = re.compile(rf"^(?:(?:{_COURTESY_WORDS})[\s,.;:!?~。，！、…]*)+$")
_DECORATION = re.compile(r"[\s.,;:!?~。，！、…👍🙏😊🙂❤️]+")
COURTESY_MAX_CHARS = 40


def is_courtesy(inbound: Inbound) -> bool:
    """A short courtesy and nothing more ("Thanks!", "ok", "muchas gracias", "谢谢", "謝謝"):
    to a finished complaint it is noted, not taken as a reason to reopen it. A message with an
    attachment, or with anything besides courtesy words, is not one."""
    text = fold(inbound.text).strip()
    if inbound.attachments or not text or len(text) > COURTESY_MAX_CHARS:
        return False
    words = _DECORATION.sub(" ", text).strip()
    return bool(words) and _COURTESY.match(words + " ") is not None
