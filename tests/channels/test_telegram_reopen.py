"""`/reopen C-… reason` in the agents' Telegram group (staff.chat_commands): the customer, who
wrote by Telegram in Chinese, is told in their chat and language; the reason stays with the
desk; without a reason, or on an open complaint, nothing changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.channels.test_telegram import (  # noqa: F401 (the fixture: fake)
    AGENT,
    CUSTOMER,
    GROUP,
    fake,
    rows,
    say,
    telegram_settings,
    to,
    until,
)
from tests.channels.test_telegram_agent_language import CHEN, ROSA, answer, started
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
    answer = (await to(fake, GROUP))["text"]
    assert answer.startswith(f"{number}: reopened; the customer is told\nFirst response due ")
    assert rows(bot, "SELECT status, assignee FROM complaints") == [
        {"status": "reopened", "assignee": "Li Wei"}
    ]
    told = await until(fake, CUSTOMER, "重新打开")
    assert told["text"].startswith(f"我们已重新打开投诉 {number}，将再次跟进处理")
    assert all(
        "bank" not in sent.get("text", "") for sent in fake.sent if sent["chat_id"] == CUSTOMER
    )


WANG = 890
"""A fourth agent of billing, whose account is in simplified Chinese."""

IN_GROUP = {
    "en": "{number}: reopened; the customer is told\n"
    "First response due {due} UTC (general, owner: Li Wei).",
    "es": "{number}: reabierta; se informa al cliente\n"
    "Primera respuesta antes del {due} UTC (general, responsable: Li Wei).",
    "zh-Hans": "{number}：已重新打开；已通知客户\n"
    "首次回复期限为 {due} UTC（一般，负责人：Li Wei）。",
    "zh-Hant": "{number}：已重新開啟；已通知客戶\n"
    "首次回覆期限為 {due} UTC（一般，負責人：Li Wei）。",
}
"""The one answer to `/reopen` typed in the department's group, per agent language: the
outcome, then what the department's notice would say (deadline and handler; the grade named
in the agent's language, as the console names it)."""


def group_texts(api: FakeTelegram, since: int) -> list[str]:
    return [
        entry["text"]
        for entry in api.sent[since:]
        if entry["method"] == "sendMessage" and entry["chat_id"] == GROUP
    ]


async def test_reopen_typed_in_the_group_is_answered_once_there_with_deadline_and_handler(
    fake: FakeTelegram,  # noqa: F811 (the fixture)
    start_bot: Any,
) -> None:
    """The department hears a reopening in its group; typed there, the command's answer is
    that notice (deadline and handler, in the agent's language) and the bot posts nothing
    more, in each of the four languages. Reopened elsewhere (the console, the API), the group
    still gets its notice."""
    bot = await started(fake, start_bot)
    services = bot.app.state.services
    await services.accounts.create(
        "Wang Fang", "agent", ["billing"], telegram_user_id=WANG, language="zh-Hans"
    )
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    assert await answer(fake, bot, AGENT, f"/take {number}") == f"{number}: assigned to Li Wei"
    for user, language in ((AGENT, "en"), (ROSA, "es"), (WANG, "zh-Hans"), (CHEN, "zh-Hant")):
        await answer(fake, bot, AGENT, f"/resolve {number} refunded")
        await services.dispatcher.dispatch_due()
        since = len(fake.sent)
        said = await answer(fake, bot, user, f"/reopen {number} the bank says no refund arrived")
        [due] = rows(bot, "SELECT first_response_due FROM complaints")
        at = datetime.fromisoformat(str(due["first_response_due"]))
        assert said == IN_GROUP[language].format(number=number, due=f"{at:%Y-%m-%d %H:%M}")
        await services.dispatcher.dispatch_due()
        assert group_texts(fake, since) == [said]  # no second post about the same reopening
        told = fake.sent[-1]  # the customer (who wrote in English) is told as before
        assert told["chat_id"] == CUSTOMER and "We have reopened your complaint" in told["text"]

    await answer(fake, bot, AGENT, f"/resolve {number} refunded")
    await services.dispatcher.dispatch_due()
    since = len(fake.sent)
    rosa = await services.agents.agent_for_telegram(ROSA)
    await services.agents.reopen(number, rosa, "phoned: still no refund")  # as the console does
    await services.dispatcher.dispatch_due()
    [notice] = group_texts(fake, since)
    assert notice.startswith(f"{number} was reopened by Rosa Díaz: phoned: still no refund\n")
