"""Negation cues in the four languages: "no injury", "sin heridos", "没有受伤", "唔會告" do not
report an injury or a lawsuit, and a rule with `unless_negated = true` must not fire on them.

A keyword is negated when a cue stands shortly before it in the same clause: at most
`LATIN_REACH` words or `CJK_REACH` Chinese characters back, with no clause boundary (punctuation,
"but", "and then", 但, 就, 还…) in between. The reach is short and the boundaries many on
purpose: a missed negation leaves a complaint urgent, which a person corrects in a minute; a
wrong one hides a fire. Phrases that hold a cue but do not negate what follows ("not only",
"no doubt", "sin querer", "nada más", "de la nada", 不小心, 没想到, 唔該) are listed as false cues.

The lists are per language, in one place, so a desk can read and extend them; every list applies
to every text, because a customer's Chinese may quote English and language detection may err.
"""

from __future__ import annotations

import re

from router.text import CJK_RANGES, fold

LATIN_REACH = 4
"""How many words may stand between a Latin cue and the keyword: "not going to take legal action".
Words of `SHORT_WORD` letters or fewer are not counted ("no voy a ir a la OCU")."""
SHORT_WORD = 2
CJK_REACH = 6
"""How many Chinese characters before a keyword a Chinese cue may stand (没有任何人受伤)."""

# fmt: off
CUES: dict[str, tuple[str, ...]] = {
    "en": (
        "no", "not", "never", "nobody", "none", "neither", "nor", "without", "cannot",
        "*n't", "dont", "didnt", "doesnt", "wont", "isnt", "wasnt", "werent", "arent",
        "havent", "hasnt", "hadnt", "cant", "couldnt", "wouldnt", "shouldnt",
    ),
    "es": (
        "no", "ni", "nunca", "jamas", "sin", "nadie", "nada", "ningun", "ninguno", "ninguna",
        "tampoco",
    ),
    "zh-Hans": ("不", "没", "无", "未", "别", "勿"),
    "zh-Hant": ("不", "沒", "無", "未", "別", "勿", "唔", "冇"),
}
# fmt: on
"""Words (Latin: whole words, `*n't` any contraction) and characters that negate what follows."""

FALSE_CUES: dict[str, tuple[str, ...]] = {
    "en": (
        "not only", "not just", "no doubt", "no wonder", "no sooner", "not long", "no time",
        "can't believe", "cannot believe", "couldn't believe", "could not believe",
        "don't know why", "do not know why", "never thought", "never expected",
        "didn't expect", "did not expect", "without warning", "without any warning",
        "no warning", "no reason", "won't stop", "wouldn't stop", "didn't stop", "nothing but",
    ),
    "es": (
        "no solo", "no solamente", "no tardo", "no tardaron", "no paraba", "no para",
        "no dejaba", "no deja", "no puedo creer", "no se por que", "sin querer", "sin embargo",
        "sin duda", "sin motivo", "sin razon", "sin aviso", "sin previo aviso", "ni siquiera",
        "nada mas", "de la nada", "sin hacer nada", "sin tocar nada", "sin que hiciera nada",
        "sin que hicieramos nada",
    ),
    "zh-Hans": (
        "不小心", "不久", "不仅", "不但", "不停", "不断", "不得不", "不料", "不幸", "不少",
        "不知", "不明", "不到", "不满", "不然", "不对", "不正常", "不好意思", "不一会", "差不多",
        "想不到", "没想到", "没多久", "没过", "没几", "没用几", "无缘无故", "无故", "无端",
        "无论", "毫无", "别人", "未成年",
    ),
    "zh-Hant": (
        "不小心", "不久", "不僅", "不但", "不停", "不斷", "不得不", "不料", "不幸", "不少",
        "不知", "不明", "不到", "不滿", "不然", "不對", "不正常", "不好意思", "不一會", "差不多",
        "想不到", "沒想到", "沒多久", "沒過", "沒幾", "無緣無故", "無故", "無端", "無論", "毫無",
        "別人", "未成年", "唔該", "唔好意思", "唔小心", "唔知", "唔止", "唔單止", "冇耐",
    ),
}  # fmt: skip
"""Phrases that hold a cue (mostly at their start) but do not negate what follows."""

PUNCTUATION = re.compile(r"[.,;:!?()\[\]\"“”…\n。，、；：！？（）]")
"""Marks that end a clause: a negation does not reach across them, nor does an `unless` phrase
hold a keyword across them (router/matching.py)."""
_BOUNDARY = re.compile(
    PUNCTUATION.pattern
    + r"|\b(?:but|and|then|so|because|although|though|while|when|before|after|until|since|which"
    r"|if|pero|y|e|luego|entonces|porque|aunque|sino|cuando|despues|antes|hasta|mientras|si)\b"
    r"|但|却|卻|就|还|還|才|然后|然後|所以|因为|因為|可是|结果|結果|不过|不過|后来|後來|而且"
)
CONDITIONS = frozenset(("if", "si"))
"""Boundaries that open a condition: a cue after them negates the condition, not the keyword
that follows it, which is the threat ("si no me devolvéis el dinero os denuncio", "if you don't
refund me I'll sue"), or is itself only supposed."""
_CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
_TOKEN = re.compile(rf"[{CJK_RANGES}]|[^\W{CJK_RANGES}]+(?:'[^\W{CJK_RANGES}]+)*")
_LATIN_CUES = frozenset(cue for lang in ("en", "es") for cue in CUES[lang] if cue != "*n't")
_CJK_CUES = frozenset(cue for lang in ("zh-Hans", "zh-Hant") for cue in CUES[lang])
_LATIN_FALSE = tuple(
    tuple(fold(phrase).split()) for lang in ("en", "es") for phrase in FALSE_CUES[lang]
)
_CJK_FALSE = frozenset(phrase for lang in ("zh-Hans", "zh-Hant") for phrase in FALSE_CUES[lang])


def negation_before(before: str) -> str | None:
    """The cue that negates a keyword found right after `before` (folded text), or None."""
    text = before.replace("’", "'")
    boundary = None
    for boundary in _BOUNDARY.finditer(text):  # noqa: B007 (the last one is wanted)
        pass
    if boundary is not None and boundary.group(0) in CONDITIONS:
        return None
    tokens = _TOKEN.findall(text[boundary.end() :] if boundary is not None else text)
    latin = cjk = 0
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if _is_cjk(token):
            cjk += 1
            if cjk > CJK_REACH:
                return None
            if token in _CJK_CUES and not _false_cjk(tokens, index):
                return token
            continue
        if _latin_cue(token) and not _false_latin(tokens, index):
            return token
        latin += len(token) > SHORT_WORD
        if latin >= LATIN_REACH:
            return None
    return None


def _is_cjk(token: str) -> bool:
    return _CJK_CHAR.fullmatch(token) is not None


def _latin_cue(token: str) -> bool:
    return token in _LATIN_CUES or token.endswith("n't")


def _false_latin(tokens: list[str], index: int) -> bool:
    """The cue at `index` inside a false-cue phrase, wherever the cue stands in it: "nada" in
    "nada más" (as soon as) and in "de la nada" (out of nowhere)."""
    for phrase in _LATIN_FALSE:
        for at, word in enumerate(phrase):
            start = index - at
            if (
                word == tokens[index]
                and start >= 0
                and tuple(tokens[start:][: len(phrase)]) == phrase
            ):
                return True
    return False


def _false_cjk(tokens: list[str], index: int) -> bool:
    """A cue inside a false-cue phrase: 不 in 不小心, but also in 想不到 or 差不多."""
    before = "".join(token for token in tokens[max(0, index - 3) : index] if _is_cjk(token))
    after = "".join(token for token in tokens[index : index + 4] if _is_cjk(token))
    window, offset = before + after, len(before)
    for phrase in _CJK_FALSE:
        start = window.find(phrase)
        while start != -1:
            if start <= offset < start + len(phrase):
                return True
            start = window.find(phrase, start + 1)
    return False
