"""Canned replies in the console: the picker offers only replies it can fill in for the
complaint's language (or English), where "Insert" used to leave the box empty; and a key or
title of any length used to be saved (a 300-character key stretched the page)."""

from __future__ import annotations

import re

from tests.web.browser import PASSWORD
from tests.web.conftest import CallbackReceiver, Desk, console_login

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."


async def test_the_picker_lists_what_it_can_fill_and_long_keys_are_refused(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, _ = reachable_desk  # the reply form (and its picker) shows: the customer is reachable
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]  # in Spanish
    accounts = desk.app.state.services.accounts
    await accounts.create("Luz", "admin", (), PASSWORD, language="es")
    root, csrf, _ = await console_login(desk, "Luz", PASSWORD)
    scripts = [
        ("solo-chino", "zh-Hans", "只有中文"),
        ("en-espanol", "es", "En español"),
        ("in-english", "en", "In English"),
    ]
    for key, language, title in scripts:
        saved = await root.post(
            "/console/canned",
            data={
                "key": key,
                "language": language,
                "title": title,
                "text": "Hola {customer}",
                "csrf_token": csrf,
            },
        )
        assert saved.status_code == 303

    page = (await root.get(f"/console/complaints/{number}")).text
    offered = re.findall(
        r'<option value="([\w-]+)">', page.split('name="canned"')[1].split("</select>")[0]
    )
    assert sorted(offered) == ["en-espanol", "in-english"]

    for field, limit in (("key", 80), ("title", 200)):
        script = {"key": "k", "language": "es", "title": "t", "text": "Hola", "csrf_token": csrf}
        refused = await root.post("/console/canned", data={**script, field: "x" * (limit + 1)})
        assert refused.status_code == 303
        shown = (await root.get("/console/canned")).text
        name = {"key": "La clave", "title": "El título"}[field]
        said = f"No se ha guardado nada: {name.lower()} de una respuesta predefinida tiene como"
        assert f"{said} máximo {limit} caracteres" in shown, shown
    assert "x" * 81 not in (await root.get("/console/canned")).text
