"""Every console page fits a phone's width (360 CSS pixels) in headless Chromium: wide tables
scroll inside their own box instead of widening the page, and the header's links keep each
label on one line, Chinese ones too (they wrapped one character a line)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk
from web.console.pages import NAVIGATION

PHONE = 360


@pytest.mark.parametrize("language", ["zh-Hans", "es"])
async def test_every_page_fits_a_phone_and_the_menu_keeps_its_labels_whole(
    desk: Desk, browser: Browser, language: str
) -> None:
    number = (await desk.complain("My new kettle started to smoke and smells of burning."))[
        "complaint"
    ]
    await desk.app.state.services.accounts.create(
        "Alice", "admin", (), "correct horse battery", language=language
    )
    page = await logged_in(browser, desk.url, "Alice")
    await page.set_viewport_size({"width": PHONE, "height": 800})
    pages = [href for _, href, _ in NAVIGATION] + [f"/console/complaints/{number}"]
    for href in pages:
        await page.goto(href)
        width = await page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            await screenshot(page, f"narrow-{language}-{href.rsplit('/', 1)[-1]}")
        assert width <= PHONE, f"{href} is {width} px wide on a {PHONE} px screen"
        links = page.locator("header.top nav a")
        for index in range(await links.count()):
            lines = await links.nth(index).evaluate("e => e.getClientRects().length")
            height = await links.nth(index).evaluate("e => e.getBoundingClientRect().height")
            line = await links.nth(index).evaluate(
                "e => parseFloat(getComputedStyle(e).lineHeight) || 24"
            )
            assert lines == 1 and height < 1.5 * line, (href, index, lines, height, line)
