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
    "sin sobre despues cuando donde queja reclamo "
    # frequent in short complaints ("No funciona", "no sirve", "me cobraron doble")
    "funciona sirve llego llegaron roto rota cobraron doble devolucion reembolso agotado "
    "agotada otra vez estaba debitaron dinero tienda factura ahora nada todo hay "
    # a bare status question ("Alguna novedad?") is answered in its own language
    "alguna algun novedad novedades noticias".split()
)
_ENGLISH_WORDS = frozenset(
    "the a an and of to in is it my i you we was were for on with this that not no but have "
    "has had be are at from your our they them me please thanks thank hello hi dear would "
    "could should will can did does still never since after when where because order "
    "doesnt dont didnt broken refund charged work working works arrived received phone "
    "screen money help again wrong missing want need just what why how who "
    # a bare status question ("Any news?") is answered in its own language
    "any news update updates".split()
)
_SPANISH_MARKS = re.compile(r"[ñ¿¡]")
"""Letters only Spanish of the languages customers write in: two signals each."""
_SPANISH_ACCENTS = re.compile(r"[áíóú]", re.IGNORECASE)
"""One signal each: Portuguese has them too, and é (French, Italian too) counts for none."""
_OTHER_LANGUAGES: dict[str, tuple[frozenset[str], str]] = {
    "French": (
        frozenset(
            "les des est et une du pour pas je il elle avec dans mon mes cette qui au aux ne "
            "ont suis tres mais votre vous nous produit commande ete etait bonjour merci "
            "toujours rien jamais encore depuis fait sont cela ca colis livraison casse".split()
        ),
        "èêçâîôûëïœù",
    ),
    "German": (
        frozenset(
            "der und ist nicht ich ein eine einen mit von auf fur sie wir mein meine meinen "
            "bitte habe wurde kaputt bestellung geld zuruck nach auch aber noch kein keine dem "
            "den das sehr funktioniert geliefert danke hallo seit heute immer schon leider".split()
        ),
        "äöüß",
    ),
    "Portuguese": (
        frozenset(
            "nao voce meu minha obrigado obrigada com uma um os do em produto chegou quebrado "
            "isso foi estou tenho muito pelo pela ao seu sua tambem ainda agora entrega "
            "encomenda dinheiro bom nenhum".split()
        ),
        "ãõçâêô",
    ),
    "Italian": (
        frozenset(
            "il gli della che non sono ho per mio mia questo questa prodotto arrivato rotto "
            "grazie ordine anche ancora molto perche nel nella sul alla dal piu buongiorno ciao "
            "rimborso consegna funziona soldi sempre niente nessuno ieri oggi".split()
        ),
        "òìèàù",
    ),
}
"""Frequent words (folded) and letters of languages the bot does not speak, so that French is
answered in the default language rather than taken for Spanish because of an accent."""
_CANTONESE = frozenset("咗嘅唔冇佢喺嘢啲哋嚟㗎畀咁")
"""Characters of written Cantonese (Hong Kong, Macau): traditional Chinese, even when every other
character is common to both scripts."""
_CHINESE_GRAMMAR = frozenset("的了是我你们們要在不没沒有很就都也吗嗎呢吧这這给給把被")
_CHINESE_PUNCTUATION = re.compile(r"[，。！？；：、]")
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(
    text: str, hint: str = "", default: str = "en", *, folded: str | None = None
) -> tuple[str, str]:
    """Return (language, why). The text decides; the channel's hint (Telegram's app language,
    e-mail's Content-Language, the webhook's `language`) only breaks a tie: text too short or
    without signal ("ok", "12345", an emoji), or Chinese in characters both scripts share.
    Apps and mail clients send their own setting (Outlook says en-US on any mail), not the
    language the customer wrote in. Text in a language the bot does not speak gets `default`.
    `folded` is `fold(text)` when the caller has it (the router folds once for its rules too)."""
    from_hint = normalise_hint(hint)
    found, why = _from_text(text, fold(text) if folded is None else folded)
    if found in SUPPORTED:
        return found, why
    if found == "zh":  # Chinese, but which script the text does not tell
        if from_hint.startswith("zh"):
            return from_hint, f"{why}; channel language hint {hint!r}"
        return (default if default.startswith("zh") else "zh-Hans"), why
    if found == "unsupported":
        return default, f"{why}: default"
    if from_hint:
        return from_hint, f"{why}: channel language hint {hint!r}"
    return default, f"{why}: default"


def _from_text(text: str, folded: str) -> tuple[str, str]:
    """The text's language, "zh" for Chinese of either script, "unsupported" for a language the
    bot does not speak, or "" with no clear signal."""
    han = cjk_count(text)
    words = _WORD.findall(folded)
    if han >= 2 and _is_chinese(text, han, len(words)):
        return _chinese_script(text, han)
    spanish = sum(word in _SPANISH_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    spanish += 2 * len(_SPANISH_MARKS.findall(text)) + len(_SPANISH_ACCENTS.findall(text))
    other, name = _other_language(text, words)
    if other >= 2 and other > max(spanish, english):
        return "unsupported", f"{name} signals {other} > Spanish {spanish}, English {english}"
    if spanish > english:
        return "es", f"Spanish signals {spanish} > English {english}"
    if english > spanish:
        return "en", f"English signals {english} > Spanish {spanish}"
    return "", f"no clear signal (Spanish {spanish}, English {english})"


def _is_chinese(text: str, han: int, words: int) -> bool:
    """Chinese when its characters outnumber Latin-script words (a Chinese complaint may name
    "iPhone 15 Pro", a Spanish one may quote a Chinese product name), or, in Chinese sentences
    (Chinese punctuation or grammar words: "我的iPhone screen broken 了，要求refund"), when they
    are at least half as many."""
    if han >= words:
        return True
    grammar = sum(1 for ch in text if ch in _CHINESE_GRAMMAR)
    sentences = grammar >= 2 or _CHINESE_PUNCTUATION.search(text) is not None
    return sentences and 2 * han >= words


def _chinese_script(text: str, han: int) -> tuple[str, str]:
    identified = hanzidentifier.identify(text)
    cantonese = sum(1 for ch in text if ch in _CANTONESE)
    if identified == hanzidentifier.TRADITIONAL:
        return "zh-Hant", f"{han} Chinese characters, traditional forms only"
    if identified == hanzidentifier.SIMPLIFIED and not cantonese:
        return "zh-Hans", f"{han} Chinese characters, simplified forms only"
    if identified in (hanzidentifier.MIXED, hanzidentifier.SIMPLIFIED):
        return _mixed_chinese(text, cantonese)
    if cantonese:
        return "zh-Hant", f"{han} Chinese characters, {cantonese} of written Cantonese"
    return "zh", f"{han} Chinese characters common to both scripts"


def _other_language(text: str, words: list[str]) -> tuple[int, str]:
    """The strongest signal of a language the bot does not speak: (score, its name)."""
    folded_letters = text.casefold()
    scores = {
        name: sum(word in vocabulary for word in words)
        + sum(folded_letters.count(letter) for letter in letters)
        for name, (vocabulary, letters) in _OTHER_LANGUAGES.items()
    }
    name = max(scores, key=lambda key: scores[key])
    return scores[name], name


def _mixed_chinese(text: str, cantonese: int = 0) -> tuple[str, str]:
    """Text with both forms (common in Hong Kong mail): the majority of distinctive characters,
    written Cantonese counting as traditional."""
    traditional = sum(1 for ch in text if hanzidentifier.identify(ch) == hanzidentifier.TRADITIONAL)
    simplified = sum(1 for ch in text if hanzidentifier.identify(ch) == hanzidentifier.SIMPLIFIED)
    traditional += cantonese
    if traditional > simplified:
        return "zh-Hant", f"mixed scripts, {traditional} traditional > {simplified} simplified"
    if simplified > traditional:
        return "zh-Hans", f"mixed scripts, {simplified} simplified > {traditional} traditional"
    return "zh", f"mixed scripts, {simplified} simplified = {traditional} traditional"
