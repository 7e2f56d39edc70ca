"""At a laptop's width (1280 CSS pixels) in headless Chromium: the Accounts table stayed under
the "New account" card (846 px of table in an 815 px card), and the zh-Hant queue wrapped its
grade badge one character a line (重/要), a status (已受理) and the handler's heading (處理人).
Short values and headings keep one line; a wide table scrolls inside its own card."""

from __future__ import annotations

from playwright.async_api import Browser, Locator

from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk

LAPTOP = 1280
VIP = "My new kettle started to smoke and smells of burning, and it charged me twice."


async def _lines(cell: Locator) -> float:
    """How many lines `cell`'s text takes."""
    return await cell.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " const h = r.getBoundingClientRect().height;"
        " return h / (parseFloat(getComputedStyle(e).lineHeight) || 1.4 * parseFloat("
        "getComputedStyle(e).fontSize)); }"
    )


async def test_the_queue_and_the_accounts_fit_a_laptop(desk: Desk, browser: Browser) -> None:
    for index in range(3):
        await desk.complain(f"{VIP} ({index})", customer=f"c-{index}", language="zh-TW")
    accounts = desk.app.state.services.accounts
    await accounts.create("Mei", "admin", (), "correct horse battery", language="zh-Hant")
    for name in ("Ana", "Bo", "Carla"):
        await accounts.create(
            name,
            "agent",
            ("billing", "network", "safety"),
            "correct horse battery",
            email=f"{name.lower()}.with.a.long.address@example.com",
            language="es",
        )
    await accounts.create("Luz", "admin", (), "correct horse battery", language="es")

    mei = await logged_in(browser, desk.url, "Mei")
    await mei.set_viewport_size({"width": LAPTOP, "height": 900})
    await mei.goto("/console/queue")
    await screenshot(mei, "laptop-queue-zh-Hant")
    badges = mei.locator("table.queue td .badge")
    assert await badges.count() == 3
    for index in range(3):
        assert await _lines(badges.nth(index)) < 1.5
    for cell in await mei.locator("table.queue td[data-key], table.queue th").all():
        assert await _lines(cell) < 1.5, await cell.inner_text()

    luz = await logged_in(browser, desk.url, "Luz")
    await luz.set_viewport_size({"width": LAPTOP, "height": 900})
    await luz.goto("/console/accounts")
    await screenshot(luz, "laptop-accounts-es")
    table = luz.locator("table.accounts")
    card = luz.locator("section.card").filter(has=table)
    new = luz.locator("section.card").filter(has=luz.locator("form.new-account"))
    table_box, card_box, new_box = (
        await table.bounding_box(),
        await card.bounding_box(),
        await new.bounding_box(),
    )
    assert table_box and card_box and new_box
    # what shows of the table stays in its card, left of the next one (it scrolls inside)
    assert card_box["x"] + card_box["width"] <= new_box["x"]
    shown_right = await table.evaluate(
        "e => { let r = e.getBoundingClientRect().right; for (let p = e.parentElement; p;"
        " p = p.parentElement) { const s = getComputedStyle(p);"
        " if (s.overflowX !== 'visible') { r = Math.min(r, p.getBoundingClientRect().right); } }"
        " return r; }"
    )
    assert shown_right <= new_box["x"]
    assert await _lines(luz.locator("table.accounts th").last) < 1.5
