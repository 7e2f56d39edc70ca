"""An amount is written one way per language: the timeline said "importe: 150.50 EUR" where
the solutions table said "150,50 €", and the Spanish refusal asked for "150.50" though
"150,50" is accepted too; the flash refusing to resolve while a solution waits said
"(compensación, 150.00 EUR)" to a Spanish reader."""

from __future__ import annotations

import html
import json
import re

import pytest

from complaints.errors import ComplaintBotError, IllegalTransition
from complaints.money import Amount, parse_amount
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login, rows
from web.console.complaint_page import detail_lines
from web.console.i18n import LOCALES, Phrase, catalogs, say
from web.console.phrasing import phrased
from web.console.wording import money

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."


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


@pytest.mark.parametrize(
    ("language", "example"),
    [("es", "1500,50"), ("en", "1500.50"), ("zh-Hans", "1500.50"), ("zh-Hant", "1500.50")],
)
def test_an_ambiguous_amount_is_refused_with_the_languages_example(
    language: str, example: str
) -> None:
    with pytest.raises(ComplaintBotError) as refused:
        parse_amount("1.500")
    shown = say(catalogs()[language], phrased(refused.value.said))
    assert "1.500" in shown and example in shown


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)
    assert found is not None, page[-2000:]
    return html.unescape(found[1])


@pytest.mark.parametrize(("language", "babel"), list(LOCALES.items()))
async def test_the_console_takes_either_decimal_mark_and_writes_the_readers_way(
    desk: Desk, language: str, babel: str
) -> None:
    """Over HTTP against the real bot: "150,00" and "150.00" typed in the form are both 150
    euros in every language; the refusal to resolve while one waits for approval names it as
    the reader writes amounts ("(compensación, 150,00 €)"), not "150.00 EUR"."""
    accounts = desk.app.state.services.accounts
    await accounts.create("Carl", "agent", ("billing",), PASSWORD, language=language)
    client, csrf, _ = await console_login(desk, "Carl", PASSWORD)
    for typed in ("150,00", "150.00"):
        number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
        page = f"/console/complaints/{number}"
        form = {"csrf_token": csrf, "kind": "compensation", "amount": typed}
        await client.post(f"{page}/solutions", data=form)
        await client.get(page)  # the proposal's flash
        await client.post(f"{page}/resolve", data={"csrf_token": csrf, "summary": "x"})
        shown = _flash((await client.get(page)).text)
        assert money(15000, "EUR", babel) in shown and "150.00 EUR" not in shown
    made = rows(desk, "SELECT amount_cents, status FROM solutions")
    assert made == [{"amount_cents": 15000, "status": "awaiting_approval"}] * 2
