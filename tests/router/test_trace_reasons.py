"""The trace as data a reader's language can phrase: each step's reason code, its facts, and the
words of the message that matched, as the customer wrote them (not the folded form the keywords
are compared in). The console's complaint page and dry run show these in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from router import CustomerHistory, RoutingInput
from router.decide import REASONS, Effect, TraceStep
from router.text import as_written
from tests.factories import RECEIVED
from tests.router.inputs import make_input
from tests.router.test_route import decide, rule_set, step


def _step(
    rule: dict[str, Any], message: RoutingInput, history: CustomerHistory | None = None
) -> TraceStep:
    decision = decide(rule_set({"name": "r", "tags": ["hit"], **rule}), message, history)
    return step(decision, "r")


@pytest.mark.parametrize(
    ("rule", "message", "reason", "facts"),
    [
        pytest.param(
            {"channel": ["email", "telegram"]},
            make_input("x", channel="webhook"),
            "wrong_channel",
            (("channel", "webhook"), ("expected", "email, telegram")),
            id="channel",
        ),
        pytest.param(
            {"language": ["es"]},
            make_input("The kettle is broken and it smokes"),
            "wrong_language",
            (("language", "en"), ("expected", "es")),
            id="language",
        ),
        pytest.param(
            {"tier": ["vip"]},
            make_input("x"),
            "wrong_tier",
            (("tier", ""), ("expected", "vip")),
            id="tier-none",
        ),
        pytest.param(
            {"has_attachment": True},
            make_input("x"),
            "wrong_attachment",
            (("has", "false"),),
            id="attachment",
        ),
        pytest.param(
            {"keywords": ["refund", "money back"], "fields": ["subject"]},
            make_input("I want a refund", subject="Order 12"),
            "no_keyword",
            (("keywords", "2"), ("fields", "subject")),
            id="no-keyword",
        ),
        pytest.param(
            {"pattern": r"(?x) order \s* \#? \d{6,}"},
            make_input("order 12"),
            "no_pattern",
            (("fields", "subject/text"),),
            id="no-pattern",
        ),
        pytest.param(
            {"repeat": {"at_least": 2, "within_days": 30}},
            make_input("x"),
            "too_few_complaints",
            (("count", "0"), ("needed", "2"), ("days", "30")),
            id="repeat",
        ),
    ],
)
def test_a_rule_that_does_not_apply_says_which_condition_failed(
    rule: dict[str, Any], message: RoutingInput, reason: str, facts: tuple[tuple[str, str], ...]
) -> None:
    found = _step(rule, message)
    assert (found.matched, found.reason, found.facts, found.found) == (False, reason, facts, ())
    assert reason in REASONS


def test_matched_keywords_are_reported_as_the_customer_wrote_them() -> None:
    found = _step(
        {"keywords": ["devolucion", "flux capacitor"], "channel": ["webhook"]},
        make_input("Quiero la DEVOLUCIÓN del Flux\n  Capacitor"),
    )
    assert (found.matched, found.reason, found.found) == (True, "matched", ("DEVOLUCIÓN",))
    assert found.facts == (("field", "text"), ("channel", "webhook"))
    assert found.detail == "channel webhook; keyword 'devolucion'"  # the API's words are unchanged


def test_a_pattern_reports_the_text_it_matched_and_a_repeat_its_count() -> None:
    history = CustomerHistory(complaint_times=(RECEIVED - timedelta(days=2),))
    found = _step(
        {
            "keywords": ["order"],
            "pattern": r"(?x) \b order \s+ \#? (\d{6,}) \b",
            "repeat": {"at_least": 1, "within_days": 7},
        },
        make_input("Where is ORDER #1234567?", subject="Late"),
        history,
    )
    assert found.found == ("ORDER", "ORDER #1234567")
    assert found.facts == (("field", "text"), ("earlier", "1"), ("days", "7"))
    assert found.detail == (
        "keyword 'order'; pattern matched 'ORDER #1234567'; 1 earlier complaint(s) in 7 days"
    )


def test_a_matched_rule_overruled_by_a_higher_one_names_it() -> None:
    decision = decide(
        rule_set(
            {"name": "fire", "keywords": ["fire"], "category": "repair"},
            {"name": "money", "keywords": ["fire"], "category": "billing", "grade": "urgent"},
        ),
        make_input("fire"),
    )
    assert step(decision, "money").effects == (
        Effect("category", "billing", False, "already set by rule 'fire'", "fire"),
        Effect("grade", "urgent", True),
    )
    defaults = [s for s in decision.trace if s.rule == "default"]
    assert [(s.reason, s.facts) for s in defaults] == [
        ("category_department", (("category", "repair"),))
    ]


def test_grade_adjustments_say_what_the_grade_was() -> None:
    decision = decide(
        rule_set(
            {"name": "vip", "tier": ["vip"], "min_grade": "important"},
            {"name": "again", "keywords": ["again"], "raise_grade": True},
        ),
        make_input("broken again", tier="vip"),
    )
    assert [(s.reason, s.facts) for s in decision.trace[-2:]] == [
        ("min_grade", (("min_grade", "important"), ("was", "general"))),
        ("raise_grade", (("was", "important"),)),
    ]
    assert decision.grade == "urgent"


@pytest.mark.parametrize(
    ("text", "hit", "written"),
    [
        ("Quiero la DEVOLUCIÓN ya", "devolucion", "DEVOLUCIÓN"),
        ("The Flux\n  Capacitor sparked", "flux capacitor", "Flux\n  Capacitor"),
        ("It was refunded twice", "refunded", "refunded"),
        ("我的手机信号不好", "信号", "信号"),
        ("ＲＥＦＵＮＤ now", "refund", "ＲＥＦＵＮＤ"),
        ("FIREWALL on Fire", "fire", "Fire"),  # the whole word, not inside "firewall"
        ("flux capacitors", "flux capacitor", "flux capacitor"),  # a wildcard phrase's start
        ("nothing here", "fire", "fire"),  # not placed: the folded form
    ],
)
def test_as_written(text: str, hit: str, written: str) -> None:
    assert as_written(text, hit) == written
