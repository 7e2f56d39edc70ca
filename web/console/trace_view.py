"""The routing trace as the console explains it: which rule decided each field and on which words,
and why every other rule did not apply.

The router records reason codes and their facts (`router.decide.REASONS`); this module only
regroups them, and the `trace.html` macros phrase them, so every word a reader sees lives in a
template and can be translated there. A trace stored before reason codes existed has none:
its steps are shown with the router's own `detail` line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DECIDED_FIELDS = ("category", "department", "grade")
ADJUSTMENTS = ("min_grade", "raise_grade", "category_min_grade", "model_grade")
MODEL_REASONS = ("model", "model_unsure", "no_content", "model_grade")
"""The steps of the triage model, which the console names as the model, not as a rule."""


@dataclass(frozen=True)
class EffectLine:
    field: str
    value: str
    applied: bool
    note: str
    decided_by: str
    """The higher rule that had already set the field, when that is why it was not applied."""


@dataclass(frozen=True)
class TraceLine:
    rule: str
    matched: bool
    reason: str
    """A code of `router.decide.REASONS`; "" for a trace recorded before they existed."""
    detail: str
    found: tuple[str, ...]
    facts: Mapping[str, str]
    effects: tuple[EffectLine, ...]

    @property
    def model_version(self) -> str:
        """The triage model's version when this is one of its steps (named `model v1`), else ""."""
        by_model = self.reason in MODEL_REASONS and self.rule.startswith("model v")
        return self.rule.removeprefix("model v") if by_model else ""

    @property
    def overruled_by(self) -> tuple[str, ...]:
        """The higher rules that had decided everything this matched rule would have set."""
        if not self.effects or any(effect.applied for effect in self.effects):
            return ()
        return tuple(dict.fromkeys(e.decided_by for e in self.effects if e.decided_by))


@dataclass(frozen=True)
class Settled:
    """How one field got its value: the step that set it, then (grade) the adjustments."""

    field: str
    value: str
    by: TraceLine
    adjustments: tuple[TraceLine, ...] = ()


@dataclass(frozen=True)
class LanguageLine:
    """Which language the router chose and what told it, for the template to phrase."""

    language: str
    source: str
    """"text", "channel", "default", "shared_script", or "" when the detail does not say."""
    detail: str
    """The router's own English line, shown only for a source this module does not know."""


def language_line(line: TraceLine) -> LanguageLine:
    """The language step in words the template can translate. The router records only the
    language as a fact; what decided it is in its English detail line
    (`router.language.detect_language`), read here by its fixed wording."""
    language = line.facts.get("language") or line.detail.split(":")[0]
    why = line.detail.split(": ", 1)[-1]
    if "channel language hint" in why:
        source = "channel"
    elif why.endswith(": default") or why.startswith("no clear signal"):
        source = "default"
    elif "common to both scripts" in why or "simplified = " in why:
        source = "shared_script"
    elif line.detail:
        source = "text"
    else:
        source = ""
    return LanguageLine(language, source, line.detail)


@dataclass(frozen=True)
class Explained:
    language: LanguageLine | None
    settled: tuple[Settled, ...]
    lines: tuple[TraceLine, ...]
    """Every step after the language, in the order the router took them."""


def explain(steps: Iterable[Mapping[str, Any]]) -> Explained:
    """`steps` as `Decision.trace_as_json` gives them (the store's compact form read through
    `router.stored_trace.expanded`)."""
    lines = [_line(step) for step in steps]
    language = next((line for line in lines if line.rule == "language" and line.matched), None)
    rest = tuple(line for line in lines if line is not language)
    said = None if language is None else language_line(language)
    return Explained(said, tuple(_settled(rest)), rest)


def _line(step: Mapping[str, Any]) -> TraceLine:
    effects = tuple(
        EffectLine(
            str(effect.get("field", "")),
            str(effect.get("value", "")),
            bool(effect.get("applied")),
            str(effect.get("note", "")),
            str(effect.get("decided_by", "")),
        )
        for effect in step.get("effects") or ()
    )
    return TraceLine(
        rule=str(step.get("rule", "")),
        matched=bool(step.get("matched")),
        reason=str(step.get("reason", "")),
        detail=str(step.get("detail", "")),
        found=tuple(str(word) for word in step.get("found") or ()),
        facts=_model_grade_facts(step, effects),
        effects=effects,
    )


def _model_grade_facts(step: Mapping[str, Any], effects: tuple[EffectLine, ...]) -> dict[str, str]:
    """The step's facts; a model's raise stored before it recorded its version, grade and
    confidence as facts (only `was`) has them in its step name (`model v1`), its effect and
    its detail line (`grade important 0.75`), so the console can still say them."""
    facts = {str(k): str(v) for k, v in (step.get("facts") or {}).items()}
    if step.get("reason") != "model_grade":
        return facts
    rule, words = str(step.get("rule", "")), str(step.get("detail", "")).split(",")[0].split()
    found = {
        "version": rule.removeprefix("model v") if rule.startswith("model v") else "",
        "grade": effects[0].value if effects else "",
        "probability": words[-1] if len(words) == 3 and words[0] == "grade" else "",
    }
    return {**{k: v for k, v in found.items() if v}, **facts}


def _settled(lines: tuple[TraceLine, ...]) -> Iterable[Settled]:
    for name in DECIDED_FIELDS:
        setting = next(
            (
                (line, effect.value)
                for line in lines
                if line.reason not in ADJUSTMENTS
                for effect in line.effects
                if effect.field == name and effect.applied
            ),
            None,
        )
        if setting is None:
            continue
        line, value = setting
        adjustments: tuple[TraceLine, ...] = ()
        if name == "grade":
            adjustments = tuple(
                step
                for step in lines
                if step.reason in ADJUSTMENTS and any(e.applied for e in step.effects)
            )
            value = adjustments[-1].effects[0].value if adjustments else value
        yield Settled(name, value, line, adjustments)
