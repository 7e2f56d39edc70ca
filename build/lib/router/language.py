"""Which of the supported languages a complaint is written in: zh-Hans, zh-Hant, es or en.

Chinese is told from the script, simplified from traditional by `hanzidentifier`'s character
tables. Spanish and English share a script, so they are told apart by their most frequent short
words and by Spanish's own letters; complaints are short, and a statistical model trained on
long text gains nothing here over these signals.

The text decides. A channel's language hint only breaks a tie, because it describes the app or
the mail client, not the message: Telegram's app language, Outlook's `Content-Language: en-US`
on Spanish or Chinese mail, an app set to zh-hans used to write traditional characters.
"""

from __future__ import annotations

import re

import hanzidentifier

from complaints.languages import SUPPORTED, normalise_hint
from router.text import cjk_count, fold

__all__ = ["detect_language"]

_SPANISH_WORDS = frozenset(
    "el la los las de del que y en un una por para con no mi me se lo es muy pero mas ya "
    "su sus al como esta este esto hace han ha fue hoy tengo quiero compre pedido producto "
    "gracias hola buenos buenas dias senor senora usted ustedes nadie nunca porque tambien "
    "sin sobre despues cuando donde queja reclamo".split()
)
_ENGLISH_WORDS = frozenset(
    "the a an and of to in is it my i you we was were for on with this that not no but have "
    "has had be are at from your our they them me please thanks thank hello hi dear would "
    "could should will can did does still never since after when where because order".split()
)
_SPANISH_LETTERS = re.compile(r"[ñ¿¡áéíóúü]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, hint: str = "", default: str = "en") -> tuple[str, str]:
    """Return (language, why). The text decides; the channel's hint (Telegram's app language,
    e-mail's Content-Language, the webhook's `language`) only breaks a tie: text too short or
    without signal ("ok", "12345", an emoji), or Chinese in characters both scripts share.
    Apps and mail clients send their own setting (Outlook says en-US on any mail), not the
    language the customer wrote in."""
    from_hint = normalise_hint(hint)
    found, why = _from_text(text)
    if found in SUPPORTED:
        return found, why
    if found == "zh":  # Chinese, but which script the text does not tell
        if from_hint.startswith("zh"):
            return from_hint, f"{why}; channel language hint {hint!r}"
        return (default if default.startswith("zh") else "zh-Hans"), why
    if from_hint:
        return from_hint, f"{why}: channel language hint {hint!r}"
    return default, f"{why}: default"


def _from_text(text: str) -> tuple[str, str]:
    """The text's language, "zh" for Chinese of either script, or "" with no clear signal."""
    han = cjk_count(text)
    words = _WORD.findall(fold(text))
    # Chinese when Chinese characters outnumber Latin-script words: a Chinese complaint may
    # name "iPhone 15 Pro", and a Spanish one may quote a Chinese product name.
    if han >= 2 and han >= len(words):
        identified = hanzidentifier.identify(text)
        if identified == hanzidentifier.TRADITIONAL:
            return "zh-Hant", f"{han} Chinese characters, traditional forms only"
        if identified == hanzidentifier.SIMPLIFIED:
            return "zh-Hans", f"{han} Chinese characters, simplified forms only"
        if identified == hanzidentifier.MIXED:
            return _mixed_chinese(text)
        return "zh", f"{han} Chinese characters common to both scripts"
    spanish = sum(word in _SPANISH_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    spanish += 2 * len(_SPANISH_LETTERS.findall(text))
    if spanish > english:
        return "es", f"Spanish signals {spanish} > English {english}"
    if english > spanish:
        return "en", f"English signals {english} > Spanish {spanish}"
    return "", f"no clear signal (Spanish {spanish}, English {english})"


def _mixed_chinese(text: str) -> tuple[str, str]:
    """Text with both forms (common in Hong Kong mail): the majority of distinctive characters."""
    traditional = sum(1 for ch in text if hanzidentifier.identify(ch) == hanzidentifier.TRADITIONAL)
    simplified = sum(1 for ch in text if hanzidentifier.identify(ch) == hanzidentifier.SIMPLIFIED)
    if traditional > simplified:
        return "zh-Hant", f"mixed scripts, {traditional} traditional > {simplified} simplified"
    if simplified > traditional:
        return "zh-Hans", f"mixed scripts, {simplified} simplified > {traditional} traditional"
    return "zh", f"mixed scripts, {simplified} simplified = {traditional} traditional"
