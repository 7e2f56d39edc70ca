"""The console's working pages in its four languages, in headless Chromium against the real bot:
a complaint page (status, the routing trace in words with its language line, the explanation
of why the customer cannot be written to, the customer's text marked with its language), the
rule list, the delete confirmation and the reports; and a refusal of the services shown in the
reader's language while the API keeps its English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect

from complaints.errors import ComplaintBotError
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk, rows
from web.console.i18n import catalogs
from web.console.phrasing import phrased

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."

COMPLAINT = {
    "zh-Hans": {
        "status": "已受理",
        "routing": "为何这样分派",
        "category": "类别 billing：",
        "language": "语言 西班牙语：根据文本检测。",
        "cannot": "机器人无法再给这位客户发消息。",
        "note": "添加备注",
    },
    "zh-Hant": {
        "status": "已受理",
        "routing": "為何這樣分派",
        "category": "類別 billing：",
        "language": "語言 西班牙文：根據文字檢測。",
        "cannot": "機器人無法再給這位客戶發訊息。",
        "note": "新增備註",
    },
    "es": {
        "status": "recibida",
        "routing": "Por qué se enrutó así",
        "category": "Categoría billing:",
        "language": "Idioma español: detectado a partir del texto.",
        "cannot": "El bot no puede volver a escribir a este cliente.",
        "note": "Añadir nota",
    },
    "en": {
        "status": "acknowledged",
        "routing": "Why it was routed this way",
        "category": "Category billing:",
        "language": "Language Spanish: detected from the text.",
        "cannot": "The bot cannot write to this customer later.",
        "note": "Add note",
    },
}

ADMIN_PAGES = {
    "zh-Hans": {
        "rules": "分派规则",
        "agree": "settings.toml 与当前规则一致（版本 1）",
        "delete": "删除…",
        "confirm": "删除规则“privacy”？",
        "keep": "取消，保留它",
        "reports": "报表",
        "by_category": "按类别统计投诉",
        "first_response": "首次响应",
        "weeks": "每周投诉数",
        "csv": [
            "按类别统计投诉",
            "按部门统计投诉",
            "按等级统计投诉",
            "按渠道统计投诉",
            "每周投诉数",
            "投诉最多的类别",
            "投诉最多的产品",
            "首次响应和解决时间",
        ],
    },
    "zh-Hant": {
        "rules": "分派規則",
        "agree": "settings.toml 與目前規則一致（版本 1）",
        "delete": "刪除…",
        "confirm": "刪除規則「privacy」？",
        "keep": "取消，保留它",
        "reports": "報表",
        "by_category": "按類別統計投訴",
        "first_response": "首次回應",
        "weeks": "每週投訴數",
        "csv": [
            "按類別統計投訴",
            "按部門統計投訴",
            "按等級統計投訴",
            "按管道統計投訴",
            "每週投訴數",
            "投訴最多的類別",
            "投訴最多的產品",
            "首次回應和解決時間",
        ],
    },
    "es": {
        "rules": "Reglas de enrutamiento",
        "agree": "settings.toml y las reglas activas coinciden (versión 1)",
        "delete": "Eliminar…",
        "confirm": "¿Eliminar la regla «privacy»?",
        "keep": "Cancelar, conservarla",
        "reports": "Informes",
        "by_category": "Reclamaciones por categoría",
        "first_response": "Primera respuesta",
        "weeks": "Reclamaciones por semana",
        "csv": [
            "Reclamaciones por categoría",
            "Reclamaciones por departamento",
            "Reclamaciones por gravedad",
            "Reclamaciones por canal",
            "Reclamaciones por semana",
            "Categorías con más reclamaciones",
            "Productos más mencionados",
            "Tiempos de primera respuesta y de resolución",
        ],
    },
    "en": {
        "rules": "Routing rules",
        "agree": "settings.toml and the active rules agree (version 1)",
        "delete": "Delete…",
        "confirm": "Delete the rule “privacy”?",
        "keep": "Cancel, keep it",
        "reports": "Reports",
        "by_category": "Complaints per category",
        "first_response": "First response",
        "weeks": "Complaints per week",
        "csv": [
            "Complaints per category",
            "Complaints per department",
            "Complaints per grade",
            "Complaints per channel",
            "Complaints per week",
            "Top categories",
            "Top products",
            "First response and resolution times",
        ],
    },
}


async def _account(desk: Desk, name: str, role: str, language: str) -> None:
    departments = () if role == "admin" else ("billing",)
    accounts = desk.app.state.services.accounts
    await accounts.create(name, role, departments, PASSWORD, language=language)


@pytest.mark.parametrize("language", list(COMPLAINT))
async def test_a_complaint_page_reads_in_each_language(
    desk: Desk, browser: Browser, language: str
) -> None:
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
    await _account(desk, "Ana", "agent", language)
    seen = COMPLAINT[language]
    page = await logged_in(browser, desk.url, "Ana")  # the browser asks for en-GB
    await page.goto(f"/console/complaints/{number}")

    await expect(page.locator("#status")).to_have_text(seen["status"])
    await expect(page.locator("#routing h2")).to_contain_text(seen["routing"])
    summary = page.locator("ul.trace-summary")
    await expect(summary.locator("li[data-field='category']")).to_contain_text(seen["category"])
    await expect(summary.locator("li[data-field='language']")).to_have_text(seen["language"])
    await expect(page.locator("#cannot-reply strong").first).to_have_text(seen["cannot"])
    await expect(page.locator("form[action$='/note'] button")).to_have_text(seen["note"])
    await expect(page.locator("li.in pre.text")).to_have_attribute("lang", "es")  # the customer's
    await expect(page.locator("li.in pre.text")).to_have_text(BILLING)  # as written
    await screenshot(page, f"i18n-complaint-{language}")
    facts = page.locator("dl.facts dd[data-key='billing']").first
    await expect(facts).to_have_text(
        desk.app.state.services.rule_book.current.categories["billing"].names[language]
    )


@pytest.mark.parametrize("language", list(ADMIN_PAGES))
async def test_rules_the_delete_confirmation_and_reports_read_in_each_language(
    desk: Desk, browser: Browser, language: str
) -> None:
    await desk.complain(BILLING, name="Ana Pérez")
    await _account(desk, "Root", "admin", language)
    seen = ADMIN_PAGES[language]
    page = await logged_in(browser, desk.url, "Root")

    await page.goto("/console/rules")
    await expect(page.locator("h1")).to_have_text(seen["rules"])
    await expect(page.locator("#which-wins")).to_contain_text(seen["agree"])
    delete = page.locator("tr[data-rule='privacy'] a.danger")
    await expect(delete).to_have_text(seen["delete"])
    await delete.click()
    await expect(page.locator("h1")).to_have_text(seen["confirm"])
    await expect(page.locator("#confirm-delete a")).to_have_text(seen["keep"])
    await expect(page.locator("#confirm-delete")).to_contain_text("1")  # roll back to version 1

    desk.clock.advance(timedelta(hours=1))  # a report ends now: include the complaint
    await page.goto("/console/reports")
    await expect(page.locator("h1")).to_have_text(seen["reports"])
    await expect(page.locator(f"svg[aria-label='{seen['by_category']}']")).to_have_count(1)
    first = page.locator("tr[data-measure='First response'] td").first
    await expect(first).to_have_text(seen["first_response"])
    await expect(page.locator("#week-chart-title strong")).to_have_text(seen["weeks"])
    await expect(page.locator("#total")).to_have_text("1")
    # each CSV link is named by its table's title in the page's language, not by its key
    await expect(page.locator("ul.downloads a")).to_have_text(seen["csv"])
    async with page.expect_download() as download:
        await page.locator("ul.downloads a", has_text=seen["csv"][0]).click()
    saved = await download.value
    assert saved.suggested_filename.startswith("complaints-by_category-")
    lines = (await saved.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].split("," if language != "es" else ";")[0] == "billing"  # the key column
    await screenshot(page, f"i18n-reports-{language}")


async def test_a_refusal_reads_in_traditional_chinese_and_stays_english_in_the_api(
    desk: Desk, browser: Browser
) -> None:
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
    await _account(desk, "Mei", "agent", "zh-Hant")
    page = await logged_in(browser, desk.url, "Mei")
    await page.goto(f"/console/complaints/{number}")

    await page.select_option("form[action$='/solutions'] select[name=kind]", "refund")
    await page.click("form[action$='/solutions'] button")  # a refund without an amount
    await expect(page.locator("p.flash.error")).to_have_text("未作任何變更：退款需要填寫金額。")
    assert rows(desk, "SELECT id FROM solutions") == []  # nothing was proposed

    await page.goto("/console/complaints/C-000000-NOPE")  # a refusal page, not a flash
    await expect(page.locator("p.flash.error")).to_have_text("沒有投訴 C-000000-NOPE；請核對編號。")

    api = await desk.account("Bo")
    refused = await api.post(f"/api/complaints/{number}/solutions", json={"kind": "refund"})
    assert refused.status_code == 422
    assert refused.json() == {"detail": "a refund needs an amount"}


def test_a_refusal_is_english_for_programs_and_translated_for_the_console() -> None:
    error = ComplaintBotError(
        "%(number)s is %(status)s; reopen it before proposing a solution",
        number="C-1",
        status="closed",
    )
    assert str(error) == "C-1 is closed; reopen it before proposing a solution"
    shown = phrased(error.said)
    closed_zh = "C-1 狀態為「已結案」；請先重新開啟再提出解決方案"
    assert shown.translated(catalogs()["zh-Hant"]) == closed_zh
    closed_es = "C-1 está cerrada; reábrala antes de proponer una solución"
    assert shown.translated(catalogs()["es"]) == closed_es
    unknown = ComplaintBotError("a text no catalog holds, %(x)s", x="as it is")
    as_it_is = phrased(unknown.said).translated(catalogs()["zh-Hans"])
    assert as_it_is == "a text no catalog holds, as it is"
