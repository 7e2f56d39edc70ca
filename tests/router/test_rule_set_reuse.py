"""Building a rule set again (every start, every rule book refresh) reuses what the same
keywords and patterns made before (router.rules, router.rule_checks): the same rules route the
same, and a changed keyword or pattern routes by what it now says."""

from __future__ import annotations

from typing import Any

from tests.router.inputs import make_input
from tests.router.test_route import decide, rule_set


def rule(keywords: list[str]) -> dict[str, Any]:
    return {"name": "money", "keywords": keywords, "category": "billing"}


def pattern_rule(pattern: str) -> dict[str, Any]:
    return {"name": "papers", "pattern": pattern, "category": "billing"}


def category(rules: Any, text: str) -> str:
    return decide(rules, make_input(text=text)).category


def test_the_same_rules_share_their_matchers_and_route_the_same() -> None:
    first, again = (
        rule_set(rule(["refund*", "charged twice"])),
        rule_set(rule(["refund*", "charged twice"])),
    )
    assert first.rules[0].keyword_matcher is again.rules[0].keyword_matcher
    for text in ("I want a refund", "I was charged twice", "the screen broke"):
        assert category(first, text) == category(again, text)
    assert category(again, "refunded at last?") == "billing"


def test_a_changed_keyword_or_pattern_routes_by_what_it_now_says() -> None:
    before = rule_set(rule(["refund*"]), pattern_rule(r"\binvoice\b"))
    after = rule_set(rule(["chargeback"]), pattern_rule(r"\breceipt\b"))
    assert category(before, "I want a refund") == "billing"
    assert category(after, "I want a refund") == "other"
    assert category(before, "the invoice is wrong") == "billing"
    assert category(after, "the invoice is wrong") == "other"
    assert category(after, "the receipt is wrong") == "billing"
