"""After a low survey score reopened a Telegram customer's complaint, the survey round is over:
no later text of the customer is a survey comment. The answer to an agent's question ("It asks
the customer something") is the answer it is: the complaint is investigated again with its
clock running, never thanked "for your comment". And an agent's reply in the department's
group to a complaint nobody holds makes that agent its handler, as a console reply does (one
rule: `staff.taking`). Through the real bot against tests/telegram_api.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from complaints.clock import ManualClock
from outbox import texts
from tests.channels import test_telegram
from tests.channels.test_telegram import (
    CUSTOMER,
    GROUP,
    _resolve_and_score_one,
    handle,
    reply_in_group,
    rows,
    say,
    telegram_settings,
    to,
    until,
)
from tests.conftest import START
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture


async def _reopened_by_a_two(
    fake: FakeTelegram, bot: Any, clock: ManualClock, text: str, code: str
) -> str:
    """The customer complains in the chat, an agent resolves it in the group without taking
    it first, a week later the survey comes and the customer taps 2 (reopens); the number."""
    number = await _resolve_and_score_one(fake, bot, clock, text, code, score=2, take=False)
    await bot.app.state.services.dispatcher.dispatch_due()
    await until(fake, CUSTOMER, number)  # the reopening notice
    assert rows(bot, "SELECT status FROM complaints") == [{"status": "reopened"}]
    return number


def _texts_to_customer(fake: FakeTelegram) -> list[str]:
    return [
        entry["text"]
        for entry in fake.sent
        if entry["method"] == "sendMessage" and entry["chat_id"] == CUSTOMER
    ]


@pytest.mark.parametrize(
    ("text", "code", "language", "question", "answer"),
    [
        pytest.param(
            "Me han cobrado dos veces la factura de este mes.",
            "es",
            "es",
            "¿Ve ya el abono del segundo cargo en su cuenta?",
            "Sí, ya lo veo, gracias.",
            id="es",
        ),
        pytest.param(
            "I was charged twice on this month's bill.",
            "en",
            "en",
            "Can you see the refund of the second charge on your account now?",
            "Yes, I can see it now, thanks.",
            id="en",
        ),
    ],
)
async def test_after_a_reopening_score_the_answer_to_an_agents_question_is_an_answer(
    fake: FakeTelegram,
    start_bot: Any,
    text: str,
    code: str,
    language: str,
    question: str,
    answer: str,
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    services = bot.app.state.services
    channel = services.channels["telegram"]
    number = await _reopened_by_a_two(fake, bot, clock, text, code)

    clock.advance(timedelta(hours=1))
    agent = await services.agents.agent_for_name("Li Wei")
    await services.agents.reply(number, agent, question, wait_for_customer=True)  # the console's
    await services.dispatcher.dispatch_due()
    await until(fake, CUSTOMER, question)
    assert rows(bot, "SELECT status FROM complaints") == [{"status": "awaiting_customer"}]

    clock.advance(timedelta(hours=2))
    said = fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, text=answer, language_code=code)
    await handle(channel, said)
    await services.dispatcher.dispatch_due()
    assert rows(bot, "SELECT status, survey_comment FROM complaints") == [
        {"status": "investigating", "survey_comment": ""}
    ]
    resumed = rows(
        bot,
        "SELECT detail FROM events WHERE kind = 'status_changed' ORDER BY id DESC LIMIT 1",
    )
    assert "the customer answered" in str(resumed[0]["detail"])
    assert rows(bot, "SELECT id FROM events WHERE kind = 'survey_commented'") == []
    thanks = texts.say(language, "survey_comment_thanks")
    assert thanks not in _texts_to_customer(fake)
    assert {"text": answer} in rows(bot, "SELECT text FROM messages WHERE direction = 'in'")


async def test_a_text_right_after_a_reopening_score_is_more_of_the_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """The reopening ended the round: the next words are about the reopened complaint (a
    follow-up the desk reads), not a comment of the round that ended."""
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    services = bot.app.state.services
    channel = services.channels["telegram"]
    await _reopened_by_a_two(
        fake, bot, clock, "Me han cobrado dos veces la factura de este mes.", "es"
    )
    said = "Sigo viendo los dos cargos."
    update = fake.message_update(chat_id=CUSTOMER, user_id=CUSTOMER, text=said, language_code="es")
    await handle(channel, update)
    await services.dispatcher.dispatch_due()
    assert rows(bot, "SELECT status, survey_comment FROM complaints") == [
        {"status": "reopened", "survey_comment": ""}
    ]
    assert rows(bot, "SELECT id FROM events WHERE kind = 'survey_commented'") == []
    assert texts.say("es", "survey_comment_thanks") not in _texts_to_customer(fake)
    kinds = rows(bot, "SELECT kind FROM messages WHERE direction = 'in' ORDER BY id")
    assert kinds[-1]["kind"] == "follow-up"


async def test_a_reply_in_the_group_to_a_complaint_nobody_holds_makes_it_the_agents(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    post = await to(fake, GROUP)
    await reply_in_group(fake, post, "We have refunded the second charge today.")
    await until(fake, CUSTOMER, "refunded")
    assert "queued for the customer" in (await until(fake, GROUP, "queued"))["text"]
    assert rows(bot, "SELECT status, assignee FROM complaints") == [
        {"status": "assigned", "assignee": "Li Wei"}
    ]
    kinds = [row["kind"] for row in rows(bot, "SELECT kind FROM events ORDER BY id")]
    assert kinds.index("assigned") < kinds.index("agent_replied")
    # the customer hears the answer, not of an assignment besides
    assigned = texts.say("en", "assigned_notice", number="", name="Li Wei").split("Li Wei")[0]
    assert not any(assigned in sent for sent in _texts_to_customer(fake))
