"""Erasing a customer after each kind of reason staff or the customer gave, through the real
API, on SQLite and PostgreSQL: the reason a person wrote goes (staff reopening a complaint,
rejecting one, merging with a note, resolving, correcting, a note), the reasons the bot writes
for the customer's own doing stay (a reopening by a message or a low survey score: what the
customer wrote is in their message and survey comment, erased there). After the erasure a
reply is refused saying plainly that the customer's data was erased, with nothing written,
in the API and on the console in the reader's language."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from complaints.clock import ManualClock
from tests.conftest import SECRET, START, CallbackReceiver, Served, table_counts
from tests.web.conftest import Desk, console_login, delivered, rows, status_changes
from tests.web.test_privacy_api import _holding

NAME = "陳"
"""In every text below and nowhere else: the whole store is searched for it after erasure."""
SAID = {
    "reopen": "陳小姐打電話說還在漏水",
    "reject": "陳小姐 bought the heater elsewhere",
    "merge": "陳小姐 wrote twice about the same leak",
    "resolve": "陳小姐's boiler valve replaced",
    "correct": "陳小姐 says it is a safety issue",
    "note": "陳小姐 prefers calls after 6pm",
    "wrote_again": "陳小姐 here: it is still leaking",
    "survey": "1 陳小姐: still leaking",
}
LEAK = "The boiler is leaking water all over the kitchen floor, please send someone."


@pytest.fixture
async def erasing_desk(
    start_bot: Callable[..., Awaitable[Any]],
    callback_receiver: tuple[CallbackReceiver, Served],
    store_url: str,
) -> AsyncIterator[tuple[Desk, CallbackReceiver]]:
    """The bot on SQLite and again on PostgreSQL (`store_url`), background work off, the
    shop's customers reachable through the returned receiver."""
    receiver, served = callback_receiver
    overrides = {
        "store": {"url": store_url},
        "webhook": {
            "sources": {"shop": {"secret": SECRET, "callback_url": f"{served.url}/callback"}}
        },
    }
    clock = ManualClock(START)
    running = Desk(await start_bot(overrides, clock=clock, background=False), clock)
    yield running, receiver
    for client in running.clients:
        await client.aclose()


async def _ok(answer: Awaitable[httpx.Response]) -> httpx.Response:
    done = await answer
    assert done.status_code in (200, 201), done.text
    return done


async def _resolved(root: httpx.AsyncClient, number: str, summary: str = "Fixed.") -> None:
    await _ok(root.post(f"/api/complaints/{number}/resolve", json={"summary": summary}))


async def _wrote_about_chen(desk: Desk, receiver: CallbackReceiver) -> dict[str, str]:
    """Complaints of one customer, each finished or reopened with a reason someone gave;
    their numbers by what was done."""
    opened = {}
    for i, what in enumerate(("reopen", "reject", "merge", "into", "resolve", "again", "survey")):
        answer = await desk.complain(f"{LEAK} ({i})", customer="c-7", id_=f"m-{i}", name="陳美玲")
        opened[what] = answer["complaint"]
    root = await desk.account("Root", role="admin", departments=(), password="correct horse")
    await _resolved(root, opened["reopen"])
    await _ok(
        root.post(f"/api/complaints/{opened['reopen']}/reopen", json={"reason": SAID["reopen"]})
    )
    await _ok(
        root.post(
            f"/api/complaints/{opened['reject']}/reject", json={"explanation": SAID["reject"]}
        )
    )
    await _ok(
        root.post(
            f"/api/complaints/{opened['merge']}/merge",
            json={"into": opened["into"], "note": SAID["merge"]},
        )
    )
    resolve = opened["resolve"]
    await _ok(root.post(f"/api/complaints/{resolve}/notes", json={"text": SAID["note"]}))
    await _ok(
        root.post(
            f"/api/complaints/{resolve}/correct",
            json={"grade": "urgent", "reason": SAID["correct"]},
        )
    )
    await _resolved(root, resolve, SAID["resolve"])
    await _resolved(root, opened["again"])
    again = {"complaint": opened["again"], "name": "陳美玲"}
    await desk.complain(SAID["wrote_again"], customer="c-7", id_="m-again", **again)
    await _resolved(root, opened["survey"])
    desk.clock.advance(timedelta(days=7))
    assert (await desk.app.state.services.sweeps.run_all())["surveys"] >= 1
    await delivered(desk, receiver)
    survey = {"complaint": opened["survey"], "name": "陳美玲"}
    await desk.complain(SAID["survey"], customer="c-7", id_="m-survey", **survey)
    return opened


async def test_erasure_leaves_no_reason_a_person_wrote_and_keeps_the_bots(
    erasing_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = erasing_desk
    opened = await _wrote_about_chen(desk, receiver)
    for text in SAID.values():
        assert _holding(desk, text), text  # each was stored somewhere
    reopened = status_changes(desk, opened["again"])[-1]
    assert (reopened["to"], reopened["why"]) == ("reopened", "the customer wrote again")
    surveyed = status_changes(desk, opened["survey"])[-1]
    assert (surveyed["to"], surveyed["why"]) == ("reopened", "survey score 1")
    (customer,) = rows(
        desk, "SELECT customer_id FROM complaints WHERE number = :n", n=opened["reopen"]
    )
    customer_id = int(customer["customer_id"])
    root = desk.clients[-1]

    done = await root.post(
        f"/api/customers/{customer_id}/erase", json={"confirm": str(customer_id)}
    )

    assert done.status_code == 200, done.text
    assert _holding(desk, NAME) == []  # no table, no column, no event anywhere
    shown = await root.get(f"/api/complaints/{opened['reopen']}")
    changes = [e for e in shown.json()["timeline"] if e.get("event") == "status_changed"]
    assert changes[-1]["detail"] == {"from": "resolved", "to": "reopened", "why": "[erased]"}
    assert NAME not in shown.text
    by_reason = {
        (what, change["to"]): change["why"]
        for what, number in opened.items()
        for change in status_changes(desk, number)
        if change["to"] in ("rejected", "resolved", "reopened", "merged")
    }
    assert by_reason[("reject", "rejected")] == "[erased]"
    assert by_reason[("resolve", "resolved")] == "[erased]"
    assert by_reason[("again", "reopened")] == "the customer wrote again"  # the bot's words
    assert by_reason[("survey", "reopened")] == "survey score 1"
    assert by_reason[("merge", "merged")] == f"merged into {opened['into']}"


async def test_a_reply_to_an_erased_customer_is_refused_saying_so_and_writes_nothing(
    erasing_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, _ = erasing_desk
    number = (await desk.complain(LEAK, customer="c-8", name="陳美玲"))["complaint"]
    root = await desk.account("Root", role="admin", departments=(), password="correct horse")
    (customer,) = rows(desk, "SELECT customer_id FROM complaints WHERE number = :n", n=number)
    customer_id = int(customer["customer_id"])
    await desk.app.state.services.accounts.create(
        "Li", "admin", (), "correct horse battery", language="zh-Hant"
    )
    console, csrf, _ = await console_login(desk, "Li", "correct horse battery")
    page = await console.get(f"/console/complaints/{number}")  # opened before the erasure
    assert "form" in page.text and f"/console/complaints/{number}/reply" in page.text
    await _ok(root.post(f"/api/customers/{customer_id}/erase", json={"confirm": str(customer_id)}))
    before = table_counts(desk.bot.store_url)

    refused = await root.post(f"/api/complaints/{number}/reply", json={"text": "Hello"})
    asked = await root.post(
        f"/api/complaints/{number}/reply", json={"text": "When?", "wait_for_customer": True}
    )
    posted = await console.post(
        f"/console/complaints/{number}/reply",
        data={"text": "您好", "csrf_token": csrf},
        follow_redirects=True,
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"{number}: the customer's personal data was erased, so no address of theirs is kept "
        "and nothing can be sent to them; contact them another way if you still can"
    )
    assert asked.status_code == 409 and asked.json() == refused.json()
    text = html.unescape(re.sub(r"<[^>]+>", "", posted.text))
    assert f"{number}：客戶的個人資料已被刪除" in text, text
    assert "cannot receive later messages" not in refused.text + text
    assert table_counts(desk.bot.store_url) == before
