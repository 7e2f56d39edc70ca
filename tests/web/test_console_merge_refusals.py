"""Merging into a complaint that does not exist, or into something that is no complaint number at
all ("hello"), is refused on the complaint's own page in the reader's language, as a merge with
itself or with another customer's complaint is: a typing mistake, not a page that is not there.
Nothing is written."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login, rows
from tests.web.test_duplicates_api import by_webhook

REFUSED = {
    # the page's language → what typed into the form is refused with
    "es": {
        "C-2026-999999": "No se ha cambiado nada: no existe la reclamación C-2026-999999; "
        "compruebe el número.",
        "hello": "No se ha cambiado nada: «hello» no es un número de reclamación; escriba uno "
        "como C-2026-000123.",
    },
    "zh-Hant": {
        "C-2026-999999": "未作任何變更：沒有投訴 C-2026-999999；請核對編號。",
        "hello": "未作任何變更：「hello」不是投訴編號；請按 C-2026-000123 的格式填寫。",
    },
    "en": {
        "c-2026-999999": "Nothing was changed: there is no complaint C-2026-999999; check the "
        "number.",
        "hello": "Nothing was changed: 'hello' is not a complaint number; write one like "
        "C-2026-000123.",
    },
}


def _stored(desk: Desk) -> dict[str, Any]:
    """What a merge would change: the complaints, their events, what is queued to customers."""
    return {
        "complaints": rows(
            desk, "SELECT number, status, merged_into, assignee, tags FROM complaints ORDER BY id"
        ),
        "events": rows(desk, "SELECT COUNT(*) AS n FROM events"),
        "messages": rows(desk, "SELECT COUNT(*) AS n FROM messages"),
    }


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', page, re.DOTALL)
    assert found is not None, "no error on the page"
    return html.unescape(found[1]).strip()


@pytest.mark.parametrize("language", sorted(REFUSED))
async def test_merging_into_no_complaint_is_refused_on_the_page(shop: Desk, language: str) -> None:
    number = await by_webhook(shop)
    accounts = shop.app.state.services.accounts
    await accounts.create("Ana", "agent", ("billing",), PASSWORD, language=language)
    client, csrf, _ = await console_login(shop, "Ana", PASSWORD)
    before = _stored(shop)

    for typed, refusal in REFUSED[language].items():
        answer = await client.post(
            f"/console/complaints/{number}/merge",
            data={"into": typed, "note": "", "csrf_token": csrf},
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"].endswith(f"/console/complaints/{number}")
        page = await client.get(answer.headers["location"])
        assert page.status_code == 200
        assert _flash(page.text) == refusal
        assert _stored(shop) == before


NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."


async def test_merging_into_another_departments_complaint_is_refused_on_the_page(
    shop: Desk,
) -> None:
    number = await by_webhook(shop)
    other = await by_webhook(shop, NETWORK, customer="c-2", email="bo@example.com")
    (found,) = rows(shop, "SELECT department FROM complaints WHERE number = :n", n=other)
    assert found["department"] != "billing"
    accounts = shop.app.state.services.accounts
    await accounts.create("Ana", "agent", ("billing",), PASSWORD, language="es")
    client, csrf, _ = await console_login(shop, "Ana", PASSWORD)
    before = _stored(shop)

    answer = await client.post(
        f"/console/complaints/{number}/merge", data={"into": other, "csrf_token": csrf}
    )

    assert answer.status_code == 303, answer.text
    page = await client.get(answer.headers["location"])
    flash = _flash(page.text)
    assert flash.startswith(f"No se ha cambiado nada: {other} pertenece a "), flash
    assert "which is not" not in flash
    assert _stored(shop) == before
