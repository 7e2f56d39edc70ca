"""The router: a pure function from a message, its sender's history and a rule set to a decision.

No I/O and no clock of its own (time comes from the message), so it can be tested with tables,
dry-run from a console and replayed over history with the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from router.calendar import WorkingCalendar, deadline
from router.input import RoutingInput
from router.language import detect_language
from router.rules import GRADES, Rule, RuleSet, raised
from router.text import FoldedText


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


@dataclass(frozen=True)
class TraceStep:
    """One step of the decision: a rule (matched or not, and why) or a default that applied."""

    rule: str
    matched: bool
    detail: str
    effects: tuple[Effect, ...] = ()


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
                    {"field": e.field, "value": e.value, "applied": e.applied, "note": e.note}
                    for e in step.effects
                ],
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
    tier = (message.tier or history.tier).lower()
    folded = {"subject": FoldedText.of(message.subject), "text": FoldedText.of(message.text)}
    trace = [TraceStep("language", True, f"{language}: {language_why}")]
    settled: dict[str, tuple[str, str]] = {}
    tags: list[str] = []
    adjustments: list[tuple[Rule, str]] = []

    for rule in rules.rules:
        if not rule.enabled:
            trace.append(TraceStep(rule.name, False, "disabled"))
            continue
        failed, matched_because = _check(rule, message, folded, language, tier, history)
        if failed:
            trace.append(TraceStep(rule.name, False, failed))
            continue
        effects = []
        for name in ("category", "department", "grade"):
            value = getattr(rule, name)
            if not value:
                continue
            if name in settled:
                effects.append(
                    Effect(name, value, False, f"already set by rule {settled[name][1]!r}")
                )
            else:
                settled[name] = (value, rule.name)
                effects.append(Effect(name, value, True))
        for tag in rule.tags:
            effects.append(
                Effect("tags", tag, tag not in tags, "" if tag not in tags else "duplicate")
            )
            if tag not in tags:
                tags.append(tag)
        if rule.min_grade:
            adjustments.append((rule, f"at least {rule.min_grade}"))
        if rule.raise_grade:
            adjustments.append((rule, "raise by one"))
        trace.append(TraceStep(rule.name, True, matched_because, tuple(effects)))

    category = settled.get("category", (rules.default_category, ""))[0]
    if "category" not in settled:
        trace.append(
            TraceStep(
                "default",
                True,
                "no rule set the category",
                (Effect("category", category, True, "routing.default_category"),),
            )
        )
    if "department" in settled:
        department = settled["department"][0]
    else:
        department = rules.categories[category].department
        trace.append(
            TraceStep(
                "default",
                True,
                "no rule set the department",
                (
                    Effect(
                        "department",
                        department,
                        True,
                        f"default department of category {category!r}",
                    ),
                ),
            )
        )
    grade = settled.get("grade", (rules.default_grade, ""))[0]
    if "grade" not in settled:
        trace.append(
            TraceStep(
                "default",
                True,
                "no rule set the grade",
                (Effect("grade", grade, True, "routing.default_grade"),),
            )
        )
    for rule, what in adjustments:
        adjusted = _adjust(grade, rule)
        trace.append(
            TraceStep(
                rule.name,
                True,
                what,
                (Effect("grade", adjusted, adjusted != grade, f"was {grade}"),),
            )
        )
        grade = adjusted

    first_response_due, resolution_due = service_levels[grade].due(message.received_at)
    return Decision(
        category=category,
        department=department,
        grade=grade,
        tags=tuple(tags),
        language=language,
        first_response_due=first_response_due,
        resolution_due=resolution_due,
        rule_set_version=rules.version,
        trace=tuple(trace),
    )


def _adjust(grade: str, rule: Rule) -> str:
    if rule.min_grade and GRADES.index(rule.min_grade) > GRADES.index(grade):
        grade = rule.min_grade
    return raised(grade) if rule.raise_grade else grade


def _check(
    rule: Rule,
    message: RoutingInput,
    folded: Mapping[str, FoldedText],
    language: str,
    tier: str,
    history: CustomerHistory,
) -> tuple[str, str]:
    """Return (the first failed condition, "") or ("", what matched)."""
    matched: list[str] = []
    if rule.channels:
        if message.channel not in rule.channels:
            return f"channel {message.channel!r} not in {sorted(rule.channels)}", ""
        matched.append(f"channel {message.channel}")
    if rule.languages:
        if language not in rule.languages:
            return f"language {language!r} not in {sorted(rule.languages)}", ""
        matched.append(f"language {language}")
    if rule.tiers:
        if tier not in rule.tiers:
            return f"customer tier {tier or '(none)'!r} not in {sorted(rule.tiers)}", ""
        matched.append(f"tier {tier}")
    if rule.has_attachment is not None:
        has = message.has_attachment
        if has != rule.has_attachment:
            return f"has_attachment is {str(has).lower()}", ""
        matched.append(f"has_attachment {str(has).lower()}")
    if rule.keyword_matcher is not None:
        found = next(
            (hit for name in rule.fields if (hit := rule.keyword_matcher.find(folded[name]))),
            None,
        )
        if found is None:
            return f"none of {len(rule.keywords)} keywords in {'/'.join(rule.fields)}", ""
        matched.append(f"keyword {found!r}")
    if rule.pattern_regex is not None:
        original = {"subject": message.subject, "text": message.text}
        found = _search(rule.pattern_regex, (original[name] for name in rule.fields))
        if found is None:
            return f"pattern {rule.pattern!r} not found in {'/'.join(rule.fields)}", ""
        matched.append(f"pattern matched {found!r}")
    if rule.repeat is not None:
        since = message.received_at - timedelta(days=rule.repeat.within_days)
        count = sum(1 for at in history.complaint_times if since <= at <= message.received_at)
        if count < rule.repeat.at_least:
            return (
                f"{count} earlier complaint(s) in {rule.repeat.within_days} days, "
                f"needs {rule.repeat.at_least}"
            ), ""
        matched.append(f"{count} earlier complaint(s) in {rule.repeat.within_days} days")
    return "", "; ".join(matched) or "no conditions"


def _search(pattern: Any, texts: Any) -> str | None:
    for text in texts:
        found = pattern.search(text)
        if found:
            return str(found.group(0))
    return None
