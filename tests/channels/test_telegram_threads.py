"""Which complaint a Telegram message continues when the customer has two open (after /new),
through the real bot against tests/telegram_api.py: a reply to the bot's message about the
older one, or its number named in the text (in any case), goes there, not to the newest; a
guided question of the newest is answered only by a message for it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.channels import test_telegram
from tests.channels.test_telegram import CUSTOMER, GROUP, rows, say, telegram_settings, to, until
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture

WAIT = 20
"""Seconds any one expected message may take."""


async def question_about(fake: FakeTelegram, field: str) -> dict[str, Any]:
    """The next question to the customer about `field`; other messages are passed over."""
    while True:
        sent = await to(fake, CUSTOMER)
        if f"skip:{field}" in json.dumps(sent.get("reply_markup", {})):
            return sent


async def skip(fake: FakeTelegram, field: str) -> None:
    """Tap Skip on the next question, which must be about `field`."""
    question = await to(fake, CUSTOMER)
    assert f"skip:{field}" in json.dumps(question["reply_markup"])
    fake.push_update(
        fake.callback_update(
            chat_id=CUSTOMER,
            user_id=CUSTOMER,
            data=f"skip:{field}",
            message_id=question["result"]["message_id"],
        )
    )


async def two_open(fake: FakeTelegram, bot: Any, command: str, told: str) -> tuple[str, str, int]:
    """The older complaint, its questions skipped, gets the agent's `command` (with its number
    after the command word), which reaches the customer as a message containing `told`; then
    /new and a second billing complaint, whose first question (order number) waits. Returns
    both numbers and the Telegram id of the agent's message to the customer."""
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, CUSTOMER)  # the acknowledgement
    await skip(fake, "order_number")
    await skip(fake, "desired_outcome")
    assert "all we need" in (await to(fake, CUSTOMER))["text"]
    older = rows(bot, "SELECT number FROM complaints")[0]["number"]
    word, _, rest = command.partition(" ")
    await say(fake, f"{word} {older} {rest}", chat=GROUP, chat_type="supergroup")
    agents = await until(fake, CUSTOMER, told)
    await say(fake, "/new")
    assert "new, separate complaint" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "The roaming fee on my last bill is wrong, it should be free.")
    assert "complaint number" in (await to(fake, CUSTOMER))["text"]
    question = await to(fake, CUSTOMER)
    assert "skip:order_number" in json.dumps(question["reply_markup"])
    newer = rows(bot, "SELECT number FROM complaints ORDER BY id")[1]["number"]
    return older, newer, agents["result"]["message_id"]


def texts_of(bot: Any, number: str) -> list[str]:
    """What the customer wrote in complaint `number`, oldest first."""
    sql = (
        "SELECT c.number, m.text FROM messages m JOIN complaints c ON c.id = m.complaint_id "
        "WHERE m.direction = 'in' ORDER BY m.id"
    )
    return [row["text"] for row in rows(bot, sql) if row["number"] == number]


def complaint(bot: Any, number: str) -> dict[str, Any]:
    sql = "SELECT number, status, order_number, desired_outcome FROM complaints"
    [found] = [row for row in rows(bot, sql) if row.pop("number") == number]
    return found


async def test_a_reply_to_the_proposal_of_the_older_complaint_answers_that_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    older, newer, proposal = await two_open(fake, bot, "/propose a refund of 45 EUR", "we propose")
    answer = "Sí, el reembolso de 45 euros me parece bien."
    await say(fake, answer, language="es", reply_to_message_id=proposal)
    async with asyncio.timeout(WAIT):
        await until(fake, CUSTOMER, older)  # the confirmation names the complaint it joined
    assert answer in texts_of(bot, older) and answer not in texts_of(bot, newer)
    assert complaint(bot, older)["status"] == "investigating"  # the customer answered
    assert complaint(bot, newer)["order_number"] == complaint(bot, newer)["desired_outcome"] == ""
    await say(fake, "A-123")  # the newer complaint's question still waits for its answer
    async with asyncio.timeout(WAIT):
        await question_about(fake, "desired_outcome")
    assert complaint(bot, newer)["order_number"] == "A-123"


async def test_a_short_reply_to_the_agents_question_is_no_answer_to_the_newer_question(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    older, newer, question = await two_open(fake, bot, "/ask Could you confirm your IBAN?", "IBAN")
    assert complaint(bot, older)["status"] == "awaiting_customer"
    iban = "ES91 2100 0418 4502 0005 1332"  # reads like an order number
    await say(fake, iban, reply_to_message_id=question)
    async with asyncio.timeout(WAIT):
        await until(fake, CUSTOMER, older)
    assert texts_of(bot, older)[-1] == iban and iban not in texts_of(bot, newer)
    assert complaint(bot, older)["status"] == "investigating"
    assert complaint(bot, newer)["order_number"] == ""


async def test_a_number_named_in_the_text_in_any_case_wins_over_the_chats_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    older, newer, _ = await two_open(fake, bot, "/propose a refund of 45 EUR", "we propose")
    for said in (f"Sobre {older}: no estoy de acuerdo.", f"{older.lower()} 12345"):
        await say(fake, said, language="es")
        async with asyncio.timeout(WAIT):
            await until(fake, CUSTOMER, older)
        assert said in texts_of(bot, older) and said not in texts_of(bot, newer)
    assert complaint(bot, newer)["order_number"] == ""


async def test_a_reply_to_a_later_part_of_a_long_message_answers_its_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """A proposal over Telegram's 4,096 characters arrives in parts; a reply to the second
    part continues the older complaint, as a reply to the first part would."""
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, CUSTOMER)  # the acknowledgement
    await skip(fake, "order_number")
    await skip(fake, "desired_outcome")
    assert "all we need" in (await to(fake, CUSTOMER))["text"]
    older = rows(bot, "SELECT number FROM complaints")[0]["number"]
    steps = " ".join(f"Step {n}: we check the charge of line {n} and refund it." for n in range(73))
    command = f"/propose {older} a refund of 45 EUR. {steps}"
    assert len(command) <= 4096  # what an agent can send; the letter around it is longer
    await say(fake, command, chat=GROUP, chat_type="supergroup")
    async with asyncio.timeout(WAIT):
        first = await until(fake, CUSTOMER, "we propose")
        second = await to(fake, CUSTOMER)
    assert "Step 72" in first["text"] and "Customer care" in second["text"]  # the letter's end
    await say(fake, "/new")
    assert "new, separate complaint" in (await to(fake, CUSTOMER))["text"]
    await say(fake, "The roaming fee on my last bill is wrong, it should be free.")
    assert "complaint number" in (await to(fake, CUSTOMER))["text"]
    newer = rows(bot, "SELECT number FROM complaints ORDER BY id")[1]["number"]
    answer = "Sí, el reembolso de 45 euros me parece bien."
    await say(fake, answer, language="es", reply_to_message_id=second["result"]["message_id"])
    async with asyncio.timeout(WAIT):
        await until(fake, CUSTOMER, older)
    assert answer in texts_of(bot, older) and answer not in texts_of(bot, newer)
