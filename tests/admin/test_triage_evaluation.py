"""The router with its triage model on the project's held-out complaints, per language.

The issue's goal is category >= 95 % in each language. The floors below are what the triage model
reaches on top of the shipped rules (measured 2026-12-06 with 160 training complaints per
category and language: zh-Hans 93.1 %, zh-Hant 93.8 %, es 88.5 %, en 84.6 %, from 36.2 / 38.5 /
42.3 / 30.0 % by the rules alone), a few points lower so that a retuned rule does not fail them;
raise them as the rules and the training set improve, up to the goal of 95 %.
"""

from __future__ import annotations

import pytest

from admin.routing_evaluation import Evaluation, evaluate, read_labelled, router_of
from admin.triage_data import labelled_directory, shipped_examples
from config import load_settings
from router.model import CategoryModel, train
from tests.conftest import ROOT

FLOORS = {"zh-Hans": 0.90, "zh-Hant": 0.90, "es": 0.85, "en": 0.81}
SETTINGS = load_settings(ROOT / "settings.toml")


@pytest.fixture(scope="module")
def held_out() -> dict[str, tuple[Evaluation, Evaluation]]:
    """Per language: (rules alone, rules and model) on its held-out file."""
    rules = SETTINGS.rules
    classifier, digest = train(shipped_examples(labelled_directory(), rules.categories))
    model = CategoryModel(classifier, 1, SETTINGS.triage.model_threshold, digest)
    levels, language = SETTINGS.service_levels, SETTINGS.default_language
    results = {}
    for name in FLOORS:
        path = labelled_directory() / f"heldout-{name}.jsonl"
        if path.exists():
            rows = read_labelled([path], rules.categories)
            results[name] = (
                evaluate(rows, router_of(rules, levels, language)),
                evaluate(rows, router_of(rules, levels, language, model)),
            )
    return results


@pytest.mark.parametrize("language", list(FLOORS))
def test_the_model_lifts_category_accuracy_on_held_out_complaints(
    language: str, held_out: dict[str, tuple[Evaluation, Evaluation]]
) -> None:
    if language not in held_out:
        pytest.skip(f"heldout-{language}.jsonl is not in this checkout yet")
    alone, with_model = held_out[language]
    before, after = alone.accuracy("category", language), with_model.accuracy("category", language)
    assert after >= FLOORS[language], f"{language}: {after:.1%} (rules alone {before:.1%})"
    assert after > before
    # the model decides categories only: the language stays the rules', and the grade can only
    # gain (a category the model recognised brings its own least grade: privacy, safety)
    assert with_model.accuracy("language", language) == alone.accuracy("language", language)
    assert with_model.accuracy("grade", language) >= alone.accuracy("grade", language)
