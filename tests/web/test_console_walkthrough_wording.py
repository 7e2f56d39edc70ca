"""Wording found in a walkthrough of the console (zh-Hant, zh-Hans and es readers), over real
HTTP: the delete page's conditions, a refused form's way back to the complaint, Chinese
without spaces around names, Spanish sentences starting with a capital, dead letters' name."""

from __future__ import annotations

import re

import httpx

from tests.web.browser import PASSWORD
from tests.web.conftest import Desk, console_login

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."


async def _login(desk: Desk, name: str, role: str, language: str) -> tuple[httpx.AsyncClient, str]:
    departments = () if role == "admin" else ("billing",)
    accounts = desk.app.state.services.accounts
    await accounts.create(name, role, departments, PASSWORD, language=language)
    client, csrf, _ = await console_login(desk, name, PASSWORD)
    return client, csrf


async def test_the_walkthroughs_wording(desk: Desk) -> None:
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
    root, _ = await _login(desk, "Root", "admin", "zh-Hans")
    confirm = (await root.get("/console/rules/delete?rule=privacy")).text
    assert "<dt>条件</dt>" in confirm and "<dt>时间</dt>" not in confirm

    mei, csrf = await _login(desk, "Mei", "agent", "zh-Hant")
    refused = await mei.post(
        f"/console/complaints/{number}/correct",
        data={"csrf_token": csrf, "department": "network", "reason": "網路問題"},
    )
    assert refused.status_code == 403
    assert f'<a href="/console/complaints/{number}">' in refused.text  # back to the complaint
    said = re.search(r'<p class="flash error" role="alert">(.*?)</p>', refused.text, re.S)
    assert said is not None and "無法轉到網路維運部：您不屬於網路維運部" in said[1]

    pablo, _ = await _login(desk, "Pablo", "supervisor", "es")
    reports = (await pablo.get("/console/reports?department=network")).text
    assert "Solo ve informes de Facturación, no de Operaciones de red" in reports

    luz, _ = await _login(desk, "Luz", "admin", "es")
    letters = (await luz.get("/console/dead-letters")).text
    assert "Mensajes no procesados" in letters and "artas muertas" not in letters
