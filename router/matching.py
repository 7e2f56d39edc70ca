"""Where a rule's keywords and pattern are found, and which finds do not count: a keyword inside
one of the rule's `unless` phrases ("fire" in "fire tv", "burned" in "burned through my data")
or, with `unless_negated`, shortly after a negation cue ("no injury"). Each find that does not
count says why, for the trace.

An `unless` phrase holds a keyword only within one clause: a phrase's words match across any
punctuation, so "the kettle was burning, money back please" holds "burning money", but read
across the comma it says nothing of the burning, which still counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from router.negation import PUNCTUATION, negation_before
from router.prefilter import may_match_lowered, needles
from router.rule_checks import PATTERN_TIMEOUT, PatternTimeout, search_all
from router.rules import Rule
from router.text import FoldedText, Hit, fold

log = logging.getLogger(__name__)

MAX_PATTERN_MATCHES = 20
"""How many matches of a pattern are judged before the rest are ignored (bounded work)."""


class Discount(NamedTuple):
    """A find that does not count: `word` was `negated` by the cue `by`, or is `part_of` the
    rule's `unless` phrase `by`."""

    word: str
    kind: str
    by: str

    def traced(self) -> str:
        """The router's English line for the trace's `detail`."""
        if self.kind == "negated":
            return f"{self.word!r} negated by {self.by!r}"
        return f"{self.word!r} is part of {self.by!r}"


@dataclass(frozen=True, slots=True)
class Found:
    """What a rule's keywords or pattern found that counts (None: nothing) and in which field,
    and why each earlier find did not count."""

    found: str | None
    discounted: tuple[Discount, ...] = ()
    field: str = ""
    gave_up: bool = False
    """The pattern took over `PATTERN_TIMEOUT` in `field`: not found, and not searched on."""


def find_keyword(rule: Rule, texts: Mapping[str, FoldedText]) -> Found:
    """The first keyword of `rule` that counts, in the rule's fields in order."""
    assert rule.keyword_matcher is not None
    discounted: list[Discount] = []
    for name in rule.fields:
        text = texts[name]
        found = _first_counted(rule, text, rule.keyword_matcher.hits(text), discounted)
        if found is not None:
            return Found(found, tuple(discounted), name)
    return Found(None, tuple(discounted))


def find_pattern(
    rule: Rule, originals: Mapping[str, str], texts: Mapping[str, FoldedText]
) -> Found:
    """The first match of `rule`'s pattern that counts, in the rule's fields in order. A search
    over `PATTERN_TIMEOUT` ends the rule's search: nothing found (`gave_up`)."""
    assert rule.pattern_regex is not None
    discounted: list[Discount] = []
    wanted = needles(rule.pattern_regex)
    for name in rule.fields:
        original = originals[name]
        if not may_match_lowered(wanted, texts[name].lowered):
            continue  # the pattern cannot match here: nothing found, nothing discounted
        matches = search_all(rule.pattern_regex, original)
        hits = (
            Hit(
                match.group(0),
                len(fold(original[: match.start()])),
                len(fold(original[: match.end()])),
            )
            for _, match in zip(range(MAX_PATTERN_MATCHES), matches, strict=False)
        )
        try:
            found = _first_counted(rule, texts[name], hits, discounted)
        except PatternTimeout:
            log.warning(
                "rule %r: its pattern gave up after %s s in the %s; counted as not found",
                rule.name,
                PATTERN_TIMEOUT,
                name,
            )
            return Found(None, tuple(discounted), name, gave_up=True)
        if found is not None:
            return Found(found, tuple(discounted), name)
    return Found(None, tuple(discounted))


def _first_counted(
    rule: Rule, text: FoldedText, hits: Iterable[Hit], discounted: list[Discount]
) -> str | None:
    unless: list[Hit] | None = None
    """The `unless` phrases' places, looked up at the first hit: most texts have none."""
    for hit in hits:
        if unless is None:
            unless = list(rule.unless_matcher.hits(text)) if rule.unless_matcher else []
        why = _why_not(rule, text, hit, unless)
        if why is None:
            return hit.found
        discounted.append(why)
    return None


def _why_not(rule: Rule, text: FoldedText, hit: Hit, unless: list[Hit]) -> Discount | None:
    """Why `hit` does not count, or None when it does."""
    for other in unless:
        if (
            other.start < hit.end
            and hit.start < other.end
            and PUNCTUATION.search(text.folded, other.start, other.end) is None
        ):
            return Discount(hit.found, "part_of", other.found)
    if rule.unless_negated:
        cue = negation_before(text.folded[: hit.start])
        if cue is not None:
            return Discount(hit.found, "negated", cue)
    return None
