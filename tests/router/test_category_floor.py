"""A category's own least grade (`[categories.KEY] min_grade`): it holds whoever chose the
category — a rule, the triage model or the default — so a privacy complaint the model recognised
is important and a safety one urgent, as if a rule had said so. Only urgent, which pages the
safety team, asks of a model-chosen category what the grade model's own raise to urgent asks
(`[triage] urgent_threshold`); below it the floor is important."""

from __future__ import annotations

from dataclasses import replace
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
    with pytest.raises(
        RuleError,
        match=r"\[categories.repair\] min_grade: must be one of general, important, urgent, "
        r"not 'high'",
    ):
        load_rule_set({**broken, "rules": []}, Path("x.toml"), "")


def test_the_shipped_privacy_and_safety_categories_have_floors() -> None:
    shipped = load_settings(ROOT / "settings.toml").rules.categories
    assert (shipped["privacy"].min_grade, shipped["safety"].min_grade) == ("important", "urgent")


URGENT_BILLING: dict[str, Any] = {
    **BASE,
    "categories": {**BASE["categories"], "billing": {**BASE["categories"]["billing"]}},
}
URGENT_BILLING["categories"]["billing"]["min_grade"] = "urgent"
DOUBLE_CHARGE = "I was charged twice for one order, refund the double charge"


def test_an_urgent_floor_from_a_model_guess_below_the_urgent_threshold_is_important() -> None:
    unsure = decide(DOUBLE_CHARGE, model(), rules([], URGENT_BILLING))
    [chose] = [step for step in unsure.trace if step.reason == "model"]
    probability = float(dict(chose.facts)["probability"])
    assert probability < 1.0  # the test model's urgent_threshold, CategoryModel's default
    assert (unsure.category, unsure.grade) == ("billing", "important")
    [floor] = [step for step in unsure.trace if step.reason == "category_min_grade"]
    assert dict(floor.facts) == {
        "category": "billing",
        "min_grade": "important",
        "was": "general",
        "probability": f"{probability:.2f}",
        "threshold": "1.00",
    }

    sure_enough = replace(model(), urgent_threshold=probability - 0.01)  # the trace rounds
    sure = decide(DOUBLE_CHARGE, sure_enough, rules([], URGENT_BILLING))
    assert (sure.category, sure.grade) == ("billing", "urgent")
    [floor] = [step for step in sure.trace if step.reason == "category_min_grade"]
    assert dict(floor.facts) == {"category": "billing", "min_grade": "urgent", "was": "general"}


def test_an_urgent_floor_holds_in_full_when_a_rule_chose_the_category() -> None:
    invoice = {"name": "invoice", "keywords": ["invoice"], "category": "billing"}
    decision = decide("my invoice is wrong", model(), rules([invoice], URGENT_BILLING))
    assert (decision.category, decision.grade) == ("billing", "urgent")
