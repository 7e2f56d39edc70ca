"""What a mail's Subject says: the one home of the reply and forward prefixes mail clients put
in front of it ("Re:", "RE:", "AW:", "Fwd:", "RV:", "回复：", "答复:", "转发:"…) and of the
bot's own complaint tag ("[C-2026-000123]"), read by the parser (is it a forward?), by the
channel (does a mail with an empty body say anything?) and by `compose` (the bot's answer
"[C-…] Re: <their subject>", whose prefixes must not pile up).

Complaint numbers are recognised as everywhere else (`complaints.numbers`: any case,
full-width, a zero more or less), so "Re: [c-2026-00123]" is as empty as the bot's own tag.
"""

from __future__ import annotations

import re

from complaints import numbers
from complaints.cleaning import is_blank

_REPLY = r"re|aw|sv|答复|答覆|回复|回覆"
"""Reply prefixes: en Re, de AW, nordic SV, zh 回复/答复 (Foxmail, QQ Mail, NetEase) and
their traditional forms."""
_FORWARD = r"fwd?|rv|tr|reenv(?:iar|iado)?|转发|轉寄|轉發|转寄"
"""Forward prefixes: en Fwd/Fw, es RV/Reenviar, fr TR, zh 转发/轉寄."""

FORWARD_SUBJECT = re.compile(rf"\s*(?:{_FORWARD})\s*[:：]", re.IGNORECASE)
"""A forward's subject: what it forwards is what the customer complains about (`history`)."""
_PREFIXES = re.compile(rf"^(?:\s*(?:{_REPLY}|{_FORWARD})\s*[:：]\s*)+", re.IGNORECASE)
_TAG = re.compile(rf"\[{numbers.PATTERN}\]\s*")


def without_prefixes(subject: str) -> str:
    """The subject without the reply and forward prefixes at its start ("Re: Fwd: x" is "x")."""
    return _PREFIXES.sub("", subject).strip()


def without_tags(subject: str) -> str:
    """The subject without our number tags and reply or forward prefixes, so that the bot's
    "[C-…] Re: " does not pile up on a thread's subject."""
    previous = None
    while previous != subject:
        previous, subject = subject, without_prefixes(_TAG.sub("", subject))
    return subject


def as_text(subject: str) -> str:
    """What the subject says when the body says nothing, as the message's text, or "".

    Many customers write the whole complaint in the subject ("Mi router no funciona desde el
    lunes") and send an empty body; refusing that as "no text" loses a complaint. The subject
    says nothing when it is only prefixes and complaint references ("RE:", "Re: [C-…]",
    "回复："), nor when it is a reply or forward of a mail about a complaint ("Re: [C-…] Re:
    Broken kettle"): those words are the subject of the bot's own mail coming back, already on
    the complaint, and an empty reply to it says nothing new (it stays refused as empty, as
    before, and the sender is told so). A subject the customer typed with their number and
    words of their own ("[C-…] it smokes now") is their text."""
    words = without_prefixes(subject)
    if is_blank(_without_references(words)):
        return ""
    if words != subject.strip() and numbers.numbers_in(subject):
        return ""
    return words


def _without_references(subject: str) -> str:
    """The subject without any complaint number (tagged or typed) or prefix, wherever they
    stand between each other ("[C-…] Re: [C-…] Fwd:" leaves nothing)."""
    previous = None
    while previous != subject:
        previous, subject = subject, without_prefixes(numbers.without_numbers(subject))
    return subject
