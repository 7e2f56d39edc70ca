"""The triage model's grade classifier in `route`: it may raise the grade the rules and the
category's floor gave when it is sure enough (traced as reason `model_grade`), never lower it;
it learns from the grade of shipped rows and of agents' corrections.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from router import CustomerHistory, Decision, route
from router.decide import Effect
from router.model import CategoryModel, Example, train
from router.rules import load_rule_set
from tests.router.inputs import make_input
from tests.router.test_model import BASE, EXAMPLES, SERVICE_LEVELS

IMPORTANT = (
    "I was charged 900 pounds twice for one order, my rent bounced",
    "your repair lost my laptop with my whole business on it",
    "my shop has had no card terminal line for four days, we are losing trade",
    "the double charge of 1,200 euros still is not refunded after a month",
    "my number was moved to another operator without my consent, I lost my business line",
)
GENERAL = (
    "the parking at your store is always full",
    "your website login page never loads",
    "opening hours on the door are wrong",
    "the loyalty points vanished from my account",
    "nobody answered my last complaint",
)
GRADED = [
    *(Example(text, "billing", grade="important") for text in IMPORTANT),
    *(Example(text, "other", grade="general") for text in GENERAL),
]
RULES = load_rule_set(
    {
        **BASE,
        "rules": [{"name": "lawyer", "keywords": ["lawyer"], "min_grade": "urgent"}],
    },
    Path("x.toml"),
    "",
)
TEXT = "I was charged 1,100 pounds twice for one order and my rent bounced"


def model(examples: list[Example] = GRADED, grade_threshold: float = 0.5) -> CategoryModel:
    classifier, digest = train(examples)
    grader, _ = train(examples, "grade")
    return CategoryModel(classifier, 4, 0.0, digest, grader, grade_threshold)


def decide(text: str, triage: CategoryModel) -> Decision:
    return route(make_input(text), CustomerHistory(), RULES, SERVICE_LEVELS, model=triage)


def test_a_sure_grade_model_raises_the_grade_and_the_trace_says_so() -> None:
    decision = decide(TEXT, model())
    assert decision.grade == "important"
    [step] = [step for step in decision.trace if step.reason == "model_grade"]
    assert step.rule == "model v4" and step.matched
    assert step.effects == (Effect("grade", "important", True, "was general"),)
    facts = dict(step.facts)
    assert (facts["grade"], facts["was"], facts["version"]) == ("important", "general", "4")
    assert float(facts["probability"]) >= 0.5 == float(facts["threshold"])


def test_below_its_threshold_the_grade_stays_the_rules_and_nothing_is_traced() -> None:
    sure = decide(TEXT, model())
    [step] = [step for step in sure.trace if step.reason == "model_grade"]
    probability = float(dict(step.facts)["probability"])
    assert probability < 1.0

    unsure = decide(TEXT, model(grade_threshold=1.0))
    assert unsure.grade == "general"
    assert not [step for step in unsure.trace if step.reason == "model_grade"]


def test_the_grade_model_never_lowers_what_a_rule_set() -> None:
    decision = decide("the parking at your store is always full, I called my lawyer", model())
    assert decision.grade == "urgent"
    assert not [step for step in decision.trace if step.reason == "model_grade"]


def test_a_model_without_a_grade_classifier_routes_grades_by_the_rules_alone() -> None:
    classifier, digest = train(GRADED)
    decision = decide(TEXT, CategoryModel(classifier, 4, 0.0, digest))
    assert decision.grade == "general"


def test_rows_without_a_grade_teach_only_the_category() -> None:
    """The category-only rows of the category tests have no grade: too few grades to learn."""
    with pytest.raises(ValueError, match="at least two grades"):
        train(EXAMPLES, "grade")
    assert train(EXAMPLES)[0].labels == ["billing", "other", "repair"]


def test_a_grade_correction_teaches_the_grade_of_a_similar_complaint() -> None:
    text = "the loyalty points vanished from my account and the manager laughed at me"
    assert model().grader is not None
    before = model().suggest_grade(text)
    assert before is not None and before.label == "general"
    corrected = Example(text, "", corrected=True, grade="important")
    after = model([*GRADED, corrected]).suggest_grade(text + " again")
    assert after is not None
    assert (after.label, after.why) == ("important", "like a corrected complaint")
    # the correction named no category, so the category classifier keeps the shipped rows
    assert model([*GRADED, corrected]).classifier.rows == len(GRADED)
