"""Where a rule's keywords and pattern are found, and which finds do not count: a keyword inside
one of the rule's `unless` phrases ("fire" in "fire tv") or, with `unless_negated`, shortly
after a negation cue ("no injury"). Each find that does not count says why, for the trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from router.negation import negation_before
from router.rules import Rule
from router.text import FoldedText, Hit, fold

MAX_PATTERN_MATCHES = 20
"""How many matches of a pattern are judged before the rest are ignored (bounded work)."""


@dataclass(frozen=True)
class Found:
    """What a rule's keywords or pattern found that counts (None: nothing), and why each
    earlier find did not count."""

    found: str | None
    discounted: tuple[str, ...] = ()


def find_keyword(rule: Rule, texts: Mapping[str, FoldedText]) -> Found:
    """The first keyword of `rule` that counts, in the rule's fields in order."""
    assert rule.keyword_matcher is not None
    discounted: list[str] = []
    for name in rule.fields:
        text = texts[name]
        found = _first_counted(rule, text, rule.keyword_matcher.hits(text), discounted)
        if found is not None:
            return Found(found, tuple(discounted))
    return Found(None, tuple(discounted))


def find_pattern(
    rule: Rule, originals: Mapping[str, str], texts: Mapping[str, FoldedText]
) -> Found:
    """The first match of `rule`'s pattern that counts, in the rule's fields in order."""
    assert rule.pattern_regex is not None
    discounted: list[str] = []
    for name in rule.fields:
        original = originals[name]
        matches = rule.pattern_regex.finditer(original)
        hits = (
            Hit(
                match.group(0),
                len(fold(original[: match.start()])),
                len(fold(original[: match.end()])),
            )
            for _, match in zip(range(MAX_PATTERN_MATCHES), matches, strict=False)
        )
        found = _first_counted(rule, texts[name], hits, discounted)
        if found is not None:
            return Found(found, tuple(discounted))
    return Found(None, tuple(discounted))


def _first_counted(
    rule: Rule, text: FoldedText, hits: Iterable[Hit], discounted: list[str]
) -> str | None:
    unless = list(rule.unless_matcher.hits(text)) if rule.unless_matcher else []
    for hit in hits:
        why = _why_not(rule, text, hit, unless)
        if why is None:
            return hit.found
        discounted.append(why)
    return None


def _why_not(rule: Rule, text: FoldedText, hit: Hit, unless: list[Hit]) -> str | None:
    """Why `hit` does not count, or None when it does."""
    for other in unless:
        if other.start < hit.end and hit.start < other.end:
            return f"{hit.found!r} is part of {other.found!r}"
    if rule.unless_negated:
        cue = negation_before(text.folded[: hit.start])
        if cue is not None:
            return f"{hit.found!r} negated by {cue!r}"
    return None
