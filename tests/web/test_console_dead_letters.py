"""The console's dead letters page in headless Chromium against the real bot: the list, the raw
download, reprocessing one letter (once) and a failure that stays kept. Over httpx, the
refusals a browser would not show."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk, console_login, rows
from tests.web.test_dead_letters_api import good_mail, keep_letters


async def test_an_admin_downloads_and_reprocesses_dead_letters(
    desk: Desk, browser: Browser
) -> None:
    good, broken, ignored = await keep_letters(desk)
    await desk.account("Root", role="admin", departments=())
    page = await logged_in(browser, desk.url, "Root")
    await page.click("nav a:text('Dead letters')")
    await page.wait_for_url("**/console/dead-letters")
    listed = page.locator("table.dead-letters tbody tr[data-letter]")
    await expect(listed).to_have_count(3)
    assert [await row.get_attribute("data-letter") for row in await listed.all()] == [
        str(ignored),
        str(broken),
        str(good),
    ]
    await expect(page.locator(f"tr[data-letter='{ignored}'] button")).to_have_count(0)
    await screenshot(page, "dead-letters")

    async with page.expect_download() as download:
        await page.click(f"tr[data-letter='{good}'] a:text('Download raw')")
    saved = await download.value
    assert saved.suggested_filename == f"dead-letter-{good}.eml"
    assert (await saved.path()).read_bytes() == good_mail()

    await page.click(f"tr[data-letter='{good}'] button:text('Reprocess')")
    await page.wait_for_url("**/console/dead-letters")
    shown = await page.locator("p.flash.ok").inner_text()
    assert re.fullmatch(rf"Dead letter {good} was reprocessed: recorded in \S+\.", shown), shown
    await expect(page.locator(f"tr[data-letter='{good}'] td.status")).to_contain_text("reprocessed")
    await expect(page.locator(f"tr[data-letter='{good}'] button")).to_have_count(0)

    await page.click(f"tr[data-letter='{broken}'] button:text('Reprocess')")
    await expect(page.locator("p.flash.error")).to_contain_text(
        f"Dead letter {broken} failed again and stays kept: cannot be parsed: "
    )
    await page.select_option("select[name=status]", "kept")
    await page.click("form[role=search] button")
    await expect(listed).to_have_count(1)
    await expect(listed.first).to_have_attribute("data-letter", str(broken))
    await page.click("button:text('Reprocess all kept')")
    await expect(page.locator("p.flash.error")).to_have_text(
        "Reprocessed 0 of 1 kept dead letters; 1 failed again (see their reasons)."
    )
    await expect(listed).to_have_count(1)  # the filter was kept
    assert len(rows(desk, "SELECT id FROM complaints")) == 1


async def test_only_admins_reach_dead_letters_and_a_letter_is_not_run_twice(desk: Desk) -> None:
    good, _, _ = await keep_letters(desk)
    for name, role in (("Ana", "agent"), ("Sam", "supervisor"), ("Root", "admin")):
        await desk.account(name, role=role, departments=() if role == "admin" else ("billing",))
    letters = "SELECT id, status, reason FROM dead_letters ORDER BY id"
    before = rows(desk, letters)
    anonymous = await desk.client().get("/console/dead-letters")
    assert anonymous.status_code == 303 and "/console/login" in anonymous.headers["location"]
    for name in ("Ana", "Sam"):
        client, csrf, _ = await console_login(desk, name, PASSWORD)
        for path in ("/console/dead-letters", f"/console/dead-letters/{good}/raw"):
            refused = await client.get(path)
            assert refused.status_code == 403 and "needs the admin role" in refused.text, path
        for path in (f"/console/dead-letters/{good}/reprocess", "/console/dead-letters/reprocess"):
            refused = await client.post(path, data={"csrf_token": csrf})
            assert refused.status_code == 403 and "needs the admin role" in refused.text, path
    admin, csrf, _ = await console_login(desk, "Root", PASSWORD)
    forged = await admin.post(f"/console/dead-letters/{good}/reprocess", data={})
    assert forged.status_code == 403 and "reload the page" in forged.text
    assert rows(desk, letters) == before and rows(desk, "SELECT id FROM complaints") == []
    assert (await admin.get("/console/dead-letters/999/raw")).status_code == 404
    assert (await admin.get("/console/dead-letters?status=lost")).status_code == 422

    path = f"/console/dead-letters/{good}/reprocess"
    assert (await admin.post(path, data={"csrf_token": csrf})).status_code == 303
    again = await admin.post(path, data={"csrf_token": csrf, "status": "kept"})
    assert again.headers["location"] == "/console/dead-letters?status=kept"
    shown = (await admin.get(again.headers["location"])).text
    assert f"Nothing was done: dead letter {good} was reprocessed already" in shown
    assert len(rows(desk, "SELECT id FROM complaints")) == 1
