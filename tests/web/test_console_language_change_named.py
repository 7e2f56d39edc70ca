"""The timeline's "language changed by the customer" (Telegram's /language) names both languages
in the page's language, as the routing's "language" does, never by their codes ("es",
"zh-Hant"), in each of the console's four languages."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session

from intake.chosen_language import adopt_language
from store import queries
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login
from tests.web.test_duplicates_api import by_webhook

SHOWN = {
    # the page's language → the event's lines, as a reader of it must see them
    "en": ("from: Spanish", "to: Traditional Chinese"),
    "es": ("de: español", "a: chino tradicional"),
    "zh-Hans": ("从: 西班牙语", "到: 繁体中文"),
    "zh-Hant": ("從: 西班牙文", "到: 繁體中文"),
}


async def _changed_to_traditional_chinese(desk: Desk, number: str) -> None:
    """The customer's /language choice, written by the code /language runs."""

    def work(session: Session) -> None:
        complaint = queries.complaint_by_number(session, number)
        assert complaint is not None
        complaint.language = "es"
        change = adopt_language(complaint, "zh-Hant", desk.clock.now())
        assert change is not None
        queries.add_events(session, [change])

    await desk.app.state.services.database.write(work)


def _event_text(page: str, kind: str) -> str:
    """The text of the timeline's event of `kind` (its name in the page's language)."""
    for item in re.findall(r'<li class="event">(.*?)</li>', page, re.DOTALL):
        text = html.unescape(re.sub(r"<[^>]+>", " ", item))
        if kind in text:
            return " ".join(text.split())
    raise AssertionError(f"no event {kind!r} on the page")


@pytest.mark.parametrize("language", sorted(SHOWN))
async def test_a_language_change_names_both_languages(shop: Desk, language: str) -> None:
    number = await by_webhook(shop)
    await _changed_to_traditional_chinese(shop, number)
    accounts = shop.app.state.services.accounts
    await accounts.create("Ana", "agent", ("billing",), PASSWORD, language=language)
    client, _, _ = await console_login(shop, "Ana", PASSWORD)

    page = await client.get(f"/console/complaints/{number}")

    assert page.status_code == 200
    name = {
        "en": "language changed by the customer",
        "es": "idioma cambiado por el cliente",
        "zh-Hans": "客户更改了语言",
        "zh-Hant": "客戶更改了語言",
    }[language]
    event = _event_text(page.text, name)
    for line in SHOWN[language]:
        assert line in event, event
    assert not re.search(r":\s*(es|zh-Hant)\b", event), event
