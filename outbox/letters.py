"""The frame of a letter to the customer, as the acknowledgement has one: a greeting by name, the
text, and a closing signed by the company (and by the agent who wrote, for an agent's reply).
What a person decided (a resolution, a rejection, a proposed solution: outbox.notify.NOTICES)
and agents' replies are framed this way; short notices (progress, survey, assignment) are not.

An agent may write a letter of their own, or use a canned reply that is one ("Estimada
{customer}: … Un saludo, {agent}."): a text that opens with a greeting ("Dear Ana,", "Hola
Ana:", "王女士，您好：") is sent as it is, with neither a second greeting nor a second closing.
The rule is kept simple and predictable: the text greets when its first line starts with a
greeting word of any of the bot's languages (`GREETING`: dear, hello, hi, good morning…,
estimado/a, hola, buenos días…, 尊敬的, 亲爱的, 親愛的; ignoring case), or holds 您好 or 你好
ending a phrase within its first 20 characters (the name comes first: "王女士，您好")."""

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
    """`body` with a greeting of `name` and a closing by `signer` and `company`, in
    `language`, blank lines between the parts as in the acknowledgement; `body` as it is when
    it greets already (a letter of its own)."""
    if greets(body):
        return body.strip()
    greeting = say(language, "greeting", name=name or say(language, "greeting_name"))
    signature = "\n".join(line for line in (say(language, "closing"), signer, company) if line)
    return "\n\n".join([greeting, body.strip(), signature])
