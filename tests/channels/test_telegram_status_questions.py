"""A bare status question in the Telegram chat from a customer with two open complaints opens
nothing and is answered with how each stands, through the real bot against
tests/telegram_api.py; a full-width number in the text names the older complaint."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.channels import test_telegram
from tests.channels.test_telegram import CUSTOMER, rows, say, telegram_settings, until
from tests.channels.test_telegram_threads import WAIT, texts_of, two_open
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture

_FULL_WIDTH = str.maketrans("C-0123456789", "Ｃ－０１２３４５６７８９")


async def test_a_status_question_in_the_chat_lists_both_open_complaints(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    older, newer, _ = await two_open(fake, bot, "/propose a refund of 45 EUR", "we propose")
    await say(fake, "Hi, any news about my complaint? Thanks", language="en")
    async with asyncio.timeout(WAIT):
        answer = await until(fake, CUSTOMER, "Where your open complaints stand")
    assert older in answer["text"] and newer in answer["text"]
    assert len(rows(bot, "SELECT id FROM complaints")) == 2


async def test_a_full_width_number_in_the_chat_names_the_older_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    older, newer, _ = await two_open(fake, bot, "/propose a refund of 45 EUR", "we propose")
    said = f"关于{older.translate(_FULL_WIDTH)}：我不同意这个方案。"
    await say(fake, said, language="zh-hans")
    async with asyncio.timeout(WAIT):
        await until(fake, CUSTOMER, older)
    assert said in texts_of(bot, older) and said not in texts_of(bot, newer)
