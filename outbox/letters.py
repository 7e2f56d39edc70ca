"""The frame of a letter to the customer, as the acknowledgement has one: a greeting by name, the
text, and a closing signed by the company (and by the agent who wrote, for an agent's reply).
Resolution notices and agents' replies are framed this way; short notices are not.

An agent may start their text with a greeting of their own ("Dear Ana,", "Hola Ana:", "王女士，
您好："): then the frame adds none, so the customer is not greeted twice. The rule is kept
simple and predictable: the text greets when its first line starts with a greeting word of
any of the bot's languages (`GREETING`: dear, hello, hi, good morning…, estimado/a, hola,
buenos días…, 尊敬的, 亲爱的, 親愛的; ignoring case), or holds 您好 or 你好 ending a phrase
within its first 20 characters (the name comes first: "王女士，您好"). The closing is always
added: it names the agent and the company, which the agent's text need not."""

from __future__ import annotations

import re

from outbox.texts import say

GREETING = re.compile(
    r"^(dear|hello|hi|good (morning|afternoon|evening)|estimad[oa]s?|hola"
    r"|buen(os|as) (días|tardes|noches))(?![^\W\d_])"
    r"|^(尊敬的|亲爱的|親愛的)|^.{0,18}?(您好|你好)(?=[，,：:！!。\s]|$)",
    re.IGNORECASE,
)
"""A first line that greets, in every language (a customer may be answered in a language other
than the one the agent writes in): a Latin greeting as a whole word at its start, a Chinese
form of address at its start, or 您好/你好 ending a phrase within its first 20 characters."""


def greets(text: str) -> bool:
    """Whether `text` already opens with a greeting (the rule in the module's docstring)."""
    first = text.strip().split("\n", 1)[0].strip()
    return GREETING.search(first) is not None


def letter(language: str, body: str, *, name: str, company: str, signer: str = "") -> str:
    """`body` with a greeting of `name` (unless it greets already) and a closing by `signer`
    and `company`, in `language`; blank lines between the parts, as the acknowledgement."""
    greeting = say(language, "greeting", name=name or say(language, "greeting_name"))
    parts = [] if greets(body) else [greeting]
    signature = "\n".join(line for line in (say(language, "closing"), signer, company) if line)
    return "\n\n".join([*parts, body.strip(), signature])
