"""The queue's search over the real API and console, on SQLite and on PostgreSQL: a Spanish
agent types without accents or in capitals, a Hong Kong agent writes a mainland customer's name
in traditional characters, and both find the complaint; the search text follows every change
of what is searched (a corrected product, a customer's new name, a reply) and an erasure
leaves nothing of the customer to find."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from complaints.clock import ManualClock
from tests.conftest import SECRET, START
from tests.web.conftest import Desk, console_login, rows

LAMP = "La lámpara que compré se rompió al segundo día; quiero la devolución del dinero."
TV = "我上周买的电视机没有画面，请尽快处理。"
SPANISH = ["lampara", "LÁMPARA", "lámpara", "Martinez", "MARTÍNEZ", "devolucion"]
CHINESE = ["陈美玲", "陳美玲", "電視機", "电视机"]


@pytest.fixture
async def desk(start_bot: Callable[..., Awaitable[Any]], store_url: str) -> AsyncIterator[Desk]:
    """The bot on SQLite, then on PostgreSQL, background work off; the shop takes messages to
    its customers (nothing is dispatched, so nothing needs to listen)."""
    clock = ManualClock(START)
    shop = {"secret": SECRET, "callback_url": "http://127.0.0.1:9/callback"}
    overrides = {"store": {"url": store_url}, "webhook": {"sources": {"shop": shop}}}
    bot = await start_bot(overrides, clock=clock, background=False)
    running = Desk(bot, clock)
    yield running
    for client in running.clients:
        await client.aclose()


async def found(admin: httpx.AsyncClient, q: str) -> list[str]:
    answer = await admin.get("/api/complaints", params={"q": q})
    assert answer.status_code == 200, answer.text
    return [item["number"] for item in answer.json()["items"]]


async def listed(console: httpx.AsyncClient, q: str) -> set[str]:
    page = await console.get("/console/queue", params={"q": q})
    assert page.status_code == 200, page.text
    return set(re.findall(r"C-\d{4}-\d{6}", page.text))


async def test_search_ignores_case_accents_and_chinese_script(desk: Desk) -> None:
    lamp = (await desk.complain(LAMP, customer="c-es", name="Carlos Martínez"))["complaint"]
    tv = (await desk.complain(TV, customer="c-hk", name="陳美玲"))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    await desk.app.state.services.accounts.create("Ada", "admin", (), "correct horse battery")
    console, _, _ = await console_login(desk, "Ada", "correct horse battery")

    for q in SPANISH:
        assert await found(admin, q) == [lamp], q
        assert lamp in await listed(console, q) and tv not in await listed(console, q), q
    for q in CHINESE:
        assert await found(admin, q) == [tv], q
        assert tv in await listed(console, q) and lamp not in await listed(console, q), q
    # several words: each must be found; the number as typed, or in full-width digits
    assert await found(admin, "martinez LAMPARA") == [lamp]
    assert await found(admin, "martinez 電視機") == []
    assert await found(admin, lamp) == [lamp]
    assert await found(
        admin, lamp.translate({ord(c): ord(c) + 0xFEE0 for c in "C-0123456789"})
    ) == [lamp]


async def test_a_complaint_is_found_by_its_order_serial_and_model_numbers(desk: Desk) -> None:
    """A desk looks a complaint up by what the customer's paperwork says ("TW-8891")."""
    details = {"order_number": "TW-8891", "serial_number": "SN-44A7", "model": "Aircon X200"}
    aircon = (await desk.complain("冷氣不冷。", customer="c-tw", details=details))["complaint"]
    lamp = (await desk.complain(LAMP, customer="c-es", name="Carlos Martínez"))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    await desk.app.state.services.accounts.create("Ada", "admin", (), "correct horse battery")
    console, _, _ = await console_login(desk, "Ada", "correct horse battery")
    for q in ["TW-8891", "tw-8891", "ＴＷ－８８９１", "sn-44a7", "x200"]:
        assert await found(admin, q) == [aircon], q
        assert aircon in await listed(console, q) and lamp not in await listed(console, q), q


async def test_the_search_text_follows_every_change_of_what_is_searched(desk: Desk) -> None:
    number = (await desk.complain(TV, customer="c-hk", name="Chan"))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    assert await found(admin, "陳美玲") == []
    # the customer writes again under the name they go by (intake updates the customer)
    await desk.complain("電視機還是沒有畫面。", customer="c-hk", name="陈美玲")
    assert number in await found(admin, "陳美玲")
    # an agent corrects the product (the ORM's update)
    edited = await admin.patch(f"/api/complaints/{number}", json={"product": "Televisión Ñandú"})
    assert edited.status_code == 200, edited.text
    assert await found(admin, "television nandu") == [number]
    # an agent's reply is searched like the customer's words
    replied = await admin.post(
        f"/api/complaints/{number}/reply", json={"text": "Le enviaremos un técnico el miércoles."}
    )
    assert replied.status_code == 200, replied.text
    assert await found(admin, "tecnico miercoles") == [number]


async def test_an_erased_customer_is_found_by_nothing_they_wrote_or_were_called(
    desk: Desk,
) -> None:
    lamp = (await desk.complain(LAMP, customer="c-es", name="Carlos Martínez"))["complaint"]
    tv = (await desk.complain(TV, customer="c-hk", name="陳美玲"))["complaint"]
    admin = await desk.account("Root", role="admin", departments=())
    for number in (lamp, tv):
        ((customer,),) = [
            tuple(row.values())
            for row in rows(desk, "SELECT customer_id FROM complaints WHERE number = :n", n=number)
        ]
        erased = await admin.post(
            f"/api/customers/{customer}/erase", json={"confirm": str(customer)}
        )
        assert erased.status_code == 200, erased.text

    for q in [*SPANISH, *CHINESE, "carlos"]:
        assert await found(admin, q) == [], q
    left = rows(
        desk,
        "SELECT search_text FROM customers WHERE search_text <> '' UNION ALL "
        "SELECT search_text FROM messages WHERE search_text <> '' UNION ALL "
        "SELECT search_text FROM complaints WHERE search_text <> ''",
    )
    assert left == []
    assert sorted(await found(admin, lamp[:7])) == sorted([lamp, tv])  # numbers stay
