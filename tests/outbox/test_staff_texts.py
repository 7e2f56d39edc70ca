"""Every text staff read exists in every language, with the same placeholders as the English
one (a missing or misspelt placeholder would fail only when the notice is sent)."""

from __future__ import annotations

from string import Formatter

import pytest

from complaints.languages import SUPPORTED
from complaints.money import Amount, written
from outbox.staff_texts import STAFF_TEXTS, say_staff


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_staff_text_exists_in_every_language_with_the_same_placeholders(
    language: str,
) -> None:
    texts = STAFF_TEXTS[language]
    assert set(texts) == set(STAFF_TEXTS["en"])
    for key, english in STAFF_TEXTS["en"].items():
        assert texts[key].strip(), f"{language} {key} is empty"
        assert _fields(texts[key]) == _fields(english), f"{language} {key}"


@pytest.mark.parametrize("language", [language for language in SUPPORTED if language != "en"])
def test_no_staff_text_is_left_in_english(language: str) -> None:
    same = [key for key, text in STAFF_TEXTS[language].items() if text == STAFF_TEXTS["en"][key]]
    assert not same, f"{language} still reads English for {same}"


def test_an_unknown_language_falls_back_to_english() -> None:
    text = say_staff("fr", "survey_reopened", number="C-1", score=2)
    assert text == "C-1 was reopened: the customer rated the solution 2/5."


@pytest.mark.parametrize("language", SUPPORTED)
def test_an_amount_in_a_staff_notice_is_written_in_the_notices_language(language: str) -> None:
    """The supervisor asked to approve reads "150,00 €" in Spanish, not "150.00 EUR"."""
    text = say_staff(
        language,
        "awaiting_approval",
        number="C-1",
        agent="Ana",
        kind="compensation",
        amount=Amount(15000, "EUR"),
    )
    assert written(15000, "EUR", language) in text
    assert "150.00 EUR" not in text
