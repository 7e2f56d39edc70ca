"""The router with its triage model on the project's held-out complaints, per language.

The issue's goals are language >= 99 %, category >= 95 % and grade >= 97 % in each language.
Measured on 2026-12-06 with the shipped rules and the model trained on the shipped train files
(20,127 rows): category zh-Hans 95.4 %, zh-Hant 96.2 %, es 98.5 %, en 96.2 %; grade 98.5 %,
97.7 %, 97.7 %, 97.7 %; language 100 % but es 99.2 %. With the category delivery_delay
(2026-12-07: its rule, 21,180 rows, 141 or 142 held-out rows per language): category 95.8 %,
95.7 %, 97.9 %, 95.7 %; grade 97.9 %, 97.9 %, 97.9 %, 98.6 %; language 100 % but es 99.3 %.
The floors are the goals.
"""

from __future__ import annotations

import pytest

from admin.routing_evaluation import Evaluation, evaluate, read_labelled, router_of
from admin.triage_data import labelled_directory
from config import load_settings
from tests.conftest import ROOT
from tests.router.shipped import shipped_model

LANGUAGES = ("zh-Hans", "zh-Hant", "es", "en")
FLOORS = {
    "language": dict.fromkeys(LANGUAGES, 0.99),
    "category": dict.fromkeys(LANGUAGES, 0.95),
    "grade": dict.fromkeys(LANGUAGES, 0.97),
}
SETTINGS = load_settings(ROOT / "settings.toml")


@pytest.fixture(scope="module")
def held_out() -> dict[str, tuple[Evaluation, Evaluation]]:
    """Per language: (rules alone, rules and model) on its held-out file."""
    rules, levels, language = SETTINGS.rules, SETTINGS.service_levels, SETTINGS.default_language
    results = {}
    for name in LANGUAGES:
        rows = read_labelled([labelled_directory() / f"heldout-{name}.jsonl"], rules.categories)
        results[name] = (
            evaluate(rows, router_of(rules, levels, language)),
            evaluate(rows, router_of(rules, levels, language, shipped_model())),
        )
    return results


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_router_reads_held_out_complaints_as_a_desk_would(
    language: str, held_out: dict[str, tuple[Evaluation, Evaluation]]
) -> None:
    alone, with_model = held_out[language]
    figures = {name: with_model.accuracy(name, language) for name in FLOORS}
    for name, floors in FLOORS.items():
        assert figures[name] >= floors[language], f"{language} {name}: {figures}"
    # the shipped rules keep only near-certain category keywords: the model does the rest
    assert figures["category"] > alone.accuracy("category", language) + 0.4
    assert figures["grade"] >= alone.accuracy("grade", language)
