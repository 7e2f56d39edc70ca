"""The routing engine's semantics, on small hand-built rule sets.

Every rule is evaluated in order; per field (category, department, grade) the first matching rule
that sets it wins; tags accumulate; min_grade and raise_grade adjust the settled grade afterwards,
in rule order. Each condition records why it failed in the trace.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from router import (
    CustomerHistory,
    Decision,
    RoutingInput,
    RuleSet,
    ServiceLevel,
    load_rule_set,
    route,
)
from router.decide import Effect, TraceStep
from tests.factories import RECEIVED
from tests.router.inputs import make_input

SERVICE_LEVELS = {
    "general": ServiceLevel(first_response=timedelta(hours=24), resolution=timedelta(days=7)),
    "important": ServiceLevel(first_response=timedelta(hours=8), resolution=timedelta(days=3)),
    "urgent": ServiceLevel(first_response=timedelta(hours=2), resolution=timedelta(hours=24)),
}
BASE: dict[str, Any] = {
    "departments": {
        "care": {"name": "Customer care"},
        "tech": {"name": "Technical service"},
        "money": {"name": "Billing"},
    },
    "categories": {
        "other": {"department": "care", "name": "Other"},
        "repair": {"department": "tech", "name": "Repair"},
        "billing": {"department": "money", "name": "Billing"},
    },
    "routing": {"default_category": "other", "default_grade": "general"},
}


def rule_set(*rules: dict[str, Any]) -> RuleSet:
    return load_rule_set({**BASE, "rules": list(rules)}, Path("x.toml"), "")


def decide(
    rules: RuleSet, message: RoutingInput, history: CustomerHistory | None = None
) -> Decision:
    return route(message, history or CustomerHistory(), rules, SERVICE_LEVELS)


def step(decision: Decision, rule: str, index: int = 0) -> TraceStep:
    return [s for s in decision.trace if s.rule == rule][index]


# ---- First match wins, per field --------------------------------------------------------------


def test_first_matching_rule_wins_each_field_separately() -> None:
    rules = rule_set(
        {"name": "refund", "keywords": ["refund*"], "category": "billing", "grade": "important"},
        {
            "name": "broken",
            "keywords": ["broken", "refund*"],
            "category": "repair",
            "department": "tech",
            "grade": "urgent",
        },
    )
    decision = decide(rules, make_input("It is broken and I want it refunded."))
    assert (decision.category, decision.grade) == ("billing", "important")
    # "refund" set no department, so the first rule that sets one gives it
    assert decision.department == "tech"
    assert step(decision, "refund").effects == (
        Effect("category", "billing", True),
        Effect("grade", "important", True),
    )
    assert step(decision, "broken").effects == (
        Effect("category", "repair", False, "already set by rule 'refund'", "refund"),
        Effect("department", "tech", True),
        Effect("grade", "urgent", False, "already set by rule 'refund'", "refund"),
    )


def test_department_defaults_to_the_category_department() -> None:
    rules = rule_set({"name": "refund", "keywords": ["refund"], "category": "billing"})
    decision = decide(rules, make_input("Where is my refund?"))
    assert (decision.category, decision.department, decision.grade) == (
        "billing",
        "money",
        "general",
    )
    defaults = [s for s in decision.trace if s.rule == "default"]
    assert [s.detail for s in defaults] == [
        "no rule set the department",
        "no rule set the grade",
    ]
    assert defaults[0].effects == (
        Effect("department", "money", True, "default department of category 'billing'"),
    )


def test_nothing_matches_gives_the_defaults() -> None:
    rules = rule_set({"name": "refund", "keywords": ["refund"], "category": "billing"})
    decision = decide(rules, make_input("Hello"))
    assert (decision.category, decision.department, decision.grade, decision.tags) == (
        "other",
        "care",
        "general",
        (),
    )
    assert [s.detail for s in decision.trace if s.rule == "default"] == [
        "no rule set the category",
        "no rule set the department",
        "no rule set the grade",
    ]


def test_tags_accumulate_in_rule_order_without_duplicates() -> None:
    rules = rule_set(
        {"name": "a", "keywords": ["late"], "tags": ["delay", "escalate"]},
        {"name": "b", "keywords": ["late"], "tags": ["escalate", "followup"]},
        {"name": "c", "keywords": ["never"], "tags": ["unused"]},
    )
    decision = decide(rules, make_input("The engineer was late again."))
    assert decision.tags == ("delay", "escalate", "followup")
    assert step(decision, "b").effects == (
        Effect("tags", "escalate", False, "duplicate"),
        Effect("tags", "followup", True),
    )


# ---- Grade adjustments ------------------------------------------------------------------------


def test_min_grade_raises_but_never_lowers() -> None:
    rules = rule_set(
        {"name": "at least important", "keywords": ["late"], "min_grade": "important"},
    )
    assert decide(rules, make_input("late")).grade == "important"
    urgent = rule_set(
        {"name": "urgent", "keywords": ["late"], "grade": "urgent"},
        {"name": "at least important", "keywords": ["late"], "min_grade": "important"},
    )
    decision = decide(urgent, make_input("late"))
    assert decision.grade == "urgent"
    adjustment = step(decision, "at least important", 1)
    assert adjustment.detail == "at least important"
    assert adjustment.effects == (Effect("grade", "urgent", False, "was urgent"),)


def test_adjustments_apply_after_the_settled_grade() -> None:
    rules = rule_set(
        {"name": "raise", "keywords": ["late"], "raise_grade": True},
        {"name": "set", "keywords": ["late"], "grade": "important"},
    )
    decision = decide(rules, make_input("late"))
    # the later rule settles "important"; the earlier raise then applies to it
    assert decision.grade == "urgent"
    assert step(decision, "raise", 1).effects == (Effect("grade", "urgent", True, "was important"),)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            {"raise_grade": True}, {"min_grade": "important"}, "important", id="raise-then-min"
        ),
        pytest.param(
            {"min_grade": "important"}, {"raise_grade": True}, "urgent", id="min-then-raise"
        ),
    ],
)
def test_min_grade_and_raise_grade_apply_in_rule_order(
    first: dict[str, Any], second: dict[str, Any], expected: str
) -> None:
    rules = rule_set(
        {"name": "first", "keywords": ["late"], **first},
        {"name": "second", "keywords": ["late"], **second},
    )
    decision = decide(rules, make_input("late"))
    assert decision.grade == expected
    adjustments = [
        s.rule for s in decision.trace if s.detail in ("raise by one", "at least important")
    ]
    assert adjustments == ["first", "second"]


def test_raise_grade_stops_at_urgent() -> None:
    rules = rule_set(
        {"name": "urgent", "keywords": ["fire"], "grade": "urgent"},
        {"name": "raise", "keywords": ["fire"], "raise_grade": True},
    )
    decision = decide(rules, make_input("fire"))
    assert decision.grade == "urgent"
    assert step(decision, "raise", 1) == TraceStep(
        "raise",
        True,
        "raise by one",
        (Effect("grade", "urgent", False, "was urgent"),),
        "raise_grade",
        (),
        (("was", "urgent"),),
    )


def test_disabled_rule_is_skipped_and_traced() -> None:
    rules = rule_set(
        {"name": "off", "enabled": False, "keywords": ["refund"], "category": "repair"},
        {"name": "on", "keywords": ["refund"], "category": "billing"},
    )
    decision = decide(rules, make_input("refund"))
    assert decision.category == "billing"
    assert step(decision, "off") == TraceStep("off", False, "disabled", reason="disabled")


# ---- Conditions -------------------------------------------------------------------------------


def _matches(
    rule: dict[str, Any], message: RoutingInput, history: CustomerHistory | None = None
) -> tuple[bool, str]:
    rule = {"name": "r", "tags": ["hit"], **rule}
    decision = decide(rule_set(rule), message, history)
    return "hit" in decision.tags, step(decision, "r").detail


@pytest.mark.parametrize(
    ("rule", "message", "matched", "detail"),
    [
        pytest.param(
            {"channel": ["email"]},
            make_input("x", channel="email"),
            True,
            "channel email",
            id="channel-pass",
        ),
        pytest.param(
            {"channel": ["email", "telegram"]},
            make_input("x"),
            False,
            "channel 'webhook' not in ['email', 'telegram']",
            id="channel-fail",
        ),
        pytest.param(
            {"language": ["es"]},
            make_input("¿Dónde está mi pedido?"),
            True,
            "language es",
            id="language-pass",
        ),
        pytest.param(
            {"language": ["es", "zh-Hans"]},
            make_input("Where is my order?"),
            False,
            "language 'en' not in ['es', 'zh-Hans']",
            id="language-fail",
        ),
        pytest.param(
            {"language": ["zh-Hant"]},
            make_input("你好", language_hint="zh-TW"),
            True,
            "language zh-Hant",
            id="language-from-hint",
        ),
        pytest.param(
            {"tier": ["VIP"]},
            make_input("x", tier="Vip"),
            True,
            "tier vip",
            id="tier-pass-case-insensitive",
        ),
        pytest.param(
            {"tier": ["vip"]},
            make_input("x"),
            False,
            "customer tier '(none)' not in ['vip']",
            id="tier-fail-none",
        ),
        pytest.param(
            {"tier": ["vip", "gold"]},
            make_input("x", tier="silver"),
            False,
            "customer tier 'silver' not in ['gold', 'vip']",
            id="tier-fail-other",
        ),
        pytest.param(
            {"has_attachment": True},
            make_input("x", has_attachment=True),
            True,
            "has_attachment true",
            id="has-attachment-pass",
        ),
        pytest.param(
            {"has_attachment": True},
            make_input("x"),
            False,
            "has_attachment is false",
            id="has-attachment-fail",
        ),
        pytest.param(
            {"has_attachment": False},
            make_input("x", has_attachment=True),
            False,
            "has_attachment is true",
            id="no-attachment-fail",
        ),
        pytest.param(
            {"keywords": ["refund*", "money back"]},
            make_input("I was never REFUNDED."),
            True,
            "keyword 'refunded'",
            id="keyword-wildcard-case",
        ),
        pytest.param(
            {"keywords": ["devolución"]},
            make_input("Quiero una DEVOLUCION"),
            True,
            "keyword 'devolucion'",
            id="keyword-accent-insensitive",
        ),
        pytest.param(
            {"keywords": ["bill"]},
            make_input("Your billboard is a billion times too bright"),
            False,
            "none of 1 keywords in subject/text",
            id="keyword-whole-word-fail",
        ),
        pytest.param(
            {"keywords": ["money back", "refund"]},
            make_input("I want my money\n  back"),
            True,
            "keyword 'money back'",
            id="keyword-phrase-across-line-break",
        ),
        pytest.param(
            {"keywords": ["12315"]},
            make_input("我已经向１２３１５投诉了"),
            True,
            "keyword '12315'",
            id="keyword-latin-between-chinese-full-width",
        ),
        pytest.param(
            {"keywords": ["退款"]},
            make_input("我要求退款"),
            True,
            "keyword '退款'",
            id="keyword-chinese-substring",
        ),
        pytest.param(
            {"keywords": ["refund"], "fields": ["subject"]},
            make_input("refund", subject="Order 12"),
            False,
            "none of 1 keywords in subject",
            id="keyword-fields-subject-only",
        ),
        pytest.param(
            {"pattern": r"order\s+#?\d{5}"},
            make_input("About Order #12345, please"),
            True,
            "pattern matched 'Order #12345'",
            id="pattern-pass",
        ),
        pytest.param(
            {"pattern": r"order\s+#?\d{5}"},
            make_input("About order 12, please"),
            False,
            "pattern 'order\\\\s+#?\\\\d{5}' not found in subject/text",
            id="pattern-fail",
        ),
        pytest.param(
            {"pattern": "^urgent", "fields": ["subject"]},
            make_input("urgent", subject="Re: urgent"),
            False,
            "pattern '^urgent' not found in subject",
            id="pattern-fields-subject-only",
        ),
        pytest.param(
            {"channel": ["webhook"], "keywords": ["refund"], "has_attachment": True},
            make_input("refund", has_attachment=True),
            True,
            "channel webhook; has_attachment true; keyword 'refund'",
            id="all-conditions-pass",
        ),
        pytest.param(
            {"channel": ["webhook"], "keywords": ["refund"], "has_attachment": True},
            make_input("refund"),
            False,
            "has_attachment is false",
            id="first-failed-condition-reported",
        ),
    ],
)
def test_condition(rule: dict[str, Any], message: RoutingInput, matched: bool, detail: str) -> None:
    assert _matches(rule, message) == (matched, detail)


def test_tier_from_history_when_the_sender_has_none() -> None:
    rule = {"tier": ["vip"]}
    assert _matches(rule, make_input("x"), CustomerHistory(tier="VIP")) == (True, "tier vip")
    # the sender's own tier, as the channel reports it, comes first
    assert _matches(rule, make_input("x", tier="basic"), CustomerHistory(tier="vip")) == (
        False,
        "customer tier 'basic' not in ['vip']",
    )


@pytest.mark.parametrize(
    ("days_ago", "matched", "detail"),
    [
        pytest.param((1, 6), True, "2 earlier complaint(s) in 7 days", id="two-recent"),
        pytest.param((1, 7), True, "2 earlier complaint(s) in 7 days", id="boundary-included"),
        pytest.param((1, 8), False, "1 earlier complaint(s) in 7 days, needs 2", id="one-too-old"),
        pytest.param(
            (1, -1), False, "1 earlier complaint(s) in 7 days, needs 2", id="future-not-counted"
        ),
        pytest.param((), False, "0 earlier complaint(s) in 7 days, needs 2", id="first-complaint"),
    ],
)
def test_repeat_condition(days_ago: tuple[int, ...], matched: bool, detail: str) -> None:
    history = CustomerHistory(
        complaint_times=tuple(RECEIVED - timedelta(days=days) for days in days_ago)
    )
    rule = {"repeat": {"at_least": 2, "within_days": 7}}
    assert _matches(rule, make_input("x"), history) == (matched, detail)


# ---- Deadlines, version, purity ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "first_response", "resolution"),
    [
        pytest.param("general", timedelta(hours=24), timedelta(days=7), id="general"),
        pytest.param("important", timedelta(hours=8), timedelta(days=3), id="important"),
        pytest.param("urgent", timedelta(hours=2), timedelta(hours=24), id="urgent"),
    ],
)
def test_deadlines_come_from_the_service_level_of_the_grade(
    grade: str, first_response: timedelta, resolution: timedelta
) -> None:
    rules = rule_set({"name": "g", "keywords": ["late"], "grade": grade})
    decision = decide(rules, make_input("late"))
    assert decision.grade == grade
    assert decision.first_response_due == RECEIVED + first_response
    assert decision.resolution_due == RECEIVED + resolution


def test_deadlines_follow_the_adjusted_grade() -> None:
    rules = rule_set({"name": "vip", "tier": ["vip"], "min_grade": "important"})
    decision = decide(rules, make_input("late", tier="vip"))
    assert decision.first_response_due == RECEIVED + timedelta(hours=8)


def test_decision_carries_the_rule_set_version() -> None:
    rules = dataclasses.replace(rule_set(), version=7)
    assert decide(rules, make_input("x")).rule_set_version == 7
    assert decide(rule_set(), make_input("x")).rule_set_version == 0


def test_route_gives_the_same_decision_every_time() -> None:
    """No state survives a call (tests/router/test_purity.py checks it touches no I/O)."""
    rules = rule_set(
        {"name": "refund", "keywords": ["refund"], "category": "billing", "tags": ["money"]},
        {"name": "repeat", "repeat": {"at_least": 1, "within_days": 30}, "raise_grade": True},
    )
    message = make_input("Where is my refund?", tier="vip")
    history = CustomerHistory(tier="vip", complaint_times=(RECEIVED - timedelta(days=3),))
    first = decide(rules, message, history)
    second = decide(rules, message, history)
    assert first == second
    assert first.trace_as_json() == second.trace_as_json()
    # unrelated calls in between change nothing
    decide(rules, make_input("something else entirely"))
    assert decide(rules, message, history) == first


def test_trace_as_json() -> None:
    rules = rule_set({"name": "refund", "keywords": ["refund"], "category": "billing"})
    trace = decide(rules, make_input("refund")).trace_as_json()
    assert trace[0] == {
        "rule": "language",
        "matched": True,
        "detail": "en: English signals 1 > Spanish 0",
        "effects": [],
        "reason": "language_detected",
        "found": [],
        "facts": {"language": "en"},
    }
    assert trace[1] == {
        "rule": "refund",
        "matched": True,
        "detail": "keyword 'refund'",
        "effects": [
            {"field": "category", "value": "billing", "applied": True, "note": "", "decided_by": ""}
        ],
        "reason": "matched",
        "found": ["refund"],
        "facts": {"field": "text"},
    }
