"""Telegram /link under abuse, against the fake Bot API server: a chat or an address gets only a
few codes an hour, and asking for a new code does not renew the tries of a pending one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from complaints.clock import ManualClock
from tests.channels import test_telegram
from tests.channels.test_telegram import CUSTOMER, handle, telegram_settings
from tests.conftest import START
from tests.mailpeers import Sink
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture (sink comes from tests/conftest.py)


async def said(fake: FakeTelegram, channel: Any, text: str, chat: int = CUSTOMER) -> str:
    """Send `text` from `chat` and return what the bot answered there."""
    before = len(fake.sent)
    assert await handle(
        channel, fake.message_update(chat_id=chat, user_id=chat, text=text, language_code="en")
    )
    answers = [
        entry["text"]
        for entry in fake.sent[before:]
        if entry["method"] == "sendMessage" and entry["chat_id"] == chat
    ]
    assert answers, f"no answer to {text!r}"
    return answers[-1]


def code_in(mail: Any) -> str:
    found = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content())
    assert found is not None
    return found.group(1)


async def linking_bot(fake: FakeTelegram, sink: Sink, start_bot: Any) -> tuple[ManualClock, Any]:
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake, sink), clock, background=False)
    return clock, bot.app.state.services.channels["telegram"]


async def test_a_chat_gets_three_codes_an_hour(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    clock, channel = await linking_bot(fake, sink, start_bot)
    for _ in range(3):
        assert "sent a 6-digit code" in await said(fake, channel, "/link victim@customer.test")
        clock.advance(timedelta(minutes=1))
    refused = await said(fake, channel, "/link victim@customer.test")
    assert "several codes" in refused and "in 57 minutes" in refused
    other_address = await said(fake, channel, "/link someone@customer.test")
    assert "several codes" in other_address
    assert len(sink.received) == 3
    clock.advance(timedelta(minutes=57))
    assert "sent a 6-digit code" in await said(fake, channel, "/link victim@customer.test")
    assert len(sink.received) == 4


async def test_an_address_gets_three_codes_an_hour_whichever_chats_ask(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    _, channel = await linking_bot(fake, sink, start_bot)
    for chat in (CUSTOMER, CUSTOMER + 1, CUSTOMER + 2):
        assert "sent a 6-digit code" in await said(
            fake, channel, "/link Victim@Customer.test", chat
        )
    refused = await said(fake, channel, "/link victim@customer.test", CUSTOMER + 3)
    assert "several codes" in refused
    assert len(sink.received) == 3
    # The limit is per address: the fourth chat can still link its own.
    assert "sent a 6-digit code" in await said(
        fake, channel, "/link mine@customer.test", CUSTOMER + 3
    )


async def test_a_new_code_keeps_the_tries_of_the_pending_one(
    fake: FakeTelegram, sink: Sink, start_bot: Any
) -> None:
    _, channel = await linking_bot(fake, sink, start_bot)
    complaint = "I was charged twice on this month's bill."  # answered through the outbox
    assert await handle(
        channel, fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, text=complaint)
    )
    await said(fake, channel, "/link ana@customer.test")
    first = code_in(await sink.next())
    for guess in range(4):
        wrong = f"{guess:06d}" if f"{guess:06d}" != first else "999999"
        assert "not right" in await said(fake, channel, wrong)
    await said(fake, channel, "/link ana@customer.test")
    code = code_in(await sink.next())
    assert "not right" in await said(fake, channel, "999999" if code != "999999" else "888888")
    # That was the fifth try: even the right code no longer links.
    assert "not right" in await said(fake, channel, code)
    # Once nothing is pending, a new code starts with all its tries.
    await said(fake, channel, "/link ana@customer.test")
    assert "now belong" in await said(fake, channel, code_in(await sink.next()))
