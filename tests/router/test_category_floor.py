"""A category's own least grade (`[categories.KEY] min_grade`): it holds whoever chose the
category — a rule, the triage model or the default — so a privacy complaint the model recognised
is important and a safety one urgent, as if a rule had said so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import load_settings
from router import RuleSet
from router.rules import RuleError, load_rule_set
from tests.conftest import ROOT
from tests.router.test_model import BASE, decide, model

FLOORED: dict[str, Any] = {
    **BASE,
    "categories": {**BASE["categories"], "billing": {**BASE["categories"]["billing"]}},
}
FLOORED["categories"]["billing"]["min_grade"] = "important"


def rules(extra: list[dict[str, Any]], categories: dict[str, Any] = FLOORED) -> RuleSet:
    return load_rule_set({**categories, "rules": extra}, Path("x.toml"), "")


def test_the_floor_holds_when_the_model_chose_the_category() -> None:
    decision = decide(
        "I was charged twice for one order, refund the double charge", model(), rules([])
    )
    assert (decision.category, decision.grade) == ("billing", "important")
    [floor] = [step for step in decision.trace if step.reason == "category_min_grade"]
    assert dict(floor.facts) == {"category": "billing", "min_grade": "important", "was": "general"}


def test_the_floor_holds_for_a_rule_and_never_lowers_a_grade() -> None:
    invoice = {"name": "invoice", "keywords": ["invoice"], "category": "billing"}
    urgent = {**invoice, "name": "angry invoice", "keywords": ["lawyer"], "grade": "urgent"}
    assert decide("my invoice is wrong", None, rules([invoice])).grade == "important"
    decision = decide("my lawyer has your invoice", None, rules([urgent, invoice]))
    assert decision.grade == "urgent"
    assert not [step for step in decision.trace if step.reason == "category_min_grade"]


def test_without_a_floor_the_grade_is_the_rules() -> None:
    plain = rules([], {**BASE})
    decision = decide("I was charged twice for one order", model(), plain)
    assert (decision.category, decision.grade) == ("billing", "general")


def test_a_bad_floor_is_refused_naming_the_category() -> None:
    broken = {
        **BASE,
        "categories": {
            **BASE["categories"],
            "repair": {"department": "tech", "name": "Repair", "min_grade": "high"},
        },
    }
    with pytest.raises(RuleError, match=r"categories.repair.min_grade must be one of"):
        load_rule_set({**broken, "rules": []}, Path("x.toml"), "")


def test_the_shipped_privacy_and_safety_categories_have_floors() -> None:
    shipped = load_settings(ROOT / "settings.toml").rules.categories
    assert (shipped["privacy"].min_grade, shipped["safety"].min_grade) == ("important", "urgent")
