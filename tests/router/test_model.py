"""The triage model in `route`: rules win where they set the category; where none does, the model
decides when it is sure enough (traced as "model vN: category probability"), else the complaint
keeps the default category with the tag needs-triage; agents' corrections teach it.

Small hand-written training sets keep the semantics visible; the shipped labelled set is used
where the test is about it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from admin.triage_data import labelled_directory, shipped_examples
from config import load_settings
from router import NEEDS_TRIAGE, CustomerHistory, Decision, RuleSet, ServiceLevel, route
from router.decide import Effect, TraceStep
from router.features import Features
from router.fit import fit
from router.model import SIMILAR, CategoryModel, Example, Trained, train, training_digest
from router.rules import load_rule_set
from tests.conftest import ROOT
from tests.router.inputs import make_input
from tests.router.shipped import shipped_model

SHIPPED = load_settings(ROOT / "settings.toml")

LEVEL = ServiceLevel(first_response=timedelta(hours=24), resolution=timedelta(days=7))
SERVICE_LEVELS = {"general": LEVEL, "important": LEVEL, "urgent": LEVEL}
BASE: dict[str, Any] = {
    "departments": {"care": {"name": "Care"}, "tech": {"name": "Tech"}, "money": {"name": "Money"}},
    "categories": {
        "other": {"department": "care", "name": "Other"},
        "repair": {"department": "tech", "name": "Repair"},
        "billing": {"department": "money", "name": "Billing"},
    },
    "routing": {"default_category": "other", "default_grade": "general"},
}
RULES = load_rule_set(
    {**BASE, "rules": [{"name": "invoice", "keywords": ["invoice"], "category": "billing"}]},
    Path("x.toml"),
    "",
)
EXAMPLES = [
    *(
        Example(text, "billing")
        for text in (
            "I was charged twice for one order",
            "charged twice on my card, refund the double charge",
            "the till charged more than the shelf price",
            "you charged me a fee I never agreed to",
            "my refund has not arrived, I was charged anyway",
        )
    ),
    *(
        Example(text, "repair")
        for text in (
            "the repair shop kept my laptop for a month",
            "after the repair the laptop still does not boot",
            "the technician repair made it worse",
            "repair under warranty refused for my laptop",
            "my laptop came back from repair with a scratch",
        )
    ),
    *(
        Example(text, "other")
        for text in (
            "the parking at your store is always full",
            "your website login page never loads",
            "opening hours on the door are wrong",
            "the loyalty points vanished from my account",
            "nobody answered my last complaint",
        )
    ),
]


def model(examples: list[Example] = EXAMPLES, threshold: float = 0.4) -> CategoryModel:
    classifier, digest = train(examples)
    return CategoryModel(classifier, 3, threshold, digest)


def decide(text: str, triage: CategoryModel | None, rules: RuleSet = RULES) -> Decision:
    return route(make_input(text), CustomerHistory(), rules, SERVICE_LEVELS, model=triage)


def steps(decision: Decision, prefix: str) -> list[TraceStep]:
    return [step for step in decision.trace if step.rule.startswith(prefix)]


def default_category(decision: Decision) -> list[TraceStep]:
    return [step for step in decision.trace if step.detail == "no rule set the category"]


def test_the_model_decides_where_no_rule_does_and_says_so_in_the_trace() -> None:
    triage = model()
    decision = decide("I was charged twice on my card for one order", triage)
    assert (decision.category, decision.department) == ("billing", "money")
    assert NEEDS_TRIAGE not in decision.tags
    [step] = steps(decision, "model")
    assert step.rule == "model v3" and step.matched
    category, probability = step.detail.split()
    assert category == "billing" and 0.4 <= float(probability) <= 1.0
    assert step.effects == (Effect("category", "billing", True),)
    assert not default_category(decision)


def test_rules_still_win_where_they_set_the_category() -> None:
    decision = decide("the repair of my laptop: the invoice is wrong", model())
    assert decision.category == "billing"  # the invoice rule, not the model's "repair"
    assert not steps(decision, "model")  # the model is not even asked
    assert [step.rule for step in decision.trace if step.matched][:2] == ["language", "invoice"]
    assert not default_category(decision)


def test_below_the_threshold_the_default_category_and_needs_triage_with_the_best_guess() -> None:
    sure = decide("I was charged twice on my card for one order", model())
    [step] = steps(sure, "model")
    probability = float(step.detail.split()[1])
    assert probability < 1.0  # so a threshold of 1 is out of reach

    unsure = decide("I was charged twice on my card for one order", model(threshold=1.0))
    assert (unsure.category, unsure.department, unsure.tags) == ("other", "care", (NEEDS_TRIAGE,))
    [step] = steps(unsure, "model")
    assert not step.matched
    assert step.detail == f"best guess billing {probability:.2f}, below the threshold 1.00"
    assert step.effects == (Effect("tags", NEEDS_TRIAGE, True),)
    [default] = default_category(unsure)
    assert default.effects == (Effect("category", "other", True, "routing.default_category"),)


def test_a_guess_of_a_category_the_rule_set_lacks_waits_for_triage() -> None:
    fewer = load_rule_set(
        {**BASE, "categories": {k: v for k, v in BASE["categories"].items() if k != "billing"}},
        Path("x.toml"),
        "",
    )
    decision = decide("I was charged twice on my card for one order", model(), fewer)
    assert (decision.category, decision.tags) == ("other", (NEEDS_TRIAGE,))
    assert steps(decision, "model")[0].detail.endswith("not a category of this rule set")


def test_without_a_model_routing_is_the_rules_alone() -> None:
    decision = decide("I was charged twice on my card for one order", None)
    assert (decision.category, decision.tags) == ("other", ())
    assert not steps(decision, "model")


def test_a_correction_decides_similar_later_complaints_and_replaces_the_shipped_label() -> None:
    text = "the loyalty points vanished from my account"
    corrected = [*EXAMPLES, Example(text, "billing", corrected=True)]
    before, after = model(), model(corrected)
    assert before.suggest("the loyalty points vanished from my account again").label == "other"
    similar = after.suggest("the loyalty points vanished from my account again")
    assert (similar.label, similar.why) == ("billing", "like a corrected complaint")
    assert similar.probability >= SIMILAR
    assert after.suggest(text).label == "billing"  # the shipped row "other" is replaced
    assert after.classifier.rows == before.classifier.rows  # replaced, not added
    unrelated = after.suggest("the repair shop kept my laptop for two months")
    assert (unrelated.label, unrelated.why) == ("repair", "")


def test_training_is_cached_per_data_and_deterministic() -> None:
    first, digest = train(EXAMPLES)
    again, same = train(list(EXAMPLES))
    assert again is first and same == digest == training_digest(EXAMPLES)
    arrays, other = fit(EXAMPLES), fit(list(EXAMPLES))  # new fits, as another process makes
    assert arrays.keys() == other.keys()
    for name, value in arrays.items():
        assert np.array_equal(value, other[name]), name
    fresh = Trained.of(digest, other).classifier("category")
    for text in ("charged twice", "laptop repair took ages", "parking is full", "hola"):
        assert fresh.suggest(text) == first.suggest(text)
    assert training_digest([*EXAMPLES, Example("x y", "other", corrected=True)]) != digest


def plain_digest(examples: list[Example]) -> str:
    """`training_digest` as it reads: the SHA-256 of the rows as one JSON list."""
    rows = [[row.text, row.category, row.corrected, row.grade] for row in examples]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_the_digest_of_kept_shipped_rows_is_the_digest_of_the_rows() -> None:
    """The shipped rows' hash is kept between digests; what follows them, a shipped row
    changed or another set of rows still makes the digest the rows make."""
    shipped = list(EXAMPLES)
    fixed = Example("the loyalty points vanished «ü»", "billing", True, "urgent")
    later = Example("the repair took two months", "repair", True, "")
    changed = [*shipped[:3], Example(shipped[3].text + "!", shipped[3].category), *shipped[4:]]
    for rows in (
        shipped,
        [*shipped, fixed],
        [*shipped, fixed, later],
        [*shipped, later, fixed],
        shipped,
        [*changed, fixed],
        [*shipped[:-1], fixed],
        [*shipped, Example("a shipped row more", "other"), fixed],
        [fixed, *shipped],
        [fixed],
        [],
        [*shipped, fixed],
    ):
        assert training_digest(rows) == plain_digest(rows)
        assert training_digest(tuple(rows)) == plain_digest(rows)


def test_a_stored_model_suggests_what_the_fitted_one_does() -> None:
    """The bytes the store keeps (numpy's npz, read without pickles) give the same model."""
    corrected = [*EXAMPLES, Example("the loyalty points vanished", "billing", corrected=True)]
    classifier, digest = train(corrected)
    stored = Trained.of(digest, fit(corrected)).to_bytes()
    loaded = Trained.from_bytes(digest, stored).classifier("category")
    assert loaded.labels == classifier.labels and loaded.rows == classifier.rows
    for text in ("charged twice", "the loyalty points vanished again", "", "退款"):
        assert loaded.suggest(text) == classifier.suggest(text)


def test_too_few_examples_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="at least two categories"):
        train(EXAMPLES[:5])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我买的蓝牙耳机左边完全没有声音，才用了两天。", "product_quality"),
        ("我買的藍牙耳機左邊完全沒有聲音，才用了兩天。", "product_quality"),
        ("Me cobraron dos veces el mismo pedido con la tarjeta.", "billing"),
        ("My card payment went through twice for the same order", "billing"),
    ],
)
def test_the_shipped_model_reads_every_language(text: str, category: str) -> None:
    """Complaints no shipped rule categorises, in each language (none is a training row). The
    model is the one a fresh store trains on the shipped set (tests.router.shipped: fitted once
    per test run, through the run's disk cache, as every bot and routing test gets it)."""
    examples = shipped_examples(labelled_directory(), SHIPPED.rules.categories)
    assert text not in {row.text for row in examples}
    shipped = shipped_model()
    suggestion = CategoryModel(shipped.classifier, 1, 0.4, shipped.digest).suggest(text)
    assert suggestion.label == category


def test_words_count_only_when_one_repeats() -> None:
    """A few Chinese sentences share characters but no word: the model reads characters."""
    rows = [Example(f"我的订单{n}号没有收到退款", "billing") for n in range(5)]
    rows += [Example(f"维修{n}次以后电脑还是坏的", "repair") for n in range(5)]
    classifier, _ = train(rows)
    assert not classifier.features.word_idf.any() and classifier.features.char_idf.any()
    assert classifier.suggest("电脑维修以后还是坏").label == "repair"
    assert classifier.suggest("退款还没有到").label == "billing"


def test_a_process_told_to_keep_one_training_forgets_the_older_ones() -> None:
    """A serving bot retrains on every new correction; the trainings it no longer uses (about
    15 MB each) must not stay in memory."""
    from router import model

    def training(digest: str) -> Trained:
        return Trained(digest, {}, Features(*[np.zeros(0)] * 4), {}, {})

    saved = dict(model._trained)
    try:
        model.keep_trained(1)
        for digest in ("first", "second", "third"):
            model.remember(training(digest))
        assert model.remembered("third") is not None
        assert model.remembered("first") is None and model.remembered("second") is None
        model.keep_trained(8)
        for digest in ("fourth", "fifth"):
            model.remember(training(digest))
        assert all(model.remembered(d) for d in ("third", "fourth", "fifth"))
    finally:
        model.keep_trained(8)
        model._trained.clear()
        model._trained.update(saved)
