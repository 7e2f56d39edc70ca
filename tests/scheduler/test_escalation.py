"""Escalation through every level: a missed first response warns before the resolution
deadline, a missed resolution escalates again every `resolution` interval of the (raised)
grade, one `[escalation] levels` entry further each time, until the complaint is finished;
the staff alerts carry a staff subject; progress updates never promise a time already past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from typing import Any

import pytest

from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.scheduler.test_sweeps import complaint, drain, settings, step


def _text(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


async def test_escalation_reaches_every_level_until_the_complaint_is_finished(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    overrides = settings(sink)
    overrides["escalation"]["raise_grade"] = True
    overrides["escalation"]["levels"] = ["email:head@example.com", "email:ceo@example.com"]
    bot = await start_bot(overrides, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<l1@c.test>"))
    number = complaint(bot)["number"]
    # general: first response 24 h, resolution 7 d; a warning 1 h ahead of each deadline
    assert (await step(bot, clock, timedelta(hours=23)))["warnings"] == 1
    assert (await step(bot, clock, timedelta(hours=1)))["escalations"] == 1  # → boss
    await drain(sink)

    done = await step(bot, clock, timedelta(days=5, hours=23))  # 1 h before the resolution
    assert (done["warnings"], done["escalations"]) == (1, 0)
    warned = [_text(m) for m in await drain(sink) if m["To"] == "boss@example.com"]
    assert any(f"{number}: the resolution deadline is" in text for text in warned)

    assert (await step(bot, clock, timedelta(hours=1)))["escalations"] == 1  # → head
    assert complaint(bot)["grade"] == "urgent"
    # urgent: resolution 24 h; overdue, it escalates again a day later, warned an hour before
    done = await step(bot, clock, timedelta(hours=23))
    assert (done["warnings"], done["escalations"]) == (1, 0)
    assert any("escalates again at" in _text(m) for m in await drain(sink))
    assert (await step(bot, clock, timedelta(hours=1)))["escalations"] == 1  # → ceo
    assert (await step(bot, clock, timedelta(days=1)))["escalations"] == 1  # → ceo again
    assert complaint(bot)["escalation_level"] == 4

    agent = await bot.app.state.services.agents.agent_for_name("Li Wei")
    await bot.app.state.services.agents.take(number, agent)
    await bot.app.state.services.agents.resolve(number, agent, "The manager apologised.")
    assert not (await step(bot, clock, timedelta(days=5)))["escalations"]
    staff = [m["To"] for m in sink.received if "Escalation level" in _text(m)]
    assert staff == [
        "boss@example.com",
        "head@example.com",
        "ceo@example.com",
        "ceo@example.com",
    ]


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "Complaint {number}: notice for staff"), ("es", "Reclamación {number}: aviso interno")],
)
async def test_staff_alerts_by_email_carry_a_staff_subject(
    start_bot: Any, sink: Sink, language: str, subject: str
) -> None:
    clock = ManualClock(START)
    overrides = settings(sink)
    overrides["bot"] = {"default_language": language}
    bot = await start_bot(overrides, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("El dependiente fue muy grosero conmigo.", message_id="<t1@c.test>"))
    number = complaint(bot)["number"]
    await step(bot, clock, timedelta(hours=23))  # a warning
    await step(bot, clock, timedelta(hours=1))  # then an escalation
    staff = [m for m in sink.received if m["To"] == "boss@example.com"]
    assert len(staff) == 2
    for message in staff:
        header = str(make_header(decode_header(message["Subject"]))).strip()
        assert header == f"[{number}] " + subject.format(number=number)
        assert message["Content-Language"] == language
    customer = [m for m in sink.received if m["To"] == "ana@customer.test"]
    assert customer  # the customer's mails keep the customer's subject, in their language
    for message in customer:
        header = str(make_header(decode_header(message["Subject"])))
        assert "Re: Complaint" in header or f"Su reclamación {number}" in header


async def test_progress_updates_say_what_is_next_and_never_a_past_time(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<p1@c.test>"))
    number = complaint(bot)["number"]
    agent = await services.agents.agent_for_name("Li Wei")
    clock.advance(timedelta(hours=2))
    await services.agents.reply(number, agent, "We are sorry; we are looking into it.")
    await drain(sink)

    assert (await step(bot, clock, timedelta(days=1)))["progress"] == 1
    update = [_text(m) for m in await drain(sink) if m["To"] == "ana@customer.test"][-1]
    stored = datetime.fromisoformat(complaint(bot)["resolution_due"]).replace(tzinfo=UTC)
    resolution = services.replies.format_due(stored, "en")
    assert "A person will answer you" not in update  # a person did, already
    assert f"We aim to resolve it by {resolution}." in update

    await step(bot, clock, timedelta(days=5))
    await drain(sink)
    assert (await step(bot, clock, timedelta(days=1)))["progress"] == 1  # past the resolution
    update = [_text(m) for m in await drain(sink) if m["To"] == "ana@customer.test"][-1]
    # no time at all (the answer made Li Wei its handler: `staff.taking`, who is named)
    timeless = update.replace(", handled by Li Wei", "")
    assert "by " not in timeless and "taking longer than planned" in timeless
    assert ", handled by Li Wei" in update


async def test_staff_alerts_are_written_in_the_desk_language(start_bot: Any, sink: Sink) -> None:
    clock = ManualClock(START)
    overrides = settings(sink)
    overrides["bot"] = {"default_language": "es"}
    bot = await start_bot(overrides, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<d1@c.test>"))
    number = complaint(bot)["number"]
    await step(bot, clock, timedelta(hours=23))  # a warning
    await step(bot, clock, timedelta(hours=1))  # then an escalation
    boss = [_text(m) for m in sink.received if m["To"] == "boss@example.com"]
    assert len(boss) == 2
    warning, escalation = sorted(boss, key=lambda text: "Escalado" in text)
    assert f"{number}: el plazo de primera respuesta vence el " in warning
    assert "responsable: nadie todavía)." in warning
    assert f"Escalado de nivel 1: {number} incumplió su plazo de primera respuesta." in escalation
    assert "deadline" not in warning + escalation
