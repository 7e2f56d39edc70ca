"""An amount is written one way per language: the timeline said "importe: 150.50 EUR" where
the solutions table said "150,50 €", and the Spanish refusal asked for "150.50" though
"150,50" is accepted too."""

from __future__ import annotations

import json

import pytest

from complaints.errors import ComplaintBotError, IllegalTransition
from complaints.money import Amount, parse_amount
from web.console.complaint_page import detail_lines
from web.console.i18n import LOCALES, Phrase, catalogs, say
from web.console.phrasing import phrased
from web.console.wording import money


@pytest.mark.parametrize(("locale", "babel"), list(LOCALES.items()))
def test_the_timeline_writes_an_amount_as_the_solutions_table_does(locale: str, babel: str) -> None:
    detail = {"solution": 1, "kind": "refund", "amount": "150.50 EUR", "description": "x"}
    shown = dict(
        (say(catalogs()[locale], name), value)
        for name, value in detail_lines(babel)("solution_proposed", detail)
    )
    assert money(15050, "EUR", babel) in shown.values()
    assert "150.50 EUR" not in shown.values()


def test_the_spanish_refusal_shows_the_spanish_way_of_writing_an_amount() -> None:
    with pytest.raises(ComplaintBotError) as refused:
        parse_amount("ciento")
    shown = say(catalogs()["es"], phrased(refused.value.said))
    assert "150,50" in shown and "150.50" not in shown
    assert parse_amount("150,50") == 15050


@pytest.mark.parametrize(("language", "babel"), list(LOCALES.items()))
def test_a_refusal_naming_an_amount_writes_it_in_the_readers_language(
    language: str, babel: str
) -> None:
    """The flash "(compensación, 150.00 EUR)" reads "(compensación, 150,00 €)" in Spanish,
    also after the flash cookie carried it to the next page; the API keeps "150.00 EUR"."""
    refused = IllegalTransition(
        "%(number)s has a solution waiting for a supervisor's approval (%(kind)s, "
        "%(amount)s): a supervisor approves or rejects it before the complaint can be "
        "resolved or rejected",
        number="C-1",
        kind="compensation",
        amount=str(Amount(15000, "EUR")),
    )
    assert "(compensation, 150.00 EUR)" in str(refused)
    phrase = phrased(refused.said)
    for shown in (phrase, Phrase.of(json.loads(json.dumps(phrase.carried())))):
        text = say(catalogs()[language], shown)
        assert money(15000, "EUR", babel) in text and "150.00 EUR" not in text


@pytest.mark.parametrize(("language", "example"), [("es", "1500,50"), ("en", "1500.50")])
def test_an_ambiguous_amount_is_refused_with_the_languages_example(
    language: str, example: str
) -> None:
    with pytest.raises(ComplaintBotError) as refused:
        parse_amount("1.500")
    shown = say(catalogs()[language], phrased(refused.value.said))
    assert "1.500" in shown and example in shown
