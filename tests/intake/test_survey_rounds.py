"""Survey rounds on Telegram (the buttons of the latest round count, an earlier round's are
stale and say so), and which replies are scores, in the four languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from complaints.clock import ManualClock
from intake.survey import score_in
from tests.channels.test_telegram import (
    AGENT,
    CUSTOMER,
    GROUP,
    handle,
    rows,
    telegram_settings,
    until,
)
from tests.channels.test_telegram import fake as fake  # the fixture, used by name
from tests.conftest import START
from tests.telegram_api import FakeTelegram


async def test_a_second_survey_round_is_answered_by_its_buttons_and_old_ones_are_stale(
    fake: FakeTelegram, start_bot: Any
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    channel = bot.app.state.services.channels["telegram"]
    dispatcher, sweeps = bot.app.state.services.dispatcher, bot.app.state.services.sweeps

    async def agent(command: str) -> None:
        await handle(
            channel,
            fake.message_update(chat_id=GROUP, user_id=AGENT, chat_type="supergroup", text=command),
        )

    async def tap(survey: dict, score: int) -> dict:
        await handle(
            channel,
            fake.callback_update(
                chat_id=CUSTOMER,
                user_id=CUSTOMER,
                data=f"survey:{number}:{score}",
                message_id=survey["result"]["message_id"],
            ),
        )
        return (await fake.next_call("answerCallbackQuery"))["params"]

    async def survey_round() -> dict:
        clock.advance(timedelta(days=7))
        assert (await sweeps.run_all())["surveys"] == 1
        await dispatcher.dispatch_due()
        return await until(fake, CUSTOMER, "How satisfied")

    await handle(
        channel,
        fake.message_update(
            chat_id=CUSTOMER, user_id=CUSTOMER, text="I was charged twice on this month's bill."
        ),
    )
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await agent(f"/take {number}")
    await agent(f"/resolve {number} refunded")
    first = await survey_round()
    await tap(first, 1)
    assert rows(bot, "SELECT status, survey_score FROM complaints") == [
        {"status": "reopened", "survey_score": 1}
    ]
    await agent(f"/resolve {number} refunded, for real this time")
    second = await survey_round()

    stale = await tap(first, 5)
    assert "no longer open" in stale["text"]
    assert rows(bot, "SELECT status, survey_score FROM complaints") == [
        {"status": "resolved", "survey_score": 1}
    ]
    recorded = await tap(second, 4)
    assert "recorded" in recorded["text"]
    assert rows(bot, "SELECT status, survey_score FROM complaints") == [
        {"status": "closed", "survey_score": 4}
    ]
    assert "recorded" in (await tap(second, 2))["text"]  # a double tap changes nothing
    assert rows(bot, "SELECT survey_score FROM complaints") == [{"survey_score": 4}]


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        ("4 - good", 4),
        ("5, thanks", 5),
        ("４", 4),
        ("5/5", 5),
        ("1 - terrible, nothing works", 1),
        ("5, gracias", 5),
        ("4 - bien", 4),
        ("5 非常满意，谢谢", 5),
        ("４分", 4),
        ("5 非常滿意", 5),
        ("3 weeks and my router is broken again, this is NOT resolved!", None),
        ("3 and my router is broken again, this is NOT resolved at all!", None),
        ("2 semanas y el router sigue roto, ¡esto NO está resuelto!", None),
        ("3周了路由器又坏了，根本没有解决！", None),
        ("3週了路由器又壞了，根本沒有解決！", None),
        ("3 weeks", None),
        ("10", None),
        ("4.5", None),
        ("It broke again", None),
    ],
)
def test_only_a_reply_that_is_a_score_is_one(text: str, score: int | None) -> None:
    assert score_in(text) == score
