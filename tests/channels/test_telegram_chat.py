"""What the Telegram chat does with what is not a plain new message: edits (a customer's is more
of the complaint, an agent's is not sent twice), the survey's one answer. Through the real bot
(python-telegram-bot against tests/telegram_api.py), as tests/channels/test_telegram.py does."""

from __future__ import annotations

import time
from typing import Any

from complaints.clock import ManualClock
from outbox import texts
from tests.channels import test_telegram
from tests.channels.test_telegram import (
    AGENT,
    CUSTOMER,
    GROUP,
    _resolve_and_score_one,
    rows,
    say,
    telegram_settings,
    to,
    until,
)
from tests.conftest import START
from tests.telegram_api import FakeTelegram

fake = test_telegram.fake  # the fixture


def edited(fake: FakeTelegram, update: dict, text: str) -> None:
    """Queue the update Telegram sends when the message of `update` is edited to `text`."""
    message = {**update["message"], "text": text, "edit_date": int(time.time()) + 1}
    fake.push_update({"edited_message": message})


async def test_a_customers_edit_is_recorded_as_edited_and_regrades_the_complaint(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the edit had the original's dedupe key and was dropped silently."""
    bot = await start_bot(telegram_settings(fake))
    first = await say(fake, "The kettle I bought leaks and the handle is cracked, quality is bad.")
    await to(fake, CUSTOMER)  # acknowledgement
    assert "Which product" in (await to(fake, CUSTOMER))["text"]
    edited(fake, first, "The kettle leaks, the handle is cracked; it is sparking near the socket")
    assert "added your message" in (await to(fake, CUSTOMER))["text"]
    [complaint] = rows(bot, "SELECT grade FROM complaints")
    assert complaint["grade"] == "urgent"
    stored = [r["text"] for r in rows(bot, "SELECT text FROM messages WHERE direction = 'in'")]
    assert len(stored) == 2 and stored[1].startswith("(edited) The kettle leaks")


async def test_an_agents_edited_reply_is_not_sent_again_and_the_agent_is_told(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the edit went to the customer as a second letter."""
    bot = await start_bot(telegram_settings(fake))
    await say(fake, "I was charged twice on this month's bill.")
    post = await to(fake, GROUP)
    reply = await say(
        fake,
        "We will refund the second charge on Monday.",
        chat=GROUP,
        chat_type="supergroup",
        reply_to_message_id=post["result"]["message_id"],
    )
    await until(fake, CUSTOMER, "refund")
    await until(fake, GROUP, "by Telegram")
    edited(fake, reply, "We will refund the second charge on Tuesday.")
    told = await until(fake, GROUP, "Edits are not delivered")
    assert "send a new reply" in told["text"]
    assert len(rows(bot, "SELECT id FROM events WHERE kind = 'agent_replied'")) == 1
    assert not [text for text in fake.sent_texts(CUSTOMER) if "Tuesday" in text]


async def test_an_edited_note_adds_no_second_note_and_the_agent_is_told_in_their_language(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: the edited /note ran again (a second note)."""
    bot = await start_bot(telegram_settings(fake))
    await bot.app.state.services.accounts.create(
        "Rosa Díaz", "agent", ["billing"], telegram_user_id=AGENT + 1, language="es"
    )
    await say(fake, "I was charged twice on this month's bill.")
    await to(fake, GROUP)
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    note = fake.message_update(
        chat_id=GROUP,
        user_id=AGENT + 1,
        chat_type="supergroup",
        text=f"/note {number} called the bank",
    )
    fake.push_update(note)
    await until(fake, GROUP, "nota interna")
    edited(fake, note, f"/note {number} called the bank twice")
    await until(fake, GROUP, "no se ejecutan de nuevo")
    assert len(rows(bot, "SELECT id FROM events WHERE kind = 'note'")) == 1


async def test_a_low_score_by_button_gets_only_the_reopening_notice(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """Failed before: "recorded", "thanks, add a comment" and the reopening notice, all three."""
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    number = await _resolve_and_score_one(fake, bot, clock, "I was charged twice on my bill.")
    answered = [call for call in fake.calls if call["method"] == "answerCallbackQuery"]
    assert "text" not in answered[-1]["params"]
    await bot.app.state.services.dispatcher.dispatch_due()
    reopened = texts.say("en", "reopened_by_team", number=number)
    assert (await until(fake, CUSTOMER, "reopened"))["text"] == reopened
    thanks = texts.say("en", "survey_thanks")
    assert thanks not in fake.sent_texts(CUSTOMER)
