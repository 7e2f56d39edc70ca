"""Guided intake and /status through the real bot against tests/telegram_api.py: what the
customer already wrote is not asked again (a phone number in the first message, a model in the
product answer), an emoji is no answer, and /status speaks one language."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.channels import test_telegram
from tests.channels.test_telegram import (
    CUSTOMER,
    choose_from,
    rows,
    say,
    telegram_settings,
    to,
)
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture

WAIT = 20
"""Seconds any one expected message may take."""


async def asked(fake: FakeTelegram) -> str:
    """The field of the next question to the customer; other messages are passed over."""
    async with asyncio.timeout(WAIT):
        while True:
            sent = await to(fake, CUSTOMER)
            buttons = json.dumps(sent.get("reply_markup", {}))
            if "skip:" in buttons:
                return buttons.split("skip:")[1].split('"')[0]


async def test_what_the_customer_wrote_is_not_asked_and_an_emoji_is_no_answer(
    fake: FakeTelegram, start_bot: Any
) -> None:
    settings = telegram_settings(fake)
    settings["departments"]["billing"]["ask"] = ["phone", "product", "model", "desired_outcome"]
    bot = await start_bot(settings)
    await say(fake, "我的手机话费账单多扣了五十元，请退还。电话13912345678", language="zh-CN")
    assert await asked(fake) == "product"  # the phone was in the first message
    assert rows(bot, "SELECT phone FROM customers") == [{"phone": "13912345678"}]
    await say(fake, "😡😡😡", language="zh-CN")
    assert await asked(fake) == "product"  # asked once more
    assert rows(bot, "SELECT product FROM complaints") == [{"product": ""}]
    await say(fake, "美的电饭煲 MB-FB40", language="zh-CN")
    assert await asked(fake) == "desired_outcome"  # the answer named the model too
    assert rows(bot, "SELECT product, model FROM complaints") == [
        {"product": "美的电饭煲 MB-FB40", "model": "MB-FB40"}
    ]
    [added] = rows(bot, "SELECT detail FROM events WHERE kind = 'details_added'")
    assert json.loads(added["detail"])["fields"] == ["product", "model"]


async def test_status_is_in_the_chosen_language_whatever_the_complaints_language(
    fake: FakeTelegram, start_bot: Any
) -> None:
    await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    assert await asked(fake) == "order_number"
    await say(fake, "/status")
    english = (await to(fake, CUSTOMER))["text"]
    assert "A person will answer you by" in english
    await say(fake, "/language")
    menu = await to(fake, CUSTOMER)
    choose_from(fake, menu, "lang:es")
    assert "español" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "/status")
    spanish = (await to(fake, CUSTOMER))["text"]
    assert "Una persona le responderá antes del" in spanish, spanish
    assert "A person" not in spanish and " - new." not in spanish
    assert " - acknowledged." not in spanish


async def test_status_without_a_chosen_language_speaks_the_apps_else_the_complaints(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """As a typed "any news?" is answered, minus the text: the app's language breaks the tie
    there is without words; an app in a language the bot does not speak leaves the language of
    the complaint a question would be kept on."""
    await start_bot(telegram_settings(fake))
    await say(fake, "我的手机话费账单多扣了五十元，请退还。", language="en")
    assert await asked(fake) == "order_number"
    await say(fake, "/status", language="en")
    said = (await to(fake, CUSTOMER))["text"]
    assert "A person will answer you by" in said and "工作人员" not in said, said
    await say(fake, "/status", language="fr")
    said = (await to(fake, CUSTOMER))["text"]
    assert "工作人员将在" in said and "A person" not in said, said
    assert " - new." not in said and " - acknowledged." not in said


async def test_a_chosen_language_speaks_for_a_complaint_opened_before_it(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """/language es after an English complaint: its later confirmations are Spanish, and the
    complaint's stored language (every reply's, the desk's) is the customer's latest choice."""
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    assert await asked(fake) == "order_number"
    await say(fake, "/language")
    menu = await to(fake, CUSTOMER)
    choose_from(fake, menu, "lang:es")
    assert "español" in (await to(fake, CUSTOMER))["text"]
    assert rows(bot, "SELECT language FROM complaints") == [{"language": "es"}]
    [changed] = rows(bot, "SELECT actor, detail FROM events WHERE kind = 'language_changed'")
    assert changed["actor"] == "customer"
    assert json.loads(changed["detail"]) == {"from": "en", "to": "es"}
    await say(fake, "And the roaming fee on the same bill is wrong too, please check it.")
    async with asyncio.timeout(WAIT):
        confirmation = (await to(fake, CUSTOMER))["text"]
    assert "Hemos añadido su mensaje" in confirmation, confirmation
