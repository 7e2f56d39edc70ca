"""A complaint's later life on a ManualClock: a reopened case is followed up like a new one
(its first miss goes to the supervisor again), a bot back from downtime escalates a missed
deadline without first warning that it is near, and staff alerts say only what changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.scheduler.test_sweeps import complaint, drain, settings, step


def _texts(messages: list[Any]) -> list[tuple[str, str]]:
    return [(m["To"], m.get_body(("plain",)).get_content()) for m in messages]


async def test_a_reopened_complaint_escalates_to_the_supervisor_first(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<r1@c.test>"))
    number = complaint(bot)["number"]
    assert (await step(bot, clock, timedelta(hours=24)))["escalations"] == 1  # level 1: boss
    agent = await services.agents.agent_for_name("Li Wei")
    await services.agents.take(number, agent)
    await services.agents.resolve(number, agent, "The manager apologised.")
    clock.advance(timedelta(days=1))
    await send(
        port,
        mail("It happened again today.", message_id="<r2@c.test>", subject=f"Re: [{number}]"),
    )
    assert complaint(bot)["status"] == "reopened"
    await drain(sink)

    assert (await step(bot, clock, timedelta(hours=24)))["escalations"] == 1
    escalations = [
        (to, text) for to, text in _texts(await drain(sink)) if "Escalation level" in text
    ]
    assert escalations == [("boss@example.com", escalations[0][1])]
    assert "Escalation level 1:" in escalations[0][1]
    assert complaint(bot)["escalation_level"] == 1


async def test_after_downtime_a_missed_deadline_escalates_without_a_late_warning(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    first = await start_bot(settings(sink), clock, background=False)
    port = first.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<d1@c.test>"))
    await first.stop()
    clock.advance(timedelta(hours=25))  # down past the warning and the first-response deadline
    second = await start_bot(settings(sink), clock, background=False)
    await second.app.state.services.sweeps.run_all()
    await second.app.state.services.dispatcher.dispatch_due()
    staff = [text for to, text in _texts(await drain(sink)) if to == "boss@example.com"]
    assert len(staff) == 1 and "missed its first response deadline" in staff[0]
    # raise_grade = false: the grade did not change, so the alert says nothing of it
    assert "Grade" not in staff[0] and "general -> general" not in staff[0]


async def test_a_senior_taking_an_unassigned_case_takes_it_from_nobody(
    start_bot: Any, sink: Sink
) -> None:
    overrides = settings(sink)
    overrides["agents"].append({"name": "Bea", "departments": [], "senior": True})
    bot = await start_bot(overrides, ManualClock(START), background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<n1@c.test>"))
    number = complaint(bot)["number"]
    request = mail("I want another handler.", message_id="<n2@c.test>", subject=f"Re: [{number}]")
    await send(port, request)
    await bot.app.state.services.dispatcher.dispatch_due()
    assert complaint(bot)["assignee"] == "Bea"
    told = [text for to, text in _texts(await drain(sink)) if to == "boss@example.com"]
    assert any("Bea takes it." in text for text in told), told
    assert not any("from nobody" in text for text in told)
