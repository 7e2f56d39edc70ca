"""awaiting_customer: when an agent asks the customer something or proposes a solution, the
desk waits for the customer with the SLA clock stopped (no warning, escalation or progress
update); when the customer answers, the case is worked again and every deadline moves on by
the time spent waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from complaints.addresses import Address
from complaints.clock import ManualClock
from router.calendar import parse_calendar
from staff.chat_commands import ChatCommands
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.scheduler.test_sweeps import complaint, settings, step


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("how", "status"),
    [("ask", "awaiting_customer"), ("propose", "solution_proposed")],
)
async def test_the_clock_stops_while_the_desk_waits_for_the_customer(
    start_bot: Any, sink: Sink, how: str, status: str
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<w1@c.test>"))
    number = complaint(bot)["number"]
    agent = await services.agents.agent_for_name("Li Wei")
    await services.agents.take(number, agent)
    clock.advance(timedelta(hours=2))
    if how == "ask":
        await services.agents.reply(
            number, agent, "Which shop was it, please?", wait_for_customer=True
        )
    else:
        await services.agents.propose(number, agent, "A voucher of 20 EUR.")
    before = complaint(bot)
    assert before["status"] == status and before["first_response_at"] is not None

    done = await step(bot, clock, timedelta(days=10))  # past every deadline, but waiting
    assert (done["warnings"], done["escalations"], done["progress"]) == (0, 0, 0)

    await send(
        port,
        mail(
            "It was the shop on Main Street.", message_id="<w2@c.test>", subject=f"Re: [{number}]"
        ),
    )
    after = complaint(bot)
    assert after["status"] == "investigating"
    waited = timedelta(days=10)
    assert _at(after["resolution_due"]) == _at(before["resolution_due"]) + waited
    assert _at(after["escalate_due"]) == _at(before["escalate_due"]) + waited
    assert _at(after["warn_due"]) == _at(before["warn_due"]) + waited

    # general: resolution 7 days after opening; 2 h of it were used before the wait
    done = await step(bot, clock, timedelta(days=7, hours=-2, minutes=-61))
    assert (done["warnings"], done["escalations"]) == (0, 0)
    assert (await step(bot, clock, timedelta(minutes=1)))["warnings"] == 1
    assert (await step(bot, clock, timedelta(hours=1)))["escalations"] == 1


async def test_an_agent_asks_from_the_chat_group_with_ask(start_bot: Any, sink: Sink) -> None:
    overrides = settings(sink)
    overrides["agents"] = [{"name": "Li Wei", "departments": [], "telegram_user_id": 42}]
    bot = await start_bot(overrides, ManualClock(START), background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<w3@c.test>"))
    number = complaint(bot)["number"]
    await services.agents.take(number, await services.agents.agent_for_name("Li Wei"))
    asked = [number, "Which", "shop?"]
    answer = await ChatCommands(services.agents).run(42, "ask", asked, Address.parse("telegram:-1"))
    assert answer == f"{number}: queued for the customer by email; waiting for their answer"
    assert complaint(bot)["status"] == "awaiting_customer"


async def test_a_wait_over_a_weekend_moves_working_time_deadlines_by_working_time(
    start_bot: Any, sink: Sink
) -> None:
    """Asked Friday 17:00, answered Monday 10:00 on a desk open Mon-Fri 09-18: two working
    hours passed, so the resolution deadline moves two working hours, not 65 hours of clock
    time onto a Saturday."""
    overrides = settings(sink)
    overrides["business_hours"] = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}
    overrides["grades"] = {"general": {"progress_every": "1d", "working_time": True}}
    clock = ManualClock(START + timedelta(days=4, hours=1))  # Friday 10:00
    bot = await start_bot(overrides, clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<w4@c.test>"))
    number = complaint(bot)["number"]
    agent = await services.agents.agent_for_name("Li Wei")
    await services.agents.take(number, agent)
    clock.advance(timedelta(hours=7))  # Friday 17:00
    await services.agents.reply(number, agent, "Which shop was it?", wait_for_customer=True)
    before = complaint(bot)
    clock.advance(timedelta(days=2, hours=17))  # Monday 10:00
    await send(
        port,
        mail("The one on Main Street.", message_id="<w5@c.test>", subject=f"Re: [{number}]"),
    )
    after = complaint(bot)
    calendar = parse_calendar("UTC", {"mon-fri": ["09:00-18:00"]}, [])
    moved = calendar.add(_at(before["resolution_due"]), timedelta(hours=2))
    assert _at(after["resolution_due"]) == moved and moved.weekday() < 5  # Wed 18:00
    assert _at(after["escalate_due"]) == moved
    assert _at(after["warn_due"]) == moved - timedelta(hours=1)
