"""Why a dead letter was kept, in the reader's language.

The store keeps the reason in English, as the channel wrote it: `str()` of the refusal that
stopped the letter (intake's `InvalidMessage`/`IgnoredMessage`, the e-mail channel's own,
with their values filled in, "machine mail (Auto-Submitted: auto-replied) about no known
complaint"), or the e-mail channel's frame around a parse error ("cannot be parsed: …"). The
console reads the values back out of the English sentence and shows the catalog's text with
them; a reason it does not know is shown as written.
tests/web/test_console_timeline_wording.py reads the code for every such refusal and fails
when one has no entry here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from complaints.sizes import UNITS
from web.console.i18n import N_, Phrase, Shown, Size, Value

REASONS: Sequence[Phrase] = (
    # intake/receive.py
    N_("the message has no text and no attachment"),
    N_("at most %(count)s attachments are accepted"),
    N_("attachment '%(name)s' is %(size)s; the limit is %(limit)s"),
    N_("machine mail (%(automated)s) about no known complaint"),
    # channels/email/channel.py
    N_("mail from the bot's own address (a loop)"),
    N_("a bounce for no message the bot signed"),
    N_("a bounce for no message the bot sent"),
    # channels/email/parse.py (MalformedMail, inside the frame below)
    N_("empty message"),
    N_("not an e-mail message: no header lines"),
    N_("no usable From address"),
    N_("unreadable message (%(error)s)"),
)
FRAMES: Sequence[Phrase] = (
    # channels/email/channel.py: a parse error, itself a reason above
    N_("cannot be parsed: %(error)s"),
)
_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")
SIZES = frozenset({"size", "limit"})
"""Values that are sizes: written as the reader reads them (web.console.i18n.Size)."""
_SIZE = re.compile(r"(\d+)(?: bytes)?|(\d+(?:\.\d)?) (" + "|".join(UNITS) + ")")


def _pattern(msgid: str) -> re.Pattern[str]:
    """The English sentence with each `%(name)s` read back as a group of that name."""
    return re.compile(_PLACEHOLDER.sub(r"(?P<\1>.+)", re.escape(msgid)), re.DOTALL)


_READ = [(_pattern(phrase.msgid), phrase.msgid) for phrase in REASONS]
_FRAMED = [(_pattern(phrase.msgid), phrase.msgid) for phrase in FRAMES]


def letter_reason(text: str) -> Shown:
    """A stored dead letter's reason as the console shows it: translated with its values
    when it is one of the known sentences, else as written."""
    for pattern, msgid in _FRAMED:
        framed = pattern.fullmatch(text)
        if framed is not None:
            return Phrase(msgid, {"error": letter_reason(framed["error"])})
    for pattern, msgid in _READ:
        found = pattern.fullmatch(text)
        if found is not None:
            values = found.groupdict()
            return Phrase(msgid, {k: _sized(v) if k in SIZES else v for k, v in values.items()})
    return text


def _sized(value: str) -> Value:
    """A size as intake wrote it ("12.4 MB"; before sizes were readable, "13002342"), as a
    Size the reader's language writes; anything else as it is."""
    found = _SIZE.fullmatch(value)
    if found is None:
        return value
    count, amount, unit = found.groups()
    if count is not None:
        return Size(count)
    return Size(str(round(float(amount) * 1024 ** UNITS.index(unit))))
