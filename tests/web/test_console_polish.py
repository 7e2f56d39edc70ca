"""The console's rough edges of issue 13, tried in headless Chromium against the real bot as a new
user would: complaint numbers that never wrap, the routing trace in words, a reply form that
explains why a customer cannot be written to, rule deletion behind a confirmation, report times
as durations, and the weekly series as a column chart with axes. Over httpx, what a browser
would not show (a delete form posted without its confirmation, the API's refusal).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import table_counts
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk, console_login

KETTLE = "My new kettle started to smoke and smells of burning."
"""README's first complaint: the rule "safety incident" routes it."""
BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."


async def _line_boxes(page: Page, selector: str) -> int:
    """How many line boxes the element's text takes: 1 unless it wrapped."""
    return int(await page.locator(selector).first.evaluate("e => e.getClientRects().length"))


async def test_an_agent_reads_why_a_complaint_was_routed_and_why_no_reply_can_be_sent(
    desk: Desk, browser: Browser
) -> None:
    """The README's first complaint, from the `shop` source without a callback_url."""
    number = (await desk.complain(KETTLE, customer="c-1"))["complaint"]
    await desk.complain(BILLING, customer="c-2")
    await desk.account("Ana", departments=("safety", "billing"))
    page = await logged_in(browser, desk.url, "Ana")

    await page.set_viewport_size({"width": 420, "height": 900})  # a phone: columns get narrow
    await expect(page.locator("table.queue tr[data-number]")).to_have_count(2)
    assert await _line_boxes(page, f"tr[data-number='{number}'] a") == 1
    await page.click(f"tr[data-number='{number}'] a")
    await expect(page.locator("h1 .number")).to_have_text(number)
    assert await _line_boxes(page, "h1 .number") == 1
    await screenshot(page, "polish-complaint-narrow")
    await page.set_viewport_size({"width": 1280, "height": 900})

    summary = page.locator("ul.trace-summary")
    await expect(summary.locator("li[data-field='category']")).to_have_text(
        "Category safety: decided by rule safety incident, on the words “smoke”."
    )
    await expect(summary.locator("li[data-field='department']")).to_contain_text(
        "No rule set the department: the department of category safety."
    )
    await expect(summary.locator("li[data-field='language']")).to_contain_text(
        "Language English: detected from the text."
    )
    await page.click("#routing summary")  # every rule, in order
    await expect(page.locator("tr[data-step='legal threat'] td.why")).to_contain_text(
        "No matching words: none of its"
    )
    zh = page.locator("tr[data-step='delivery damage on arrival (zh)'] td.why")
    await expect(zh).to_have_text(
        "Condition not met: the message is in en; the rule is for zh-Hans, zh-Hant."
    )
    social = page.locator("tr[data-step='social media threat'] td.why")
    await expect(social).to_have_text(
        "No matching words: its pattern is not found in the subject or message text."
    )
    assert "(?x)" not in await page.locator("#routing").inner_text()  # no raw regex
    await screenshot(page, "polish-trace")

    # The shop has no callback_url: no reply form, but why and what to do instead.
    why = page.locator("#cannot-reply")
    await expect(why).to_contain_text("no callback_url")
    await expect(why).to_contain_text("[webhook.sources.shop]")
    await expect(why).to_contain_text("contact the customer another way")
    await expect(page.locator("form[action$='/reply']")).to_have_count(0)
    await expect(page.locator("form[action$='/note']")).to_have_count(1)

    api = await desk.account("Bo", departments=("safety",))
    before = table_counts(desk.bot.store_url)
    refused = await api.post(f"/api/complaints/{number}/reply", json={"text": "Hello"})
    assert refused.status_code == 409, refused.text
    assert "cannot receive later messages" in refused.text
    assert table_counts(desk.bot.store_url) == before


async def test_a_complaint_whose_customer_can_be_written_to_keeps_its_reply_form(
    shop: Desk,
) -> None:
    number = (await shop.complain(KETTLE, customer="c-1"))["complaint"]
    await shop.account("Ana", departments=("safety",))
    client, _, _ = await console_login(shop, "Ana", PASSWORD)
    page = (await client.get(f"/console/complaints/{number}")).text
    assert 'id="cannot-reply"' not in page
    assert f'action="/console/complaints/{number}/reply"' in page


async def test_deleting_a_rule_asks_first_and_a_bare_post_deletes_nothing(
    desk: Desk, browser: Browser
) -> None:
    await desk.account("Root", role="admin", departments=())
    book = desk.app.state.services.rule_book
    admin, csrf, _ = await console_login(desk, "Root", PASSWORD)
    before = table_counts(desk.bot.store_url)
    bare = await admin.post("/console/rules/delete", data={"rule": "privacy", "csrf_token": csrf})
    assert bare.status_code == 303
    assert bare.headers["location"] == "/console/rules/delete?rule=privacy"
    assert table_counts(desk.bot.store_url) == before
    assert "privacy" in [rule.name for rule in book.current.rules]
    missing = await admin.get("/console/rules/delete", params={"rule": "nope"})
    assert missing.status_code == 404 and "There is no rule named &#39;nope&#39;" in missing.text

    page = await logged_in(browser, desk.url, "Root")
    await page.goto("/console/rules")
    await page.click("tr[data-rule='privacy'] a:text('Delete…')")
    await expect(page.locator("h1")).to_have_text("Delete the rule “privacy”?")
    await expect(page.locator("#confirm-delete")).to_contain_text("roll back to version 1")
    await screenshot(page, "polish-delete-confirm")
    await page.click("text=Cancel, keep it")
    await page.wait_for_url("**/console/rules")
    await expect(page.locator("tr[data-rule='privacy']")).to_have_count(1)
    assert (await book.active()).version == 1

    await page.click("tr[data-rule='privacy'] a:text('Delete…')")
    await page.click("#confirm-delete button.danger")
    await page.wait_for_url("**/console/rules")
    await expect(page.locator("p.flash")).to_have_text("Deleted 'privacy'; version 2 is active.")
    await expect(page.locator("tr[data-rule='privacy']")).to_have_count(0)
    assert "privacy" not in [rule.name for rule in book.current.rules]


async def test_report_times_read_as_durations_and_weeks_as_a_column_chart(
    shop: Desk, browser: Browser
) -> None:
    """Answered after 2 minutes and resolved after 50 hours: "2 min" and "2.1 d"; three
    complaints in the first week and one in the third."""
    agent = await shop.account("Ana", departments=("billing",))
    await shop.account("Sam", role="supervisor", departments=("billing",))
    number = (await shop.complain(BILLING, customer="c-1"))["complaint"]
    await shop.complain(BILLING + " Otra vez.", customer="c-2")
    await shop.complain(BILLING + " Y otra.", customer="c-3")
    shop.clock.advance(timedelta(minutes=2))
    assert (await agent.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    answered = await agent.post(f"/api/complaints/{number}/reply", json={"text": "Lo miramos."})
    assert answered.status_code == 200, answered.text
    shop.clock.advance(timedelta(hours=50) - timedelta(minutes=2))
    resolved = await agent.post(f"/api/complaints/{number}/resolve", json={"summary": "Hecho."})
    assert resolved.status_code == 200, resolved.text
    shop.clock.advance(timedelta(days=14))
    await shop.complain(BILLING + " La última.", customer="c-4")
    shop.clock.advance(timedelta(hours=1))

    page = await logged_in(browser, shop.url, "Sam")
    await page.goto("/console/reports")
    first = page.locator("tr[data-measure='First response'] td.duration")
    await expect(first).to_have_text(["2\u00a0min", "2\u00a0min", "2\u00a0min"])
    resolution = page.locator("tr[data-measure='Resolution'] td.duration")
    await expect(resolution.first).to_have_text("2.1\u00a0d")

    chart = page.locator("#weeks svg.week-chart")
    columns = chart.locator("rect.column")
    weeks = await columns.count()
    assert weeks >= 3
    counts = {
        await column.get_attribute("data-week"): int(await column.get_attribute("data-count") or 0)
        for column in await columns.all()
    }
    assert counts["2026-03-02"] == 3 and counts["2026-03-16"] == 1 and sum(counts.values()) == 4
    tall = await chart.locator("rect.column[data-week='2026-03-02']").bounding_box()
    short = await chart.locator("rect.column[data-week='2026-03-16']").bounding_box()
    assert tall is not None and short is not None and short["height"] > 0
    assert tall["height"] == pytest.approx(3 * short["height"], abs=0.5)  # drawn to scale
    bottoms = (tall["y"] + tall["height"], short["y"] + short["height"])
    assert bottoms[0] == pytest.approx(bottoms[1], abs=0.5)  # on one baseline
    await expect(chart.locator("text.y-tick")).to_have_text(["0", "1", "2", "3"])
    await expect(chart.locator("text.x-tick").first).to_be_visible()
    await expect(chart.locator("line.x-axis")).to_have_count(1)
    await expect(chart.locator("line.y-axis")).to_have_count(1)
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    await expect(page.locator("#week-chart-title")).to_contain_text("Complaints per week")
    await screenshot(page, "polish-reports")
