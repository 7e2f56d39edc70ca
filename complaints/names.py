"""A person's name as the bot says it, from the name their channel gave (an e-mail display
name, a Telegram first name, a webhook's name): the one rule for every greeting (a letter's,
the Telegram welcome) and for how staff notices name the customer.

A channel gives whatever the person typed or their app made up: "Perez, Jose" (Outlook's
order), "PEREZ, JOSE", a login ("ana.martinez", "jose1984"), emoji, blanks, 64 characters of
slogan. A greeting says a name only when it reads as one; staff still need a handle to tell
customers apart, so they see the raw name, quoted and cut, when it is not one."""

from __future__ import annotations

import re
import unicodedata

_LOGIN = re.compile(r"^\S*[._@\d]\S*$")
"""A name with no space holding a dot, underscore, @ or digit reads as a mailbox or login
("ana.martinez", "jose1984"), not as what a person is called."""

LONGEST = 40
"""A name longer than this is no name to greet by (a slogan, a shop's tag line); Telegram
allows 64 characters for a first name alone. It is also where staff see a raw name cut."""

_DROPPED = frozenset({"So", "Sk", "Cc", "Cf", "Co", "Cs", "Cn"})
"""Unicode categories that are no part of a name: emoji and other symbols, control and
format characters (zero-width joiners, direction marks), private-use and unassigned ones."""


_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "da", "do", "dos", "di", "du", "van", "von", "le"}
)
"""Short words of full Latin names ("ANA DE LA CRUZ" → "Ana de la Cruz")."""


def _shouted(name: str) -> bool:
    """Whether `name` is a full Latin name typed in capitals ("JOSE PEREZ"), the only name the
    bot re-cases: at least two words, each of three letters or more or a particle. Anything
    else is said as written: a short all-caps token may be initials or an acronym ("HK",
    "HK LEE"), one word cannot be told from an acronym ("IBM"), a name with small letters was
    cased by its owner ("McDONALD"), and Chinese mixed with Latin is not re-cased ("李WEI")."""
    if not name.isupper() or any(unicodedata.category(c) == "Lo" for c in name):
        return False
    words = name.split()
    return len(words) >= 2 and all(
        sum(c.isalpha() for c in word) >= 3 or word.lower() in _PARTICLES for word in words
    )


def _cleaned(name: str) -> str:
    """`name` without symbols or invisible characters, its spaces collapsed."""
    kept = "".join(" " if unicodedata.category(c) in _DROPPED else c for c in name)
    return " ".join(kept.split())


def addressee(name: str) -> str:
    """`name` as a greeting says it: as written, but "Last, First" in reading order and a full
    Latin name shouted in capitals in title case (`_shouted`: "PEREZ, JOSE" → "Jose Perez",
    "HK" stays "HK"); "" (the greeting without a
    name) when it does not read as a name: a mailbox or login, no letter at all (emoji,
    blanks), or longer than `LONGEST`."""
    name = _cleaned(name)
    last, comma, first = name.partition(",")
    if comma and last.strip() and first.strip() and "," not in first:
        name = f"{first.strip()} {last.strip()}"
    if _shouted(name):
        name = " ".join(
            word.lower() if word.lower() in _PARTICLES and position else word.title()
            for position, word in enumerate(name.split())
        )
    has_letter = any(c.isalpha() for c in name)
    return "" if not has_letter or len(name) > LONGEST or _LOGIN.match(name) else name


def identifying(name: str) -> str:
    """`name` as staff notices show the customer: the name a greeting says when there is one,
    else the raw name in quotes, cut to `LONGEST` characters ('"ana.martinez"', '"🔥🔥"'), so
    agents can still tell customers apart; "" when the channel gave nothing visible."""
    called = addressee(name)
    if called:
        return called
    raw = " ".join("".join(c for c in name if unicodedata.category(c)[0] != "C").split())
    if not raw:
        return ""
    return f'"{raw if len(raw) <= LONGEST else raw[: LONGEST - 1] + "…"}"'
