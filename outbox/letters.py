"""The frame of a letter to the customer, as the acknowledgement has one: a greeting by name, the
text, and a closing signed by the company (and by the agent who wrote, for an agent's reply).
What a person decided (a resolution, a rejection, a proposed solution: outbox.notify.NOTICES)
and agents' replies are framed this way; short notices (progress, survey, assignment) are not.

An agent may write a letter of their own, or use a canned reply that is one ("Estimada
{customer}: … Un saludo, {agent}."): the bot adds no greeting to a text that opens with one, and
no closing to a text that ends with one, so nothing is said twice. The rules are kept simple and
predictable, in every language at once (a customer may be answered in a language other than the
one the agent writes in): a text greets when its first line starts with a greeting word
(`GREETING`: dear, hello, hi, good morning…, estimado/a, querido/a, hola, buenos días…, 尊敬的,
亲爱的, 親愛的; ignoring case), a name with a form of address ("张先生：", "王女士，"), or holds
您好/你好 ending a phrase within its first 20 characters ("王女士，您好"); a text closes when one
of its last lines (with at most three lines of signature under it) ends with a closing, alone
or after a sentence and perhaps followed by a name ("… Un saludo, Ana."): `CLOSING`: best/kind
regards, thanks, sincerely, un saludo, saludos, atentamente, gracias, 此致, 敬礼, 祝好, 顺祝商祺,
谢谢…; so "Thanks for waiting." is no closing."""

from __future__ import annotations

import re

from complaints.names import addressee
from outbox.settings import in_language
from outbox.texts import say

GREETING = re.compile(
    r"^(dear|hello|hi|hey|good (morning|afternoon|evening|day)|estimad[oa]s?|querid[oa]s?|hola"
    r"|buen(os|as)? (días|tardes|noches|día))(?![^\W\d_])"
    r"|^(尊敬的|亲爱的|親愛的)|^.{0,18}?(您好|你好)(?=[，,：:！!。\s]|$)"
    r"|^[^\s，,：:]{1,8}(先生|女士|小姐|老师|老師|经理|經理|总|總)[：:，,]",
    re.IGNORECASE,
)
"""A first line that greets, in every language (a customer may be answered in a language other
than the one the agent writes in): a Latin greeting as a whole word at its start, a Chinese
form of address at its start ("张先生：", "王女士，"), or 您好/你好 ending a phrase within its
first 20 characters."""

CLOSING = re.compile(
    r"(?:^|[.!?。！？]\s*)"
    r"((best|kind|warm|warmest)? ?regards|best( wishes)?|(yours )?sincerely"
    r"|yours (faithfully|truly)|thanks( again)?|thank you|many thanks|cheers"
    r"|(un )?(cordial )?saludos?( cordiales| atentos)?|atentamente|cordialmente"
    r"|(muchas )?gracias|un abrazo"
    r"|此致|此致\s*敬[礼禮]|敬[礼禮]|祝好|祝您?(生活)?愉快|[顺順]祝商祺|[顺順][颂頌]商祺|[谢謝]{2})"
    r"(?:[,，]\s*(?P<name>[^\W\d_][\w'’. -]{0,40}?))?[\s,，.。!！:：]*$",
    re.IGNORECASE,
)
"""A closing ending a line, alone or after a sentence, perhaps with a name after a comma
("Best regards,", "Thanks,", "… Un saludo, Ana.", "Atentamente,", "此致", "祝好！"); a
signature may follow it on lines of its own. "Thanks for your patience." is a sentence, not a
closing, and so is "Gracias, lo revisamos" (a name's words start with a capital)."""

_SIGNATURE_LINES = 3
"""How many lines (a name, a title, a team) a closing may have under it."""


def greets(text: str) -> bool:
    """Whether `text` already opens with a greeting (the rule in the module's docstring)."""
    first = text.strip().split("\n", 1)[0].strip()
    return GREETING.search(first) is not None


def closes(text: str) -> bool:
    """Whether `text` already ends with a closing, signed or not (the module's docstring)."""
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    for index in range(max(0, len(lines) - _SIGNATURE_LINES - 1), len(lines)):
        found = CLOSING.search(lines[index])
        if found is None or (index == 0 and found.start() == 0):
            continue  # the first line alone closes nothing ("Thanks, Ana!" opens a note)
        name = found.group("name") or ""
        if all(word[0] == word[0].upper() for word in name.split()):
            return True
    return False


def letter(language: str, body: str, *, name: str, company: str, signer: str = "") -> str:
    """`body` with a greeting of `name` (as `addressee` says it) and a closing by `signer`
    and `company` (its name in `language`), in `language`, blank lines between the parts as in
    the acknowledgement; without the greeting when `body` greets already, and without the
    closing when it closes already."""
    parts = [body.strip()]
    if not greets(body):
        called = addressee(name) or say(language, "greeting_name")
        parts.insert(0, say(language, "greeting", name=called))
    if not closes(body):
        closing = (say(language, "closing"), signer, in_language(company, language))
        parts.append("\n".join(line for line in closing if line))
    return "\n\n".join(parts)
