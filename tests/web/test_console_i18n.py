"""The console in its four languages, in headless Chromium against the real bot: accounts with
each language read the queue, a complaint page and an admin page in it (`<html lang>`, the
locale's dates, departments, categories and statuses by name); without an account language the
browser's Accept-Language decides; an agent changes their own language from the header."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    WAIT_MS,
    browser_fixture,
    chromium_fixture,
    logged_in,
    new_context,
)
from tests.web.conftest import Desk, rows
from web.console.i18n import choose, from_browser

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
TRADITIONAL = "我在台北門市買的手機螢幕壞了，已經三個星期沒有人處理，請盡快退款。"

# What each language's reader sees (settings.toml names the category and department; the
# catalogs the rest). The complaint was filed at START (2026-03-02 09:00 UTC); its first
# deadline is the next morning.
SEEN = {
    "zh-Hans": {
        "heading": "队列",
        "category": "账单与收银",
        "department": "账务部",
        "status": "已受理",
        "deadline": "2026年3月3日 09:00 UTC",
        "accounts": "账户",
        "log_out": "退出登录",
    },
    "zh-Hant": {
        "heading": "佇列",
        "category": "帳單與結帳",
        "department": "帳務部",
        "status": "已受理",
        "deadline": "2026年3月3日 09:00 UTC",
        "accounts": "帳號",
        "log_out": "登出",
    },
    "es": {
        "heading": "Cola",
        "category": "Facturación y cobro",
        "department": "Facturación",
        "status": "recibida",
        "deadline": "3 mar 2026, 9:00 UTC",
        "accounts": "Cuentas",
        "log_out": "Cerrar sesión",
    },
    "en": {
        "heading": "Queue",
        "category": "Billing and checkout",
        "department": "Billing",
        "status": "acknowledged",
        "deadline": "Mar 3, 2026, 09:00 UTC",
        "accounts": "Accounts",
        "log_out": "Log out",
    },
}


async def _account(desk: Desk, name: str, role: str, language: str) -> None:
    departments = () if role == "admin" else ("billing",)
    accounts = desk.app.state.services.accounts
    await accounts.create(name, role, departments, PASSWORD, language=language)


async def _html_lang(page: Page) -> str | None:
    return await page.locator("html").get_attribute("lang")


@pytest.mark.parametrize("language", list(SEEN))
async def test_each_account_reads_the_console_in_its_language(
    desk: Desk, browser: Browser, language: str
) -> None:
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
    await _account(desk, "Root", "admin", language)
    seen = SEEN[language]

    page = await logged_in(browser, desk.url, "Root")  # the browser asks for en-GB
    assert await _html_lang(page) == language
    await expect(page.locator("h1")).to_have_text(seen["heading"])
    row = page.locator(f"tr[data-number='{number}']")
    await expect(row.locator("td[data-key='billing']").first).to_have_text(seen["category"])
    await expect(row.locator("td[data-key='billing']").nth(1)).to_have_text(seen["department"])
    await expect(row.locator("td[data-key='acknowledged']")).to_have_text(seen["status"])
    await expect(row.locator("td.deadline")).to_have_text(seen["deadline"])
    await expect(row.locator("td.subject")).to_have_attribute("lang", "es")  # the customer's
    await expect(page.locator("form.whoami button")).to_have_text(seen["log_out"])
    options = page.locator("select[name=department] option[value='billing']")
    await expect(options).to_have_text(seen["department"])  # the filter names, keeps the key

    await page.click(f"a[href='/console/complaints/{number}']")
    await page.wait_for_url(f"**/console/complaints/{number}")
    assert await _html_lang(page) == language
    await expect(page.locator("nav a").first).to_have_text(seen["heading"])

    await page.goto("/console/accounts")
    assert await _html_lang(page) == language
    await expect(page.locator("h1")).to_have_text(seen["accounts"])


async def test_without_an_account_language_the_browser_decides(
    desk: Desk, browser: Browser
) -> None:
    await desk.complain(TRADITIONAL, customer="c-9", name="陳美玲")
    await _account(desk, "Mei", "admin", "")
    context = await browser.new_context(base_url=desk.url, locale="zh-TW")
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()

    await page.goto("/console/login")  # no account yet: the browser's language
    assert await _html_lang(page) == "zh-Hant"
    await expect(page.locator("h1")).to_have_text("登入")
    await page.fill("input[name=name]", "Mei")
    await page.fill("input[name=password]", "wrong password")
    await page.click("button[type=submit]")
    await expect(page.locator("p.flash.error")).to_have_text("名稱或密碼錯誤。")

    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/queue")
    assert await _html_lang(page) == "zh-Hant"
    await expect(page.locator("h1")).to_have_text("佇列")
    subject = page.locator("td.subject")
    await expect(subject).to_have_attribute("lang", "zh-Hant")  # traditional glyphs


async def test_an_agent_changes_their_own_language(desk: Desk, browser: Browser) -> None:
    await desk.complain(BILLING, name="Ana Pérez")
    await _account(desk, "Ana", "agent", "")
    page = await logged_in(browser, desk.url, "Ana")
    await page.goto("/console/queue?grade=general")
    await expect(page.locator("h1")).to_have_text("Queue")  # en-GB, from the browser

    await page.select_option("form.language select", "es")
    await page.click("form.language button")
    await page.wait_for_url("**/console/queue?grade=general")  # back where they were
    await expect(page.locator("h1")).to_have_text("Cola")
    await expect(page.locator("p.flash.ok")).to_have_text("La consola está ahora en Español.")
    assert rows(desk, "SELECT language FROM agents WHERE name = 'Ana'") == [{"language": "es"}]

    await page.select_option("form.language select", "")
    await page.click("form.language button")
    await expect(page.locator("h1")).to_have_text("Queue")
    assert rows(desk, "SELECT language FROM agents WHERE name = 'Ana'") == [{"language": ""}]

    csrf = await page.locator("form.language input[name=csrf_token]").input_value()
    refused = await page.request.post(
        "/console/language",
        form={"csrf_token": csrf, "language": "fr", "back": "https://elsewhere.example/"},
    )
    assert refused.url.endswith("/console/queue")  # never sent off-site
    assert "Pick one of the languages offered; nothing was changed." in await refused.text()
    assert rows(desk, "SELECT language FROM agents WHERE name = 'Ana'") == [{"language": ""}]


async def test_admins_set_an_accounts_language_in_the_console_and_the_api(desk: Desk) -> None:
    root = await desk.account("Root", role="admin", departments=())
    created = await root.post(
        "/api/accounts",
        json={"name": "Lu", "role": "agent", "departments": ["billing"], "language": "zh-Hans"},
    )
    assert created.status_code == 201 and created.json()["language"] == "zh-Hans"
    account = created.json()["id"]
    changed = await root.patch(f"/api/accounts/{account}", json={"language": "zh-Hant"})
    assert changed.status_code == 200 and changed.json()["language"] == "zh-Hant"
    wrong = await root.patch(f"/api/accounts/{account}", json={"language": "klingon"})
    assert wrong.status_code == 422 and "language must be one of" in wrong.text
    assert rows(desk, "SELECT language FROM agents WHERE id = :id", id=account) == [
        {"language": "zh-Hant"}
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant-CN", "zh-Hant"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4", "es"),
        ("en;q=0.2, es-MX;q=0.8", "es"),
        ("es;q=0, en", "en"),
        ("fr, de", ""),
        ("", ""),
        ("en;q=nonsense, es", "es"),
    ],
)
def test_the_browsers_language_is_the_best_match_among_the_four(header: str, expected: str) -> None:
    assert from_browser(header) == expected


def test_the_accounts_language_comes_first_then_the_browsers_then_the_default() -> None:
    assert choose("es", "zh-TW", "en") == "es"
    assert choose("", "zh-TW", "en") == "zh-Hant"
    assert choose("", "fr", "zh-Hans") == "zh-Hans"
