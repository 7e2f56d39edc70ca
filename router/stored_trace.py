"""The routing trace as the store keeps it: every step, in a compact form.

`Decision.trace_as_json` spells every key of every step, and the line of a rule whose pattern
was not found quotes the whole pattern: about 11 KB a complaint with the shipped rules, encoded
and written inside intake's transaction. The store keeps each step with its rule, whether it
matched, its reason code and its line, and only the parts that are not empty (effects, found
words, facts); a "pattern not found" line names the fields but not the pattern, which the rule
set's version keeps. That is about a third of the size (4 KB instead of 12), and what the
console needs: it phrases every step from its reason code and facts (web.console.trace_view).

`expanded` gives any stored trace, this form or the full one stored before it, every key again,
as the API has always shown it; `without_words` one from which a customer's erasure took the
words of their message.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from router.decide import Effect, TraceStep
from router.rule_checks import gave_up_line

_EFFECT_DEFAULTS = {"note": "", "decided_by": ""}


def stored(trace: Iterable[TraceStep]) -> list[dict[str, Any]]:
    """`trace` in the compact form the store keeps."""
    steps = []
    for step in trace:
        reason, facts = step.reason, step.facts
        kept: dict[str, Any] = {"rule": step.rule, "matched": step.matched, "reason": reason}
        # a line `expanded` says again from the facts is not kept; nor a pattern not found
        if reason != "no_pattern" and (
            reason not in _SAID or _said_again(reason, facts) != step.detail
        ):
            kept["detail"] = step.detail
        if step.effects:
            kept["effects"] = [_effect(effect) for effect in step.effects]
        if step.found:
            kept["found"] = list(step.found)
        if facts:
            kept["facts"] = dict(facts)
        steps.append(kept)
    return steps


_SAID = frozenset(
    {"no_keyword", "disabled", "wrong_channel", "wrong_language", "wrong_tier"}
    | {"wrong_attachment", "too_few_complaints", "no_pattern"}
)
"""The reasons `_said` phrases; the line of any other step is kept."""


@functools.lru_cache(maxsize=1024)
def _said_again(reason: str, facts: tuple[tuple[str, str], ...]) -> str | None:
    """`_said`, once per reason and facts: a rule that did not apply has the same ones for
    most messages (they hold the rule's settings and counts, no words of the message)."""
    return _said(reason, dict(facts))


def _said(reason: str, facts: Mapping[str, str]) -> str | None:
    """The router's line of a rule that did not apply, from its reason code and facts
    (router.conditions writes it so); None for the other steps, whose line is kept."""
    match reason:
        case "no_keyword":
            return f"none of {facts.get('keywords')} keywords in {facts.get('fields')}"
        case "disabled":
            return "disabled"
        case "wrong_channel" | "wrong_language" | "wrong_tier":
            name = reason.removeprefix("wrong_")
            what = "customer tier" if name == "tier" else name
            expected = str(facts.get("expected", "")).split(", ")
            return f"{what} {facts.get(name) or '(none)'!r} not in {expected}"
        case "wrong_attachment":
            return f"has_attachment is {facts.get('has')}"
        case "too_few_complaints":
            counted = f"{facts.get('count')} earlier complaint(s) in {facts.get('days')} days"
            return f"{counted}, needs {facts.get('needed')}"
        case "no_pattern":  # without the pattern, which the rule set's version keeps
            if facts.get("gave_up"):
                return gave_up_line(facts)
            return f"pattern not found in {facts.get('fields', '')}"
    return None


def _effect(effect: Effect) -> dict[str, Any]:
    kept: dict[str, Any] = {"field": effect.field, "value": effect.value, "applied": effect.applied}
    if effect.note:
        kept["note"] = effect.note
    if effect.decided_by:
        kept["decided_by"] = effect.decided_by
    return kept


def expanded(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored steps, compact or full, with every key `Decision.trace_as_json` gives."""
    return [
        {
            "rule": step.get("rule", ""),
            "matched": bool(step.get("matched")),
            "detail": step.get("detail", _said(step.get("reason", ""), step.get("facts") or {}))
            or "",
            "effects": [{**_EFFECT_DEFAULTS, **effect} for effect in step.get("effects") or ()],
            "reason": step.get("reason", ""),
            "found": list(step.get("found") or ()),
            "facts": dict(step.get("facts") or {}),
        }
        for step in steps
    ]


WORDS_ERASED = "[erased]"
"""What stands for the words of the message in a trace whose customer was erased (the value of
admin.erasure.ERASED, which the console shows in the reader's language)."""
_OWN_LINES = frozenset(
    {"language_detected", "min_grade", "raise_grade", "default", "category_min_grade"}
    | {"model", "model_unsure", "no_content", "model_grade", "category_department"}
)
"""The reasons whose line is the router's own words only (rules, grades, settings, the model's
figures); every other line may quote the message (`matched`, `not_counted`, a trace stored
before reason codes)."""


def without_words(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored steps, compact or full, without the words of the message they quote: the words
    found, a line that may quote them and a discounted word. Which rules were tried, whether
    they matched, why not and what they decided stay (statistics and the audit of routing)."""
    kept = []
    for step in steps:
        cleaned = {key: value for key, value in step.items() if key != "found"}
        if step.get("found"):
            cleaned["found"] = [WORDS_ERASED for _ in step["found"]]
        reason = step.get("reason", "")
        if step.get("detail") and reason not in _SAID | _OWN_LINES:
            cleaned["detail"] = WORDS_ERASED
        facts = step.get("facts")
        if isinstance(facts, Mapping) and facts.get("word"):
            cleaned["facts"] = {**facts, "word": WORDS_ERASED}
        kept.append(cleaned)
    return kept
