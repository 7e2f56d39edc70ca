"""The console in headless Chromium against the real bot: log in, the queue, working a
complaint to resolved with replies that reach the customer's channel, a supervisor's approval,
canned replies; and over httpx, the refusals a browser would not show (CSRF, departments)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.async_api import Browser, Page, expect
from sqlmodel import select

from store.models import Complaint
from tests.conftest import table_counts
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
    new_context,
    screenshot,
)
from tests.web.conftest import CallbackReceiver, Desk, console_login, delivered

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
NETWORK = "No signal on my phone since Monday, the network keeps dropping every call."
NASTY = '<script>alert("x")</script> 我的手机坏了 😡 <b>bold</b> &amp;'
NASTY_NAME = "<img src=x onerror=alert(2)> 李伟 🙂"
CANNED = {"key": "refund-done", "language": "es", "title": "Reembolso hecho"}


def complaint_url(number: str) -> str:
    return f"/console/complaints/{number}"


async def flash(page: Page) -> str:
    return await page.locator("p.flash").inner_text()


async def test_log_in_and_find_complaints_in_the_queue(desk: Desk, browser: Browser) -> None:
    billing = (await desk.complain(BILLING, customer="c-1", name="Ana Pérez"))["complaint"]
    desk.clock.advance(timedelta(minutes=5))
    network = (await desk.complain(NETWORK, customer="c-2", name="Bo Lindqvist"))["complaint"]
    await desk.account("Sam", role="supervisor", departments=("billing", "network"))
    page = await (await new_context(browser, desk.url)).new_page()

    await page.goto("/console/queue?department=network")  # no session: log in first
    assert "/console/login?next=/console/queue%3Fdepartment%3Dnetwork" in page.url
    await page.fill("input[name=name]", "Sam")
    await page.fill("input[name=password]", "not the password")
    await screenshot(page, "login")
    await page.click("button[type=submit]")
    await expect(page.locator("p.flash.error")).to_have_text("Wrong name or password.")
    assert "/console/login" in page.url and await page.input_value("input[name=name]") == "Sam"

    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r"/console/queue\?department=network$"))  # asked first
    rows = page.locator("table.queue tbody tr[data-number]")
    await expect(rows).to_have_count(1)
    assert await rows.get_attribute("data-number") == network

    await page.goto("/console/queue")
    await expect(rows).to_have_count(2)
    row = page.locator(f"tr[data-number='{billing}']")
    await expect(row).to_contain_text("Ana Pérez")
    await expect(row).to_contain_text("Billing")  # the department by its name
    await screenshot(page, "queue")
    await page.fill("input[name=q]", "tarjeta")  # words of the customer's message
    await page.click("form[role=search] button[type=submit]")
    await expect(rows).to_have_count(1)
    assert await rows.get_attribute("data-number") == billing
    await page.goto("/console/queue?q=bo+lindqvist")  # the customer's name
    assert await rows.get_attribute("data-number") == network
    await page.select_option("select[name=department]", "billing")
    await page.fill("input[name=q]", "")
    await page.click("form[role=search] button[type=submit]")
    assert await rows.get_attribute("data-number") == billing

    desk.clock.advance(timedelta(days=30))  # the session ended long ago; the cases are late
    await page.goto("/console/queue?overdue=true")
    assert "/console/login" in page.url
    await page.fill("input[name=name]", "Sam")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("tr.overdue")).to_have_count(2)
    await expect(page.locator("tr.overdue td.deadline").first).to_contain_text("(overdue)")

    await page.click("form.whoami button")  # log out: the session ends
    await expect(page.locator("p.flash.ok")).to_have_text("You are logged out.")
    await page.goto("/console/queue")
    assert "/console/login" in page.url


async def test_an_agent_works_a_complaint_from_queue_to_resolved(
    reachable_desk: tuple[Desk, CallbackReceiver], browser: Browser
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING, name="Ana Pérez"))["complaint"]
    await delivered(desk, receiver)
    await desk.account("Root", role="admin", departments=())
    await desk.account("Ana", departments=("billing",))

    root, csrf = await _session(desk, "Root")
    script = "Estimada {customer}: reembolso de {number} hecho. {agent}"
    saved = await root.post("/console/canned", data={**CANNED, "text": script, "csrf_token": csrf})
    assert saved.status_code == 303

    page = await logged_in(browser, desk.url, "Ana")
    await page.click(f"a[href='{complaint_url(number)}']")
    await page.wait_for_url(f"**{complaint_url(number)}")
    await expect(page.locator("nav a")).to_have_text(["Queue"])  # no admin pages for agents
    await page.click("form[action$='/take'] button")
    assert await flash(page) == f"{number}: assigned to Ana."
    await expect(page.locator("#assignee")).to_have_text("Ana")

    await page.select_option("select[name=canned]", "refund-done")
    await page.click("form[method=get] button")  # the canned reply, filled in, in the box
    reply_box = page.locator("form[action$='/reply'] textarea")
    expected = f"Estimada Ana Pérez: reembolso de {number} hecho. Ana"
    assert await reply_box.input_value() == expected
    await reply_box.fill(expected + "\nLe llegará en 3 días.")
    await page.click("form[action$='/reply'] button")
    assert await flash(page) == f"{number}: queued for the customer by webhook."
    told = await delivered(desk, receiver)
    assert sorted(message["text"] for message in told) == [
        # in the customer's thread, with \n as typed; the agent greeted, the bot closes
        expected + "\nLe llegará en 3 días.\n\nAtentamente,\nAna\nAtención al cliente",
        f"Su reclamación {number} la gestiona ahora Ana.",
    ]
    assert all(message["complaint"] == number for message in told)

    await page.fill("form[action$='/note'] textarea", "called the bank")
    await page.click("form[action$='/note'] button")
    await expect(page.locator("li.event").last).to_contain_text("called the bank")
    await page.fill("input[name=order_number]", "A-77")
    await page.click("form[action$='/fields'] button")
    assert await flash(page) == f"{number}: updated Order number."
    await page.select_option("form[action$='/correct'] select[name=grade]", "urgent")
    await page.fill("form[action$='/correct'] input[name=reason]", "charged twice")
    await page.click("form[action$='/correct'] button")
    assert await flash(page) == f"{number}: grade general → urgent."
    assert await delivered(desk, receiver) == []  # notes and corrections stay internal

    await page.fill("textarea[name=summary]", "Le hemos devuelto 30 €.")
    await page.fill("input[name=root_cause]", "TPV duplicó el cobro")
    await page.click("form[action$='/resolve'] button")
    await expect(page.locator("#status")).to_have_text("resolved")
    await screenshot(page, "complaint")
    [resolution] = await delivered(desk, receiver)
    assert "Le hemos devuelto 30 €." in resolution["text"]
    stored = await desk.app.state.services.database.read(
        lambda session: session.exec(select(Complaint).where(Complaint.number == number)).one()
    )
    assert (stored.status, stored.root_cause, stored.order_number, stored.grade) == (
        "resolved",
        "TPV duplicó el cobro",
        "A-77",
        "urgent",
    )


async def test_a_supervisor_approves_a_compensation_before_the_customer_hears_of_it(
    reachable_desk: tuple[Desk, CallbackReceiver], browser: Browser
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)
    await desk.account("Ana", departments=("billing",))
    await desk.account("Sam", role="supervisor", departments=("billing",))

    agent = await logged_in(browser, desk.url, "Ana")
    await agent.goto(complaint_url(number))
    await agent.select_option("select[name=kind]", "compensation")
    await agent.fill("input[name=amount]", "250")
    await agent.fill("textarea[name=description]", "por las molestias")
    await agent.click("form[action$='/solutions'] button")
    assert "waiting for a supervisor's approval" in await flash(agent)
    await expect(agent.locator("tr[data-solution]")).to_contain_text("awaiting approval")
    await expect(agent.locator("button[value=approve]")).to_have_count(0)
    assert await delivered(desk, receiver) == []  # the customer hears nothing yet

    supervisor = await logged_in(browser, desk.url, "Sam")
    await expect(supervisor.locator("nav a")).to_have_text(["Queue", "Reports"])
    await supervisor.goto(complaint_url(number))
    await supervisor.click("button[value=reject]")  # rejecting needs a reason
    assert "say why the solution is rejected" in await flash(supervisor)
    await supervisor.click("button[value=approve]")
    assert await flash(supervisor) == f"{number}: approved; the customer is told."
    await expect(supervisor.locator("tr[data-solution] td.proposer")).to_have_text("Ana")
    await expect(supervisor.locator("tr[data-solution] td.decision")).to_have_text(
        "approved by Sam"
    )
    await screenshot(supervisor, "complaint-approved")
    [offer] = await delivered(desk, receiver)
    assert "una compensación (250,00\N{NO-BREAK SPACE}€): por las molestias." in offer["text"]


async def test_customer_text_is_shown_escaped_and_intact(desk: Desk, browser: Browser) -> None:
    attachment = {
        # No "/": a name's directory part is dropped at intake, like ../../x.
        "name": "<img src=x onerror=alert(1)><i>factura.pdf",
        "content_type": "application/pdf",
        "data": "JVBERi0x",
    }
    number = (
        await desk.complain(NASTY, customer="c-9", name=NASTY_NAME, attachments=[attachment])
    )["complaint"]
    await desk.account("Root", role="admin", departments=())
    page = await logged_in(browser, desk.url, "Root")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    await expect(page.locator(f"tr[data-number='{number}'] td").nth(2)).to_have_text(NASTY_NAME)
    served = await page.goto(complaint_url(number))
    assert served is not None
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in await served.text()
    inbound = page.locator("li.in pre.text")
    await expect(inbound).to_have_text(NASTY)
    await expect(page.locator("#customer")).to_have_text(NASTY_NAME)
    await expect(page.locator("main script, main img, li.message b, li.message i")).to_have_count(0)
    link = page.locator("li.in a", has_text="<img src=x onerror=alert(1)><i>factura.pdf")
    download = await page.request.get(await link.get_attribute("href") or "")  # the session's
    assert download.status == 200 and await download.body() == b"%PDF-1"
    await screenshot(page, "complaint-escaped")
    assert dialogs == []


async def _session(desk: Desk, name: str) -> tuple[httpx.AsyncClient, str]:
    """A console session over httpx; its login is checked never to leave the site and to set
    an HttpOnly, SameSite=Lax cookie."""
    client, csrf, answer = await console_login(desk, name, PASSWORD, next_page="//evil.test/")
    assert answer.headers["location"] == "/console/queue"  # never to another site
    cookie = next(
        header
        for header in answer.headers.get_list("set-cookie")
        if header.startswith("complaint_session=")
    )
    assert {"HttpOnly", "Path=/", "SameSite=lax"} <= {part.strip() for part in cookie.split(";")}
    return client, csrf


async def test_forms_without_the_session_token_or_from_another_department_are_refused(
    desk: Desk,
) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    await desk.account("Ana", departments=("billing",))
    await desk.account("Nico", departments=("network",))
    ana, csrf = await _session(desk, "Ana")
    nico, nico_csrf = await _session(desk, "Nico")
    before = table_counts(desk.bot.store_url)

    note = f"{complaint_url(number)}/note"
    for data in (
        {"text": "hi"},
        {"text": "hi", "csrf_token": "forged"},
        {"text": "hi", "csrf_token": nico_csrf},
    ):
        refused = await ana.post(note, data=data)
        assert refused.status_code == 403 and "reload the page" in refused.text, data
    anonymous = desk.client()
    away = await anonymous.post(note, data={"text": "hi", "csrf_token": csrf})
    assert away.status_code == 303 and away.headers["location"].startswith("/console/login")
    no_token = await anonymous.post("/console/login", data={"name": "Ana", "password": PASSWORD})
    assert no_token.status_code == 403 and "open the login page again" in no_token.text

    other = await nico.get(complaint_url(number))
    assert other.status_code == 403 and "belongs to Billing" in other.text  # named
    taken = await nico.post(f"{complaint_url(number)}/take", data={"csrf_token": nico_csrf})
    assert taken.status_code == 403 and "belongs to Billing" in taken.text
    admin_only = await ana.get("/console/canned")
    assert admin_only.status_code == 403 and "needs the admin role" in admin_only.text
    assert (await ana.get("/console/complaints/C-2000-999999")).status_code == 404
    empty = await ana.post(note, data={"text": " ", "csrf_token": csrf})
    assert empty.status_code == 303
    assert (
        "write the note: an empty note is not kept" in (await ana.get(complaint_url(number))).text
    )
    assert table_counts(desk.bot.store_url) == before

    accepted = await ana.post(note, data={"text": "hi", "csrf_token": csrf})
    assert accepted.status_code == 303
    assert table_counts(desk.bot.store_url)["events"] == before["events"] + 1


async def test_reassign_and_mark_not_valid(reachable_desk: tuple[Desk, CallbackReceiver]) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    await delivered(desk, receiver)
    await desk.account("Ana", departments=("billing",))
    await desk.account("Bea", departments=("billing",))
    await desk.account("Nico", departments=("network",))
    ana, csrf = await _session(desk, "Ana")
    page = complaint_url(number)

    for to, outcome in [
        ("Bea", f"{number}: assigned to Bea."),
        ("Nico", "Nothing was changed: Nico does not work for Billing"),
        ("Ghost", "Nothing was changed: there is no active account named &#39;Ghost&#39;"),
    ]:
        answer = await ana.post(f"{page}/assign", data={"to": to, "csrf_token": csrf})
        assert answer.status_code == 303 and answer.headers["location"] == page
        assert outcome in (await ana.get(page)).text
    told = await ana.post(
        f"{page}/reject",
        data={"explanation": "El cargo doble es una preautorización.", "csrf_token": csrf},
    )
    assert told.status_code == 303
    shown = (await ana.get(page)).text
    assert f"{number}: rejected; the customer is told." in shown and 'id="status">rejected' in shown
    texts = sorted(message["text"] for message in await delivered(desk, receiver))
    assert texts[0].startswith(f"Estimado/a Ana Pérez:\n\nGracias por escribirnos sobre {number}.")
    assert "El cargo doble es una preautorización." in texts[0]
    assert texts[1] == f"Su reclamación {number} la gestiona ahora Bea."


async def test_admins_manage_canned_replies_on_their_page(desk: Desk) -> None:
    await desk.account("Root", role="admin", departments=())
    root, csrf = await _session(desk, "Root")

    typo = await root.post(
        "/console/canned", data={**CANNED, "text": "Hola {cliente}", "csrf_token": csrf}
    )
    assert typo.status_code == 303
    page = (await root.get("/console/canned")).text
    assert "Nothing was saved: unknown placeholder(s) {cliente}" in page
    assert "No canned replies yet." in page
    created = await root.post(
        "/console/canned", data={**CANNED, "text": "Hola {customer}", "csrf_token": csrf}
    )
    assert created.status_code == 303
    page = (await root.get("/console/canned")).text
    saved = r"Saved the (Spanish|Español) canned reply &#39;refund-done&#39;\."
    assert re.search(saved, page), page
    reply_id = re.search(r'href="/console/canned\?edit=(\d+)"', page)
    assert reply_id is not None
    form = (await root.get("/console/canned", params={"edit": reply_id[1]})).text
    assert 'name="reply_id" value="' + reply_id[1] + '"' in form and "Hola {customer}" in form
    edited = await root.post(
        "/console/canned",
        data={
            **CANNED,
            "title": "Hecho",
            "text": "Hola",
            "reply_id": reply_id[1],
            "csrf_token": csrf,
        },
    )
    assert edited.status_code == 303
    assert "<td>Hecho</td>" in (await root.get("/console/canned")).text
    deleted = await root.post(f"/console/canned/{reply_id[1]}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303
    page = (await root.get("/console/canned")).text
    assert "Deleted the canned reply." in page and "No canned replies yet." in page
    again = await root.post(f"/console/canned/{reply_id[1]}/delete", data={"csrf_token": csrf})
    assert again.status_code == 303
    assert (
        "Nothing was deleted: there is no canned reply" in (await root.get("/console/canned")).text
    )
