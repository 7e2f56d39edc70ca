"""The router: a pure function from a message, its sender's history and a rule set to a decision.

No I/O and no clock of its own (time comes from the message), so it can be tested with tables,
dry-run from a console and replayed over history with the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from router.calendar import WorkingCalendar, deadline
from router.input import RoutingInput
from router.language import detect_language
from router.rules import GRADES, Rule, RuleSet, raised
from router.text import FoldedText

if TYPE_CHECKING:  # the model's module loads scikit-learn; the router only calls it
    from router.model import CategoryModel

NEEDS_TRIAGE = "needs-triage"
"""The tag of a complaint no rule categorised and the model was not sure about."""


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
    *,
    model: CategoryModel | None = None,
) -> Decision:
    """Decide `message`'s category, department, grade, tags, language and deadlines under
    `rules`, with a trace of every rule tried; reads nothing but its arguments. Where no rule
    sets the category, `model` suggests one (see `_Outcome.suggested`)."""
    language, language_why = detect_language(
        f"{message.subject}\n{message.text}", message.language_hint, default_language
    )
    outcome = _Outcome([TraceStep("language", True, f"{language}: {language_why}")])
    tier = (message.tier or history.tier).lower()
    folded = {"subject": FoldedText.of(message.subject), "text": FoldedText.of(message.text)}
    for rule in rules.rules:
        if not rule.enabled:
            outcome.trace.append(TraceStep(rule.name, False, "disabled"))
            continue
        failed, matched_because = _check(rule, message, folded, language, tier, history)
        if failed:
            outcome.trace.append(TraceStep(rule.name, False, failed))
        else:
            outcome.apply(rule, matched_because)
    if model is not None and "category" not in outcome.settled:
        outcome.suggested(model, f"{message.subject}\n{message.text}".strip(), rules)
    category = outcome.decided("category", rules.default_category, "routing.default_category")
    department = outcome.decided(
        "department",
        rules.categories[category].department,
        f"default department of category {category!r}",
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
    adjustments: list[tuple[Rule, str]] = field(default_factory=list)

    def apply(self, rule: Rule, matched_because: str) -> None:
        effects = []
        for name in ("category", "department", "grade"):
            value = getattr(rule, name)
            if not value:
                continue
            if name in self.settled:
                why = f"already set by rule {self.settled[name][1]!r}"
                effects.append(Effect(name, value, False, why))
            else:
                self.settled[name] = (value, rule.name)
                effects.append(Effect(name, value, True))
        for tag in rule.tags:
            new = tag not in self.tags
            effects.append(Effect("tags", tag, new, "" if new else "duplicate"))
            if new:
                self.tags.append(tag)
        if rule.min_grade:
            self.adjustments.append((rule, f"at least {rule.min_grade}"))
        if rule.raise_grade:
            self.adjustments.append((rule, "raise by one"))
        self.trace.append(TraceStep(rule.name, True, matched_because, tuple(effects)))

    def suggested(self, model: CategoryModel, text: str, rules: RuleSet) -> None:
        """The model's category when it is sure enough (probability at least its threshold)
        and the category exists; else its best guess is only traced, and the complaint keeps
        the default category with the tag needs-triage, for a person to decide."""
        guess = model.suggest(text)
        step = f"model v{model.version}"
        said = f"{guess.category} {guess.probability:.2f}" + (f", {guess.why}" if guess.why else "")
        if guess.category in rules.categories and guess.probability >= model.threshold:
            self.settled["category"] = (guess.category, step)
            effect = Effect("category", guess.category, True)
            self.trace.append(TraceStep(step, True, said, (effect,)))
            return
        short = (
            f"below the threshold {model.threshold:.2f}"
            if guess.probability < model.threshold
            else "not a category of this rule set"
        )
        new = NEEDS_TRIAGE not in self.tags
        if new:
            self.tags.append(NEEDS_TRIAGE)
        why = f"best guess {said}, {short}"
        effect = Effect("tags", NEEDS_TRIAGE, new, "" if new else "duplicate")
        self.trace.append(TraceStep(step, False, why, (effect,)))

    def decided(self, name: str, default: str, default_why: str) -> str:
        """The value a rule set for `name`, else `default` (traced as such)."""
        if name in self.settled:
            return self.settled[name][0]
        effect = Effect(name, default, True, default_why)
        self.trace.append(TraceStep("default", True, f"no rule set the {name}", (effect,)))
        return default

    def adjusted(self, grade: str) -> str:
        """`grade` after the matching rules' min_grade and raise_grade, each traced."""
        for rule, what in self.adjustments:
            adjusted = _adjust(grade, rule)
            effect = Effect("grade", adjusted, adjusted != grade, f"was {grade}")
            self.trace.append(TraceStep(rule.name, True, what, (effect,)))
            grade = adjusted
        return grade


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
