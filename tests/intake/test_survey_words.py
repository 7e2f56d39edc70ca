"""Survey answers in words, end to end through the real bot: a score written as a number word
("五分", "cinco", "four out of five") is the answer in every language; a plainly satisfied answer
without a number ("满意", "muy contento", "perfect, thanks") is kept as the round's comment and
thanked, reopening nothing and inventing no score; only a complaint that the problem persists
reopens the case. A survey answer that names no complaint answers the one open survey of its
sender."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from complaints.clock import ManualClock
from intake.courtesy import is_satisfied
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
from tests.channels.test_webhook import complaint as webhook_complaint
from tests.channels.test_webhook import post
from tests.conftest import START
from tests.factories import make_inbound
from tests.intake.test_reopening import events, to_customer
from tests.intake.test_survey_answers import surveyed
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import complaint, settings, step
from tests.telegram_api import FakeTelegram


async def test_a_low_score_in_words_reopens(start_bot: Any, sink: Sink) -> None:
    case = await surveyed(start_bot, sink)
    answered = to_customer(await case.reply_to_survey("一分，还是没信号"))
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"], stored["survey_comment"]) == (
        "reopened",
        None,
        "",
    )
    assert events(case.bot, "survey_answered") == [{"score": 1, "to": "email:boss@example.com"}]
    assert len(answered) == 1 and "a supervisor will look at it" in answered[0]


@pytest.mark.parametrize(
    "reply", ["满意", "滿意", "muy contento", "very happy", "Perfect, thanks!"]
)
async def test_a_satisfied_answer_without_a_number_is_a_comment_and_reopens_nothing(
    start_bot: Any, sink: Sink, reply: str
) -> None:
    """Answered in the complaint's language (English here)."""
    case = await surveyed(start_bot, sink)
    answered = to_customer(await case.reply_to_survey(reply))
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("resolved", None)
    assert stored["survey_comment"] == reply
    assert len(answered) == 1 and "glad your complaint" in answered[0], answered
    assert "reopen" not in answered[0] and "重新" not in answered[0]
    assert events(case.bot, "survey_commented") == [{}]
    assert events(case.bot, "survey_answered") == []
    # the round stays open: a score may still come, and it keeps the comment
    answered = to_customer(await case.reply_to_survey("5"))
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("closed", 5)
    assert stored["survey_comment"] == reply


@pytest.mark.parametrize(
    "reply",
    ["不满意", "還是沒有訊號", "no estoy contento, sigue sin funcionar", "not happy at all"],
)
async def test_a_complaint_that_the_problem_persists_reopens(
    start_bot: Any, sink: Sink, reply: str
) -> None:
    case = await surveyed(start_bot, sink)
    await case.reply_to_survey(reply)
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("reopened", None)


async def _webhook_surveyed(start_bot: Any, sink: Sink, texts: list[str]) -> tuple[Any, Any]:
    """Customer c103's complaints by webhook, each resolved and surveyed."""
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    services = bot.app.state.services
    agent = await services.agents.agent_for_name("Li Wei")
    for at, text in enumerate(texts):
        opened = await post(bot, webhook_complaint(f"w-{at}", text, customer="c103"))
        number = opened.json()["complaint"]
        await services.agents.take(number, agent)
        await services.agents.resolve(number, agent, "Replaced it.")
    assert (await step(bot, clock, timedelta(days=7)))["surveys"] == len(texts)
    return bot, clock


def _complaints(bot: Any) -> list[dict[str, Any]]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM complaints ORDER BY id")).mappings()
        found = [dict(row) for row in rows]
    engine.dispose()
    return found


async def test_a_webhook_survey_answer_without_a_complaint_answers_the_open_survey(
    start_bot: Any, sink: Sink
) -> None:
    bot, _ = await _webhook_surveyed(start_bot, sink, ["My washing machine leaks water."])
    body = {"id": "w-answer", "customer": {"id": "c103"}, "text": "4 out of 5, thanks"}
    answered = await post(bot, body)
    assert answered.status_code == 202, answered.text
    [stored] = _complaints(bot)
    assert answered.json()["complaint"] == stored["number"]
    assert (stored["status"], stored["survey_score"]) == ("closed", 4)
    assert "your answer is recorded" in answered.json()["acknowledgement"]


async def test_the_same_survey_answer_sent_again_changes_nothing(
    start_bot: Any, sink: Sink
) -> None:
    """An integrator that resends the answer under a new id within the hour: it joins the
    answered complaint as a resend, which reopens nothing and scores nothing again."""
    bot, _ = await _webhook_surveyed(start_bot, sink, ["My washing machine leaks water."])
    body = {"id": "w-answer", "customer": {"id": "c103"}, "text": "4 out of 5, thanks"}
    first = await post(bot, body)
    again = await post(bot, {**body, "id": "w-answer-again"})
    assert again.status_code == 202, again.text
    assert again.json()["complaint"] == first.json()["complaint"]
    [stored] = _complaints(bot)
    assert (stored["status"], stored["survey_score"]) == ("closed", 4)


async def test_with_two_open_surveys_or_no_survey_answer_it_is_a_new_complaint(
    start_bot: Any, sink: Sink
) -> None:
    bot, _ = await _webhook_surveyed(
        start_bot, sink, ["My washing machine leaks water.", "The courier was rude to me."]
    )
    body = {"id": "w-answer", "customer": {"id": "c103"}, "text": "4 out of 5, thanks"}
    assert (await post(bot, body)).status_code == 202
    assert [row["survey_score"] for row in _complaints(bot)] == [None, None, None]


async def test_a_new_problem_from_a_customer_with_an_open_survey_is_a_new_complaint(
    start_bot: Any, sink: Sink
) -> None:
    bot, _ = await _webhook_surveyed(start_bot, sink, ["My washing machine leaks water."])
    body = {"id": "w-new", "customer": {"id": "c103"}, "text": "My new TV does not turn on."}
    assert (await post(bot, body)).status_code == 202
    rows = _complaints(bot)
    assert [row["status"] for row in rows] == ["resolved", "acknowledged"]


async def test_an_email_answer_without_threading_answers_the_open_survey(
    start_bot: Any, sink: Sink
) -> None:
    case = await surveyed(start_bot, sink)
    answered = to_customer(await case.write("五分，满意"))  # a fresh mail, no In-Reply-To
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("closed", 5)
    assert len(answered) == 1 and "your answer is recorded" in answered[0]


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("five", 5),
        ("Five!", 5),
        ("uno", 1),
        ("dos - mal", 2),
        ("three stars", 3),
        ("tres estrellas, regular", 3),
        ("una estrella", 1),
        ("cuatro sobre cinco", 4),
        ("4 de cinco", 4),
        ("五", 5),
        ("五分", 5),
        ("两分", 2),
        ("兩分，太慢了", 2),
        ("四星", 4),
        ("五颗星", 5),
        ("给五分", 5),
        ("我給五分，很滿意", 5),
        ("满分", 5),
        ("非常满意，五分", 5),
        ("muy contento, le doy un cinco", 5),
        ("Great service, 4 stars", 4),
        ("one more thing: the router is broken again", None),
        ("three weeks and nothing", None),
        ("Five days without signal", None),
        ("一直没有信号", None),
        ("五天了还没修好", None),
        ("三分钟就断线", None),
        ("一星期都没人来", None),
        ("dos semanas sin línea", None),
        ("I called 3 times and still nothing", None),
    ],
)
def test_number_words_are_scores_only_when_they_read_as_one(text: str, score: int | None) -> None:
    assert score_in(text) == score, comment_of(text)


@pytest.mark.parametrize(
    ("text", "satisfied"),
    [
        ("满意", True),
        ("非常满意！", True),
        ("我很滿意，謝謝", True),
        ("muy contento", True),
        ("Estoy muy satisfecha, gracias", True),
        ("very happy", True),
        ("Perfect, thanks!", True),
        ("All good now, it works", True),
        ("问题解决了，谢谢", True),
        ("thanks", False),  # a mere courtesy, as before
        ("ok", False),
        ("不满意", False),
        ("不太满意", False),
        ("not happy", False),
        ("no estoy contento", False),
        ("满意？根本没修好", False),
        ("happy? it is still broken", False),
    ],
)
def test_a_plainly_satisfied_answer(text: str, satisfied: bool) -> None:
    assert is_satisfied(make_inbound(text=text)) == satisfied


async def test_on_telegram_a_typed_answer_in_words_is_read_the_same_way(
    fake: FakeTelegram, start_bot: Any
) -> None:
    """No button tapped: "满意" is the round's comment, then "五分" its score."""
    clock = ManualClock(START)
    bot = await start_bot(telegram_settings(fake), clock, background=False)
    services = bot.app.state.services
    channel = services.channels["telegram"]

    async def say(chat: int, user: int, text: str, **extra: Any) -> None:
        await handle(channel, fake.message_update(chat_id=chat, user_id=user, text=text, **extra))
        await services.dispatcher.dispatch_due()

    await say(CUSTOMER, CUSTOMER, "I was charged twice on this month's bill.")
    number = rows(bot, "SELECT number FROM complaints")[0]["number"]
    await say(GROUP, AGENT, f"/take {number}", chat_type="supergroup")
    await say(GROUP, AGENT, f"/resolve {number} refunded", chat_type="supergroup")
    clock.advance(timedelta(days=7))
    assert (await services.sweeps.run_all())["surveys"] == 1
    await services.dispatcher.dispatch_due()
    await until(fake, CUSTOMER, "How satisfied")
    await say(CUSTOMER, CUSTOMER, "满意")
    await until(fake, CUSTOMER, "glad your complaint")
    assert rows(bot, "SELECT status, survey_score, survey_comment FROM complaints") == [
        {"status": "resolved", "survey_score": None, "survey_comment": "满意"}
    ]
    await say(CUSTOMER, CUSTOMER, "五分")
    await until(fake, CUSTOMER, "your answer is recorded")
    assert rows(bot, "SELECT status, survey_score, survey_comment FROM complaints") == [
        {"status": "closed", "survey_score": 5, "survey_comment": "满意"}
    ]
