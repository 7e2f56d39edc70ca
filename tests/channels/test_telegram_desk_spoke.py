"""A guided-intake question left pending is no longer the customer's next subject once a person
of the desk has written to them since (an answer, a resolution then a reopening): the customer's
next message answers that person and is recorded as more of the complaint, not put into the
registration field the old question asked for."""

from __future__ import annotations

from typing import Any

from tests.channels.test_telegram import (  # noqa: F401 (the fixture: fake)
    CUSTOMER,
    GROUP,
    fake,
    reply_in_group,
    rows,
    say,
    telegram_settings,
    to,
    until,
)
from tests.channels.test_telegram_guided import asked
from tests.telegram_api import FakeTelegram


def _asking_product(fake: FakeTelegram) -> dict:  # noqa: F811 (the fixture's name)
    settings = telegram_settings(fake)
    settings["departments"]["billing"]["ask"] = ["product", "model"]
    return settings


async def test_after_a_reopening_the_customers_words_are_no_answer_to_the_old_question(
    fake: FakeTelegram,  # noqa: F811 (the fixture)
    start_bot: Any,
) -> None:
    """Failed before: "還是沒有退款" became the complaint's product, and the customer was asked
    for the model, right after being told the complaint was reopened."""
    bot = await start_bot(_asking_product(fake))
    await say(fake, "這個月的帳單重複扣款了兩次，請盡快退款。", language="zh-hant")
    assert await asked(fake) == "product"
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    group = {"chat": GROUP, "chat_type": "supergroup"}
    await say(fake, f"/resolve {number} refunded", **group)
    await until(fake, GROUP, number)
    await say(fake, f"/reopen {number} the bank says no refund arrived", **group)
    await until(fake, CUSTOMER, "我們已重新開啟")

    await say(fake, "還是沒有退款，銀行說沒有收到。", language="zh-hant")
    confirmation = await until(fake, CUSTOMER, number)
    assert "您的留言已加入投訴" in confirmation["text"], confirmation["text"]
    assert "skip:" not in str(confirmation.get("reply_markup", ""))
    assert rows(bot, "SELECT product, model FROM complaints") == [{"product": "", "model": ""}]
    texts = [row["text"] for row in rows(bot, "SELECT text FROM messages WHERE direction='in'")]
    assert "還是沒有退款，銀行說沒有收到。" in texts


async def test_an_answer_to_an_agents_question_is_no_answer_to_the_pending_one(
    fake: FakeTelegram,  # noqa: F811 (the fixture)
    start_bot: Any,
) -> None:
    """Failed before: the answer to the agent became the complaint's product."""
    bot = await start_bot(_asking_product(fake))
    await say(fake, "Me han cobrado dos veces la factura de este mes.", language="es")
    assert await asked(fake) == "product"
    post = await to(fake, GROUP)
    await reply_in_group(fake, post, "¿Le aparecen los dos cargos en el extracto del banco?")
    await until(fake, CUSTOMER, "extracto")

    await say(fake, "Sí, aparecen los dos el mismo día.", language="es")
    confirmation = await until(fake, CUSTOMER, "Hemos añadido su mensaje")
    assert "skip:" not in str(confirmation.get("reply_markup", ""))
    assert rows(bot, "SELECT product FROM complaints") == [{"product": ""}]
