"""Agents' group commands answer in the agent's language, through the real Telegram path (the
bot's python-telegram-bot Application against tests/telegram_api.py): the account's language,
else `[bot] default_language`, which also answers a Telegram user who is no agent. Refusals and
outcomes are the console's translations of the services' texts."""

from __future__ import annotations

from typing import Any

from complaints.clock import ManualClock
from tests.channels import test_telegram
from tests.channels.test_telegram import AGENT, CUSTOMER, GROUP, handle, rows, telegram_settings
from tests.conftest import START
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture

CHEN = 888
"""A second agent of billing, whose account is in traditional Chinese."""
ROSA = 889
"""A third agent of billing, whose account is in Spanish."""
STRANGER = 999


async def started(fake: FakeTelegram, start_bot: Any, default_language: str = "en") -> Any:
    """The bot with one complaint open in billing and agents in three account languages: Li
    Wei (from settings.toml, no language), Chen Mei (zh-Hant) and Rosa Díaz (es)."""
    bot = await start_bot(
        {**telegram_settings(fake), "bot": {"default_language": default_language}},
        ManualClock(START),
        background=False,
    )
    accounts = bot.app.state.services.accounts
    for name, user, language in (("Chen Mei", CHEN, "zh-Hant"), ("Rosa Díaz", ROSA, "es")):
        await accounts.create(name, "agent", ["billing"], telegram_user_id=user, language=language)
    channel = bot.app.state.services.channels["telegram"]
    await handle(
        channel,
        fake.message_update(
            chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
        ),
    )
    return bot


async def answer(
    fake: FakeTelegram, bot: Any, user: int, text: str, *, app_language: str = "en", **extra: Any
) -> str:
    """What the bot answered in the group to `text` written there by Telegram user `user`."""
    before = len(fake.sent)
    update = fake.message_update(
        chat_id=GROUP,
        user_id=user,
        chat_type="supergroup",
        text=text,
        language_code=app_language,
        **extra,
    )
    assert await handle(bot.app.state.services.channels["telegram"], update)
    answers = [
        entry["text"]
        for entry in fake.sent[before:]
        if entry["method"] == "sendMessage" and entry["chat_id"] == GROUP
    ]
    assert len(answers) == 1, answers
    return str(answers[0])


def number_of(bot: Any) -> str:
    return str(rows(bot, "SELECT number FROM complaints")[0]["number"])


async def test_take_and_a_reply_answer_a_traditional_chinese_agent_in_traditional_chinese(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await started(fake, start_bot)
    number = number_of(bot)
    assert await answer(fake, bot, CHEN, f"/take {number}") == f"{number}：已指派給 Chen Mei"
    assert rows(bot, "SELECT assignee FROM complaints") == [{"assignee": "Chen Mei"}]
    await bot.app.state.services.dispatcher.dispatch_due()
    post = next(
        entry
        for entry in fake.sent
        if entry["method"] == "sendMessage"
        and entry["chat_id"] == GROUP
        and number in entry["text"]
    )
    replied = await answer(
        fake,
        bot,
        CHEN,
        "We have refunded the second charge today.",
        reply_to_message_id=post["result"]["message_id"],
    )
    assert replied == f"{number}：已排隊，將透過Telegram傳送給客戶"


async def test_a_refused_grade_answers_a_spanish_agent_in_spanish_and_changes_nothing(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await started(fake, start_bot)
    number = number_of(bot)
    before = rows(bot, "SELECT grade FROM complaints")
    refused = await answer(fake, bot, ROSA, f"/grade {number} terrible")
    # the grades named in the agent's language too
    assert refused == "No se hizo: la gravedad debe ser una de general, importante, urgente"
    assert rows(bot, "SELECT grade FROM complaints") == before
    assert await answer(fake, bot, ROSA, "/take") == "Uso: /take C-2026-000123 …"
    unknown = await answer(fake, bot, ROSA, "/note C-2026-999999 checked")
    assert unknown.startswith("No se hizo: no existe la reclamación C-2026-999999")


async def test_without_an_account_language_the_default_language_answers(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Li Wei's account names no language and a stranger has no account: both read the bot's
    default language (simplified Chinese here), whatever their Telegram app's language."""
    bot = await started(fake, start_bot, default_language="zh-Hans")
    number = number_of(bot)
    stranger = await answer(fake, bot, STRANGER, f"/take {number}", app_language="es")
    assert stranger == "抱歉，只有已登记的客服才能在这里处理投诉。"
    assert rows(bot, "SELECT assignee FROM complaints") == [{"assignee": ""}]
    noted = await answer(fake, bot, AGENT, f"/note {number} checked the ledger", app_language="es")
    assert noted == f"{number}：已添加内部备注（客户看不到）"
    assert await answer(fake, bot, STRANGER, "/grade urgent") == "用法：/grade C-2026-000123 …"


async def test_an_english_default_keeps_the_english_lines(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await started(fake, start_bot)
    number = number_of(bot)
    stranger = await answer(fake, bot, STRANGER, f"/take {number}")
    assert stranger == "Sorry, only registered agents can act on complaints here."
    assert await answer(fake, bot, AGENT, "/resolve") == "Usage: /resolve C-2026-000123 …"
    assert await answer(fake, bot, AGENT, f"/take {number}") == f"{number}: assigned to Li Wei"
