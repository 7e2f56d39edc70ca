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
from router.conditions import REASONS as REASONS
from router.conditions import Verdict, check, facts_of
from router.content import has_content
from router.input import RoutingInput
from router.language import detect_language
from router.rules import GRADES, Category, Rule, RuleSet, raised
from router.text import FoldedText, fold

if TYPE_CHECKING:  # the model's module loads numpy; the router only calls it
    from router.model import CategoryModel, Reading

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
    repeat_unchanged: timedelta = timedelta(days=3)  # an update saying the same waits this long

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


@dataclass(frozen=True, slots=True)
class Effect:
    """What a step did to one field (or would have done). Slotted, as `TraceStep`: some thirty
    of them are made for every complaint routed, and slots make that cheaper."""

    field: str
    value: str
    applied: bool
    note: str = ""
    decided_by: str = ""
    """The rule higher in the list that had already set this field, when that is why the effect
    was not applied."""


@dataclass(frozen=True, slots=True)
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
    *,
    model: CategoryModel | None = None,
) -> Decision:
    """Decide `message`'s category, department, grade, tags, language and deadlines under
    `rules`, with a trace of every rule tried; reads nothing but its arguments. Where no rule
    sets the category, `model` suggests one (see `_Outcome.suggested`)."""
    # folded once for the language and the rules: folding works character by character and
    # the line break is no combining mark, so fold(subject + "\n" + text) is this
    subject, body = fold(message.subject), fold(message.text)
    language, language_why = detect_language(
        f"{message.subject}\n{message.text}",
        message.language_hint,
        default_language,
        folded=f"{subject}\n{body}",
    )
    why = f"{language}: {language_why}"
    language_step = TraceStep(
        "language", True, why, (), "language_detected", (), facts_of(language=language)
    )
    outcome = _Outcome([language_step])
    tier = (message.tier or history.tier).lower()
    folded = {
        "subject": FoldedText.of(message.subject, subject),
        "text": FoldedText.of(message.text, body),
    }
    for rule in rules.rules:
        if not rule.enabled:
            outcome.trace.append(TraceStep(rule.name, False, "disabled", reason="disabled"))
            continue
        verdict = check(rule, message, folded, language, tier, history.complaint_times)
        if verdict.matched:
            outcome.apply(rule, verdict)
        else:
            if verdict.reason == "not_counted":
                outcome.discount(rule)
            outcome.trace.append(
                TraceStep(rule.name, False, verdict.detail, (), verdict.reason, (), verdict.facts)
            )
    # the model and the text as it reads it, featurized once for the category and the grade
    text = f"{message.subject}\n{message.text}".strip()
    triage = None if model is None else (model, model.read(text))
    # "hello" or "see attached" alone is nothing to read (router.content), unless a rule found words
    found = any(step.matched and step.found for step in outcome.trace)
    if model is not None and not (found or has_content(subject, body)):
        outcome.unread(model)
        triage = None  # neither the category nor the grade is the model's
    if triage is not None and "category" not in outcome.settled:
        outcome.suggested(*triage, rules)
    category = outcome.decided("category", rules.default_category, "routing.default_category")
    department = outcome.decided(
        "department",
        rules.categories[category].department,
        f"default department of category {category!r}",
        (("category", category),),
    )
    grade = outcome.adjusted(outcome.decided("grade", rules.default_grade, "routing.default_grade"))
    urgent_threshold = 1.0 if model is None else model.urgent_threshold
    grade = outcome.floored(grade, rules.categories[category], urgent_threshold)
    if triage is not None:
        grade = outcome.graded(*triage, grade)
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
    discounted: str = ""
    """The highest grade of a rule whose words are in the message but did not count (negated,
    or part of an `unless` phrase): the grade model may not raise to it, since the rules read
    that severity and ruled it out ("no injury", "burnt toast setting")."""
    ruled_out: set[str] = field(default_factory=set)
    """The categories of such rules: the category model may not choose them either."""
    model_chose: float | None = None
    """The category model's probability when it chose the category (None: a rule or the
    default did), which bounds the category's floor (`floored`)."""

    def discount(self, rule: Rule) -> None:
        if rule.category:
            self.ruled_out.add(rule.category)
        for grade in (rule.grade, rule.min_grade):
            if grade and GRADES.index(grade) > GRADES.index(self.discounted or GRADES[0]):
                self.discounted = grade

    def apply(self, rule: Rule, verdict: Verdict) -> None:
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

    def suggested(self, model: CategoryModel, text: Reading, rules: RuleSet) -> None:
        """The model's category when it is sure enough (probability at least its threshold)
        and the category exists; else its best guess is only traced, and the complaint keeps
        the default category with the tag needs-triage, for a person to decide."""
        guess = model.suggest(text, self.ruled_out)
        step = f"model v{model.version}"
        said = f"{guess.label} {guess.probability:.2f}" + (f", {guess.why}" if guess.why else "")
        facts = facts_of(
            version=str(model.version),
            category=guess.label,
            probability=f"{guess.probability:.2f}",
            threshold=f"{model.threshold:.2f}",
            corrected="yes" if guess.why else "",
        )
        if guess.label in rules.categories and guess.probability >= model.threshold:
            self.settled["category"] = (guess.label, step)
            self.model_chose = guess.probability
            effect = Effect("category", guess.label, True)
            self.trace.append(TraceStep(step, True, said, (effect,), "model", (), facts))
            return
        short = (
            f"below the threshold {model.threshold:.2f}"
            if guess.probability < model.threshold
            else "not a category of this rule set"
        )
        why = f"best guess {said}, {short}"
        effect = self._needs_triage()
        self.trace.append(TraceStep(step, False, why, (effect,), "model_unsure", (), facts))

    def _needs_triage(self) -> Effect:
        """Tag the complaint for a person to categorise (once)."""
        new = NEEDS_TRIAGE not in self.tags
        self.tags += [NEEDS_TRIAGE] if new else []
        return Effect("tags", NEEDS_TRIAGE, new, "" if new else "duplicate")

    def unread(self, model: CategoryModel) -> None:
        """The model is not asked of a message without complaint content (its guess would be a
        confident reading of "hello"): needs-triage unless a rule set the category."""
        effects: tuple[Effect, ...] = ()
        facts = facts_of(version=str(model.version))
        if "category" not in self.settled:
            effects, facts = (self._needs_triage(),), facts + facts_of(tagged="yes")
        why = "no complaint content (greetings, thanks, 'see attached' only): model not asked"
        step = TraceStep(f"model v{model.version}", False, why, effects, "no_content", (), facts)
        self.trace.append(step)

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

    def floored(self, grade: str, category: Category, urgent_threshold: float) -> str:
        """`grade` raised to the category's `min_grade`, traced when that changes it: the
        category's own floor holds whoever chose the category, a rule or the model. But a floor
        of urgent pages the safety team at once, so from a category the model chose it asks
        what the grade model's raise to urgent asks, `urgent_threshold`: a guess below it (a
        "safety" at 0.31 for "火大", angry) gets the grade below urgent, in that department's
        queue for a person to judge, not a page."""
        floor, why = category.min_grade, ""
        chose = self.model_chose
        if floor == GRADES[-1] and chose is not None and chose < urgent_threshold:
            floor = GRADES[-2]
            why = f" (urgent from the model's {chose:.2f} needs {urgent_threshold:.2f})"
        if not floor or GRADES.index(floor) <= GRADES.index(grade):
            return grade
        effect = Effect("grade", floor, True, f"was {grade}")
        facts = facts_of(category=category.key, min_grade=floor, was=grade)
        if why:
            facts += facts_of(probability=f"{chose:.2f}", threshold=f"{urgent_threshold:.2f}")
        why = f"category {category.key!r}: at least {floor}{why}"
        self.trace.append(
            TraceStep("category", True, why, (effect,), "category_min_grade", (), facts)
        )
        return floor

    def graded(self, model: CategoryModel, text: Reading, grade: str) -> str:
        """`grade` raised to the grade model's when that is higher and the model is sure (its
        probability at least `grade_threshold`, or `urgent_threshold` to urgent), traced. The
        model never lowers a grade, so what the rules and the category's floor decided holds as
        a least grade, and never raises to a severity the rules discounted (`discounted`)."""
        guess = model.suggest_grade(text)
        urgent = guess is not None and guess.label == "urgent"
        threshold = model.urgent_threshold if urgent else model.grade_threshold
        if (
            guess is None
            or guess.label not in GRADES
            or GRADES.index(guess.label) <= GRADES.index(grade)
            or (self.discounted and GRADES.index(guess.label) >= GRADES.index(self.discounted))
            or guess.probability < threshold
        ):
            return grade
        effect = Effect("grade", guess.label, True, f"was {grade}")
        facts = facts_of(
            version=str(model.version),
            grade=guess.label,
            probability=f"{guess.probability:.2f}",
            threshold=f"{threshold:.2f}",
            was=grade,
            corrected="yes" if guess.why else "",
        )
        said = f"grade {guess.label} {guess.probability:.2f}" + (
            f", {guess.why}" if guess.why else ""
        )
        self.trace.append(
            TraceStep(f"model v{model.version}", True, said, (effect,), "model_grade", (), facts)
        )
        return guess.label

    def adjusted(self, grade: str) -> str:
        """`grade` after the matching rules' min_grade and raise_grade, each traced."""
        for rule, what, reason in self.adjustments:
            adjusted = _adjust(grade, rule)
            effect = Effect("grade", adjusted, adjusted != grade, f"was {grade}")
            facts = facts_of(min_grade=rule.min_grade, was=grade)
            self.trace.append(TraceStep(rule.name, True, what, (effect,), reason, (), facts))
            grade = adjusted
        return grade


def _adjust(grade: str, rule: Rule) -> str:
    if rule.min_grade and GRADES.index(rule.min_grade) > GRADES.index(grade):
        grade = rule.min_grade
    return raised(grade) if rule.raise_grade else grade
