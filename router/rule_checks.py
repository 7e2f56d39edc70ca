"""What a rule must be to be saved, beyond its types: a condition, sizes a desk can read, and a
pattern that cannot stall routing. `router.rules` calls these while it validates a rule, so
settings.toml, the API, the console's rule form and an imported TOML file meet the same checks.

Why patterns are compiled by the `regex` module with a time budget (`PATTERN_TIMEOUT`): a
backtracking engine takes exponential time on patterns such as `(a+)+$` ("catastrophic
backtracking"), so a customer's message could hold routing up for minutes. A linear-time engine
(RE2) rules that out, but it has no look-arounds, and the shipped rules need them (`(?!…)`,
`(?=…)`, `(?<!…)`). `regex` has the same syntax as `re` and stops a search that runs over its
`timeout`: a pattern that gives up counts as not found, the trace says so, and a warning names
the rule. Patterns of the shape known to backtrack exponentially (a repeat inside a repeat) are
refused when saved, with the reason and a way out, so the budget is the last guard, not the
usual one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from re import _parser as _sre_parse  # type: ignore[attr-defined]  # `re`'s own parser
from typing import Any

import regex

from complaints.addresses import CHANNELS
from complaints.errors import RuleError

CONDITION_NAMES = ("keywords", "pattern", "channel", "language", "tier", "has_attachment", "repeat")
"""The keys that limit which messages a rule matches (`unless`, `unless_negated` and `fields`
only qualify keywords and a pattern)."""

MAX_NAME = 200
MAX_DESCRIPTION = 2_000
MAX_PATTERN = 10_000
MAX_TERMS = 2_000
"""Keywords (and `unless` phrases) per rule: the largest shipped rule has 254."""
MAX_TERM = 200
"""Characters of one keyword, phrase, tag or tier."""
MAX_TAGS = 50
MAX_TIERS = 50
LIMITS: Mapping[str, tuple[int, int]] = {
    "keywords": (MAX_TERMS, MAX_TERM),
    "unless": (MAX_TERMS, MAX_TERM),
    "tags": (MAX_TAGS, MAX_TERM),
    "tier": (MAX_TIERS, MAX_TERM),
}
"""List keys: at most this many items, each at most this many characters."""
TEXT_LIMITS: Mapping[str, int] = {
    "name": MAX_NAME,
    "description": MAX_DESCRIPTION,
    "pattern": MAX_PATTERN,
}
"""Text keys: at most this many characters (the console's rule form says so too)."""

PATTERN_TIMEOUT = 0.25
"""Seconds one search of a rule's pattern in one field may take before it gives up. The shipped
patterns take about 10 µs on a field; this is for patterns gone wrong, not slow machines."""


class PatternTimeout(Exception):
    """A rule's pattern gave up after `PATTERN_TIMEOUT`: it counts as not found."""


def gave_up_line(facts: Mapping[str, str]) -> str:
    """The trace's line for a pattern that gave up (`router.stored_trace` says it again)."""
    return f"pattern gave up after {facts.get('gave_up')} in {facts.get('fields')}: not found"


def check_written(raw: Mapping[str, Any], name: str, fail: Callable[[str], RuleError]) -> None:
    """The checks of a rule as written (not of one stored before they existed): sizes, and
    channels and keywords that can match."""
    check_sizes(raw, name, fail)
    check_terms(raw, name, fail)


def check_sizes(raw: Mapping[str, Any], name: str, fail: Callable[[str], RuleError]) -> None:
    """Refuse a rule whose texts or lists are over the limits, naming the key and the limit."""
    for key, limit in TEXT_LIMITS.items():
        value = raw.get(key, "")
        if isinstance(value, str) and len(value) > limit:
            raise fail(f"rule {name[:MAX_NAME]!r}: {key} is over {limit} characters")
    for key, (items, each) in LIMITS.items():
        value = raw.get(key, [])
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            continue  # the type check names it
        if len(values) > items:
            raise fail(f"rule {name[:MAX_NAME]!r}: {key} has over {items} entries")
        if any(isinstance(item, str) and len(item) > each for item in values):
            raise fail(f"rule {name!r}: an entry of {key} is over {each} characters")


def check_condition(raw: Mapping[str, Any], name: str, fail: Callable[[str], RuleError]) -> None:
    """Refuse a rule without a condition: it would act on every message no earlier rule set."""
    if not any(raw.get(key) not in (None, "", []) for key in CONDITION_NAMES):
        raise fail(
            f"rule {name!r} has no condition, so it would match every message; set at least "
            f"one of {', '.join(CONDITION_NAMES)}"
        )


def unknown_channel(channel: str) -> str:
    """Why `channel` names no channel a message can come by ("" when it does one): a rule
    limited to it would never match, a dry-run by it would route as if by none."""
    if channel in CHANNELS:
        return ""
    return f"there is no channel {channel!r}; channels: {', '.join(CHANNELS)}"


def check_terms(raw: Mapping[str, Any], name: str, fail: Callable[[str], RuleError]) -> None:
    """Refuse what makes a rule never match: a channel no message comes by, or a blank keyword
    (it finds nothing)."""
    channels = raw.get("channel", [])
    for channel in [channels] if isinstance(channels, str) else channels:
        if isinstance(channel, str) and unknown_channel(channel):
            raise fail(f"rule {name!r}: channel: {unknown_channel(channel)}")
    keywords = raw.get("keywords", [])
    for term in [keywords] if isinstance(keywords, str) else keywords:
        if isinstance(term, str) and not term.strip():
            raise fail(f"rule {name!r}: keywords has an empty entry; remove it or write a word")


def compile_pattern(
    pattern: str, name: str, fail: Callable[[str], RuleError], stored: bool = False
) -> Any:
    """The compiled pattern (case-insensitive), or the reason it is refused. A `stored` rule's
    nested repeat is kept (it was accepted once); the time budget guards it."""
    if not isinstance(pattern, str):
        raise fail(f"rule {name!r}: pattern must be a string (a regular expression)")
    refused, compiled = _checked(pattern, stored)
    if refused:
        raise fail(f"rule {name!r}: {refused}")
    return compiled


@functools.lru_cache(maxsize=1024)
def _checked(pattern: str, stored: bool) -> tuple[str, Any]:
    """Why `pattern` is refused ("" when it is not), and its compiled form. The answer depends
    on the pattern alone, and a compiled pattern is immutable, so both are kept: every start
    reads the rule set again, and these checks were 11 ms of it."""
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except re.error as error:
        return f"bad regular expression {pattern!r}: {error}", None
    nested = "" if stored else _nested_repeat(list(parsed), parsed.state, inside=False)
    if nested:
        return (
            f"the pattern repeats a part that itself repeats ({nested}), which can take "
            "minutes on one message; repeat once ((a+)+ is a+, (\\w+\\s?)* is [\\w\\s]*) or "
            "make the inner repeat possessive (a++)"
        ), None
    try:
        return "", regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except regex.error as error:  # pragma: no cover - `re` parsed it; `regex` reads the same
        return f"bad regular expression {pattern!r}: {error}", None


def search_all(compiled: Any, text: str) -> Any:
    """`finditer` of a rule's pattern, giving up after `PATTERN_TIMEOUT` (PatternTimeout)."""
    matches = compiled.finditer(text, timeout=PATTERN_TIMEOUT)
    while True:
        try:
            yield next(matches)
        except StopIteration:
            return
        except TimeoutError:
            raise PatternTimeout from None


def _nested_repeat(items: list[Any], state: Any, *, inside: bool) -> str:
    """Where a repeat that can match texts of different lengths sits inside an unbounded repeat
    of a part that can too (star height over one, as safe-regex judges): the shape of
    exponential backtracking ("" when there is none). It also refuses some patterns that would
    not backtrack (`(x+y)+`): a possessive inner repeat (`x++`) or an atomic group says so."""
    for op, value in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, body = value
            varies = low != high or _varies(body, state)
            if inside and varies:
                return "a repeat inside a repeat"
            many = high == _sre_parse.MAXREPEAT or high > MANY
            found = _nested_repeat(list(body), state, inside=inside or (many and varies))
        elif name == "SUBPATTERN":
            found = _nested_repeat(list(value[-1]), state, inside=inside)
        elif name in ("ASSERT", "ASSERT_NOT"):
            found = _nested_repeat(list(value[1]), state, inside=inside)
        elif name in ("ATOMIC_GROUP", "POSSESSIVE_REPEAT"):
            # never gives back what it matched: what repeats inside it is judged on its own
            found = _nested_repeat(list(value[-1]), state, inside=False)
        elif name == "BRANCH":
            found = next(
                (f for b in value[1] if (f := _nested_repeat(list(b), state, inside=inside))), ""
            )
        else:
            continue
        if found:
            return found
    return ""


MANY = 10
"""A repeat of more than this many rounds counts as unbounded for `_nested_repeat`."""


def _varies(body: Any, state: Any) -> bool:
    """Whether `body` can match texts of different lengths."""
    low, high = _sre_parse.SubPattern(state, list(body)).getwidth()
    return bool(low != high)
