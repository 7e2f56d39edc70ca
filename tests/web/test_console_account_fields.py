"""Creating a staff account in the console with several wrong fields names every one of them
at once, in the console's language, as the API's 422 lists them (one entry per field); nothing
is created."""

from __future__ import annotations

import html
import re

from tests.conftest import table_counts
from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login

WRONG = {
    "name": "Bea",
    "role": "chief",
    "departments": ["nowhere"],
    "password": "short",
    "email": "bea@",
    "language": "fr",
}


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(found[1]).strip()


async def test_every_wrong_field_of_a_new_account_is_named_at_once(desk: Desk) -> None:
    root = await desk.account("Root", role="admin", departments=())
    api = await root.post("/api/accounts", json=WRONG)
    assert api.status_code == 422
    fields = [entry["field"] for entry in api.json()["detail"]]
    assert len(fields) >= 4, fields

    await desk.app.state.services.accounts.create("Eva", "admin", (), PASSWORD, language="es")
    client, csrf, _ = await console_login(desk, "Eva", PASSWORD)
    before = table_counts(desk.bot.store_url)
    answer = await client.post("/console/accounts", data={**WRONG, "csrf_token": csrf})
    assert answer.status_code == 303
    shown = _flash((await client.get(answer.headers["location"])).text)
    assert shown.startswith("No se ha creado ninguna cuenta: el rol debe ser uno de "), shown
    for spanish in (
        "departamento(s) desconocido(s) nowhere",
        "«bea@» no es una dirección de correo electrónico",
        "el idioma debe ser uno de ",
        "una contraseña necesita al menos 10 caracteres",
    ):
        assert spanish in shown, shown
    assert len(shown.split("; ")) > len(fields), shown  # each field's refusal, joined
    assert table_counts(desk.bot.store_url) == before


async def test_a_wrong_telegram_id_is_named_with_the_other_wrong_fields(desk: Desk) -> None:
    await desk.app.state.services.accounts.create("Eva", "admin", (), PASSWORD, language="es")
    client, csrf, _ = await console_login(desk, "Eva", PASSWORD)
    form = {"name": "Bea", "role": "agent", "departments": ["nowhere"], "email": "bea@"}
    answer = await client.post(
        "/console/accounts", data={**form, "telegram_user_id": "@bea", "csrf_token": csrf}
    )
    assert answer.status_code == 303
    shown = _flash((await client.get(answer.headers["location"])).text)
    assert "departamento(s) desconocido(s) nowhere" in shown, shown
    assert "«bea@» no es una dirección de correo electrónico" in shown, shown
    assert shown.endswith("; el id de usuario de Telegram es un número, no '@bea'."), shown
