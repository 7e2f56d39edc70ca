"""The hourly limit of automatic replies to one sender (`[email] max_replies_per_hour`), by
e-mail with an injected clock. It stops mail loops, so it counts only what a loop can cause:
the bot's answers to the sender's own messages (acknowledgements, follow-up confirmations, the
survey's thanks). Notices caused by staff (assignment, resolution) and by the schedule (the
survey question) neither count nor are ever withheld."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from complaints.clock import ManualClock
from tests.channels.test_email import rows
from tests.conftest import START
from tests.intake.test_reopening import Life, events, to_customer
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import drain, settings, step


async def test_a_new_complaint_is_acknowledged_after_a_busy_hour_of_staff_notices(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    survey_soon = {"survey": {"delay": "10m", "close_after": "14d"}}
    bot = await start_bot({**settings(sink), **survey_soon}, clock, background=False)
    case = Life(bot, sink, clock)
    told = to_customer(await case.write("The shop assistant was rude to me."))
    number = case.number
    for n in range(2):
        told += to_customer(
            await case.write(f"Detail {n}: it was at noon.", subject=f"Re: {number}")
        )
    await case.agent("assign", "Li Wei")
    await case.agent("resolve", "Apologised.")
    assert (await step(bot, clock, timedelta(minutes=10)))["surveys"] == 1
    await drain(sink)
    # acknowledgement, 2 confirmations, assigned, resolved, survey: 6 mails within the hour
    to_ana = [m for m in sink.received if m["To"] == "ana@customer.test"]
    assert len(told) == 3 and len(to_ana) == 6

    thanks = to_customer(await case.reply_to_survey("5"))
    assert len(thanks) == 1 and "your answer is recorded" in thanks[0]
    new = to_customer(
        await case.write("Now the delivery of my second order is late.", subject="Late")
    )
    assert len(new) == 1 and "complaint number" in new[0] and number not in new[0]
    assert events(bot, "reply_withheld") == []


async def test_the_limit_still_stops_answers_but_never_a_staff_notice(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(
        {**settings(sink), "email": {"relay": {"port": sink.port}, "max_replies_per_hour": 2}},
        clock,
        background=False,
    )
    case = Life(bot, sink, clock)
    answered = [
        to_customer(await case.write(f"Problem number {n} with my order.")) for n in range(3)
    ]
    assert [len(mails) for mails in answered] == [1, 1, 0]  # a third answer within the hour: no
    assert "limit 2" in events(bot, "reply_withheld")[0]["why"]
    agent = await case.services.agents.agent_for_name("Li Wei")
    numbers = [row["number"] for row in rows(bot, "SELECT number FROM complaints ORDER BY id")]
    await case.services.agents.assign(numbers[-1], agent, "Li Wei")
    await case.services.dispatcher.dispatch_due()
    notices = to_customer(
        [(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(sink)]
    )
    assert len(notices) == 1 and numbers[-1] in notices[0]  # the staff notice still goes
