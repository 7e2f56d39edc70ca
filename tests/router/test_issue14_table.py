"""Every row of issue 14's table of complaints the keyword router got wrong, on the shipped rules.

Where a keyword rule is the clear home (stock, privacy), the row's category is asserted here.
Every other category is the learned classifier's to give (the shipped rules keep only near-certain
keywords) and is covered by the model's test (tests/admin/test_issue_table_with_model.py); here
the row must at least get its language and grade right and must not be pulled into safety by a
negated or two-sense word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings, load_settings
from router import CustomerHistory, route
from tests.router.inputs import make_input
from tests.router.shipped import by_rules as decide

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"
CLASSIFIER = None
"""The category is the classifier's to give (asserted in the model's test), not the rules'."""


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


ROWS = [
    pytest.param(
        "No injury, thankfully, but the kettle lid is loose and wobbles.",
        "en",
        CLASSIFIER,  # product_quality: "loose" is no keyword
        "general",
        id="no-injury",
    ),
    pytest.param(
        "I'm not going to sue anyone, I just want the blender that has been out of stock",
        "en",
        "stock",
        "general",
        id="not-going-to-sue",
    ),
    pytest.param(
        "The burnt toast setting on my toaster does nothing",
        "en",
        CLASSIFIER,  # product_quality: "does nothing" is too broad a keyword
        "general",
        id="burnt-toast-setting",
    ),
    pytest.param(
        "The Fire TV stick remote stopped working after a day",
        "en",
        CLASSIFIER,
        "general",
        id="fire-tv",
    ),
    pytest.param(
        "I bought ten chairs for the hospital where I work and two were missing",
        "en",
        CLASSIFIER,  # other or delivery: missing items have no keyword rule
        "general",
        id="hospital-where-i-work",
    ),
    pytest.param(
        "My card payment went through twice for the same order",
        "en",
        CLASSIFIER,
        "general",
        id="payment-twice",
    ),
    pytest.param(
        "Your store gave my home address to a stranger who then turned up at my door",
        "en",
        "privacy",
        "important",
        id="address-to-a-stranger",
    ),
    pytest.param(
        "部手機用咗兩日就壞咗…我要退錢！",
        "zh-Hant",
        CLASSIFIER,
        "general",
        id="cantonese",
    ),
    pytest.param(
        "我的iPhone 15 Pro Max screen broken 了，要求refund",
        "zh-Hans",
        CLASSIFIER,
        "general",
        id="mixed-chinese-english",
    ),
    pytest.param("No funciona", "es", CLASSIFIER, "general", id="no-funciona"),
    pytest.param(
        "Le produit est arrivé cassé",
        "en",  # settings.toml's default language: French is not supported
        CLASSIFIER,
        "general",
        id="french-unsupported",
    ),
]


@pytest.mark.parametrize(("text", "language", "category", "grade"), ROWS)
def test_issue_table_row(
    settings: Settings, text: str, language: str, category: str | None, grade: str
) -> None:
    decision = decide(settings, text)
    assert decision.language == language
    assert decision.grade == grade
    if category is not None:
        assert decision.category == category
    else:
        assert decision.category not in ("safety", "privacy")


def test_the_french_row_follows_the_default_language(settings: Settings) -> None:
    decision = route(
        make_input("Le produit est arrivé cassé"),
        CustomerHistory(),
        settings.rules,
        settings.service_levels,
        "zh-Hant",
    )
    assert decision.language == "zh-Hant"
    assert "French" in decision.trace[0].detail
