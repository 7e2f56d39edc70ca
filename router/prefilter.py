"""A cheap test that tells a rule's pattern cannot match a text, before the regex scans it.

A rule's pattern (a long verbose regex) costs about 10 µs a field to scan even where it finds
nothing, which is most texts. `needles(pattern)` reads the parsed pattern once and returns
lower-case literal strings of which every match must contain at least one; `may_match_lowered`
tells, with a few substring lookups, whether scanning can find anything.

Why it never skips a text the pattern would match (so no decision or trace changes):
- a needle is a run of literal characters every match must go through: all of a sequence's
  items match, a repeat with a minimum of one matches its body, and of an alternation one
  branch matches, so the alternation's needles are the union of its branches' (a branch with
  none gives the alternation none);
- needles hold only ASCII characters and characters without case, so under `IGNORECASE` a text
  character matches a needle's character only if its lower case is the needle's, except for
  four characters `re` also equates with ASCII letters (`_CASE_TWINS`; `regex`, which the rules'
  patterns are compiled with, equates two of them): a text holding one of them is always
  scanned;
- anything else (classes, look-arounds, a group that changes flags, back-references) gives
  no needle, and a pattern with no needles is always scanned.
"""

from __future__ import annotations

import functools
import re
from re import _parser as _sre_parse  # type: ignore[attr-defined]  # `re`'s own parser
from typing import Any

_CONSTANTS: Any = _sre_parse
_RE_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE
_CASE_TWINS = frozenset("\u0130\u0131\u017f\u212a")
"""İ, ı, ſ and the Kelvin sign: `re` matches them to i, i, s and k under `IGNORECASE`, where
`str.lower` does not lower them to those letters."""


@functools.lru_cache(maxsize=512)
def needles(pattern: Any) -> tuple[str, ...] | None:
    """Lower-case strings of which every match of `pattern` holds one; None: no such set known."""
    if not pattern.flags & re.IGNORECASE or not isinstance(pattern.pattern, str):
        return None
    try:
        # the flags `re` knows: a `regex` pattern (router.rule_checks) carries its own too
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags & _RE_FLAGS)
    except re.error:  # pragma: no cover - the pattern compiled, so it parses
        return None
    found = _sequence(list(parsed))
    return tuple(sorted(found, key=len, reverse=True)) if found else None


def may_match_lowered(wanted: tuple[str, ...] | None, text: str | None) -> bool:
    """Whether a pattern whose `needles` are `wanted` can match a text, given as `lowered`
    gives it (lowered once per text for every pattern)."""
    return wanted is None or text is None or _probe(wanted).search(text) is not None


def lowered(text: str) -> str | None:
    """`text` in lower case; None when it holds a case twin (then every pattern scans it).
    Not cached here: a cache would keep customers' texts in memory after their messages are
    routed (and erased). The router keeps it with the message's `FoldedText`, for one route."""
    return None if not _CASE_TWINS.isdisjoint(text) else text.lower()


@functools.lru_cache(maxsize=512)
def _probe(wanted: tuple[str, ...]) -> re.Pattern[str]:
    """One search for any of `wanted`, literally and case-sensitively (the text is lowered): a
    literal alternation `re` skips through by its first characters, faster than a loop of `in`."""
    return re.compile("|".join(re.escape(needle) for needle in wanted))


def _sequence(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The best needle set of a sequence of parsed items: a run of literals or one item's set."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is _CONSTANTS.LITERAL and _safe(chr(value)):
            run.append(chr(value).lower())
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        if op is None:
            break
        inner = _item(op, value)
        if inner:
            candidates.append(inner)
    if not candidates:
        return None
    return max(candidates, key=lambda found: (min(map(len, found)), -len(found)))


def _item(op: Any, value: Any) -> frozenset[str] | None:
    """The needle set of one parsed item that is not a literal, or None."""
    if op is _CONSTANTS.SUBPATTERN:
        _, add_flags, del_flags, inner = value
        return None if add_flags or del_flags else _sequence(list(inner))
    if op in (_CONSTANTS.MAX_REPEAT, _CONSTANTS.MIN_REPEAT, _POSSESSIVE_REPEAT):
        least, _, inner = value
        return _sequence(list(inner)) if least >= 1 else None
    if op is _ATOMIC_GROUP:
        return _sequence(list(value))
    if op is _CONSTANTS.BRANCH:
        union: set[str] = set()
        for branch in value[1]:
            found = _sequence(list(branch))
            if not found:
                return None
            union |= found
        return frozenset(union)
    return None


_POSSESSIVE_REPEAT = getattr(_CONSTANTS, "POSSESSIVE_REPEAT", object())
_ATOMIC_GROUP = getattr(_CONSTANTS, "ATOMIC_GROUP", object())


def _safe(char: str) -> bool:
    """A character a needle may hold: ASCII, or without case (Chinese, digits, punctuation)."""
    return char.isascii() or char.lower() == char == char.upper() == char.casefold()
