"""The console's admin and supervisor pages in headless Chromium against the real bot: a rule
edited, dry-run, backtested and published, then routing the next complaint; a bad rule refused
with its reason; rollback; the report's SVG charts and CSV; accounts and API tokens; a
customer's search and erasure. Over httpx, the refusals a browser would not show.

One browser per module: the browser steps run in one test, one page flow after the other.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from store import queries
from store.models import Customer
from tests.conftest import table_counts
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
    screenshot,
)
from tests.web.conftest import Desk, console_login

FLUX = "My flux capacitor hums and the display flickers."
BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
STOCK = "El microondas que quiero siempre está agotado, ¿cuándo hay reposición?"


@pytest.fixture
def desk(rules_desk: Desk) -> Desk:
    """These tests are about the rules: the triage model only suggests (`RULES_ONLY`)."""
    return rules_desk


async def flash(page: Page) -> str:
    return await page.locator("p.flash").first.inner_text()


async def active_version(desk: Desk) -> int:
    return int((await desk.app.state.services.rule_book.active()).version)


async def _rules(desk: Desk, page: Page, before: dict[str, Any]) -> None:
    """A new rule routes 'flux capacitor' to safety: tried, backtested, published, used."""
    await page.goto("/console/rules")
    await expect(page.locator("#active-version")).to_have_text("1")
    await expect(page.locator("#which-wins")).to_contain_text("agree")
    await expect(page.locator("tr[data-rule='legal threat'] td.enabled")).to_have_text("yes")
    await screenshot(page, "rules")

    await page.click("a[href='/console/rules/edit']")
    await page.fill("input[name=name]", "flux")
    await page.fill("textarea[name=keywords]", "flux capacitor\nflux capacitors")
    await page.fill("textarea[name=unless]", "flux capacitor toy")
    await page.check("input[name=unless_negated]")
    await page.fill("input[name=position]", "1")
    await page.select_option("select[name=category]", "safety")
    await page.select_option("select[name=grade]", "urgent")
    await page.fill("textarea[name=text]", "The flux capacitor sparked!")
    await page.click("button[value=dry_run]")
    await expect(page.locator("#decided-category")).to_have_text("safety")
    await expect(page.locator("#decided-grade")).to_have_text("urgent")
    await expect(page.locator("tr[data-step='flux'] td").nth(1)).to_have_text("yes")
    await screenshot(page, "rules-dry-run")

    await page.click("button[value=backtest]")  # the form kept the rule: try it on the past
    changed = page.locator(f"#backtest tr[data-number='{before['complaint']}']")
    await expect(changed).to_contain_text("other → safety")
    await expect(page.locator("#backtest tbody tr")).to_have_count(1)
    await screenshot(page, "rules-backtest")
    assert await active_version(desk) == 1  # trying published nothing

    await page.click("button[value=publish]")
    await page.wait_for_url("**/console/rules")
    assert await flash(page) == "Published 'flux'; version 2 is active."
    await expect(page.locator("table.rules tbody tr").first).to_have_attribute("data-rule", "flux")
    await expect(page.locator("#which-wins")).to_contain_text("not settings.toml's version 1")
    tables = await desk.app.state.services.rule_book.tables()
    flux = next(rule for rule in tables["rules"] if rule["name"] == "flux")
    assert (flux["unless"], flux["unless_negated"]) == (["flux capacitor toy"], True)
    after = await desk.complain("Is a flux capacitor supposed to smell?", customer="c-2")
    assert (after["category"], after["department"], after["grade"]) == (
        "safety",
        "safety",
        "urgent",
    )

    # A bad regular expression: the reason is shown, what was typed stays, nothing is saved.
    counts = table_counts(desk.bot.store_url)
    await page.click("tr[data-rule='flux'] a")
    await page.fill("input[name=pattern]", "flux (capacitor")
    await page.click("button[value=publish]")
    await expect(page.locator("#rule-error")).to_contain_text("bad regular expression")
    assert await page.input_value("input[name=pattern]") == "flux (capacitor"
    assert await active_version(desk) == 2 and table_counts(desk.bot.store_url) == counts

    await page.goto("/console/rules")
    await page.click("tr[data-rule='flux'] button:text('Disable')")
    assert await flash(page) == "Disabled 'flux'; version 3 is active."
    await expect(page.locator("tr[data-rule='flux'] td.enabled")).to_have_text("no")
    await page.click("tr[data-version='1'] button")
    assert await flash(page) == "Rolled back to version 1; version 1 is active."
    await expect(page.locator("#origin")).to_have_text("rollback")
    await expect(page.locator("tr[data-rule='flux']")).to_have_count(0)
    again = await desk.complain("The flux capacitor again.", customer="c-3")
    assert again["category"] == "other"


async def _reports(desk: Desk, page: Page) -> None:
    desk.clock.advance(timedelta(hours=1))  # a report ends now: include the complaints of now
    await page.goto("/console/reports")
    await expect(page.locator("#total")).to_have_text("4")
    charts = page.locator("figure.chart svg")
    await expect(charts).to_have_count(8)
    category = page.locator("svg[aria-label='Complaints per category']")
    await expect(category.locator("rect")).to_have_count(3)  # other, safety, stock
    await screenshot(page, "reports")
    async with page.expect_download() as download:
        await page.click("ul.downloads a:text-is('Complaints per category')")
    saved = await (await download.value).path()
    lines = saved.read_text(encoding="utf-8-sig").splitlines()  # a spreadsheet's, with a BOM
    assert lines[0] == "Category key,Category,Complaints" and "other,Other,2" in lines

    await page.goto("/console/reports?since=2026-03-09&until=2026-03-02")
    await expect(page.locator("p.flash.error")).to_have_text(
        "Since must be before Until (not included)."
    )


async def _accounts(desk: Desk, page: Page) -> None:
    await page.goto("/console/accounts")
    await page.fill("form.new-account input[name=name]", "Zoe")
    await page.select_option("form.new-account select[name=role]", "agent")
    await page.click("form.new-account button")  # an agent without a department: refused
    assert "needs at least one department" in await flash(page)
    await page.fill("form.new-account input[name=name]", "Zoe")
    await page.select_option("form.new-account select[name=departments]", ["billing", "network"])
    await page.fill("form.new-account input[name=password]", PASSWORD)
    await page.click("form.new-account button")
    assert await flash(page) == "Created the agent account 'Zoe'."

    await page.fill("form.issue-token input[name=name]", "CRM sync")
    await page.click("form.issue-token button")
    secret = await page.locator("#token-secret").inner_text()
    await screenshot(page, "accounts")
    api = httpx.AsyncClient(base_url=desk.url, headers={"Authorization": f"Bearer {secret}"})
    async with api:
        me = (await api.get("/api/me")).json()
        assert (me["name"], me["role"], me["departments"]) == (
            "Zoe",
            "agent",
            ["billing", "network"],
        )
        await page.click("tr[data-token] button")
        assert await flash(page) == "Revoked the token; it no longer works."
        assert (await api.get("/api/me")).status_code == 401

    await page.select_option("form.change-account select[name=role]", "supervisor")
    await page.uncheck("form.change-account input[name=active]")
    await page.click("form.change-account button")
    assert await flash(page) == "Saved 'Zoe'."
    await page.goto("/console/accounts")
    await expect(page.locator("tr[data-account='Zoe'] td").nth(1)).to_have_text("supervisor")
    await expect(page.locator("tr[data-account='Zoe'] td").last).to_have_text("no")


async def _customers(desk: Desk, page: Page) -> None:
    await page.goto("/console/customers")
    await page.fill("input[name=q]", "bea")
    await page.click("form[role=search] button")
    found = page.locator("table.customers tr[data-customer]")
    await expect(found).to_have_count(1)
    await found.locator("a").click()
    await expect(page.locator("#customer-name")).to_have_text("Bea Ruiz")
    await expect(page.locator("table.complaints tr[data-number]")).to_have_count(1)
    await screenshot(page, "customers")
    async with page.expect_download() as download:
        await page.click("a:text('Export (JSON)')")
    exported = json.loads((await (await download.value).path()).read_text(encoding="utf-8"))
    assert exported["customer"]["name"] == "Bea Ruiz" and len(exported["complaints"]) == 1

    counts = table_counts(desk.bot.store_url)
    customer_id = page.url.rsplit("/", 1)[1]
    await page.fill("form.erase input[name=confirm]", "1")
    await page.click("form.erase button")
    assert "type the customer's id" in await flash(page)
    assert table_counts(desk.bot.store_url) == counts
    await expect(page.locator("#customer-name")).to_have_text("Bea Ruiz")

    await page.fill("form.erase input[name=confirm]", customer_id)
    await page.click("form.erase button")
    assert f"Erased customer {customer_id}'s personal data" in await flash(page)
    await expect(page.locator("#erased")).to_be_visible()
    await expect(page.locator("#customer-name")).to_have_text("")
    stored = await desk.app.state.services.database.read(
        lambda s: s.get(Customer, int(customer_id))
    )
    assert stored.name == "" and stored.erased_at is not None


async def test_an_admin_edits_rules_reads_reports_and_manages_accounts_and_customers(
    desk: Desk, browser: Browser
) -> None:
    before = await desk.complain(FLUX, customer="c-1")
    assert before["category"] == "other"
    await desk.complain(STOCK, customer="c-bea", name="Bea Ruiz")
    await desk.account("Root", role="admin", departments=())
    page = await logged_in(browser, desk.url, "Root")
    await expect(page.locator("nav a")).to_contain_text(["Reports", "Customers", "Rules"])
    await _rules(desk, page, before)
    await _reports(desk, page)
    await _accounts(desk, page)
    await _customers(desk, page)
    complaint = await desk.app.state.services.database.read(
        lambda s: queries.complaint_by_number(s, before["complaint"])
    )
    assert complaint.rule_set_version == 1  # a complaint keeps the version that routed it


async def _console(desk: Desk, name: str) -> tuple[httpx.AsyncClient, str]:
    client, csrf, _ = await console_login(desk, name, PASSWORD)
    return client, csrf


ADMIN_PAGES = ("/console/rules/edit", "/console/accounts", "/console/customers")
ADMIN_FORMS = (
    ("/console/rules/edit", {"name": "x", "category": "safety", "action": "publish"}),
    ("/console/rules/move", {"rule": "privacy", "position": "1"}),
    ("/console/rules/enable", {"rule": "privacy", "enabled": "false"}),
    ("/console/rules/delete", {"rule": "privacy"}),
    ("/console/rules/rollback", {"version": "1"}),
    ("/console/rules/import", {"toml": "[routing]"}),
    ("/console/accounts", {"name": "Eve", "role": "admin"}),
    ("/console/accounts/{root}", {"role": "admin", "active": "true"}),
    ("/console/accounts/{root}/tokens", {"name": "mine"}),
    ("/console/customers/1/erase", {"confirm": "1"}),
)


async def test_supervisors_and_agents_are_refused_what_their_role_may_not_do(desk: Desk) -> None:
    await desk.complain(BILLING, customer="c-1")
    await desk.account("Root", role="admin", departments=())
    await desk.account("Sam", role="supervisor", departments=("billing",))
    await desk.account("Ana", role="agent", departments=("billing",))
    supervisor, supervisor_csrf = await _console(desk, "Sam")
    agent, agent_csrf = await _console(desk, "Ana")
    admin, admin_csrf = await _console(desk, "Root")
    root = next(a.id for a in await desk.app.state.services.accounts.listing() if a.name == "Root")
    forms = [(path.format(root=root), data) for path, data in ADMIN_FORMS]
    before = table_counts(desk.bot.store_url)

    report = await supervisor.get("/console/reports")
    assert report.status_code == 200 and report.text.count("<svg") == 8
    assert "network" not in report.text.split("</select>")[0]  # only billing to filter by
    other = await supervisor.get("/console/reports", params={"department": "network"})
    assert other.status_code == 403 and "You see reports of Billing only" in other.text
    nowhere = await supervisor.get("/console/reports", params={"department": "nowhere"})
    assert nowhere.status_code == 422 and "there is no department" in nowhere.text
    csv = await supervisor.get("/api/reports/by_grade.csv")
    assert csv.status_code == 200 and csv.text.startswith("grade,complaints")
    refused = await agent.get("/console/reports")
    assert refused.status_code == 403 and "Reports need the supervisor role" in refused.text

    # The rules are readable by every role (as in the API), without the buttons that change them.
    for client in (agent, supervisor):
        shown = await client.get("/console/rules")
        assert shown.status_code == 200 and "privacy" in shown.text
        assert "/console/rules/delete" not in shown.text
    tried = await supervisor.post(
        "/console/rules/try", data={"text": "my phone caught fire", "csrf_token": supervisor_csrf}
    )
    assert tried.status_code == 200 and 'id="decided-category">safety<' in tried.text
    no_try = await agent.post("/console/rules/try", data={"text": "x", "csrf_token": agent_csrf})
    assert no_try.status_code == 403 and "needs the supervisor role" in no_try.text

    for client, csrf in ((supervisor, supervisor_csrf), (agent, agent_csrf)):
        for path in ADMIN_PAGES:
            page = await client.get(path)
            assert page.status_code == 403 and "needs the admin role" in page.text, path
        for path, data in forms:
            answer = await client.post(path, data={**data, "csrf_token": csrf})
            assert answer.status_code == 403 and "needs the admin role" in answer.text, path
    for path, data in forms:  # an admin's form without the session's token
        answer = await admin.post(path, data=data)
        assert answer.status_code == 403 and "reload the page" in answer.text, path
    assert (await admin.get("/console/customers/999")).status_code == 404
    assert (await admin.get("/console/accounts/999")).status_code == 404
    assert (await admin.get("/console/rules/edit", params={"name": "nope"})).status_code == 404
    assert table_counts(desk.bot.store_url) == before
    assert (await desk.app.state.services.rule_book.active()).version == 1

    mine = f"/console/accounts/{root}"  # an admin cannot lock themselves out
    demoted = await admin.post(mine, data={"role": "agent", "csrf_token": admin_csrf})
    assert demoted.status_code == 303
    assert "cannot disable or demote yourself" in (await admin.get(mine)).text
    assert table_counts(desk.bot.store_url) == before


async def test_an_admin_reorders_disables_deletes_and_imports_rules_with_forms(desk: Desk) -> None:
    await desk.account("Root", role="admin", departments=())
    admin, csrf = await _console(desk, "Root")
    book = desk.app.state.services.rule_book

    async def send(path: str, **data: str) -> str:
        """Post a form, follow the redirect, and return the flash message shown."""
        answer = await admin.post(path, data={**data, "csrf_token": csrf})
        assert answer.status_code == 303 and answer.headers["location"] == "/console/rules"
        shown = (await admin.get("/console/rules")).text
        found = re.search(r'<p class="flash (?:ok|error)"[^>]*>([^<]*)</p>', shown)
        assert found is not None
        return found[1].replace("&#39;", "'")

    before = table_counts(desk.bot.store_url)
    assert await send("/console/rules/move", rule="nope", position="1") == (
        "Nothing was changed: there is no rule named 'nope'; the rule list shows the names in use."
    )
    huge = await admin.post(
        "/console/rules/import",
        data={"csrf_token": csrf},
        files={"file": ("rules.toml", b"#" * (2 << 20), "application/toml")},
    )
    assert huge.status_code == 303
    shown = (await admin.get("/console/rules")).text
    assert "Nothing was imported: over 1\N{NO-BREAK SPACE}MB." in shown  # not a byte count
    broken = await send("/console/rules/import", toml="[[rules]]\nname = 'x'\npattern = '('")
    assert broken.startswith("Nothing was changed:") and "not routing tables" not in broken
    assert table_counts(desk.bot.store_url) == before

    assert await send("/console/rules/move", rule="privacy", position="1") == (
        "Moved 'privacy' to position 1; version 2 is active."
    )
    assert book.current.rules[0].name == "privacy"
    assert await send("/console/rules/delete", rule="privacy", confirm="delete") == (
        "Deleted 'privacy'; version 3 is active."
    )
    exported = await admin.get("/api/rules/export", params={"version": 1})
    assert exported.status_code == 200
    imported = await admin.post(
        "/console/rules/import",
        data={"csrf_token": csrf},
        files={"file": ("rules.toml", exported.content, "application/toml")},
    )
    assert imported.status_code == 303
    assert (await book.active()).version == 1  # the same rules as version 1: that version again
    assert [rule.name for rule in book.current.rules][5] == "privacy"
