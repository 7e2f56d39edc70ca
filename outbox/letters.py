"""The frame of a letter to the customer, as the acknowledgement has one: a greeting by name, the
text, and a closing signed by the company (and by the agent who wrote, for an agent's reply).
Resolution notices and agents' replies are framed this way; short notices are not.

An agent may start their text with a greeting of their own ("Dear Ana,", "Hola Ana:", "王女士，
您好："): then the frame adds none, so the customer is not greeted twice. The rule is kept
simple and predictable: the text greets when its first line starts with one of `GREETINGS`
of any language (ignoring case, accents kept), or, for Chinese, when that line holds 您好 or
你好 within its first 20 characters (the name comes first: "王女士，您好"). The closing is always
added: it names the agent and the company, which the agent's text need not."""

from __future__ import annotations

from outbox.texts import say

GREETINGS = (
    "dear ",
    "hello",
    "hi ",
    "hi,",
    "good morning",
    "good afternoon",
    "good evening",
    "estimado",
    "estimada",
    "hola",
    "buenos días",
    "buenas tardes",
    "buenas noches",
    "尊敬的",
    "亲爱的",
    "親愛的",
    "您好",
    "你好",
)
"""How a first line that greets starts, in every language (a customer may be answered in a
language other than the one the agent writes in)."""

_CHINESE_HELLO = ("您好", "你好")
_CHINESE_REACH = 20


def greets(text: str) -> bool:
    """Whether `text` already opens with a greeting (the rule in the module's docstring)."""
    first = text.strip().split("\n", 1)[0].strip()
    lowered = first.casefold()
    if lowered.startswith(GREETINGS) or lowered in {"hi", "hello", "hola"}:
        return True
    return any(hello in first[:_CHINESE_REACH] for hello in _CHINESE_HELLO)


def letter(language: str, body: str, *, name: str, company: str, signer: str = "") -> str:
    """`body` with a greeting of `name` (unless it greets already) and a closing by `signer`
    and `company`, in `language`; blank lines between the parts, as the acknowledgement."""
    greeting = say(language, "greeting", name=name or say(language, "greeting_name"))
    parts = [] if greets(body) else [greeting]
    signature = "\n".join(line for line in (say(language, "closing"), signer, company) if line)
    return "\n\n".join([*parts, body.strip(), signature])
