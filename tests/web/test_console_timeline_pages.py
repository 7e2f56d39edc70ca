"""The complaint page against the real bot: the timeline and the refusals wholly in the reader's
language (departments, grades and statuses by their names, the services' reasons translated,
each notice to the customer named by what it said), the contact line without repeats, and
merging a suspected duplicate from the console (Chromium)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from playwright.async_api import Browser, expect

from complaints.workflow import ALLOWED
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk, console_login, rows
from tests.web.test_duplicates_api import ANA, by_email, by_webhook, complaint
from web.console.i18n import catalogs, say
from web.console.wording import LABELS

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."


def department(desk: Desk, key: str, language: str) -> str:
    return str(desk.app.state.services.rule_book.current.departments[key].names[language])


def status(key: str, language: str) -> str:
    return say(catalogs()[language], LABELS["status"][key])


async def _account(desk: Desk, name: str, language: str, *departments: str) -> None:
    accounts = desk.app.state.services.accounts
    role = "admin" if not departments else "agent"
    await accounts.create(name, role, departments, PASSWORD, language=language)


async def test_the_timeline_reads_in_spanish(shop: Desk, browser: Browser) -> None:
    number = (await shop.complain(BILLING, name="Ana Pérez"))["complaint"]
    await _account(shop, "Carla", "es", "billing")
    page = await logged_in(browser, shop.url, "Carla")
    await page.goto(f"/console/complaints/{number}")
    await page.click("form[action$='/take'] button")
    await page.fill("form[action$='/resolve'] textarea[name=summary]", "Reembolsado.")
    await page.click("form[action$='/resolve'] button")
    await expect(page.locator("p.flash")).to_contain_text("resuelta")

    timeline = page.locator("ol.timeline")
    routed = timeline.locator("li.event", has_text="enrutada")
    await expect(routed).to_contain_text(f"departamento: {department(shop, 'billing', 'es')}")
    await expect(routed).to_contain_text("idioma: español")
    await expect(timeline).to_contain_text("motivo: recibida en la respuesta del webhook")
    kinds = await timeline.locator("li.out.message .meta").all_inner_texts()
    assert any(text.endswith("aviso de asignación") for text in kinds), kinds
    assert any(text.endswith("resuelta") for text in kinds), kinds
    assert not any("actualización" in text for text in kinds), kinds  # "progress update"
    await screenshot(page, "timeline-es")


async def test_the_contact_line_names_each_address_once(shop: Desk) -> None:
    await by_email(shop, sender=ANA)
    (found,) = rows(shop, "SELECT number FROM complaints")
    await _account(shop, "Root", "en")
    client, _, _ = await console_login(shop, "Root", PASSWORD)
    page = await client.get(f"/console/complaints/{found['number']}")
    contact = re.search(r'<dd id="contact">(.*?)</dd>', page.text, re.DOTALL)
    assert contact is not None
    assert contact[1].count(ANA) == 1, contact[1]

    await _account(shop, "Bea", "en", "billing", "network", "technical_service")
    client, _, _ = await console_login(shop, "Bea", PASSWORD)  # not assigned: masked
    page = await client.get(f"/console/complaints/{found['number']}")
    contact = re.search(r'<dd id="contact">(.*?)</dd>', page.text, re.DOTALL)
    assert contact is not None
    assert contact[1].count("a***@example.com") == 1, contact[1]
    assert re.search(r"a\*\*\*@example\.com\s+<span class=\"muted\">\(masked", contact[1])


async def test_refusals_name_statuses_and_departments(shop: Desk) -> None:
    billing = (await shop.complain(BILLING, customer="c-1"))["complaint"]
    network = (await shop.complain(NETWORK, customer="c-2"))["complaint"]
    await _account(shop, "Mei", "zh-Hant", "billing", "logistics")
    client, csrf, _ = await console_login(shop, "Mei", PASSWORD)

    for _ in range(2):  # the second time, it is resolved already: refused
        answer = await client.post(
            f"/console/complaints/{billing}/resolve",
            data={"summary": "已退款", "csrf_token": csrf},
            follow_redirects=True,
        )
    choices = [status(key, "zh-Hant") for key in sorted(ALLOWED["resolved"])]
    assert f"「{status('resolved', 'zh-Hant')}」可變為：{'、'.join(choices)}" in answer.text
    assert "assigned" not in answer.text.split("flash error")[1].split("</p>")[0]

    refused = await client.get(f"/console/complaints/{network}")
    assert refused.status_code == 403
    names = [department(shop, key, "zh-Hant") for key in ("network", "billing", "logistics")]
    assert f"屬於{names[0]}" in refused.text or names[0] in refused.text
    message = refused.text.split('role="alert">')[1].split("</p>")[0]
    assert all(name in message for name in names), message
    assert not re.search(r"\b(network|billing|logistics)\b", message), message


async def test_a_bad_pattern_is_refused_in_spanish(shop: Desk) -> None:
    await _account(shop, "Rosa", "es")
    client, csrf, _ = await console_login(shop, "Rosa", PASSWORD)
    answer = await client.post(
        "/console/rules/edit",
        data={
            "name": "regla mala",
            "pattern": "(",
            "enabled": "true",
            "action": "publish",
            "csrf_token": csrf,
        },
    )
    assert answer.status_code == 422
    flash = html.unescape(answer.text.split("flash error")[1].split("</p>")[0])
    assert "No se ha guardado nada: las reglas nuevas, regla n.º" in flash, flash
    assert "regla «regla mala»: expresión regular incorrecta '(':" in flash, flash
    assert "the new rule set" not in flash and "bad regular expression" not in flash


async def test_an_agent_merges_a_suspected_duplicate_from_the_console(
    shop: Desk, browser: Browser
) -> None:
    first = await by_webhook(shop)
    shop.clock.advance(timedelta(hours=3))
    second = await by_email(shop)
    await _account(shop, "Ana", "es", "billing")
    page = await logged_in(browser, shop.url, "Ana")
    await page.goto(f"/console/complaints/{second}")

    event = page.locator("ol.timeline li.event", has_text="posible duplicada")
    await expect(event).to_contain_text(f"duplicada de: {first}")
    merge = page.locator("#merge")
    await expect(merge.locator(f"a[href='/console/complaints/{first}']")).to_have_text(first)
    await expect(merge.locator("input[name=into]")).to_have_value(first)
    await screenshot(page, "merge-form")

    await merge.locator("input[name=into]").fill(second)  # itself: refused, in Spanish
    await merge.locator("button").click()
    await expect(page.locator("p.flash.error")).to_have_text(
        re.compile(r"^No se ha cambiado nada: .*" + re.escape(second))
    )
    assert complaint(shop, second)["status"] != "merged"

    await merge.locator("input[name=into]").fill(first)
    await merge.locator("button").click()
    await page.wait_for_url(f"**/console/complaints/{first}")
    await expect(page.locator("p.flash")).to_have_text(
        f"{second}: fusionada con {first}; se informa al cliente."
    )
    assert complaint(shop, second)["status"] == "merged"
    assert complaint(shop, second)["merged_into"] == first
    notices = await page.locator("ol.timeline li.out.message .meta").all_inner_texts()
    assert any(text.endswith("aviso de fusión") for text in notices), notices


async def test_the_merge_form_needs_the_sessions_token(shop: Desk) -> None:
    first = await by_webhook(shop)
    shop.clock.advance(timedelta(hours=3))
    second = await by_email(shop)
    await _account(shop, "Ana", "en", "billing")
    client, _, _ = await console_login(shop, "Ana", PASSWORD)
    answer = await client.post(f"/console/complaints/{second}/merge", data={"into": first})
    assert answer.status_code == 403
    assert complaint(shop, second)["status"] != "merged"
