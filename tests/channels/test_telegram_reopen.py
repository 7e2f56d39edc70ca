"""`/reopen C-… reason` in the agents' Telegram group (staff.chat_commands): the customer, who
wrote by Telegram in Chinese, is told in their chat and language; the reason stays with the
desk; without a reason, or on an open complaint, nothing changes."""

from __future__ import annotations

from typing import Any

from tests.channels.test_telegram import (  # noqa: F401 (the fixture: fake)
    CUSTOMER,
    GROUP,
    fake,
    rows,
    say,
    telegram_settings,
    to,
    until,
)
from tests.telegram_api import FakeTelegram


async def test_an_agent_reopens_from_the_group_and_the_customer_is_told_in_their_chat(
    fake: FakeTelegram,  # noqa: F811 (the fixture)
    start_bot: Any,
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "这个月的账单重复扣了我两次费用，请退款。", language="zh-hans")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    group = {"chat": GROUP, "chat_type": "supergroup"}

    await say(fake, f"/reopen {number} the bank says no refund arrived", **group)
    assert "nothing to reopen" in (await to(fake, GROUP))["text"]
    await say(fake, f"/resolve {number} refunded", **group)
    assert number in (await to(fake, GROUP))["text"]
    await say(fake, f"/reopen {number}", **group)
    assert "say why it is reopened" in (await to(fake, GROUP))["text"]
    assert rows(bot, "SELECT status FROM complaints") == [{"status": "resolved"}]

    await say(fake, f"/reopen {number} the bank says no refund arrived", **group)
    assert (await to(fake, GROUP))["text"] == f"{number}: reopened; the customer is told"
    assert rows(bot, "SELECT status, assignee FROM complaints") == [
        {"status": "reopened", "assignee": "Li Wei"}
    ]
    told = await until(fake, CUSTOMER, "重新打开")
    assert told["text"].startswith(f"我们已重新打开投诉 {number}，将再次跟进处理")
    assert all(
        "bank" not in sent.get("text", "") for sent in fake.sent if sent["chat_id"] == CUSTOMER
    )
