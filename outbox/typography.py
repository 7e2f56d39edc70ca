"""How the values a text is filled with are written in the text's language: a person's text
that the text goes on after ends as a sentence, and Chinese keeps Chinese typography (full-width
brackets, no space after full-width punctuation), whatever wrote the value; a name given per
language (outbox.settings.Localized, the company's) is said in the text's language."""

from __future__ import annotations

import re

from outbox.settings import Localized

CONTINUED = frozenset({"explanation", "solution", "summary"})
"""Placeholders a person fills in that their text goes on after ("…: {explanation} If you
disagree…", "…: {summary}\n\nIf you are not satisfied…"): each is ended as a sentence, in the
text's language, when the person did not."""
_CLOSERS = "\"'”’)）」』"
_ENDS = tuple(".!?。！？…")
_HALF_BRACKETS = re.compile(r"[ \t]*\(([^()\n]*)\)")
_AFTER_FULL_STOP = re.compile(r"([，。：；！？、）」』”])[ \t]+")
_CHINESE_END_DOT = re.compile(r"(?<=[\u3400-\u9fff\uff01-\uff5e」』”])\.$")
"""A half-width full stop ending a Chinese sentence ("退还运费."), not an ellipsis or "Ltd."."""


def sentence(text: str, language: str) -> str:
    """`text` ending as a sentence: a full stop (。 in Chinese, where a half-width one after
    a Chinese character becomes 。) added unless it has an end."""
    text = text.strip()
    if language.startswith("zh"):
        text = _CHINESE_END_DOT.sub("。", text)
    if not text or text.rstrip(_CLOSERS).endswith(_ENDS):
        return text
    return text + ("。" if language.startswith("zh") else ".")


def chinese(text: str) -> str:
    """`text` in Chinese typography: "退款 (30.00 EUR)。 请" reads "退款（30.00 EUR）。请"."""
    return _AFTER_FULL_STOP.sub(r"\1", _HALF_BRACKETS.sub(r"（\1）", text))


def written(text: str, language: str) -> str:
    """`text` in the typography of `language`: Chinese's (`chinese`) for zh-Hans and zh-Hant,
    as given for the others. Whatever composes a text of its own for a reader (a solution's
    description, staff.solutions.describe) ends with this, as filled-in values do."""
    return chinese(text) if language.startswith("zh") else text


def filled(name: str, value: object, language: str) -> object:
    """`value` as the placeholder `name` of a text in `language` shows it."""
    if isinstance(value, Localized):
        return value.in_language(language)
    if not isinstance(value, str):
        return value
    return written(sentence(value, language) if name in CONTINUED else value, language)
