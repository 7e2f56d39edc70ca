"""The console's four languages: which one a request is answered in, the message catalogs, and
texts written now but translated when shown.

Texts are written in English in the templates (`{{ _("Queue") }}`) and in the code
(`N_("Saved %(name)s.", name=...)`) and translated through the gettext catalogs
`locale/<locale>/LC_MESSAGES/console.po`. The .po files are compiled in memory once, at first
use: a compiled .mo in the repository would be a second copy that can silently disagree with
its source, and compiling four small catalogs takes milliseconds.

A request is answered in the account's own language when it chose one, else in the language
the browser prefers most among the four (Accept-Language), else in the bot's default language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from complaints.languages import SUPPORTED, normalise_hint
from complaints.money import Amount
from complaints.sizes import readable_size

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "console"
LOCALES: Mapping[str, str] = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "es": "es", "en": "en"}
"""Our language tags (complaints.languages.SUPPORTED) and Babel's locale identifiers."""
ENDONYMS: Mapping[str, str] = {
    # Each language named in itself, so whoever reads the selector finds their own.
    "zh-Hans": "简体中文",
    "zh-Hant": "繁體中文",
    "es": "Español",
    "en": "English",
}


@dataclass(frozen=True)
class Phrase:
    """A console text in English with its values, translated when it is shown: a flash message
    is written by one request and read by the next, whose reader's language decides."""

    msgid: str
    values: Mapping[str, Value] = field(default_factory=dict)
    """Numbers, text as it is (names, numbers of complaints), or Phrases (a role's name)."""

    def translated(self, translations: Translations, names: Names | None = None) -> str:
        text = translations.gettext(self.msgid)
        if not self.values:
            return text
        values = {
            key: value.translated(translations, names) if isinstance(value, Phrase) else value
            for key, value in self.values.items()
        }
        for candidate in (text, self.msgid):
            try:
                return candidate % values
            except (KeyError, ValueError, TypeError):
                # A translation whose placeholders differ (a test prevents it) or a forged
                # flash cookie: the English text, or the bare text, beats an error page.
                continue
        return self.msgid

    def carried(self) -> list[Any]:
        """As JSON can carry it (in the flash cookie); `Phrase.of` reads it back."""
        values = {
            key: value.carried() if isinstance(value, Phrase) else value
            for key, value in self.values.items()
        }
        return [self.msgid, values]

    @classmethod
    def of(cls, carried: Any) -> Phrase:
        """The Phrase `carried()` wrote; a ValueError when it is something else."""
        if isinstance(carried, list) and len(carried) == 3 and carried[2] == Size.KIND:
            if not isinstance(carried[0], str) or not carried[0].isdigit():
                raise ValueError("not a carried size")
            return Size(carried[0])
        if isinstance(carried, list) and len(carried) == 3 and carried[2] == Money.KIND:
            if not isinstance(carried[0], str) or Amount.of_record(carried[0]) is None:
                raise ValueError("not a carried amount")
            return Money(carried[0])
        if isinstance(carried, list) and len(carried) == 3 and carried[2] in Named.KINDS:
            if not isinstance(carried[0], str):
                raise ValueError("not a carried name")
            return Named(carried[0], kind=carried[2])
        if not isinstance(carried, list) or len(carried) != 2:
            raise ValueError("not a carried phrase")
        msgid, values = carried
        if not isinstance(msgid, str) or not isinstance(values, dict):
            raise ValueError("not a carried phrase")
        kept: dict[str, Value] = {}
        for key, value in values.items():
            kept[str(key)] = value if isinstance(value, str | int) else cls.of(value)
        return cls(msgid, kept)


Names = Callable[[str, str], str]
"""(kind, key) → the name of a department or category in the reader's language, by the rule
set in force (web.console.wording.named)."""


@dataclass(frozen=True)
class Named(Phrase):
    """A department's or category's key (`msgid`), named when shown: the names come from the
    rule set in force, not the catalogs, so the page that shows it names it (`names`); without
    them the key is shown."""

    kind: str = "department"
    KINDS = ("department", "category")

    def translated(self, translations: Translations, names: Names | None = None) -> str:
        return names(self.kind, self.msgid) if names is not None else self.msgid

    def carried(self) -> list[Any]:
        return [self.msgid, {}, self.kind]


@dataclass(frozen=True)
class Size(Phrase):
    """A number of bytes (`msgid`, its digits), written when shown as the reader reads it:
    "12.4 MB", "12,4 MB" in Spanish (complaints.sizes, one home for every readable size); a
    no-break space keeps the number and its unit on one line."""

    KIND = "size"

    @classmethod
    def of_bytes(cls, count: int) -> Size:
        return cls(str(count))

    def translated(self, translations: Translations, names: Names | None = None) -> str:
        language = str(translations.info().get("language", "en"))
        return readable_size(int(self.msgid), language).replace(" ", "\N{NO-BREAK SPACE}")

    def carried(self) -> list[Any]:
        return [self.msgid, {}, self.KIND]


@dataclass(frozen=True)
class Money(Phrase):
    """An amount as recorded (`msgid`, "150.00 EUR": complaints.money.Amount), written when
    shown as the reader's language writes amounts ("150,00 €" in Spanish), the one way of
    every text that shows one."""

    KIND = "money"

    def translated(self, translations: Translations, names: Names | None = None) -> str:
        amount = Amount.of_record(self.msgid)
        if amount is None:
            return self.msgid
        return amount.written(str(translations.info().get("language", "en")))

    def carried(self) -> list[Any]:
        return [self.msgid, {}, self.KIND]


Value = str | int | Phrase


def N_(msgid: str, /, **values: Value) -> Phrase:
    """Mark `msgid` for the catalogs (`pybabel extract` knows `N_`) and translate it later."""
    return Phrase(msgid, values)


Shown = str | Phrase
"""What the console shows: a Phrase, or text already final (a value, or another module's
message that has no catalog entry yet: looked up, and shown as it is when none is found)."""


def say(translations: Translations, text: Shown, names: Names | None = None) -> str:
    """`text` in the catalog's language; `names` names the departments and categories in it."""
    if isinstance(text, Phrase):
        return text.translated(translations, names)
    return translations.gettext(text) if text else text


def joined(items: list[Shown]) -> Shown:
    """Items as one list, "a, b, c" (in Chinese "a、b、c"), each translated when shown."""
    if all(isinstance(item, str) for item in items):
        return ", ".join(str(item) for item in items)
    whole: Shown = items[0] if items else ""
    for item in items[1:]:
        whole = N_("%(list)s, %(item)s", list=whole, item=item)
    return whole


Patterns = Sequence[tuple[re.Pattern[str], str]]
"""English texts another module writes with values in them, each as a pattern with named groups
and the msgid that says it (`N_("merged into %(number)s").msgid`)."""


def matched(
    patterns: Patterns, text: str, shown: Callable[[str, str], Value] = lambda _, value: value
) -> Phrase | None:
    """`text` as the msgid of the first pattern it wholly matches, filled with the groups the
    msgid names (`shown(group, value)` may name a key for staff); None when none matches. One
    home for the tables that translate the services' English (timeline reasons, rule notes)."""
    for pattern, msgid in patterns:
        found = pattern.fullmatch(text)
        if found is not None:
            return Phrase(
                msgid,
                {
                    name: shown(name, value)
                    for name, value in found.groupdict().items()
                    if value is not None and f"%({name})" in msgid
                },
            )
    return None


@functools.cache
def catalogs() -> Mapping[str, Translations]:
    """Every language's compiled catalog, by our language tag."""
    compiled = {}
    for language, locale in LOCALES.items():
        path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as source:
            catalog = read_po(source, locale=locale, domain=DOMAIN)
        binary = BytesIO()
        write_mo(binary, catalog)
        binary.seek(0)
        compiled[language] = Translations(binary, domain=DOMAIN)
    return compiled


def from_browser(accept_language: str) -> str:
    """The supported language the browser prefers most (RFC 9110 Accept-Language, with
    q-values), or "" when it names none of them. A bare "zh" is simplified Chinese, as
    browsers in mainland China send it."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, *parameters = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = normalise_hint(tag)
        if weight > 0 and language:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else ""


def choose(account_language: str, accept_language: str, default: str) -> str:
    """The language of one answer: the account's choice, the browser's, the bot's default."""
    for language in (account_language, from_browser(accept_language), default):
        if language in SUPPORTED:
            return language
    return "en"
