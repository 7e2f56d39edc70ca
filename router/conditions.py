"""A rule's conditions against one message: the first that fails, or every one that held and
the words that matched, each as the router's English line and as a reason code with its facts
(`REASONS`), so the console can phrase the trace in the reader's language."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from router.input import RoutingInput
from router.matching import Found, find_keyword, find_pattern
from router.prefilter import may_match_lowered, needles
from router.rule_checks import PATTERN_TIMEOUT, gave_up_line
from router.rules import Rule
from router.text import FoldedText, as_written

REASONS = {
    "language_detected": "the language step; facts: language",
    "disabled": "the rule is disabled",
    "wrong_channel": "condition not met; facts: channel, expected",
    "wrong_language": "condition not met; facts: language, expected",
    "wrong_tier": "condition not met; facts: tier, expected",
    "wrong_attachment": "condition not met; facts: has_attachment (the message's)",
    "no_keyword": "no matching words; facts: keywords (how many), fields",
    "no_pattern": "the pattern is not in the text; facts: fields, and gave_up (the time) when "
    "the search took too long and stopped",
    "not_counted": (
        "its words are there but do not count; facts: word, kind (negated: by a negation cue; "
        "part_of: inside an `unless` phrase), by (the cue or the phrase)"
    ),
    "too_few_complaints": "condition not met; facts: count, needed, days",
    "matched": "every condition held; found: the matched words; facts: field and the conditions",
    "min_grade": "a matched rule's min_grade; facts: min_grade, was",
    "raise_grade": "a matched rule's raise_grade; facts: was",
    "default": "no rule set the field; facts: field, setting",
    "category_min_grade": "the category's own least grade; facts: category, min_grade, was, and"
    " probability and threshold when a model-chosen category's urgent floor was held to important",
    "model": (
        "no rule set the category and the triage model chose it; facts: version, category, "
        "probability, threshold, corrected (yes: like a complaint an agent corrected)"
    ),
    "model_unsure": (
        "the triage model's best guess was below its threshold (or not a category of the rule "
        "set): default category and the tag needs-triage; facts as for model"
    ),
    "no_content": (
        "the message had no complaint content (router.content), so the triage model was not "
        "asked for the category or the grade; facts: version, tagged (yes: no rule set the "
        "category, so the default one, with the tag needs-triage)"
    ),
    "model_grade": (
        "the triage model's grade classifier raised the grade, sure enough; facts: version, "
        "grade, probability, threshold, was, corrected"
    ),
    "category_department": "no rule set the department; facts: category",
}
"""The reason codes of `TraceStep.reason`, so a reader's language can phrase each step (the
`detail` line is the router's own English, kept for the API)."""


def facts_of(**values: str) -> tuple[tuple[str, str], ...]:
    """The non-empty `values` as a step's facts."""
    return tuple((name, value) for name, value in values.items() if value)


class Verdict(NamedTuple):
    """Whether a rule's conditions held, in the router's words (`detail`) and as a reason code
    with its facts (see `REASONS`). A tuple: one is made per rule and message, mostly a no."""

    matched: bool
    detail: str
    reason: str
    facts: tuple[tuple[str, str], ...] = ()
    found: tuple[str, ...] = ()


def check(
    rule: Rule,
    message: RoutingInput,
    folded: Mapping[str, FoldedText],
    language: str,
    tier: str,
    complaint_times: Sequence[datetime],
) -> Verdict:
    """The first condition of `rule` the message fails, or every condition that held."""
    held: list[tuple[str, str]] = []
    if rule.channels or rule.languages or rule.tiers:
        failed = _audience(rule, message.channel, language, tier, held)
        if failed is not None:
            return failed
    if rule.has_attachment is not None:
        has = str(message.has_attachment).lower()
        if message.has_attachment != rule.has_attachment:
            return Verdict(False, f"has_attachment is {has}", "wrong_attachment", facts_of(has=has))
        held.append(("has_attachment", has))
    said = [f"{name} {value}" for name, value in held]
    words = _words(rule, message, folded)
    if not words.matched:
        return words
    said += [words.detail] if words.detail else []
    if rule.repeat is not None:
        since = message.received_at - timedelta(days=rule.repeat.within_days)
        count = sum(1 for at in complaint_times if since <= at <= message.received_at)
        days = rule.repeat.within_days
        counted = f"{count} earlier complaint(s) in {days} days"
        if count < rule.repeat.at_least:
            facts = facts_of(count=str(count), needed=str(rule.repeat.at_least), days=str(days))
            detail = f"{counted}, needs {rule.repeat.at_least}"
            return Verdict(False, detail, "too_few_complaints", facts)
        held += [("earlier", str(count)), ("days", str(days))]
        said.append(counted)
    detail = "; ".join(said) or "no conditions"
    return Verdict(True, detail, "matched", (*words.facts, *held), words.found)


def _audience(
    rule: Rule, channel: str, language: str, tier: str, held: list[tuple[str, str]]
) -> Verdict | None:
    """The rule's channel, language and tier conditions: the first that fails, else None with
    those that held added to `held`."""
    for name, actual, allowed in (
        ("channel", channel, rule.channels),
        ("language", language, rule.languages),
        ("tier", tier, rule.tiers),
    ):
        if not allowed:
            continue
        if actual not in allowed:
            what = "customer tier" if name == "tier" else name
            detail = f"{what} {actual or '(none)'!r} not in {sorted(allowed)}"
            expected = ", ".join(sorted(allowed))
            return Verdict(False, detail, f"wrong_{name}", ((name, actual), ("expected", expected)))
        held.append((name, actual))
    return None


def _words(rule: Rule, message: RoutingInput, folded: Mapping[str, FoldedText]) -> Verdict:
    """The rule's keywords and pattern against the message: the words that matched, as
    written, and the field they were in (`matched` with no words when it has neither). A find
    that does not count (negated, or part of an `unless` phrase) is said in the detail, and is
    the reason when nothing else matched."""
    absent = _absent(rule, folded)
    if absent is not None:
        return absent
    said: list[str] = []
    found: list[str] = []
    fields: list[str] = []
    if rule.keyword_matcher is not None:
        hit = find_keyword(rule, folded)
        if hit.found is None:
            return _nothing_counted(hit, _no_keyword(len(rule.keywords), rule.fields))
        said.append(_counted(f"keyword {hit.found!r}", hit))
        fields.append(hit.field)
        found.append(as_written(_original(message, hit.field), hit.found))
    if rule.pattern_regex is not None:
        originals = {name: _original(message, name) for name in rule.fields}
        match = find_pattern(rule, originals, folded)
        if match.gave_up:
            return _gave_up(match.field)
        if match.found is None:
            return _nothing_counted(match, _no_pattern(rule.pattern, rule.fields))
        said.append(_counted(f"pattern matched {match.found!r}", match))
        fields.append(match.field)
        found.append(match.found)
    facts = (("field", ", ".join(dict.fromkeys(fields))),) if fields else ()
    return Verdict(True, "; ".join(said), "matched", facts, tuple(found))


def _absent(rule: Rule, folded: Mapping[str, FoldedText]) -> Verdict | None:
    """The verdict of a rule whose keywords (or, without keywords, whose pattern) cannot be in
    any of its fields, told without a find; None when they may be. This is what the finds
    would say: nothing found, nothing discounted (the common case, most rules for most texts).
    """
    matcher = rule.keyword_matcher
    if matcher is not None:
        for name in rule.fields:
            if matcher.may_hit(folded[name]):
                return None
        return _no_keyword(len(rule.keywords), rule.fields)
    if rule.pattern_regex is not None:
        wanted = needles(rule.pattern_regex)
        for name in rule.fields:
            if may_match_lowered(wanted, folded[name].lowered):
                return None
        return _no_pattern(rule.pattern, rule.fields)
    return None


def _nothing_counted(found: Found, nothing: Verdict) -> Verdict:
    """No keyword or pattern counted: the first find that did not (the word, how, and the cue
    or phrase that discounted it), else `nothing`, that nothing was found at all."""
    if not found.discounted:
        return nothing
    first = found.discounted[0]
    detail = "; ".join(d.traced() for d in found.discounted[:3])
    detail += "; …" if len(found.discounted) > 3 else ""
    return Verdict(
        False, detail, "not_counted", facts_of(word=first.word, kind=first.kind, by=first.by)
    )


# The verdicts of a rule whose words are not in the message, most rules for most messages:
# the same for every message, so made once per rule (a verdict is an immutable tuple).
@functools.lru_cache(maxsize=1024)
def _no_keyword(keywords: int, fields: tuple[str, ...]) -> Verdict:
    where = "/".join(fields)
    facts = (("keywords", str(keywords)), ("fields", where))
    return Verdict(False, f"none of {keywords} keywords in {where}", "no_keyword", facts)


@functools.lru_cache(maxsize=1024)
def _no_pattern(pattern: str, fields: tuple[str, ...]) -> Verdict:
    where = "/".join(fields)
    return Verdict(
        False, f"pattern {pattern!r} not found in {where}", "no_pattern", (("fields", where),)
    )


def _gave_up(field: str) -> Verdict:
    """A pattern that took too long (see `router.rule_checks`): not found, and said so."""
    facts = (("fields", field), ("gave_up", f"{PATTERN_TIMEOUT} s"))
    return Verdict(False, gave_up_line(dict(facts)), "no_pattern", facts)


def _counted(what: str, found: Found) -> str:
    if not found.discounted:
        return what
    return f"{what} (not counted: {'; '.join(d.traced() for d in found.discounted[:3])})"


def _original(message: RoutingInput, name: str) -> str:
    return message.subject if name == "subject" else message.text
