"""An amount of money is written one way per language wherever a text shows it (a customer's
letter, a staff notice, the console), by Babel's rules for that language; and an amount typed
into a form is read with either decimal mark, refusing what could be read two ways."""

from __future__ import annotations

import pytest

from complaints.errors import ComplaintBotError
from complaints.money import Amount, parse_amount, written

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "€150.00"),
        ("es", f"150,00{NBSP}€"),
        ("zh-Hans", "€150.00"),
        ("zh-Hant", "€150.00"),
        ("zh_Hant", "€150.00"),  # Babel's identifier, as the console gives it
        ("fr", "€150.00"),  # not one of ours: English
    ],
)
def test_an_amount_is_written_in_the_readers_language(language: str, shown: str) -> None:
    assert written(15000, "EUR", language) == shown
    assert Amount(15000, "EUR").written(language) == shown


def test_thousands_are_grouped_the_languages_way() -> None:
    assert written(150050, "EUR", "es") == f"1.500,50{NBSP}€"
    assert written(150050, "EUR", "en") == "€1,500.50"


def test_the_recorded_form_stays_the_same_in_every_language() -> None:
    """Event details and the API's English keep "150.50 EUR": what a program reads."""
    amount = Amount(15050, "EUR")
    assert str(amount) == "150.50 EUR"
    assert Amount.of_record("150.50 EUR") == amount
    assert Amount.of_record("150,50 €") is None and Amount.of_record("") is None


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("150", 15000),
        ("150.00", 15000),
        ("150,00", 15000),
        ("150.5", 15050),
        ("150,5", 15050),
        (" 150,50 ", 15050),
        ("1.500,00", 150000),
        ("1,500.00", 150000),
        ("1 500,00", 150000),
        (f"1{NBSP}500", 150000),
        ("12.345.678,90", 1234567890),
        ("1.500.000", 150000000),
        ("", None),
    ],
)
def test_an_amount_is_read_with_either_decimal_mark(typed: str, cents: int | None) -> None:
    assert parse_amount(typed) == cents


@pytest.mark.parametrize("typed", ["1.500", "1,500", "12.345"])
def test_a_lone_group_of_three_digits_is_refused_as_ambiguous(typed: str) -> None:
    """ "1.500" is fifteen hundred in Spanish and one and a half in English: refused, saying
    how to write it, rather than guessed."""
    with pytest.raises(ComplaintBotError) as refused:
        parse_amount(typed)
    assert "could be read two ways" in str(refused.value)
    assert typed in str(refused.value)


@pytest.mark.parametrize(
    "typed",
    [
        "ciento",
        "1500.000,00",
        "1.2.3",
        "1,50.00",
        "1.500.00",
        "15.000,5,0",
        "-5",
        "1e3",
        "1,5000",
        "€5",
    ],
)
def test_what_is_no_amount_is_refused(typed: str) -> None:
    with pytest.raises(ComplaintBotError) as refused:
        parse_amount(typed)
    assert "is not an amount" in str(refused.value)
