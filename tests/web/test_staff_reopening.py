"""Staff reopen a finished complaint (staff.reopening) over the real bot: the customer phoned
to say the fix did not work, a supervisor found a rejection wrong. The complaint is tracked
again from the reopening, a survey round still open ends, the handler stays, the reason is
kept for the desk and the customer is told on their own channel, in their language; every
refusal changes nothing."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from complaints.clock import ManualClock
from store import queries
from tests.conftest import START, CallbackReceiver, signed, table_counts
from tests.mailpeers import Sink
from tests.web.browser import (  # noqa: F401 (the fixtures: browser, chromium)
    PASSWORD,
    browser_fixture,
    chromium_fixture,
    logged_in,
)
from tests.web.conftest import (
    Desk,
    console_login,
    delivered,
    mailed,
    mails,
    status_changes,
)
from tests.web.test_status_races import held, racing_desk  # noqa: F401 (a fixture)

BILLING = "Me han cobrado dos veces la misma compra en la tarjeta, quiero el reembolso."
PHONED = "customer phoned: the refund never reached the card"


async def stored(desk: Desk, number: str) -> Any:
    """The complaint as the store reads it (typed columns)."""
    return await desk.app.state.services.database.read(
        lambda session: queries.complaint_by_number(session, number)
    )


async def resolved_by(desk: Desk, agent: httpx.AsyncClient, number: str) -> None:
    assert (await agent.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    done = await agent.post(f"/api/complaints/{number}/resolve", json={"summary": "Devuelto."})
    assert done.status_code == 200, done.text


async def test_an_agent_reopens_a_resolved_complaint_whose_survey_is_open(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana")
    await resolved_by(desk, ana, number)
    desk.clock.advance(timedelta(days=7))
    assert (await desk.app.state.services.sweeps.run_all())["surveys"] == 1
    await delivered(desk, receiver)
    assert (await stored(desk, number)).close_due is not None  # the survey waits for a score

    desk.clock.advance(timedelta(days=2))
    now = desk.clock.now()
    reopened = await ana.post(f"/api/complaints/{number}/reopen", json={"reason": PHONED})

    assert reopened.status_code == 200, reopened.text
    found = await stored(desk, number)
    assert (found.status, found.assignee) == ("reopened", "Ana")  # who knows the case keeps it
    level = desk.app.state.services.sweeps.due.service_levels[found.grade]
    assert (found.first_response_due, found.resolution_due) == level.due(now)
    assert found.escalate_due == found.first_response_due and found.first_response_at is None
    assert found.warn_due == found.escalate_due - timedelta(hours=1)
    assert (found.survey_due, found.close_due, found.escalation_level) == (None, None, 0)
    assert status_changes(desk, number)[-1] == {
        "actor": "agent:Ana",
        "from": "resolved",
        "to": "reopened",
        "why": PHONED,
    }
    [notice] = await delivered(desk, receiver)
    assert notice["complaint"] == number and notice["kind"] == "reopened"
    assert notice["text"].startswith(
        f"Hemos reabierto su reclamación {number} para revisarla de nuevo; una persona le "
        "responderá antes del "
    )
    assert "refund" not in notice["text"]  # the reason is the desk's

    again = await ana.post(f"/api/complaints/{number}/reopen", json={"reason": PHONED})
    assert again.status_code == 409 and "nothing to reopen" in again.json()["detail"]
    assert await delivered(desk, receiver) == []


async def test_refusals_change_nothing(desk: Desk) -> None:
    resolved = (await desk.complain(BILLING, customer="c-1"))["complaint"]
    still_open = (await desk.complain(BILLING, customer="c-2"))["complaint"]
    rejected = (await desk.complain(BILLING, customer="c-3"))["complaint"]
    ana = await desk.account("Ana")
    nico = await desk.account("Nico", departments=("network",))
    await resolved_by(desk, ana, resolved)
    said = await ana.post(f"/api/complaints/{rejected}/reject", json={"explanation": "No."})
    assert said.status_code == 200, said.text
    before = table_counts(desk.bot.store_url)

    cases: list[tuple[httpx.AsyncClient, str, Any, int, str]] = [
        (ana, still_open, {"reason": PHONED}, 409, "is acknowledged, not finished"),
        (nico, resolved, {"reason": PHONED}, 403, "billing"),
        (ana, resolved, {"reason": ""}, 422, "reason"),
        (ana, resolved, {"reason": "   "}, 422, "say why it is reopened"),
        (ana, resolved, {}, 422, "reason"),
        (ana, resolved, {"reason": PHONED, "notify": False}, 422, "notify"),
        (ana, "C-2026-999999", {"reason": PHONED}, 404, "C-2026-999999"),
        (ana, rejected, {"reason": PHONED}, 403, "only a supervisor reopens a rejected"),
    ]
    for client, number, body, status, reason in cases:
        response = await client.post(f"/api/complaints/{number}/reopen", json=body)
        assert response.status_code == status, (number, body, response.text)
        assert reason in response.text, (number, body, response.text)
    assert table_counts(desk.bot.store_url) == before
    assert [(await stored(desk, n)).status for n in (resolved, still_open, rejected)] == [
        "resolved",
        "acknowledged",
        "rejected",
    ]

    # the rejection overturned: by a supervisor of the department
    sam = await desk.account("Sam", role="supervisor")
    overturned = await sam.post(
        f"/api/complaints/{rejected}/reopen", json={"reason": "the double charge is real"}
    )
    assert overturned.status_code == 200, overturned.text
    assert overturned.json()["complaint"]["status"] == "reopened"


async def test_an_email_customer_is_told_in_their_language(
    mail_desk: tuple[Desk, Any],
) -> None:
    desk, sink = mail_desk
    number = await mailed(
        desk, "我上周买的手机屏幕坏了，开机就黑屏，要求换货。", sender="wang@customer.test"
    )
    root = await desk.account("Root", role="admin", departments=())
    await resolved_by(desk, root, number)
    await mails(desk, sink)
    reopened = await root.post(
        f"/api/complaints/{number}/reopen", json={"reason": "the new screen is black too"}
    )
    assert reopened.status_code == 200, reopened.text
    [notice] = await mails(desk, sink)
    assert notice["To"] == "wang@customer.test"
    body = notice.get_body(("plain",)).get_content()
    assert f"我们已重新打开投诉 {number}，将再次跟进处理，工作人员将在 " in body
    assert "black" not in body


async def test_a_supervisor_reopens_in_the_console_in_the_browser(
    reachable_desk: tuple[Desk, CallbackReceiver], browser: Browser
) -> None:
    desk, receiver = reachable_desk
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana")
    await desk.account("Sam", role="supervisor")
    await resolved_by(desk, ana, number)
    open_one = (await desk.complain(BILLING, customer="c-2"))["complaint"]
    await delivered(desk, receiver)

    page = await logged_in(browser, desk.url, "Sam")
    await page.goto(f"/console/complaints/{open_one}")
    await expect(page.locator("#status")).to_be_visible()
    assert await page.locator("form[action$='/reopen']").count() == 0  # nothing to reopen

    await page.goto(f"/console/complaints/{number}")
    await page.click("form[action$='/reopen'] button")  # no reason: the browser asks for one
    await expect(page.locator("#status")).to_have_text("resolved")
    await page.fill("form[action$='/reopen'] textarea[name=reason]", PHONED)
    await page.click("form[action$='/reopen'] button")
    await expect(page.locator("p.flash")).to_have_text(f"{number}: reopened; the customer is told.")
    await expect(page.locator("#status")).to_have_text("reopened")
    assert await page.locator("form[action$='/reopen']").count() == 0
    await expect(page.locator("form[action$='/resolve']")).to_be_visible()  # work again
    await expect(page.locator("li.event").last).to_contain_text(PHONED)
    [notice] = await delivered(desk, receiver)
    assert notice["text"].startswith(f"Hemos reabierto su reclamación {number}")
    assert status_changes(desk, number)[-1]["actor"] == "supervisor:Sam"


async def test_a_refusal_in_the_console_is_a_flash_in_the_agents_language(desk: Desk) -> None:
    number = (await desk.complain(BILLING))["complaint"]
    await desk.app.state.services.accounts.create(
        "Lola", "agent", ("billing",), PASSWORD, language="es"
    )
    client, csrf, _ = await console_login(desk, "Lola", PASSWORD)
    before = table_counts(desk.bot.store_url)
    posted = await client.post(
        f"/console/complaints/{number}/reopen", data={"reason": PHONED, "csrf_token": csrf}
    )
    assert posted.status_code == 303
    shown = (await client.get(f"/console/complaints/{number}")).text
    assert (
        f"No se ha cambiado nada: {number} está recibida, no terminada: no hay nada "
        "que reabrir." in html.unescape(shown)
    )
    assert table_counts(desk.bot.store_url) == before


async def test_staff_and_the_customer_reopen_at_the_same_moment_it_is_reopened_once(
    racing_desk: tuple[Desk, CallbackReceiver, str],  # noqa: F811 (the fixture)
) -> None:
    """The desk and the customer both reopen a resolved complaint at once, each order in
    turn: the first write reopens it; the other decides again on "reopened" (the customer's
    message just joins the reopened case; the desk's reopening is 409, unsaid)."""
    desk, receiver, url = racing_desk
    ana = await desk.account("Ana")
    for first in ("desk", "customer"):
        customer = f"c-{first}"
        number = (await desk.complain(BILLING, customer=customer))["complaint"]
        await resolved_by(desk, ana, number)
        await delivered(desk, receiver)
        raw, headers = signed(
            {
                "id": f"again-{first}",
                "customer": {"id": customer, "name": "Ana Pérez"},
                "complaint": number,
                "text": "Sigue sin llegar el reembolso a la tarjeta.",
            }
        )

        by_staff = ana.post(f"/api/complaints/{number}/reopen", json={"reason": PHONED})
        by_them = desk.client().post("/webhook/shop", content=raw, headers=headers)
        order = (by_staff, by_them) if first == "desk" else (by_them, by_staff)
        async with held(url, number) as queued:
            winner = asyncio.create_task(order[0])
            await queued(1)
            loser = asyncio.create_task(order[1])
            await queued(2)
        won, lost = await winner, await loser
        reopenings = [c for c in status_changes(desk, number) if c["to"] == "reopened"]
        assert len(reopenings) == 1, reopenings
        assert (await stored(desk, number)).status == "reopened"
        told = [message["text"] for message in await delivered(desk, receiver)]
        if first == "desk":
            assert won.status_code == 200, won.text
            assert lost.status_code in (200, 202) and lost.json()["complaint"] == number
            assert reopenings[0]["actor"] == "agent:Ana"
            assert sum("para revisarla de nuevo" in text for text in told) == 1
        else:
            assert won.status_code in (200, 202), won.text
            assert lost.status_code == 409, lost.text
            assert "changed by someone else meanwhile" in lost.json()["detail"]
            assert reopenings[0]["actor"] == "customer"
            assert not any("para revisarla de nuevo" in text for text in told)


@pytest.fixture
async def supervised_desk(start_bot: Any, sink: Sink) -> AsyncIterator[tuple[Desk, Sink]]:
    """The bot on a manual clock whose billing department has a Spanish-reading supervisor
    at an e-mail address; its relay is the test's sink."""
    overrides = {
        "email": {"relay": {"port": sink.port}},
        "departments": {
            "billing": {"supervisor": "email:jefa@desk.test", "supervisor_language": "es"}
        },
    }
    clock = ManualClock(START)
    running = Desk(await start_bot(overrides, clock=clock, background=False), clock)
    yield running, sink
    for client in running.clients:
        await client.aclose()


async def test_the_department_hears_who_reopened_it_and_why_but_not_the_reopener(
    supervised_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = supervised_desk
    number = (await desk.complain(BILLING))["complaint"]
    ana = await desk.account("Ana")
    sam = await desk.account("Sam", role="supervisor", email="JEFA@desk.test")
    await resolved_by(desk, ana, number)
    await mails(desk, sink)

    reopened = await ana.post(f"/api/complaints/{number}/reopen", json={"reason": PHONED})
    assert reopened.status_code == 200, reopened.text
    [told] = await mails(desk, sink)
    assert told["To"] == "jefa@desk.test"
    due = (await stored(desk, number)).first_response_due
    assert told.get_body(("plain",)).get_content().strip() == (
        f"Ana ha reabierto {number}: {PHONED}\nPrimera respuesta antes del "
        f"{due:%Y-%m-%d %H:%M} UTC (general, responsable: Ana)."
    )

    done = await ana.post(f"/api/complaints/{number}/resolve", json={"summary": "Devuelto."})
    assert done.status_code == 200, done.text
    again = await sam.post(f"/api/complaints/{number}/reopen", json={"reason": "otra vez"})
    assert again.status_code == 200, again.text
    assert await mails(desk, sink) == []  # the supervisor reopened it: nobody else to tell
