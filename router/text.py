"""Text normalisation and keyword matching shared by the rule conditions and language detection.

Keywords are matched on a folded form of the text (case-folded, accents and full-width forms
removed) so that "Devolución", "DEVOLUCION" and "devolucion" are the same word to an admin's rule.
"""

from __future__ import annotations

import re
import unicodedata

_CJK_RANGES = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_CJK = re.compile(f"[{_CJK_RANGES}]")
# A word character that is not a Chinese character. `re` counts Chinese characters as word
# characters, but Chinese has no spaces, so "向12315投诉" must still hold the word "12315".
_WORD_NOT_CJK = rf"[^\W{_CJK_RANGES}]"


def fold(text: str) -> str:
    """Case-fold, strip combining marks and compatibility forms (full-width digits, ligatures)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def keyword_pattern(keywords: list[str]) -> re.Pattern[str]:
    """One alternation for a rule's keywords, applied to `fold`ed text.

    Latin-script keywords match whole words, and a trailing `*` matches any ending ("refund*"
    matches "refunded"); keywords in Chinese match anywhere, since Chinese has no spaces.
    """
    parts = []
    for keyword in keywords:
        stem = fold(keyword.strip())
        wildcard = stem.endswith("*")
        # a space in a keyword matches any run of white space: e-mail wraps lines mid-phrase
        stem = re.sub(r"(?:\\\s)+", r"\\s+", re.escape(stem.rstrip("*").strip()))
        if has_cjk(stem):
            parts.append(stem)
        else:
            ending = f"{_WORD_NOT_CJK}*" if wildcard else f"(?!{_WORD_NOT_CJK})"
            parts.append(f"(?<!{_WORD_NOT_CJK}){stem}{ending}")
    return re.compile("|".join(parts))
