"""The router: a pure function from a message, its sender's history and a rule set to a decision.

No I/O and no clock of its own (time comes from the message), so it can be tested with tables,
dry-run from a console and replayed over history with the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from router.calendar import WorkingCalendar, deadline
from router.input import RoutingInput
from router.language import detect_language
from router.rules import GRADES, Rule, RuleSet, raised
from router.text import FoldedText, as_written


@dataclass(frozen=True)
class ServiceLevel:
    """How soon a grade must get its first human answer and its resolution; with a working
    calendar the durations count working time only."""

    first_response: timedelta
    resolution: timedelta
    calendar: WorkingCalendar | None = None
    progress_every: timedelta = timedelta(days=1)
    """How often the customer hears of progress while the complaint is open."""

    def due(self, start: datetime) -> tuple[datetime, datetime]:
        """(first-response deadline, resolution deadline) for a complaint opened at `start`."""
        return (
            deadline(start, self.first_response, self.calendar),
            deadline(start, self.resolution, self.calendar),
        )


HISTORY_WINDOW = timedelta(days=366)
"""How far back the router looks at the sender's earlier complaints (repeat complainers)."""


@dataclass(frozen=True)
class CustomerHistory:
    """What the router may know of the sender: their tier and when they complained before."""

    tier: str = ""
    complaint_times: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Effect:
    field: str
    value: str
    applied: bool
    note: str = ""
    decided_by: str = ""
    """The rule higher in the list that had already set this field, when that is why the effect
    was not applied."""


REASONS = {
    "language_detected": "the language step; facts: language",
    "disabled": "the rule is disabled",
    "wrong_channel": "condition not met; facts: channel, expected",
    "wrong_language": "condition not met; facts: language, expected",
    "wrong_tier": "condition not met; facts: tier, expected",
    "wrong_attachment": "condition not met; facts: has_attachment (the message's)",
    "no_keyword": "no matching words; facts: keywords (how many), fields",
    "no_pattern": "the pattern is not in the text; facts: fields",
    "too_few_complaints": "condition not met; facts: count, needed, days",
    "matched": "every condition held; found: the matched words; facts: field and the conditions",
    "min_grade": "a matched rule's min_grade; facts: min_grade, was",
    "raise_grade": "a matched rule's raise_grade; facts: was",
    "default": "no rule set the field; facts: field, setting",
    "category_department": "no rule set the department; facts: category",
}
"""The reason codes of `TraceStep.reason`, so a reader's language can phrase each step (the
`detail` line is the router's own English, kept for the API)."""


@dataclass(frozen=True)
class TraceStep:
    """One step of the decision: a rule (matched or not, and why) or a default that applied."""

    rule: str
    matched: bool
    detail: str
    effects: tuple[Effect, ...] = ()
    reason: str = ""
    """One of `REASONS`."""
    found: tuple[str, ...] = ()
    """The words of the message that matched the rule's keywords or pattern, as written there."""
    facts: tuple[tuple[str, str], ...] = ()
    """The values the reason speaks of, as (name, value) pairs."""


@dataclass(frozen=True)
class Decision:
    category: str
    department: str
    grade: str
    tags: tuple[str, ...]
    language: str
    first_response_due: datetime
    resolution_due: datetime
    rule_set_version: int
    trace: tuple[TraceStep, ...]

    def trace_as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "rule": step.rule,
                "matched": step.matched,
                "detail": step.detail,
                "effects": [
                    {
                        "field": e.field,
                        "value": e.value,
                        "applied": e.applied,
                        "note": e.note,
                        "decided_by": e.decided_by,
                    }
                    for e in step.effects
                ],
                "reason": step.reason,
                "found": list(step.found),
                "facts": dict(step.facts),
            }
            for step in self.trace
        ]


def route(
    message: RoutingInput,
    history: CustomerHistory,
    rules: RuleSet,
    service_levels: Mapping[str, ServiceLevel],
    default_language: str = "en",
) -> Decision:
    """Decide `message`'s category, department, grade, tags, language and deadlines under
    `rules`, with a trace of every rule tried; reads nothing but its arguments."""
    language, language_why = detect_language(
        f"{message.subject}\n{message.text}", message.language_hint, default_language
    )
    why = f"{language}: {language_why}"
    language_step = TraceStep(
        "language", True, why, (), "language_detected", (), _facts(language=language)
    )
    outcome = _Outcome([language_step])
    tier = (message.tier or history.tier).lower()
    folded = {"subject": FoldedText.of(message.subject), "text": FoldedText.of(message.text)}
    for rule in rules.rules:
        if not rule.enabled:
            outcome.trace.append(TraceStep(rule.name, False, "disabled", reason="disabled"))
            continue
        verdict = _check(rule, message, folded, language, tier, history)
        if verdict.matched:
            outcome.apply(rule, verdict)
        else:
            outcome.trace.append(
                TraceStep(rule.name, False, verdict.detail, (), verdict.reason, (), verdict.facts)
            )
    category = outcome.decided("category", rules.default_category, "routing.default_category")
    department = outcome.decided(
        "department",
        rules.categories[category].department,
        f"default department of category {category!r}",
        (("category", category),),
    )
    grade = outcome.adjusted(outcome.decided("grade", rules.default_grade, "routing.default_grade"))
    first_response_due, resolution_due = service_levels[grade].due(message.received_at)
    return Decision(
        category=category,
        department=department,
        grade=grade,
        tags=tuple(outcome.tags),
        language=language,
        first_response_due=first_response_due,
        resolution_due=resolution_due,
        rule_set_version=rules.version,
        trace=tuple(outcome.trace),
    )


@dataclass
class _Outcome:
    """What the matching rules decided so far, in order: the first rule to set a field wins."""

    trace: list[TraceStep]
    settled: dict[str, tuple[str, str]] = field(default_factory=dict)
    """field → (value, the rule that set it)"""
    tags: list[str] = field(default_factory=list)
    adjustments: list[tuple[Rule, str, str]] = field(default_factory=list)
    """(rule, what it does in words, its reason code), in rule order"""

    def apply(self, rule: Rule, verdict: _Verdict) -> None:
        effects = []
        for name in ("category", "department", "grade"):
            value = getattr(rule, name)
            if not value:
                continue
            if name in self.settled:
                by = self.settled[name][1]
                effects.append(Effect(name, value, False, f"already set by rule {by!r}", by))
            else:
                self.settled[name] = (value, rule.name)
                effects.append(Effect(name, value, True))
        for tag in rule.tags:
            new = tag not in self.tags
            effects.append(Effect("tags", tag, new, "" if new else "duplicate"))
            if new:
                self.tags.append(tag)
        if rule.min_grade:
            self.adjustments.append((rule, f"at least {rule.min_grade}", "min_grade"))
        if rule.raise_grade:
            self.adjustments.append((rule, "raise by one", "raise_grade"))
        self.trace.append(
            TraceStep(
                rule.name,
                True,
                verdict.detail,
                tuple(effects),
                "matched",
                verdict.found,
                verdict.facts,
            )
        )

    def decided(
        self, name: str, default: str, default_why: str, facts: tuple[tuple[str, str], ...] = ()
    ) -> str:
        """The value a rule set for `name`, else `default` (traced as such). Without `facts` the
        default is a setting (`default_why`); with them, the category's department."""
        if name in self.settled:
            return self.settled[name][0]
        effect = Effect(name, default, True, default_why)
        reason = "category_department" if facts else "default"
        facts = facts or (("field", name), ("setting", default_why))
        self.trace.append(
            TraceStep("default", True, f"no rule set the {name}", (effect,), reason, (), facts)
        )
        return default

    def adjusted(self, grade: str) -> str:
        """`grade` after the matching rules' min_grade and raise_grade, each traced."""
        for rule, what, reason in self.adjustments:
            adjusted = _adjust(grade, rule)
            effect = Effect("grade", adjusted, adjusted != grade, f"was {grade}")
            facts = _facts(min_grade=rule.min_grade, was=grade)
            self.trace.append(TraceStep(rule.name, True, what, (effect,), reason, (), facts))
            grade = adjusted
        return grade


def _adjust(grade: str, rule: Rule) -> str:
    if rule.min_grade and GRADES.index(rule.min_grade) > GRADES.index(grade):
        grade = rule.min_grade
    return raised(grade) if rule.raise_grade else grade


def _facts(**values: str) -> tuple[tuple[str, str], ...]:
    """The non-empty `values` as a step's facts."""
    return tuple((name, value) for name, value in values.items() if value)


class _Verdict(NamedTuple):
    """Whether a rule's conditions held, in the router's words (`detail`) and as a reason code
    with its facts (see `REASONS`). A tuple: one is made per rule and message, mostly a no."""

    matched: bool
    detail: str
    reason: str
    facts: tuple[tuple[str, str], ...] = ()
    found: tuple[str, ...] = ()


def _check(
    rule: Rule,
    message: RoutingInput,
    folded: Mapping[str, FoldedText],
    language: str,
    tier: str,
    history: CustomerHistory,
) -> _Verdict:
    """The first condition of `rule` the message fails, or every condition that held."""
    held: list[tuple[str, str]] = []
    if rule.channels or rule.languages or rule.tiers:
        failed = _audience(rule, message.channel, language, tier, held)
        if failed is not None:
            return failed
    if rule.has_attachment is not None:
        has = str(message.has_attachment).lower()
        if message.has_attachment != rule.has_attachment:
            return _Verdict(False, f"has_attachment is {has}", "wrong_attachment", _facts(has=has))
        held.append(("has_attachment", has))
    said = [f"{name} {value}" for name, value in held]
    words = _words(rule, message, folded)
    if not words.matched:
        return words
    said += [words.detail] if words.detail else []
    if rule.repeat is not None:
        since = message.received_at - timedelta(days=rule.repeat.within_days)
        count = sum(1 for at in history.complaint_times if since <= at <= message.received_at)
        days = rule.repeat.within_days
        counted = f"{count} earlier complaint(s) in {days} days"
        if count < rule.repeat.at_least:
            facts = _facts(count=str(count), needed=str(rule.repeat.at_least), days=str(days))
            detail = f"{counted}, needs {rule.repeat.at_least}"
            return _Verdict(False, detail, "too_few_complaints", facts)
        held += [("earlier", str(count)), ("days", str(days))]
        said.append(counted)
    detail = "; ".join(said) or "no conditions"
    return _Verdict(True, detail, "matched", (*words.facts, *held), words.found)


def _audience(
    rule: Rule, channel: str, language: str, tier: str, held: list[tuple[str, str]]
) -> _Verdict | None:
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
            return _Verdict(
                False, detail, f"wrong_{name}", ((name, actual), ("expected", expected))
            )
        held.append((name, actual))
    return None


def _words(rule: Rule, message: RoutingInput, folded: Mapping[str, FoldedText]) -> _Verdict:
    """The rule's keywords and pattern against the message: the words that matched, as
    written, and the field they were in (`matched` with no words when it has neither)."""
    said: list[str] = []
    found: list[str] = []
    fields: list[str] = []
    if rule.keyword_matcher is not None:
        for name in rule.fields:  # a loop, not a generator: this runs per rule and message
            hit = rule.keyword_matcher.find(folded[name])
            if hit is not None:
                break
        else:
            where = "/".join(rule.fields)
            detail = f"none of {len(rule.keywords)} keywords in {where}"
            counted = (("keywords", str(len(rule.keywords))), ("fields", where))
            return _Verdict(False, detail, "no_keyword", counted)
        said.append(f"keyword {hit!r}")
        fields.append(name)
        found.append(as_written(_original(message, name), hit))
    if rule.pattern_regex is not None:
        searched = _search(rule.pattern_regex, ((n, _original(message, n)) for n in rule.fields))
        if searched is None:
            where = "/".join(rule.fields)
            detail = f"pattern {rule.pattern!r} not found in {where}"
            return _Verdict(False, detail, "no_pattern", (("fields", where),))
        said.append(f"pattern matched {searched[1]!r}")
        fields.append(searched[0])
        found.append(searched[1])
    facts = (("field", ", ".join(dict.fromkeys(fields))),) if fields else ()
    return _Verdict(True, "; ".join(said), "matched", facts, tuple(found))


def _original(message: RoutingInput, name: str) -> str:
    return message.subject if name == "subject" else message.text


def _search(pattern: Any, texts: Any) -> tuple[str, str] | None:
    """(the field, the text the pattern matched there) for the first field it matches."""
    for name, text in texts:
        found = pattern.search(text)
        if found:
            return name, str(found.group(0))
    return None
