"""Amounts of money, one way everywhere: written for a reader in their language by Babel's
rules ("€150.00" in English, "150,00 €" in Spanish) wherever a text shows one (a customer's
letter, a staff notice, the console), recorded as "150.00 EUR" where a program reads it (an
event's detail, the API's English refusals), and read from what a person typed with either
decimal mark.

Kept in the kernel because staff/ (the letter's solution), outbox/ (staff notices) and web/
(the console) all write amounts and may not import one another for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from complaints.errors import ComplaintBotError

BABEL_LOCALES = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "es": "es", "en": "en"}
"""Our language tags and Babel's locale identifiers (which `written` takes too)."""


def written(cents: int, currency: str, language: str) -> str:
    """`cents` of `currency` as a reader of `language` (our tag, or Babel's identifier) reads
    it: "€150.00", "150,00 €" (a no-break space keeps number and sign together); without a
    currency the number alone ("150,00"). English for a language that is none of ours."""
    locale = BABEL_LOCALES.get(language, language)
    if locale not in BABEL_LOCALES.values():
        locale = "en"
    amount = Decimal(cents) / 100
    if not currency:
        return format_decimal(amount, format="#,##0.00", locale=locale)
    return format_currency(amount, currency, locale=locale)


_RECORDED = re.compile(r"(\d+)\.(\d\d) ([A-Z]{3})")


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount as a value that fills a text: str() is the recorded form ("150.00 EUR"), and
    a text written for a reader calls `written` in the reader's language (outbox.staff_texts
    does for staff notices)."""

    cents: int
    currency: str

    def __str__(self) -> str:
        whole, cents = divmod(self.cents, 100)
        return f"{whole}.{cents:02d} {self.currency}"

    def written(self, language: str) -> str:
        return written(self.cents, self.currency, language)

    @classmethod
    def of_record(cls, text: str) -> Amount | None:
        """The amount `str()` recorded ("150.00 EUR", an event's detail), else None."""
        found = _RECORDED.fullmatch(text.strip())
        if found is None:
            return None
        return cls(int(found[1]) * 100 + int(found[2]), found[3])


_SPACES = " \N{NO-BREAK SPACE}\N{NARROW NO-BREAK SPACE}"
_NUMBER = re.compile(r"\d+(?:[.,' ]\d+)*")


def parse_amount(text: str) -> int | None:
    """Cents from an amount typed with either decimal mark: "150", "150.5", "150,50",
    "1.500,00", "1,500.00", "1 500"; None for an empty field. A mark followed by one or two
    digits at the end is the decimal mark; groups of three digits before it are thousands.
    A lone mark followed by three digits ("1.500": fifteen hundred in Spanish, one and a half
    in English) is refused as ambiguous, never guessed; anything else is no amount."""
    cleaned = text.strip()
    for space in _SPACES:
        cleaned = cleaned.replace(space, " ")
    if not cleaned:
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise _not_an_amount(text)
    parts = re.split(r"([.,' ])", cleaned)
    numbers, marks = parts[0::2], parts[1::2]
    fraction = ""
    if marks and len(numbers[-1]) in (1, 2) and marks[-1] in ".,":
        fraction, numbers, decimal = numbers[-1], numbers[:-1], marks.pop()
        if decimal in marks:  # "1.500.00": the decimal mark is used to group too
            raise _not_an_amount(text)
    grouped = marks and (len(set(marks)) > 1 or len(numbers[0]) > 3)
    if grouped or any(len(group) != 3 for group in numbers[1:]):
        raise _not_an_amount(text)
    if marks and not fraction and len(numbers) == 2 and marks[0] in ".,":
        raise ComplaintBotError(
            "'%(text)s' could be read two ways; write the amount without a thousands "
            "separator, like 1500 or 1500.50",
            text=text,
        )
    return int("".join(numbers)) * 100 + int(fraction.ljust(2, "0") or 0)


def _not_an_amount(text: str) -> ComplaintBotError:
    return ComplaintBotError("'%(text)s' is not an amount; write it like 150 or 150.50", text=text)
