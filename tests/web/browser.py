"""Headless Chromium for the console tests: Debian's chromium driven by Playwright's Python
package (never `playwright install`: the browser comes from apt).

`chromium` (session) installs the Debian packages when /usr/bin/chromium is missing, skipping
with the reason when that is impossible (failing instead under CI=true); `browser` launches
it for one test, because the bot under test runs on that test's event loop. Screenshots go to
tests/web/screenshots/ (not committed).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.system_packages import apt_lock

CHROMIUM = Path("/usr/bin/chromium")
INSTALLED = {
    # Debian package: a file it installs. Without the fonts, Chinese and emoji in the
    # screenshots are empty boxes (the tests, which read the DOM, would still pass).
    "chromium": CHROMIUM,
    "chromium-driver": Path("/usr/bin/chromedriver"),
    "fonts-wqy-zenhei": Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    "fonts-noto-color-emoji": Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
}
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "correct horse battery"
"""The password `Desk.account` gives every account."""


def _apt(*args: str) -> bool:
    command = ["apt-get", *args]
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        command,
        capture_output=True,
        timeout=600,
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return result.returncode == 0


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture() -> Path:
    """/usr/bin/chromium, with its fonts installed by apt-get (after `apt-get update` if the
    package lists are stale) when any of them is missing."""
    if any(not path.exists() for path in INSTALLED.values()):
        with apt_lock():  # another test process may have installed them while this one waited
            missing = [package for package, path in INSTALLED.items() if not path.exists()]
            installed = not missing or (
                _apt("install", "-y", *missing)
                or (_apt("update") and _apt("install", "-y", *missing))
            )
        if not installed or not CHROMIUM.exists():
            reason = f"`apt-get install -y {' '.join(missing)}` failed; the console needs Chromium"
            if os.environ.get("CI"):
                pytest.fail(f"{reason}; CI requires the console tests to run")
            pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(name="browser")
async def browser_fixture(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), args=ARGS)
        yield launched
        await launched.close()


WAIT_MS = 15_000
"""How long a page action or check may wait: seconds, not Playwright's 30, but not 5 either,
which a login (its password hash) missed on a 2-core machine busy with the rest of the suite."""
expect.set_options(timeout=WAIT_MS)  # the assertions' own wait, 5 s by default


async def new_context(browser: Browser, url: str) -> BrowserContext:
    """A fresh set of cookies on the bot at `url`; anything slow fails in seconds, not 30."""
    context = await browser.new_context(base_url=url, locale="en-GB")
    context.set_default_timeout(WAIT_MS)
    return context


async def logged_in(browser: Browser, url: str, name: str, password: str = PASSWORD) -> Page:
    """A new browser context (its own cookies) logged in to the console as `name`."""
    page = await (await new_context(browser, url)).new_page()
    await page.goto("/console/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/queue**")
    return page


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
