"""The Telegram sandbox README offers for trying the channel without a network
(tests/telegram_sandbox.py): the real bot polls it, a person plays the customer with HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import serve
from tests.telegram_api import FakeTelegram
from tests.telegram_sandbox import DEFAULT_TOKEN, sandbox_app

CUSTOMER = 4242


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[FakeTelegram, httpx.AsyncClient]]:
    api = FakeTelegram(token=DEFAULT_TOKEN)
    served = await serve(sandbox_app(api))
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        yield api, client
    api.close()
    await served.stop()


def settings(client: httpx.AsyncClient) -> dict[str, Any]:
    return {
        "telegram": {
            "enabled": True,
            "token": DEFAULT_TOKEN,
            "base_url": f"{str(client.base_url).rstrip('/')}/bot",
            "base_file_url": f"{str(client.base_url).rstrip('/')}/file/bot",
            "poll_timeout": 5,
        },
        "email": {"relay": {"port": 1}},
    }


async def shown_once(
    api: FakeTelegram, client: httpx.AsyncClient, chat: int, count: int
) -> list[dict[str, Any]]:
    """The chat as `GET /sandbox/chats/<chat>` shows it, once it holds `count` messages."""
    async with asyncio.timeout(20):
        while True:
            answer = await client.get(f"/sandbox/chats/{chat}")
            assert answer.status_code == 200
            if len(answer.json()) >= count:
                return list(answer.json())
            await api.next_sent("sendMessage", within=20)


async def test_a_person_plays_a_spanish_customer_through_the_sandbox(
    sandbox: tuple[FakeTelegram, httpx.AsyncClient], start_bot: Any
) -> None:
    api, client = sandbox
    await start_bot(settings(client))
    said = await client.post(
        "/sandbox/say",
        json={"user": CUSTOMER, "text": "/language", "language": "es", "name": "Lucía"},
    )
    assert said.status_code == 200 and said.json()["update_id"] > 0
    [menu] = await shown_once(api, client, CUSTOMER, 1)
    labels = [key["text"] for row in menu["buttons"] for key in row]
    assert len(labels) == 4
    pressed = await client.post(
        "/sandbox/press",
        json={"user": CUSTOMER, "message_id": menu["message_id"], "button": "lang:en"},
    )
    assert pressed.status_code == 200
    await shown_once(api, client, CUSTOMER, 2)
    await client.post(
        "/sandbox/say",
        json={"user": CUSTOMER, "text": "Me cobraron dos veces la factura de este mes."},
    )
    chat = await shown_once(api, client, CUSTOMER, 3)
    assert "C-" in chat[2]["text"] and "complaint" in chat[2]["text"].lower()


async def test_the_sandbox_refuses_what_it_cannot_do_and_sends_nothing(
    sandbox: tuple[FakeTelegram, httpx.AsyncClient],
) -> None:
    api, client = sandbox
    refusals = [
        await client.post("/sandbox/say", json={"user": CUSTOMER}),
        await client.post("/sandbox/say", json={"user": CUSTOMER, "text": "x", "reply_to": 9}),
        await client.post(
            "/sandbox/press", json={"user": CUSTOMER, "message_id": 1, "button": "5"}
        ),
        await client.get("/sandbox/chats/forty-two"),
    ]
    assert [answer.status_code for answer in refusals] == [422, 404, 404, 422]
    assert "reply_to" not in refusals[0].text and "text" in refusals[0].text
    assert "no message 9" in refusals[1].json()["detail"]
    assert api.pending_updates == []
