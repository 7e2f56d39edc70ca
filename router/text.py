"""Text normalisation and keyword matching shared by the rule conditions and language detection.

Keywords are matched on a folded form of the text (case-folded, accents and full-width forms
removed) so that "Devolución", "DEVOLUCION" and "devolucion" are the same word to an admin's rule.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from router.prefilter import lowered

CJK_RANGES = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_CJK = re.compile(f"[{CJK_RANGES}]")
# A word character that is not a Chinese character. `re` counts Chinese characters as word
# characters, but Chinese has no spaces, so "向12315投诉" must still hold the word "12315".
_WORD_NOT_CJK = rf"[^\W{CJK_RANGES}]"


def fold(text: str) -> str:
    """Case-fold, strip combining marks and compatibility forms (full-width digits, ligatures)."""
    if text.isascii():  # most complaints: NFKD changes no ASCII character, none is combining
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


_WORDS = re.compile(f"{_WORD_NOT_CJK}+")


@dataclass(frozen=True)
class FoldedText:
    """A text prepared once for every rule: folded, and split into its non-Chinese words."""

    folded: str
    words: tuple[str, ...]
    word_set: frozenset[str]
    joined: str
    """The words between single spaces, with a space at each end, for phrase lookups."""
    spans: tuple[tuple[int, int], ...] = ()
    """Where each word stands in `folded`, so a keyword's surroundings can be read."""
    original: str = field(default="", compare=False, repr=False)
    """The text as written, for `lowered`."""

    @classmethod
    def of(cls, text: str, folded: str | None = None) -> FoldedText:
        """`text` prepared; `folded` is `fold(text)` when the caller has it already."""
        folded = fold(text) if folded is None else folded
        found = list(_WORDS.finditer(folded))
        words = tuple(match.group() for match in found)
        spans = tuple(match.span() for match in found)
        return cls(folded, words, frozenset(words), f" {' '.join(words)} ", spans, text)

    # What every rule's keyword probes need of this text, computed once on first use and
    # shared by all of them (a cached_property writes the instance's dict, which a frozen
    # dataclass allows), with builtins only: `KeywordMatcher.hits` reads them to skip a regex
    # probe that cannot find anything.
    @functools.cached_property
    def lowered(self) -> str | None:
        """The text as written, as `router.prefilter.may_match_lowered` reads it."""
        return lowered(self.original)

    @functools.cached_property
    def heads(self) -> frozenset[str]:
        """The first three characters of every word (the whole word when shorter)."""
        return frozenset(map(_HEAD, self.word_set))

    @functools.cached_property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """Each word with the first character of the word after it."""
        return frozenset(zip(self.words, map(_FIRST, self.words[1:]), strict=False))

    @functools.cached_property
    def cjk_heads(self) -> frozenset[str]:
        """Every character and two characters of the folded text, when it holds a Chinese
        character (empty when not: a Chinese keyword holds one, so none is in such a text)."""
        text = self.folded
        if not has_cjk(text):
            return frozenset()
        return frozenset(text).union(map(operator.add, text, text[1:]))


_HEAD = operator.itemgetter(slice(3))
_FIRST = operator.itemgetter(0)


@dataclass(frozen=True, slots=True)
class Hit:
    """One place a keyword was found: the keyword as it appears there, and its span in the
    folded text."""

    found: str
    start: int
    end: int


class KeywordMatcher:
    """A rule's keywords, matched against a `FoldedText` with set and substring lookups.

    Latin-script keywords match whole words; a trailing `*` matches any ending ("refund*"
    matches "refunded"); a keyword of several words matches them in sequence whatever spaces,
    line breaks or punctuation stand between them, and a `*` after any of its words matches
    any ending of that word ("burn* through my data" matches "burnt through my data"). Keywords
    in Chinese match anywhere, since Chinese has no spaces. A Latin word between Chinese
    characters ("向12315投诉") is a word.
    """

    def __init__(self, keywords: list[str]) -> None:
        self.words: set[str] = set()
        self.prefixes: list[str] = []
        self.phrases: list[tuple[str, str]] = []
        self.stretchy: list[re.Pattern[str]] = []
        """Phrases with a `*` inside ("burn* through my data"), as patterns on `joined`."""
        self.chinese: list[str] = []
        for keyword in keywords:
            folded = fold(keyword.strip())
            wildcard = folded.endswith("*")
            if has_cjk(folded):
                self.chinese.append(folded.rstrip("*"))
                continue
            words = _WORDS.findall(folded)
            starred = [match.group(2) == "*" for match in _STARRED.finditer(folded)]
            if any(starred[:-1]):
                self.stretchy.append(_stretchy(words, starred))
                continue
            if len(words) == 1 and not wildcard:
                self.words.add(words[0])
            elif len(words) == 1:
                self.prefixes.append(words[0])
            elif words:
                joined = " ".join(words)
                self.phrases.append((f" {joined}" if wildcard else f" {joined} ", joined))
        self.prefix_tuple = tuple(self.prefixes)
        # Most texts hold none of a rule's keywords: one regex search per kind tells so,
        # where the loops below would try every keyword (thousands of finds per message).
        # A probe only skips a loop that would find nothing, so the hits are the same.
        self._prefix_probe = _probe(f" {prefix}" for prefix in self.prefixes)
        self._phrase_probe = _probe(needle for needle, _ in self.phrases)
        self._chinese_probe = _probe(self.chinese)
        # Before it, a set lookup in what the text computed once for every rule (its
        # `FoldedText` heads, pairs and Chinese heads) tells most texts apart without the
        # search, since a keyword found has its head in them: a prefix found starts a word
        # with its first three characters (a shorter prefix is always probed), a phrase found
        # has its first word followed by a word starting with its second's first character, a
        # Chinese keyword found has its first two characters in the text.
        short = any(len(prefix) < 3 for prefix in self.prefixes)
        self._prefix_heads = None if short else frozenset(map(_HEAD, self.prefixes))
        self._phrase_heads = frozenset(_pair_head(phrase) for _, phrase in self.phrases)
        self._chinese_heads = frozenset(keyword[:2] for keyword in self.chinese)
        # phrases with a `*` inside are rare (a few `unless` phrases): one search, no heads
        self._stretchy_probe = (
            re.compile("|".join(pattern.pattern for pattern in self.stretchy))
            if self.stretchy
            else None
        )

    def find(self, text: FoldedText) -> str | None:
        """The first keyword found in `text`, as it appears there; None when none is."""
        return next((hit.found for hit in self.hits(text)), None)

    def may_hit(self, text: FoldedText) -> bool:
        """Whether `hits` can find anything in `text`; False only when it finds nothing. Most
        texts hold none of a rule's keywords: the router tells so with this, without the
        generator and the bookkeeping of a find."""
        return bool(text.folded) and (
            not self.words.isdisjoint(text.word_set)
            or self._prefixed(text)
            or self._phrased(text)
            or self._stretched(text)
            or self._in_chinese(text)
        )

    def hits(self, text: FoldedText) -> Iterator[Hit]:
        """Every place a keyword stands in `text`: single words and prefixes in text order,
        then phrases and Chinese keywords in the order they are listed."""
        if not text.folded:
            return  # nothing is found in an empty field (most subjects)
        common = self.words & text.word_set if self.words else set()
        prefixed = self._prefixed(text)
        if common or prefixed:
            for index, word in enumerate(text.words):
                if word in common or (prefixed and word.startswith(self.prefix_tuple)):
                    yield Hit(word, *text.spans[index])
        if self._phrased(text):
            for needle, phrase in self.phrases:
                at = text.joined.find(needle)
                while at != -1:
                    first = text.joined.count(" ", 0, at + 1) - 1
                    last = first + phrase.count(" ")
                    yield Hit(phrase, text.spans[first][0], text.spans[last][1])
                    at = text.joined.find(needle, at + 1)
        if self._stretched(text):
            for pattern in self.stretchy:
                found = pattern.search(text.joined)
                while found is not None:
                    first = text.joined.count(" ", 0, found.start() + 1) - 1
                    last = first + found.group(0).strip().count(" ")
                    words = " ".join(text.words[first : last + 1])
                    yield Hit(words, text.spans[first][0], text.spans[last][1])
                    found = pattern.search(text.joined, found.start() + 1)
        if self._in_chinese(text):
            for keyword in self.chinese:
                at = text.folded.find(keyword)
                while at != -1:
                    yield Hit(keyword, at, at + len(keyword))
                    at = text.folded.find(keyword, at + 1)

    def _prefixed(self, text: FoldedText) -> bool:
        """Whether a word of `text` starts with one of the prefixes."""
        heads = self._prefix_heads
        return (
            self._prefix_probe is not None
            and (heads is None or not heads.isdisjoint(text.heads))
            and self._prefix_probe.search(text.joined) is not None
        )

    def _phrased(self, text: FoldedText) -> bool:
        """Whether one of the phrases is in `text`."""
        return (
            self._phrase_probe is not None
            and not self._phrase_heads.isdisjoint(text.pairs)
            and self._phrase_probe.search(text.joined) is not None
        )

    def _stretched(self, text: FoldedText) -> bool:
        """Whether one of the phrases with a `*` inside is in `text` (few rules have any)."""
        return (
            self._stretchy_probe is not None
            and self._stretchy_probe.search(text.joined) is not None
        )

    def _in_chinese(self, text: FoldedText) -> bool:
        """Whether one of the Chinese keywords is in `text`."""
        return (
            self._chinese_probe is not None
            and not self._chinese_heads.isdisjoint(text.cjk_heads)
            and self._chinese_probe.search(text.folded) is not None
        )


_STARRED = re.compile(f"({_WORD_NOT_CJK}+)(\\*?)")
"""Each word of a keyword, and the `*` after it if there is one."""


def _stretchy(words: list[str], starred: list[bool]) -> re.Pattern[str]:
    """The pattern of a phrase whose `starred` words may end any way, on `FoldedText.joined`
    (its words between single spaces): " burn[^ ]* through my data "."""
    body = " ".join(
        re.escape(word) + ("[^ ]*" if star else "")
        for word, star in zip(words, starred, strict=True)
    )
    return re.compile(f" {body}" if starred[-1] else f" {body} ")


def _probe(needles: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern that finds any of `needles` (literally), or None when there are none."""
    alternatives = sorted({re.escape(needle) for needle in needles if needle}, key=len)
    return re.compile("|".join(alternatives)) if alternatives else None


def _pair_head(phrase: str) -> tuple[str, str]:
    """A phrase's first word and the first character of its second, as `FoldedText.pairs`."""
    first, second = phrase.split(" ")[:2]
    return first, second[0]


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`as_written`'s patterns, one per keyword: more than `re`'s own cache of 512 holds, so
    without this every routed message compiled them again (a tenth of intake's time)."""
    return re.compile(pattern, flags)


@functools.lru_cache(maxsize=4096)
def _candidates(hit: str, chinese: bool) -> tuple[str, ...]:
    """The patterns that find `hit` (folded words) in a text, in order: whole words first; a
    wildcard keyword ("refund*") may end inside a word. Without `chinese` they are for a text
    with no Chinese characters, where `[\\W<CJK>]` matches what `\\W` does and
    `[^\\W<CJK>]` what `\\w` does: the same finds, but a pattern with the Chinese ranges takes
    10 to 30 ms to compile (`re` expands them to a table), once per keyword."""
    words = [re.escape(word) for word in hit.split()]
    gap, edge = (f"[\\W{CJK_RANGES}]+", _WORD_NOT_CJK) if chinese else (r"\W+", r"\w")
    body = gap.join(words)
    if has_cjk(hit):
        return (body,)
    return (f"(?<!{edge}){body}(?!{edge})", f"(?<!{edge}){body}")


def as_written(text: str, hit: str) -> str:
    """`hit`, a keyword as `KeywordMatcher.find` returns it (folded), as `text` writes it:
    "devolucion" → "Devolución", "flux capacitor" → "Flux\\n  capacitor". A reader of the trace
    looks for those words in the message; the folded form is returned when it cannot be placed.
    """
    if not hit.split():
        return hit
    # most often written as folded but for case: no mapping
    for candidate in _candidates(hit, has_cjk(text)):
        found = _compiled(candidate, re.IGNORECASE).search(text)
        if found is not None and _is_folded(found.group(0), hit):
            return found.group(0)
    folded: list[str] = []
    origin: list[int] = []
    """For each folded character, the index of the character of `text` it came from."""
    for index, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    joined = "".join(folded)
    for candidate in _candidates(hit, has_cjk(joined)):
        found = _compiled(candidate).search(joined)
        if found is not None and found.end() > found.start():
            return text[origin[found.start()] : origin[found.end() - 1] + 1]
    return hit


def _is_folded(written: str, hit: str) -> bool:
    """Whether `written` folds to `hit` (the words of a phrase, whatever stands between them)."""
    folded = fold(written)
    return folded == hit or _WORDS.findall(folded) == hit.split()
