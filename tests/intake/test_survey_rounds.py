"""Survey rounds on Telegram (the buttons of the latest round count, an earlier round's are
stale and say so), and which replies are scores, in the four languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from complaints.clock import ManualClock
from intake.survey import comment_of, score_in
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
        {"status": "reopened", "survey_score": None}  # open again: no current score
    ]
    await dispatcher.dispatch_due()  # billing has no supervisor: none is promised
    reopened = await until(fake, CUSTOMER, "reopened your complaint")
    assert "complaints team" in reopened["text"] and "supervisor" not in reopened["text"]
    await agent(f"/resolve {number} refunded, for real this time")
    second = await survey_round()

    stale = await tap(first, 5)
    assert "no longer open" in stale["text"]
    assert rows(bot, "SELECT status, survey_score FROM complaints") == [
        {"status": "resolved", "survey_score": None}  # the new round is not answered yet
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
        ("1 - terrible, still no signal at all", 1),
        ("1 still no signal at home", 1),
        ("2 — 还是没信号", 2),
        ("1/5 muy mal servicio, nadie me llamó", 1),
        ("2 de 5, nadie me llamó en dos semanas y sigo sin línea", 2),
        ("3 out of 5 - slow", 3),
        ("3分，處理太慢了", 3),
        ("5 stars, thanks!", 5),
        ("4 points", 4),
        ("3 puntos, regular", 3),
        ("5 estrellas", 5),
        ("⭐⭐", 2),
        ("★★★☆☆", 3),
        ("⭐⭐⭐⭐⭐ great, thank you so much for the quick help with my router", 5),
        ("1分", 1),
        ("５／５", 5),
        ("I called 3 times and still nothing", None),
        ("3 times I called and still nothing", None),
        ("5 euros were charged twice", None),
        ("1-2 hours without signal", None),
        ("5 - 10 minutes on hold", None),
        ("3/4 of the calls dropped", None),
        ("5/12 the technician did not come", None),
        ("1:30 and still waiting", None),
        ("2 de mayo no vino nadie", None),
        ("3分钟就挂了", None),
        ("1分钱都没退", None),
        ("2台路由器坏了", None),
        ("2nd time this happens", None),
        ("12345 is my order number", None),
        ("⭐⭐⭐⭐⭐⭐", None),
        ("1. The router broke. 2. Nobody came and nobody answered the phone", None),
    ],
)
def test_only_a_reply_that_is_a_score_is_one(text: str, score: int | None) -> None:
    assert score_in(text) == score


@pytest.mark.parametrize(
    ("text", "comment"),
    [
        ("5", ""),
        ("5 非常满意", "非常满意"),
        ("1 - terrible, still no signal at all", "terrible, still no signal at all"),
        ("1/5 muy mal servicio, nadie me llamó", "muy mal servicio, nadie me llamó"),
        ("3分，處理太慢了", "處理太慢了"),
        ("5 stars, thanks!", "thanks!"),
        ("⭐⭐", ""),
        ("4 - Bien, GRACIAS", "Bien, GRACIAS"),
        ("It broke again", ""),
    ],
)
def test_the_comment_is_what_follows_the_score(text: str, comment: str) -> None:
    assert comment_of(text) == comment
