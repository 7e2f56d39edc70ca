"""An amount is written one way per language: the timeline said "importe: 150.50 EUR" where
the solutions table said "150,50 €", and the Spanish refusal asked for "150.50" though
"150,50" is accepted too."""

from __future__ import annotations

import pytest

from complaints.errors import ComplaintBotError
from staff.solutions import parse_amount
from web.console.complaint_page import detail_lines
from web.console.i18n import LOCALES, catalogs, say
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
