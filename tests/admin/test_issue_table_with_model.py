"""Every row of issue 14's table, routed as intake routes it: the shipped rules with the triage
model trained on the shipped set. tests/router/test_issue14_table.py checks the rules' part alone;
here the rows whose category no rule gives (a loose kettle lid, a burnt-toast setting that does
nothing, chairs missing from an order) get it from the model."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from admin.routing_evaluation import router_of
from config import load_settings
from router import Decision
from tests.conftest import ROOT
from tests.router.shipped import shipped_model

SETTINGS = load_settings(ROOT / "settings.toml")
TABLE = [
    # (text, language, categories a desk accepts, grade)
    (
        "No injury, thankfully, but the kettle lid is loose and wobbles.",
        "en",
        {"product_quality"},
        "general",
    ),
    (
        "I'm not going to sue anyone, I just want the blender that has been out of stock",
        "en",
        {"stock"},
        "general",
    ),
    ("The burnt toast setting on my toaster does nothing", "en", {"product_quality"}, "general"),
    ("The Fire TV stick remote stopped working after a day", "en", {"product_quality"}, "general"),
    (
        "I bought ten chairs for the hospital where I work and two were missing",
        "en",
        {"other", "delivery_damage"},
        "general",
    ),
    ("My card payment went through twice for the same order", "en", {"billing"}, "general"),
    (
        "Your store gave my home address to a stranger who then turned up at my door",
        "en",
        {"privacy"},
        "important",
    ),
    ("部手機用咗兩日就壞咗…我要退錢！", "zh-Hant", {"product_quality"}, "general"),
    (
        "我的iPhone 15 Pro Max screen broken 了，要求refund",
        "zh-Hans",
        {"product_quality"},
        "general",
    ),
    ("No funciona", "es", {"product_quality"}, "general"),
]


@pytest.fixture(scope="module")
def decide() -> Callable[[str], Decision]:
    return router_of(
        SETTINGS.rules, SETTINGS.service_levels, SETTINGS.default_language, shipped_model()
    )


@pytest.mark.parametrize(("text", "language", "categories", "grade"), TABLE)
def test_every_row_of_the_table_is_routed_as_a_desk_expects(
    decide: Callable[[str], Decision], text: str, language: str, categories: set[str], grade: str
) -> None:
    decision = decide(text)
    assert (decision.language, decision.grade) == (language, grade), decision.trace_as_json()
    assert decision.category in categories, decision.trace_as_json()


def test_a_language_the_bot_does_not_speak_is_answered_in_the_default_language(
    decide: Callable[[str], Decision],
) -> None:
    decision = decide("Le produit est arrivé cassé")
    assert decision.language == SETTINGS.default_language
