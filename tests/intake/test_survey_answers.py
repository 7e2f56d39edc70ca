"""Survey answers by e-mail, end to end through the real bot: a leading score counts whatever
comment follows it, in the four languages and as stars, and the comment is stored without the
score; a low score reopens the case and tells whoever reviews it (the supervisor, else the
first `[escalation] levels` address), and the customer is promised a supervisor only when one
was told. A number that is not a score leaves the survey unanswered."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from complaints.clock import ManualClock
from tests.conftest import START
from tests.intake.test_reopening import Life, events, to_customer
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import complaint, settings


def customer_texts(bot: Any) -> list[str]:
    """What the customer wrote, oldest first (the timeline's inbound messages)."""
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
        ).all()
    engine.dispose()
    return [row[0] for row in found]


async def surveyed(
    start_bot: Any, sink: Sink, *, supervisor: str = "email:boss@example.com", levels: Any = None
) -> Life:
    """An e-mail customer's complaint (department customer_care), resolved and surveyed."""
    overrides = settings(sink)
    overrides["departments"] = {"customer_care": {"supervisor": supervisor}}
    if levels is not None:
        overrides["escalation"]["levels"] = levels
    clock = ManualClock(START)
    bot = await start_bot(overrides, clock, background=False)
    case = Life(bot, sink, clock)
    await case.write("The shop assistant was rude to me.")
    await case.resolve_and_survey()
    return case


@pytest.mark.parametrize(
    ("reply", "score", "comment"),
    [
        ("1 - terrible, still no signal at all", 1, "terrible, still no signal at all"),
        ("2 — 还是没信号", 2, "还是没信号"),
        ("1/5 muy mal servicio, nadie me llamó", 1, "muy mal servicio, nadie me llamó"),
        ("１分", 1, ""),
        ("⭐⭐", 2, ""),
        (
            "1 star. The technician never came, nobody called me back and the line is still dead",
            1,
            "The technician never came, nobody called me back and the line is still dead",
        ),
    ],
)
async def test_a_low_score_with_any_comment_is_recorded_reopens_and_tells_the_supervisor(
    start_bot: Any, sink: Sink, reply: str, score: int, comment: str
) -> None:
    case = await surveyed(start_bot, sink)
    mails = await case.reply_to_survey(reply)
    stored = complaint(case.bot)
    # open again: no current score; the round's is on the timeline, the comment in the message
    assert (stored["status"], stored["survey_score"], stored["survey_comment"]) == (
        "reopened",
        None,
        "",
    )
    assert events(case.bot, "survey_answered")[-1]["score"] == score
    assert comment in customer_texts(case.bot)[-1]
    boss = [body for to, body in mails if to == "boss@example.com"]
    assert len(boss) == 1 and f"rated the solution {score}/5" in boss[0]
    answered = to_customer(mails)
    assert len(answered) == 1 and "a supervisor will look at it" in answered[0]
    assert events(case.bot, "survey_answered")[-1] == {
        "score": score,
        "to": "email:boss@example.com",
    }
    assert events(case.bot, "status_changed")[-1]["why"] == f"survey score {score}"


@pytest.mark.parametrize(
    ("reply", "score", "comment"),
    [
        ("3分，處理太慢了", 3, "處理太慢了"),
        ("5 stars, thanks!", 5, "thanks!"),
        ("5 非常满意", 5, "非常满意"),
        (
            "4 out of 5: the refund came, but it took three weeks and four phone calls",
            4,
            "the refund came, but it took three weeks and four phone calls",
        ),
        # the score in words ("五分", "cinco", "four out of five") is the answer in every language
        ("五分，满意", 5, "满意"),
        ("cinco, muy contento con el cambio", 5, "muy contento con el cambio"),
        ("Four out of five, thanks", 4, "thanks"),
        ("cuatro de cinco", 4, ""),
        ("五星", 5, ""),
        ("Very happy, 5/5", 5, "Very happy"),
    ],
)
async def test_a_good_score_with_a_comment_closes_and_keeps_the_comment_alone(
    start_bot: Any, sink: Sink, reply: str, score: int, comment: str
) -> None:
    case = await surveyed(start_bot, sink)
    answered = to_customer(await case.reply_to_survey(reply))
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("closed", score)
    assert stored["survey_comment"] == comment
    assert len(answered) == 1 and "your answer is recorded" in answered[0]
    assert events(case.bot, "survey_answered") == [{"score": score}]


@pytest.mark.parametrize(
    "reply",
    [
        "I called 3 times and still nothing",
        "2 routers and 3 weeks later the line is still dead, nobody has come to fix anything",
        "5 euros were charged twice on my bill",
        "3/4 of the calls were dropped today",
        "1-2 hours without signal every single day",
    ],
)
async def test_a_number_that_is_no_score_leaves_the_survey_open_and_reopens(
    start_bot: Any, sink: Sink, reply: str
) -> None:
    case = await surveyed(start_bot, sink)
    answered = to_customer(await case.reply_to_survey(reply))
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("reopened", None)
    assert events(case.bot, "survey_answered") == []
    assert len(answered) == 1 and "We have reopened your complaint" in answered[0]


async def test_without_a_supervisor_a_low_score_goes_to_the_first_escalation_level(
    start_bot: Any, sink: Sink
) -> None:
    case = await surveyed(start_bot, sink, supervisor="")
    mails = await case.reply_to_survey("1 - terrible, still no signal at all")
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("reopened", None)
    head = [body for to, body in mails if to == "head@example.com"]
    assert len(head) == 1 and "rated the solution 1/5" in head[0]
    answered = to_customer(mails)
    assert len(answered) == 1 and "our complaints team will look at it again" in answered[0]
    assert "supervisor" not in answered[0]
    assert events(case.bot, "survey_answered")[-1] == {"score": 1, "to": "email:head@example.com"}
    assert events(case.bot, "supervisor_told") == []


async def test_with_nobody_to_tell_a_low_score_reopens_and_promises_no_supervisor(
    start_bot: Any, sink: Sink
) -> None:
    case = await surveyed(start_bot, sink, supervisor="", levels=[])
    mails = await case.reply_to_survey("2 — 还是没信号")
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"], stored["survey_comment"]) == (
        "reopened",
        None,
        "",
    )
    assert [to for to, _ in mails] == ["ana@customer.test"]  # no staff address exists
    assert "our complaints team will look at it again" in mails[0][1]
    assert "supervisor" not in mails[0][1]
    assert events(case.bot, "survey_answered")[-1] == {"score": 2}
